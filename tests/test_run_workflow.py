"""newsdigest.workflow: one frozen Options from the command line, one "ingest, then build"
used by `python build.py` and `serve`, with ingest's results handed to the build as values."""
from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import REPO, SOURCE_DATE_EPOCH, copy_sample
from newsdigest.cli import parse_options
from newsdigest.config import load_config
from newsdigest.workflow import Options, run


def test_options_are_made_once_from_the_command_line_and_frozen(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    command, options = parse_options([])
    assert command == "all"
    assert options.jobs == (os.cpu_count() or 1)  # the one place the default is computed
    assert options.config == REPO / "config.yaml"
    assert options.now == datetime.fromtimestamp(int(SOURCE_DATE_EPOCH), timezone.utc)
    assert (options.quiet, options.debug, options.drafts, options.future, options.base_url) == \
        (False, False, False, False, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.jobs = 1

    # Options before or after the command; serve's own options only for serve.
    command, options = parse_options(["--jobs", "1", "serve", "--port", "0", "--open", "-q", "--drafts",
                                      "--base-url", "https://example.org/news/", "--config", "other.yaml"])
    assert command == "serve"
    assert (options.jobs, options.port, options.open_browser, options.host) == (1, 0, True, "127.0.0.1")
    assert (options.quiet, options.drafts, options.future) == (True, True, False)
    assert (options.base_url, options.config) == ("https://example.org/news/", Path("other.yaml"))

    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert parse_options(["build", "--jobs", "0"])[1].jobs == (os.cpu_count() or 1)
    assert parse_options(["build"])[1].now is None  # the clock, read by each build


@pytest.mark.parametrize("fork", [False, True])
def test_run_reports_the_ingest_before_the_build_and_hands_it_over(tmp_path, fork):
    project = copy_sample(tmp_path / "project")
    config = load_config(project / "config.yaml")
    options = Options(config=project / "config.yaml", jobs=2,
                      now=datetime.fromtimestamp(int(SOURCE_DATE_EPOCH), timezone.utc))
    seen = []

    def on_ingested(ingested):
        seen.append((ingested, (project / "site").exists()))

    ingested, built = run(config, options, on_ingested, fork=fork)
    assert seen == [(ingested, False)]  # reported before the build wrote anything
    report = ingested.report
    assert len(report.written) == 15 and not report.errors
    # What the build gets instead of listing and reading content/ again.
    assert set(report.listing) == {p.relative_to(project / "content").as_posix()
                                   for p in (project / "content").rglob("*.md")}
    assert len(report.fresh) == 15  # each file written, with the text the build would read
    # the hash ingest recorded is the file's, so its front matter is handed over unparsed
    assert all(report.fresh.handed_over(path)[0] == hashlib.sha1(Path(path).read_bytes()).hexdigest() and meta
               for path, (_, _, meta) in report.fresh.items())
    assert (built.articles, built.tags) == (15, 34)
    assert (project / "site" / "index.html").is_file()


def test_a_killed_forked_ingest_is_one_error_line_and_nothing_is_built(tmp_path):
    """`python build.py` ingests in a forked child; when that child dies (here: SIGKILL
    while it waits for the ingest lock, which this test holds), the parent reports it in
    one line, builds nothing and exits 1."""
    project = copy_sample(tmp_path / "project")
    (project / ".cache").mkdir()
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    with open(project / ".cache" / "ingest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "--config", "config.yaml", "--jobs", "2"], cwd=project, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stderr.readline().startswith("waiting for another ingest into content/ (pid ")
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            assert len(children) == 1
            os.kill(int(children[0]), 9)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 1
    assert err == "error: ingest stopped unexpectedly (run with --debug for the traceback)\n"
    assert out == ""
    assert not (project / "site").exists()


def test_a_forked_ingest_that_left_its_outcome_cut_short_is_reported_not_unpickled():
    """The parent takes the forked ingest's outcome once the child is gone: a child that
    exited 0 with its outcome cut short, or that was killed after sending it all, counts
    as an ingest that stopped unexpectedly."""
    import pickle

    from newsdigest.workflow import IngestFailed, _child_outcome

    def status_of(kill: bool) -> int:
        pid = os.fork()
        if pid == 0:
            if kill:
                os.kill(os.getpid(), 9)
            os._exit(0)
        return os.waitpid(pid, 0)[1]
    whole = pickle.dumps(("done", {"written": list(range(1000))}), protocol=pickle.HIGHEST_PROTOCOL)
    assert _child_outcome(whole, status_of(kill=False)) == ("done", {"written": list(range(1000))})
    for data, kill in ((whole[:len(whole) // 2], False), (b"", False), (whole, True)):
        kind, value = _child_outcome(data, status_of(kill))
        assert kind == "raised" and isinstance(value, IngestFailed)
        assert value.summary == "ingest stopped unexpectedly"


def _child_that(*steps):
    """A stand-in for the forked ingest's body (forked for real by IngestChild): it sends
    each message of `steps` down the pipe as the real one does, and ends as the last
    step says: "exit" (status 0) or "kill" (SIGKILL)."""
    from newsdigest import workflow

    def child(config, options, outcome):
        for step in steps[:-1]:
            workflow._send(outcome, step)
        if steps[-1] == "kill":
            os.kill(os.getpid(), 9)
        os._exit(0)
    return child


@pytest.mark.parametrize("steps, ingested, settled", [
    ((("done", "report"), ("settled", None), "exit"), "report", None),
    ((("done", "report"), "kill"), "report", "ingest stopped unexpectedly"),  # killed writing its record
    ((("done", "report"), "exit"), "report", "ingest stopped unexpectedly"),  # ended without a word on it
    ((("done", "report"), ("raised", "DigestError"), "exit"), "report", "content/.ingest.json: cannot write"),
    ((("raised", "DigestError"), "exit"), "content/.ingest.json: cannot write", "content/.ingest.json: cannot write"),
    (("kill",), "ingest stopped unexpectedly", "ingest stopped unexpectedly"),  # killed before its files were written
    ((("settled", None), "exit"), "ingest stopped unexpectedly", None),  # no report first
])
def test_the_forked_ingest_hands_its_report_over_before_its_record_is_written(monkeypatch, tmp_path, steps,
                                                                               ingested, settled):
    """The child's report, sent once the content files are written, is taken as soon as
    it comes; how writing the record ended (written, raised, killed, or not said) counts
    only once the child is gone, and is raised by `settled`."""
    from newsdigest import workflow
    from newsdigest.errors import DigestError
    problem = DigestError("content/.ingest.json", "cannot write")
    steps = tuple(("raised", problem) if step == ("raised", "DigestError") else step for step in steps)
    monkeypatch.setattr(workflow, "_ingest_in_child", _child_that(*steps))
    child = workflow.IngestChild(None, Options(config=tmp_path / "config.yaml", jobs=2))

    def outcome(call):
        try:
            return call()
        except DigestError as e:
            return f"{e.path}: {e.message}"
        except workflow.IngestFailed as e:
            return e.summary
    assert outcome(child.ingested) == ingested
    assert outcome(child.settled) == settled
    child.settled(quiet=True)  # once more, quietly: the child is reaped once
    # Only the last message's bytes are kept (the report's are 5 MB at 50,000 articles).
    assert [data for _, _, data in child.received[:-1]] == [b""] * (len(child.received) - 1)
