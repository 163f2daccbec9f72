"""Nothing a run writes lands outside the project's own folders (the brief: "never writes
outside its folders whatever happens").

The real `python build.py` (ingest in a forked child beside the build's preload, then the
build, with forked parse, emit and render workers and Pagefind) runs under strace, which
records every system call that creates, opens for writing, renames, links or removes a
path, in every process. Each such path must be in content/, .cache/, site/ or one of the
siblings the build assembles and swaps site/ with (site.new/, site.old/, site.pagefind/,
...). The only others allowed are /dev/null (the search indexer's stdin) and the POSIX
semaphores multiprocessing creates and unlinks at once (/dev/shm/sem.*). A temporary file
in /tmp (tempfile) fails this test: on a full or read-only /tmp the run would fail for a
reason outside the project, and a user's /tmp is not newsdigest's to write.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SOURCE_DATE_EPOCH, copy_sample, write_records
from newsdigest.parallel import PARALLEL_MIN

WRITING_CALLS = ("open", "openat", "creat", "mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink",
                 "unlinkat", "rmdir", "link", "linkat", "symlink", "symlinkat", "truncate")
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_TMPFILE", "O_APPEND")
CALL = re.compile(r'^(\w+)\((.*)\) = \d+')  # a call that succeeded (strace -ff: no interleaving)
PATH_ARG = re.compile(r'(?:(?:AT_FDCWD|\d+)<([^>]*)>, )?"((?:[^"\\]|\\.)*)"')  # -y: a dir fd shows its path


def can_trace() -> bool:
    if not shutil.which("strace"):
        return False
    return subprocess.run(["strace", "-qq", "-o", os.devnull, "true"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not can_trace(), reason="strace is missing or may not trace here "
                                                        "(tools/install-test-tools.sh installs it)")


def traced_run(project: Path, traces: Path, *args: str) -> subprocess.CompletedProcess:
    traces.mkdir()
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH,
               PYTHONDONTWRITEBYTECODE="1")  # Python's own .pyc files are not the run's
    return subprocess.run(
        ["strace", "-ff", "-y", "-qq", "-o", str(traces / "trace"), "-e", "trace=" + ",".join(WRITING_CALLS),
         sys.executable, str(REPO / "build.py"), "--config", "config.yaml", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=300)


def written_paths(traces: Path, cwd: Path) -> set[str]:
    """Every path a traced process created, opened for writing, renamed, linked or removed."""
    paths = set()
    for trace in traces.iterdir():
        for line in trace.read_text(errors="replace").splitlines():
            m = CALL.match(line)
            if not m or m.group(1) not in WRITING_CALLS:
                continue
            call, args = m.groups()
            if call in ("open", "openat") and not any(f in args.rsplit('"', 1)[-1] for f in WRITE_FLAGS):
                continue  # opened for reading only
            paths.update(os.path.normpath(os.path.join(base or cwd, path)) for base, path in PATH_ARG.findall(args))
    return paths


def outside(paths: set[str], project: Path) -> list[str]:
    root = str(project)
    own = re.compile(re.escape(root) + r"/(content|\.cache|site|site\.[\w-]+)(/|$)")
    return sorted(p for p in paths if not own.match(p) and p != os.devnull
                  and not re.fullmatch(r"/dev/shm/sem\.[\w.-]+", p))


def test_a_run_writes_only_inside_the_projects_folders(tmp_path):
    project = copy_sample(tmp_path / "project").resolve()
    write_records(project, PARALLEL_MIN + 50)
    cold = traced_run(project, tmp_path / "cold", "--jobs", "2")
    assert cold.returncode == 0, cold.stderr
    paths = written_paths(tmp_path / "cold", project)
    # The trace saw the run's own writes (the check below can only pass for a real reason).
    assert any(p.startswith(f"{project}/content/") for p in paths)
    assert f"{project}/site.new" in paths or any(p.startswith(f"{project}/site/") for p in paths)
    assert outside(paths, project) == []

    # An edit: the in-place update of site/ and ingest's record of the kept file.
    edited = next(p for p in sorted((project / "content").rglob("*.md")) if "arrived" in p.read_text(encoding="utf-8"))
    edited.write_text(edited.read_text(encoding="utf-8").replace("arrived", "landed"), encoding="utf-8")
    again = traced_run(project, tmp_path / "edit", "--jobs", "2")
    assert again.returncode == 0, again.stderr
    paths = written_paths(tmp_path / "edit", project)
    assert any(p.startswith(f"{project}/site/") or p.startswith(f"{project}/.cache/") for p in paths)
    assert outside(paths, project) == []
