"""Folders the build cannot read, or that are nested too deep (issue 14: items 4, 16, 21).

Root reads every folder whatever its mode, so as root these run the build as `nobody`
without capabilities (setpriv) on a project copy it owns; any other user runs it as
itself. The old build then took an unreadable folder for an empty one, exited 0 and
deleted every article page under it.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from buildkit import tree
from conftest import REPO, SOURCE_DATE_EPOCH, copy_sample
from newsdigest.files import MAX_DEPTH

NOBODY = 65534
AS_ROOT = os.geteuid() == 0
UNPRIVILEGED = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--inh-caps=-all"] \
    if AS_ROOT else []  # another user has no capability to drop
ENV = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, PYTHONUNBUFFERED="1")


def give_to_builder(path: Path) -> None:
    """Make `path` (and what it holds) the unprivileged build's: `nobody`'s, as root."""
    if AS_ROOT:
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(path)], check=True)


def run(project: Path, *args: str, unprivileged: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, str(REPO / "build.py"), "--config", "config.yaml", *args]
    return subprocess.run((UNPRIVILEGED if unprivileged else []) + command, cwd=project, env=dict(ENV, HOME=str(project)),
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def owned_sample():
    """The bundled sample, ingested and built by `nobody` (as root; else by this user),
    in a folder it owns (pytest's tmp_path sits in a folder only root may enter)."""
    if AS_ROOT and not shutil.which("setpriv"):
        pytest.skip("as root, needs setpriv to run the build without CAP_DAC_OVERRIDE")
    holder = Path(tempfile.mkdtemp(prefix="newsdigest-unprivileged-"))
    os.chmod(holder, 0o755)
    root = holder / "sample"
    root.mkdir()
    copy_sample(root)
    give_to_builder(root)
    result = run(root)
    if result.returncode != 0:
        shutil.rmtree(holder)
        pytest.fail(f"unprivileged build failed: {result.stderr}")
    yield root
    subprocess.run(["chmod", "-R", "u+rwX", str(holder)], check=False)
    shutil.rmtree(holder, ignore_errors=True)


def test_an_unreadable_content_folder_is_a_problem_and_nothing_is_written(owned_sample):
    site_before = tree(owned_sample / "site")
    os.chmod(owned_sample / "content/2019/11", 0o000)
    for command in ((), ("build",)):
        result = run(owned_sample, *command)
        assert result.returncode == 1, result.stdout
        assert "content/2019/11: cannot read this folder: Permission denied" in result.stderr.splitlines()
        assert result.stderr.endswith("nothing was written\n")
        assert tree(owned_sample / "site") == site_before  # not "built 0 articles", no page deleted


def test_an_unreadable_layouts_folder_is_a_problem_too(owned_sample):
    site_before = tree(owned_sample / "site")
    os.chmod(owned_sample / "layouts/static", 0o000)
    result = run(owned_sample, "build")
    assert result.returncode == 1
    assert "layouts/static: cannot read this folder: Permission denied" in result.stderr.splitlines()
    assert tree(owned_sample / "site") == site_before


def test_check_reports_an_unreadable_site_folder(owned_sample):
    """check lists site/ with the build's own walk: a folder it cannot read is named, not
    taken for an empty one (whose pages would only show up as broken links)."""
    os.chmod(owned_sample / "site/tags", 0o000)
    result = run(owned_sample, "check")
    assert result.returncode == 1
    assert "site/tags: cannot read this folder: Permission denied" in result.stdout.splitlines()

def test_a_read_only_old_site_is_replaced_without_leaving_site_new(owned_sample):
    """Item 21: a full rebuild swapped the new tree in, then could not delete the old
    read-only one and left it as site.new/ without a word."""
    subprocess.run(["chmod", "-R", "a-w", str(owned_sample / "site")], check=True)
    css = owned_sample / "layouts/base.html"
    css.write_text(css.read_text().replace("</head>", "<!-- changed -->\n</head>", 1))  # every page changes
    result = run(owned_sample, "build")
    assert result.returncode == 0, result.stderr
    assert not (owned_sample / "site.new").exists() and not (owned_sample / "site.old").exists()
    assert b"<!-- changed -->" in (owned_sample / "site/index.html").read_bytes()


def test_a_folder_nested_too_deep_is_reported_not_skipped(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    copy_sample(project)
    assert run(project, unprivileged=False).returncode == 0
    site_before = tree(project / "site")
    deep = project / "content" / "/".join(["d"] * (MAX_DEPTH + 1))
    deep.mkdir(parents=True)
    (deep / "lost.md").write_text("---\ntitle: Lost\ndate: 2019-11-18\n---\n\nDeep.\n")
    result = run(project, "build", unprivileged=False)
    assert result.returncode == 1
    assert (f"content/{'/'.join(['d'] * MAX_DEPTH)}/d: folder nested more than {MAX_DEPTH} levels deep; "
            "not read (move its files up)") in result.stderr.splitlines()
    assert tree(project / "site") == site_before


def remove_deep(top: Path) -> None:
    """Remove a very deep chain of folders without recursion (shutil.rmtree recurses)."""
    chain = [top]
    while True:
        children = [p for p in chain[-1].iterdir() if p.is_dir()]
        if not children:
            break
        chain.append(children[0])
    for folder in reversed(chain):
        for p in folder.iterdir():
            if not p.is_dir():
                p.unlink()
        folder.rmdir()


def test_serve_survives_a_folder_1200_levels_deep_and_reports_it(tmp_path):
    """Item 16: the server's watcher walked content/ with os.walk, which recurses, and
    exited with RecursionError."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_serve import Server, wait_for

    project = tmp_path / "p"
    project.mkdir()
    copy_sample(project)
    server = Server(project)
    try:
        builds = server.idle_after(0)["builds"]
        top = project / "content/deep"
        folder = top
        os.mkdir(folder)
        for _ in range(1199):
            folder = folder / "d"
            os.mkdir(folder)
        (folder / "lost.md").write_text("---\ntitle: Lost\ndate: 2019-11-18\n---\n\nDeep.\n")
        edited = next((project / "content/2019/11").glob("*.md"))
        edited.write_bytes(edited.read_bytes())  # an editor's save: the next build walks content/
        status = server.idle_after(builds)
        assert server.process.poll() is None, server.stderr()
        messages = [e["message"] for e in status["errors"]]
        assert f"folder nested more than {MAX_DEPTH} levels deep; not read (move its files up)" in messages
        remove_deep(top)
        edited.write_bytes(edited.read_bytes())
        wait_for(lambda: server.status()["ok"], "a good build once the deep folder is gone")
        assert server.process.poll() is None
        assert "RecursionError" not in server.stderr()
    finally:
        server.stop()


NEW_SEED = ("sample wire (newsdigest sample)\n\nPort of Busan opens a new container berth for larger ships\n"
            "Updated: 2019-11-18 11:05:00 KST\n\n"
            "The port of Busan opened a new container berth on Thursday for ships carrying more than 20,000 boxes.\n"
            "Port officials said the berth adds a tenth to the port's capacity.\nKim Ji-won, Sample Wire.\nReporter :\n")


@pytest.mark.parametrize("jobs", ["1", "2"])  # in this process, and in the forked child beside the preload
def test_an_ingest_record_that_cannot_be_written_is_reported_after_the_build_of_what_was_written(owned_sample, jobs):
    """The build starts once ingest's content files are written, not after ingest's own
    record: when content/.ingest.json cannot be written (content/ read-only, its month
    folder not), the new article is built all the same, then the record's problem is one
    line and the exit status 1; the record is as it was."""
    (owned_sample / "seeds" / "051_busan.txt").write_text(NEW_SEED, encoding="utf-8")
    give_to_builder(owned_sample / "seeds" / "051_busan.txt")
    record = (owned_sample / "content" / ".ingest.json").read_bytes()
    os.chmod(owned_sample / "content", 0o555)
    try:
        result = run(owned_sample, "--jobs", jobs)
    finally:
        os.chmod(owned_sample / "content", 0o755)
    assert result.returncode == 1, result.stdout
    assert result.stdout.splitlines() == [
        "ingested 1 new or changed, 15 unchanged, 0 hand edits kept, 0 rejected -> content/",
        result.stdout.splitlines()[1]]
    assert result.stdout.splitlines()[1].startswith("built 16 articles, ")
    assert result.stderr == "content/.ingest.json: cannot write: Permission denied\n"
    page = owned_sample / "site/2019/11/18/port-of-busan-opens-a-new-container-berth-for-larger-ships/index.html"
    assert "Port of Busan opens a new container berth" in page.read_text(encoding="utf-8")
    assert (owned_sample / "content" / ".ingest.json").read_bytes() == record
    # Once content/ can be written again, the next run writes the record and finds the
    # content file by its seed: no second copy.
    again = run(owned_sample)
    assert again.returncode == 0, again.stderr
    assert "ingested 0 new or changed, 16 unchanged" in again.stdout
    assert b"051_busan.txt" in (owned_sample / "content" / ".ingest.json").read_bytes()
    assert len(list((owned_sample / "content").rglob("*port-of-busan*.md"))) == 1
