"""What survives a fault (issue 14: items 3, 7, 8, 21): two builds at once, kill -9 in the
middle of writing site/, files deleted or altered in site/, a cache folder that is a file.

Each test injects the real fault (two real processes, SIGKILL of a real build, rm) and
then compares site/ with a clean build of the same input, byte for byte.
"""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from buildkit import NOW_EPOCH, make_project, run_build, tree
from conftest import REPO, content_files, copy_sample, run_cli
from test_writes import add_articles, temp_files


def build_cmd(project: Path, *extra: str) -> list[str]:
    return [sys.executable, *extra, str(REPO / "build.py"), "build", "--config", "config.yaml"]


def pinned_env(**more) -> dict:
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH=str(NOW_EPOCH), PYTHONPATH=str(REPO))
    env.update(more)
    return env


@pytest.fixture
def sample(tmp_path):
    """The bundled sample (config.yaml, layouts/, seeds/), ingested and built."""
    root = tmp_path / "sample"
    root.mkdir()
    copy_sample(root)
    result = run_cli(root)
    assert result.returncode == 0, result.stderr
    return root


def clean_site(tmp_path: Path, project: Path) -> dict:
    """site/ of a cold build of a copy of the project's inputs."""
    copy = tmp_path / f"clean-{project.name}"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    for name in ("config.yaml", "layouts", "content"):
        src = project / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, copy / name)
    result = run_build(copy)
    assert result.returncode == 0, result.stderr
    return tree(copy / "site")


# ------------------------------------------------------------------ item 8: partial deletion
def test_deleted_and_altered_output_is_restored_even_when_no_input_changed(sample, tmp_path):
    site = sample / "site"
    before = tree(site)
    for p in site.glob("2019/11/18/busan-*/index.html"):
        p.unlink()
    (site / "feed.xml").unlink()
    shutil.rmtree(site / "tags/weather")
    page = next(site.glob("2019/11/*/*/index.html"))
    data = page.read_bytes()
    page.write_bytes(data.replace(b"<title>", b"<title>X", 1)[:len(data)])  # same size, other bytes
    result = run_cli(sample, "build")
    assert result.returncode == 0, result.stderr
    assert "missing or changed since the last build; writing them again" in result.stderr
    assert tree(site) == before
    check = run_cli(sample, "check")
    assert check.returncode == 0, check.stdout
    again = run_cli(sample, "build")  # and the restored files are recorded: nothing to do
    assert "(0 files written)" in again.stdout and again.stderr == ""


# ------------------------------------------------------------------ item 3: two builds at once
def test_a_second_build_waits_for_the_first_and_says_so(sample):
    (sample / ".cache").mkdir(exist_ok=True)
    with open(sample / ".cache/build.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242\n")
        held.flush()
        (sample / "content/2019/11").joinpath(next(p.name for p in (sample / "content/2019/11").glob("*.md"))).touch()
        proc = subprocess.Popen(build_cmd(sample), cwd=sample, env=pinned_env(SOURCE_DATE_EPOCH="1574208000"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stderr.readline()
        assert line == "waiting for another build of site/ (pid 4242)\n"
        time.sleep(0.3)
        assert proc.poll() is None  # still waiting while the lock is held
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "built 15 articles" in out


def test_a_second_ingest_of_the_same_content_waits_too(sample):
    with open(sample / ".cache/ingest.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4343\n")
        held.flush()
        proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "ingest", "--config", "config.yaml"],
                                cwd=sample, env=pinned_env(SOURCE_DATE_EPOCH="1574208000"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stderr.readline() == "waiting for another ingest into content/ (pid 4343)\n"
        time.sleep(0.3)
        assert proc.poll() is None
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "15 unchanged" in out


def test_two_real_builds_at_once_leave_exactly_a_clean_site(tmp_path):
    project = make_project(tmp_path / "p")
    add_articles(project, 40)
    expected = clean_site(tmp_path, project)
    deadline = time.monotonic() + 40
    for trial in range(6):
        if trial and time.monotonic() > deadline:
            break
        if trial % 2 == 0:  # cold builds: both would assemble and swap a whole new tree
            shutil.rmtree(project / "site", ignore_errors=True)
            shutil.rmtree(project / ".cache", ignore_errors=True)
        else:  # an editor's save while a build runs: both update in place
            (project / "content/2024/01/budget.md").touch()
        procs = [subprocess.Popen(build_cmd(project), cwd=project, env=pinned_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        assert [code for code, _ in results] == [0, 0], results
        assert tree(project / "site") == expected, f"trial {trial}"
        assert not (tmp_path / "p/site.new").exists() and not (tmp_path / "p/site.old").exists()


# ------------------------------------------------------------------ item 7: kill -9 while writing
KILL_AT_RENAME = textwrap.dedent("""
    import os, runpy, signal, sys
    limit, count = int(os.environ["KILL_AT_RENAME"]), [0]
    real_replace = os.replace
    def replace(a, b, **kw):  # SIGKILL this build just before its Nth rename
        if not os.path.basename(str(b)).startswith(".") and "/.cache/" not in str(b):
            count[0] += 1
            if count[0] == limit:
                os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(a, b, **kw)
    os.replace = replace
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
""")


def edit_bodies(project: Path, count: int, marker: str) -> None:
    for path in sorted((project / "content/2023/12").glob("extra-*.md"))[:count]:
        path.write_text(path.read_text() + f"\n{marker} paragraph.\n")


def test_kill_9_during_an_in_place_update_then_the_next_build_is_a_clean_build(tmp_path):
    project = make_project(tmp_path / "p")
    add_articles(project, 120)
    assert run_build(project).returncode == 0
    shim = tmp_path / "kill.py"
    shim.write_text(KILL_AT_RENAME)
    for n, kill_at in enumerate((1, 2, 5, 9)):
        edit_bodies(project, 8, f"Edit {n}")
        killed = subprocess.run(build_cmd(project, str(shim)), cwd=project, env=pinned_env(KILL_AT_RENAME=str(kill_at)),
                                capture_output=True, text=True, timeout=120)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        result = run_build(project)
        assert result.returncode == 0, result.stderr
        assert "the last build stopped while writing it; rebuilding it in full" in result.stderr
        assert tree(project / "site") == clean_site(tmp_path, project), f"killed at rename {kill_at}"
        assert temp_files(project / "site") == [] and not (project / "site.new").exists()


def test_kill_9_at_any_moment_of_a_build_then_the_next_build_is_a_clean_build(tmp_path):
    """SIGKILL at spread-out moments of real incremental builds (timing, not injection)."""
    project = make_project(tmp_path / "p")
    add_articles(project, 120)
    assert run_build(project).returncode == 0
    edit_bodies(project, 8, "Timing")
    started = time.monotonic()
    assert run_build(project).returncode == 0
    took = time.monotonic() - started
    killed = 0
    for n, share in enumerate((0.6, 0.8, 0.95)):
        edit_bodies(project, 8, f"Kill {n}")
        proc = subprocess.Popen(build_cmd(project), cwd=project, env=pinned_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(took * share)
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait(timeout=60) == -signal.SIGKILL  # (a build done by then was not killed)
        result = run_build(project)
        assert result.returncode == 0, result.stderr
        assert tree(project / "site") == clean_site(tmp_path, project), f"killed at {share:.0%}"
        assert temp_files(project / "site") == [] and not (project / "site.new").exists()
    assert killed, "every build was done before its kill landed: nothing was tested"


def test_check_flags_temp_files_and_site_new_left_behind(sample):
    leftover = sample / "site/2019/.index.html.tmp12345"
    leftover.write_bytes(b"<p>half")
    (sample / "site.new").mkdir()
    result = run_cli(sample, "check")
    assert result.returncode == 1
    assert "2019/.index.html.tmp12345: a temp file left by an interrupted build; build again" in result.stdout
    assert "site.new: a site folder left by an interrupted build; build again" in result.stdout


# ------------------------------------------------------------------ item 21: a cache that is a file
def test_a_cache_path_that_is_a_file_fails_before_writing_anything(tmp_path):
    project = make_project(tmp_path / "p")
    (project / ".cache").write_text("not a folder")
    result = run_build(project)
    assert result.returncode == 1
    assert result.stderr.startswith(".cache: is not a folder; the build cache (paths.cache) needs a folder here")
    assert "Traceback" not in result.stderr
    assert not (project / "site").exists()


# ------------------------------------------------------------------ a power cut during ingest
NEW_SEED = "\n".join(["arirang mobile", "", "Power cut test: a new article arrives", "Updated: 2019-11-19 10:00:00 KST",
                      "", "The first paragraph of the new article.", "The second paragraph.",
                      "Kim Ji-yeon, Arirang News.", "Reporter :", ""])


def cut_new_seed(project: Path) -> None:
    (project / "seeds/900_power-cut.txt").write_text(NEW_SEED, encoding="utf-8")


def cut_changed_seed(project: Path) -> None:
    seed = project / "seeds/001_sample-exports-chips.txt"
    seed.write_text(seed.read_text(encoding="utf-8").replace("fell for the twelfth", "fell for a twelfth"),
                    encoding="utf-8")


@pytest.mark.parametrize("change, cut", [
    (cut_new_seed, lambda data: b""),  # its data never reached the disk
    (cut_changed_seed, lambda data: b"\0" * len(data)),  # blocks allocated, never written
    (cut_changed_seed, lambda data: data[:40]),  # cut in its front matter
])
def test_a_content_file_cut_by_a_power_cut_before_it_was_recorded_is_written_again(sample, tmp_path, change, cut):
    # The state a power cut leaves when it strikes after ingest wrote a content file but
    # before the file's data and .ingest.json reached the disk (no process kill can leave
    # it: the page cache survives one), written by hand: the record and the cache as
    # before the run, and the file's bytes cut.
    saved = tmp_path / "saved"
    shutil.copy(sample / "content/.ingest.json", tmp_path / "record.json")
    shutil.copytree(sample / ".cache", saved)
    before = content_files(sample)
    change(sample)
    whole = run_cli(sample, "ingest")
    assert whole.returncode == 0, whole.stderr
    after = content_files(sample)
    [rel] = [rel for rel in after if after[rel] != before.get(rel)]
    shutil.copy(tmp_path / "record.json", sample / "content/.ingest.json")
    shutil.rmtree(sample / ".cache")
    shutil.copytree(saved, sample / ".cache")
    (sample / "content" / rel).write_bytes(cut(after[rel]))

    result = run_cli(sample, "ingest")
    assert result.returncode == 0, result.stderr
    assert f"content/{rel}: empty or cut short (an ingest stopped by a crash or power cut); written again from " \
           "seeds/" in result.stdout
    assert "0 hand edits kept" in result.stdout
    assert content_files(sample) == after  # the seed's bytes, under the same name (no -2 file)
    again = run_cli(sample, "ingest")
    assert "cut short" not in again.stdout and "0 new or changed" in again.stdout


def test_a_hand_edit_that_parses_is_still_kept_when_its_seed_changes(sample):
    # The rule above takes only files no editor leaves: one that still parses stays.
    path = sample / "content/2019/11/koreas-exports-fall-for-12th-straight-month-as-chip-prices-stay-low.md"
    edited = path.read_bytes().replace(b"memory chips", b"memory chips (edited)")
    path.write_bytes(edited)
    cut_changed_seed(sample)
    result = run_cli(sample, "ingest")
    assert result.returncode == 0, result.stderr
    assert "edited by hand; keeping your edit" in result.stdout and "cut short" not in result.stdout
    assert path.read_bytes() == edited
