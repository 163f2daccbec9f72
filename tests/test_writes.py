"""The one writer proves every path and every byte (issue 14: items 1, 5, 6, 11).

Paths: nothing is written outside the output folder, whatever a config or a content file
says and whatever symlinks site/ holds. Bytes: every write is checked for its length and
fsync'd before its rename; a full disk (a real small tmpfs) fails the run with the path,
leaving the old files and no temp file.
"""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from buildkit import NOW_EPOCH, make_project, pinned_env, run_build, set_config, tree
from conftest import REPO, SOURCE_DATE_EPOCH
from newsdigest.errors import DigestError
from newsdigest.output import NewSite, put, update_site


def temp_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(".*.tmp*"))


# ------------------------------------------------------------------ paths
def test_config_refuses_an_article_path_that_leaves_the_output(tmp_path):
    project = make_project(tmp_path / "p")
    set_config(project, "article_path", '"../escaped/{slug}/"')
    result = run_build(project)
    assert result.returncode == 2
    line = next(n for n, text in enumerate((project / "config.yaml").read_text().splitlines(), 1)
                if text.startswith("article_path:"))
    assert result.stderr.startswith(f"config.yaml:{line}: article_path: '../escaped/{{slug}}/' has an empty, '.' or '..'")
    assert not (tmp_path / "escaped").exists() and not (project / "site").exists()


def test_an_id_that_climbs_out_is_refused_naming_its_file(tmp_path):
    """With `article_path: a/{id}/` and `id: ../../layouts`, the old build overwrote
    layouts/index.html. Whatever validates ids, the writer refuses and writes nothing."""
    project = make_project(tmp_path / "p")
    set_config(project, "article_path", '"a/{id}/"')
    budget = project / "content/2024/01/budget.md"
    budget.write_text(budget.read_text().replace("tags:", "id: ../../layouts\ntags:", 1))
    layouts_before = tree(project / "layouts")
    result = run_build(project)
    assert result.returncode == 1
    assert "content/2024/01/budget.md" in result.stderr
    assert tree(project / "layouts") == layouts_before
    assert not (project / "site").exists()


def test_the_writer_itself_refuses_paths_outside(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_bytes(b"old")
    for rel in ("../x.html", "/etc/x", "a/../../x", "a//b", "./x", "a\\..\\x", ""):
        with pytest.raises(DigestError, match="refusing to write outside"):
            put(site, rel, b"x")
        with pytest.raises(DigestError, match="refusing to write outside"):
            update_site(site, {"ok.html": b"new", rel: b"x"}, set())
        with pytest.raises(DigestError, match="refusing to write outside"):
            update_site(site, {}, {rel})
    stage = NewSite(site)
    with pytest.raises(DigestError, match="refusing to write outside"):
        stage.write("../y.html", b"x")
    with pytest.raises(DigestError, match="refusing to write outside"):
        stage.keep("../x.html")
    stage.abandon()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert tree(site) == {"index.html": b"old"}  # the good file in the same change set was not written either


def test_outside_reason_finds_every_empty_dot_and_dotdot_part():
    """The check is written with substring tests for speed (12,000 paths a build); it
    must flag exactly the paths whose split parts include '', '.' or '..'."""
    import random
    from newsdigest.output import outside_reason
    rng = random.Random(14)
    for _ in range(20000):
        rel = "".join(rng.choice(["a", ".", "/", "b", "..", "é"]) for _ in range(rng.randint(1, 10)))
        bad = rel.startswith("/") or any(part in ("", ".", "..") for part in rel.split("/"))
        assert (outside_reason(rel) is not None) == bad, rel


def test_a_symlink_in_the_output_does_not_carry_a_write_outside(tmp_path):
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    site.mkdir()
    elsewhere.mkdir()
    (elsewhere / "index.html").write_bytes(b"precious")
    (site / "tags").symlink_to(elsewhere)
    with pytest.raises(DigestError, match="resolves to"):
        update_site(site, {"index.html": b"new", "tags/index.html": b"evil", "tags/new/index.html": b"evil"}, set())
    assert tree(elsewhere) == {"index.html": b"precious"}
    assert not (site / "index.html").exists()


def test_a_build_from_another_folder_reads_content_beside_the_config(tmp_path):
    """Item 11: with the article cache gone, the old build re-read content files from the
    working directory (FileNotFoundError: '/tmp/content/...')."""
    project = make_project(tmp_path / "p")
    assert run_build(project).returncode == 0
    expected = tree(project / "site")
    for name in ("articles.pickle", "articles-delta.pickle"):
        (project / ".cache" / name).unlink()
    (project / "content/2024/01/budget.md").touch()  # stat changed: the build must look at it
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH=str(1717200000))
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--config", str(project / "config.yaml")],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert tree(project / "site") == expected
    assert list(elsewhere.iterdir()) == []


# ------------------------------------------------------------------ bytes
SHORT_WRITES = textwrap.dedent("""
    import os, runpy, sys
    real_write = os.write
    def short_write(fd, data):  # what a nearly full disk or a signal does: fewer bytes than asked
        return real_write(fd, bytes(memoryview(data)[: max(1, len(data) // 3)]))
    os.write = short_write
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
""")


def test_short_writes_are_completed_not_renamed_into_place_cut(tmp_path):
    """os.write may write fewer bytes than asked; the old write_atomic renamed such a cut
    file into place and exited 0 (atom.xml cut at 8,192 bytes)."""
    project = make_project(tmp_path / "p")
    add_articles(project, 60)  # a one-article edit is then written in place
    assert run_build(project).returncode == 0
    budget = project / "content/2024/01/budget.md"
    budget.write_text(budget.read_text() + "\nA new closing paragraph.\n")
    shim = tmp_path / "shim.py"
    shim.write_text(SHORT_WRITES)
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH=str(1717200000), PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, str(shim), str(REPO / "build.py"), "build", "--config", "config.yaml"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    clean = make_project(tmp_path / "clean")
    add_articles(clean, 60)
    shutil.copy(budget, clean / "content/2024/01/budget.md")
    assert run_build(clean).returncode == 0
    assert tree(project / "site") == tree(clean / "site")


class SmallDisk:
    """A real tmpfs of 4 MB. Root mounts it at `mount`. Any other user mounts it in a user
    and mount namespace of its own (unshare), which a `holder` process keeps: this process
    reaches the disk through the holder's /proc/PID/root, and runs build.py inside the
    namespace (nsenter), where the disk is at `mount` itself."""

    def __init__(self, mount: Path, holder: subprocess.Popen | None = None):
        self.mount, self.holder = mount, holder
        self.root = Path(f"/proc/{holder.pid}/root{mount}") if holder else mount  # as this process sees it

    def run(self, rel: str, *args: str, env: dict) -> subprocess.CompletedProcess:
        """build.py ARGS, from the folder `rel` of the disk."""
        inside = self.mount / rel
        command = [sys.executable, str(REPO / "build.py"), *args]
        if self.holder:
            command = ["nsenter", f"--target={self.holder.pid}", "--user", "--mount", "--preserve-credentials",
                       "sh", "-c", 'cd "$0" && exec "$@"', str(inside), *command]
        return subprocess.run(command, cwd=inside if not self.holder else None, env=env, capture_output=True,
                              text=True, timeout=120)


@pytest.fixture
def small_disk(tmp_path):
    """A SmallDisk: mounted by root, else in a namespace of this user's (skipped where
    neither works: no root, and no unprivileged user namespaces)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() == 0:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot mount a tmpfs here")
        yield SmallDisk(mount)
        subprocess.run(["umount", "-l", str(mount)], check=False)
        return
    if not (shutil.which("unshare") and shutil.which("nsenter")):
        pytest.skip("needs root, or unshare and nsenter, to mount a tmpfs")
    holder = subprocess.Popen(
        ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private", "sh", "-c",
         'mount -t tmpfs -o size=4m tmpfs "$1" && echo mounted && exec sleep 600', "sh", str(mount)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        if holder.stdout.readline().strip() != "mounted":
            pytest.skip("cannot mount a tmpfs here (no root, and no unprivileged user namespaces)")
        disk = SmallDisk(mount, holder)
        assert os.statvfs(disk.root).f_blocks * os.statvfs(disk.root).f_frsize == 4 * 1024 * 1024
        yield disk
    finally:
        holder.kill()
        holder.wait()


def fill(disk: Path, leave: int) -> Path:
    """Fill the file system up to `leave` bytes free."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    assert free < 4096 * 2
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))
    return filler


def add_articles(project: Path, count: int) -> None:
    """`count` short articles more, so that a one-article edit is a small (in-place) update."""
    for i in range(count):
        path = project / f"content/2023/12/extra-{i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: Extra story {i}\ndate: 2023-12-{1 + i % 28:02d}T0{i % 10}:00:00+09:00\n"
                        f"source: Test Wire\ntags: [Economy]\n---\n\nBody of extra story {i}.\n")


@pytest.mark.parametrize("extra, writer", [(0, "site.new/"), (60, "site/")], ids=["new tree", "in place"])
def test_disk_full_during_an_update_fails_with_the_path_and_keeps_the_old_site(small_disk, tmp_path, extra, writer):
    project = make_project(small_disk.root / "p")
    add_articles(project, extra)
    assert build_on(small_disk).returncode == 0
    before = tree(project / "site")
    budget = project / "content/2024/01/budget.md"
    budget.write_text(budget.read_text() + "\n" + "A much longer closing paragraph. " * 300 + "\n")
    filler = fill(small_disk.root, leave=12 * 1024)  # room for some of the changed files, not all
    result = build_on(small_disk)
    assert result.returncode == 1
    assert result.stderr.startswith(writer) and result.stderr.endswith(": cannot write: No space left on device\n")
    assert tree(project / "site") == before  # every old file, none cut
    assert temp_files(project) == [] and not (project / "site.new").exists()
    filler.unlink()
    assert build_on(small_disk).returncode == 0
    clean = make_project(tmp_path / "clean")
    add_articles(clean, extra)
    shutil.copy(budget, clean / "content/2024/01/budget.md")
    assert run_build(clean).returncode == 0
    assert tree(project / "site") == tree(clean / "site")


def build_on(disk: SmallDisk) -> subprocess.CompletedProcess:
    """`build.py build` on the project p/ of the disk, as buildkit.run_build runs it."""
    return disk.run("p", "build", "--config", "config.yaml", env=pinned_env())


INGEST = ("ingest", "--config", "config.yaml", "--jobs", "1")


def run_ingest(project: Path):
    return subprocess.run([sys.executable, str(REPO / "build.py"), *INGEST], cwd=project,
                          env=pinned_env(int(SOURCE_DATE_EPOCH)), capture_output=True, text=True, timeout=120)


def ingest_on(disk: SmallDisk) -> subprocess.CompletedProcess:
    return disk.run("p", *INGEST, env=pinned_env(int(SOURCE_DATE_EPOCH)))


@pytest.mark.parametrize("leave", [0, 6 * 1024])
def test_disk_full_during_ingest_leaves_no_cut_record_and_no_temp_file(small_disk, leave):
    project = small_disk.root / "p"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    shutil.copytree(REPO / "seeds", project / "seeds")
    (project / "content").mkdir()
    fill(small_disk.root, leave=leave)
    result = ingest_on(small_disk)
    assert result.returncode == 1
    assert "No space left on device" in result.stderr and "content/" in result.stderr
    assert "Traceback" not in result.stderr
    assert temp_files(project / "content") == []
    record = project / "content/.ingest.json"
    if record.exists():
        import json
        json.loads(record.read_text())  # whole, never cut


# ------------------------------------------------------------------ flushing a change set
FSYNC_SPY = textwrap.dedent("""
    import os, runpy, sys
    import newsdigest.files as files
    log = open(os.environ["SPY_LOG"], "a", encoding="utf-8")
    real_fsync, real_syncfs = os.fsync, files.sync_file_system
    def fsync(fd):
        log.write("fsync " + os.readlink(f"/proc/self/fd/{fd}") + "\\n"); log.flush()
        return real_fsync(fd)
    def syncfs(folder):
        log.write(f"syncfs {folder}\\n"); log.flush()
        return real_syncfs(folder)
    os.fsync, files.sync_file_system = fsync, syncfs
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
""")


def spied(project: Path, tmp_path: Path, *args: str) -> list[str]:
    """Run build.py with every fsync (by the path of its file) and syncfs logged."""
    shim, log = tmp_path / "spy.py", tmp_path / "spy.log"
    shim.write_text(FSYNC_SPY)
    log.write_text("")
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH=str(NOW_EPOCH), PYTHONPATH=str(REPO),
               SPY_LOG=str(log))
    result = subprocess.run([sys.executable, str(shim), str(REPO / "build.py"), *args, "--config", "config.yaml"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return log.read_text().splitlines()


def target_of(temp: str) -> str:
    """site/a/.index.html.tmp123 -> site/a/index.html"""
    folder, name = os.path.split(temp)
    return os.path.join(folder, name[1:name.rindex(".tmp")])


def test_a_small_change_set_fsyncs_its_own_files_not_the_whole_file_system(tmp_path):
    """syncfs waits for everything any program wrote to the file system (one edit right
    after a Hugo build: 0.19 s of its 160 MB); an in-place update and an ingest of a few
    seeds flush only the files they wrote, each before it is renamed or recorded."""
    project = make_project(tmp_path / "p")
    add_articles(project, 60)  # a one-article edit is then written in place
    assert run_build(project).returncode == 0
    before = tree(project / "site")
    budget = project / "content/2024/01/budget.md"
    budget.write_text(budget.read_text() + "\nA new closing paragraph.\n")
    log = spied(project, tmp_path, "build")
    changed = {rel for rel, data in tree(project / "site").items() if before.get(rel) != data}
    assert changed and not [line for line in log if line.startswith("syncfs")]
    flushed = {target_of(line[len("fsync "):]) for line in log if "/site/" in line and ".tmp" in line}
    site_files = {str((project / "site" / rel).resolve()) for rel in tree(project / "site")}
    # every file it wrote (pages re-rendered to the same bytes too), each before its rename
    assert {str((project / "site" / rel).resolve()) for rel in changed} <= flushed <= site_files

    seeded = tmp_path / "s"
    seeded.mkdir()
    shutil.copy(REPO / "config.yaml", seeded / "config.yaml")
    shutil.copytree(REPO / "seeds", seeded / "seeds")
    assert run_ingest(seeded).returncode == 0
    seed = seeded / "seeds/001_sample-exports-chips.txt"
    seed.write_text(seed.read_text(encoding="utf-8").replace("exports", "shipments", 1), encoding="utf-8")
    log = spied(seeded, tmp_path, "ingest")
    assert not [line for line in log if line.startswith("syncfs")]
    content = [line for line in log if "/content/" in line and line.endswith(".md")]
    record = next(i for i, line in enumerate(log) if ".ingest.json" in line)
    assert len(content) == 1 and log.index(content[0]) < record  # on disk before the record names it


def test_flush_files_names_a_file_it_cannot_flush_and_uses_syncfs_for_a_whole_tree(tmp_path, monkeypatch):
    from newsdigest import files
    paths = []
    for i in range(20):
        paths.append(tmp_path / f"f{i}")
        paths[-1].write_bytes(b"x" * i)
    files.flush_files(tmp_path, paths)  # eight threads share them
    with pytest.raises(DigestError) as failed:
        files.flush_files(tmp_path, paths + [tmp_path / "gone"])
    assert failed.value.path.endswith("gone") and "cannot write to disk" in str(failed.value)
    synced, real_syncfs = [], files.sync_file_system
    monkeypatch.setattr(files, "sync_file_system", lambda folder: (synced.append(folder), real_syncfs(folder)))
    monkeypatch.setattr(files, "FSYNC_EACH_MAX", 10)
    # A tree: one real syncfs, no file opened (the missing one would fail to open).
    files.flush_files(tmp_path, paths + [tmp_path / "gone"])
    assert synced == [tmp_path]
