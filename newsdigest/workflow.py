"""One run of newsdigest: ingest seeds/ into content/, then build content/ into site/.

`Options` is what the command line asked for, made once (cli.parse_options) and frozen.
`run` is the one "ingest, then build": `python build.py` calls it once, `serve` at every
rebuild. What ingest wrote reaches the build as a value (`Ingested`), so the build need
not list content/ or read the files just written again.
"""
from __future__ import annotations

import os
import pickle
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DigestError, Rejected, shown
from .files import exclusive_lock

if TYPE_CHECKING:
    from .config import Config
    from .ingest import IngestReport


@dataclass(frozen=True)
class Options:
    """Everything a command reads from the command line."""

    config: Path                    # config.yaml
    base_url: str | None = None     # --base-url: overrides the config's base_url
    debug: bool = False             # tracebacks and timings on stderr
    quiet: bool = False             # print only problems
    drafts: bool = False            # include articles with draft: true
    future: bool = False            # include articles dated after `now`
    jobs: int = 1                   # processes to use (cli: all cores unless --jobs)
    now: datetime | None = None     # "now" for future articles; None: the clock at each build
    host: str = "127.0.0.1"         # serve: address to bind
    port: int = 8000                # serve: port (0: any free one)
    open_browser: bool = False      # serve: open the browser once serving


@dataclass(frozen=True)
class Ingested:
    """An ingest's report (what it wrote, kept and rejected) and how long it took."""

    report: IngestReport  # its fresh and listing are handed to the build
    seconds: float


class IngestFailed(Exception):
    """Ingest stopped unexpectedly in the forked child (see run): `summary` is the one-line
    error, `detail` the traceback for --debug."""

    def __init__(self, summary: str, detail: str):
        super().__init__(summary, detail)
        self.summary, self.detail = summary, detail


def ingest_content(config: Config, options: Options, ready: Callable[[Ingested], None] | None = None,
                   record_problems: list | None = None) -> Ingested:
    """seeds/ -> content/, one ingest of a content folder at a time. `ready` gets the
    Ingested once the content files are written, before ingest writes its own record
    (ingest.ingest_files); a DigestError writing that record is raised, or added to
    `record_problems` when given (the build of the same run goes ahead: the content files
    are written, and the next ingest finds them by their `seed:` field)."""
    from .ingest import ingest_files
    started = time.perf_counter()
    with exclusive_lock(config.cache_dir, "ingest.lock", f"ingest into {shown(config.content_dir)}/"):
        report, settle = ingest_files(config, jobs=options.jobs)
        ingested = Ingested(report, time.perf_counter() - started)
        if ready is not None:
            ready(ingested)
        try:
            settle()
        except DigestError as e:
            if record_problems is None:
                raise
            record_problems.append(e)
    return ingested


def build_site(config: Config, options: Options, ingested: Ingested | None = None, preloaded=None):
    """content/ -> site/ (build.build: raises Rejected listing every problem)."""
    from .build import build
    fresh = listing = None
    if ingested is not None:
        fresh, listing = ingested.report.fresh, ingested.report.listing
    return build(config, drafts=options.drafts, future=options.future, now=options.now, jobs=options.jobs,
                 fresh=fresh, listing=listing, preloaded=preloaded)


def run(config: Config, options: Options, on_ingested: Callable[[Ingested], None], fork: bool = True,
        on_built: Callable | None = None):
    """Ingest, then build; returns (Ingested, BuildReport). `on_ingested` reports the ingest
    before the build starts, `on_built` the build. Problems in seeds are in the Ingested
    and the rest still builds; a build's problems raise Rejected. The build starts once
    the content files are written; a problem writing ingest's own record
    (content/.ingest.json, its caches) is raised once the build is done and reported.

    With `fork` on two cores or more, ingest runs in a forked child while this process
    loads what the build needs whatever content/ holds (the caches and Jinja2, see
    build.preload). Not on macOS, where forking a process that may have touched system
    frameworks is unsafe (Python's own multiprocessing spawns there)."""
    if not (fork and options.jobs >= 2 and hasattr(os, "fork") and sys.platform != "darwin"):
        record_problems = []
        ingested = ingest_content(config, options, record_problems=record_problems)
        on_ingested(ingested)
        built = build_site(config, options, ingested)
        if on_built is not None:
            on_built(built)
        if record_problems:
            raise record_problems[0]
        return ingested, built
    child = IngestChild(config, options)
    try:
        from .build import preload
        preloaded = preload(config)
        ingested = child.ingested()
        on_ingested(ingested)
        built = build_site(config, options, ingested, preloaded)
        if on_built is not None:
            on_built(built)
    except BaseException:
        child.settled(quiet=True)  # the problem reported is this one
        raise
    child.settled()
    return ingested, built


class IngestChild:
    """Ingest in a forked child while this process preloads what the build needs.

    The child sends two pickles down a pipe, which a thread of this process drains as
    they come (read after the preload, the child's 5 MB at 50,000 articles went over in
    64 KB turns of both processes, 0.1-0.15 s): its Ingested once the content files are
    written (or what it raised), then how writing ingest's own record ended. The build
    starts on the first; the second is waited for once the build is done (a seed added
    to 50,000: the build starts 0.25-0.3 s sooner). The outcome
    goes from one process to the other only: nothing is written outside the project, and
    a full disk cannot lose it."""

    def __init__(self, config: Config, options: Options):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _ingest_in_child(config, options, os.fdopen(write_end, "wb"))  # does not return
        os.close(write_end)
        self.pid, self.status, self.received = pid, None, []
        self.first = threading.Event()
        self.pipe = os.fdopen(read_end, "rb")
        self.drain = threading.Thread(target=_drain, args=(self.pipe, self.received, self.first), daemon=True)
        self.drain.start()

    def ingested(self) -> Ingested:
        """The child's Ingested, as soon as it is sent (raised here when it raised)."""
        self.first.wait()
        if self.received and self.received[0][0] == "done":
            return self.received[0][1]
        kind, value = self._outcome()
        raise value if kind == "raised" else IngestFailed("ingest stopped unexpectedly", "")

    def settled(self, quiet: bool = False) -> None:
        """Wait for the child to end; raise what ended its writing of the record, unless
        `quiet` (another problem is being reported)."""
        kind, value = self._outcome()
        if kind == "done":  # the child exited without a word on the record
            kind, value = "raised", IngestFailed("ingest stopped unexpectedly", "")
        if kind == "raised" and not quiet:
            raise value

    def _outcome(self) -> tuple:
        if self.status is None:
            # The thread drains the pipe, so the child finishes writing and exits, and the
            # thread meets the end of the pipe.
            _, self.status = os.waitpid(self.pid, 0)
            self.drain.join()
            self.pipe.close()
        return _child_outcome(self.received[-1][2] if self.received else b"", self.status)


def _drain(pipe, received: list, first: threading.Event) -> None:
    """Each message of the child as it comes: (kind, value, its bytes), the bytes kept for
    the last message only (what _child_outcome reads once the child is gone: the report's
    5 MB at 50,000 articles are not held through the build); `first` is set once the
    first is in, or when there is none."""
    try:
        while True:
            head = pipe.read(8)
            if len(head) < 8:
                break
            data = pipe.read(int.from_bytes(head, "little"))
            try:
                kind, value = pickle.loads(data)
            except Exception:  # cut short: the child's exit status tells the rest
                break
            if received:
                received[-1] = (*received[-1][:2], b"")
            received.append((kind, value, data))
            first.set()
    except OSError:  # nothing more read: the parent reports the ingest as stopped
        pass
    finally:
        first.set()


def _child_outcome(data: bytes, status: int) -> tuple:
    """What the child sent, unless it was killed or stopped before sending it all."""
    stopped = ("raised", IngestFailed("ingest stopped unexpectedly", ""))
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return stopped
    try:
        return pickle.loads(data)
    except (EOFError, pickle.UnpicklingError):
        return stopped


def _ingest_in_child(config: Config, options: Options, outcome) -> None:
    """Ingest, sending ("done", Ingested) once the content files are written and then
    ("settled", None) once the record is, or ("raised", what it raised) where it stopped;
    then leave without running anything else of the parent's (exit status 0 only when
    every message is all written)."""
    code = 0
    try:
        try:
            ingest_content(config, options, ready=lambda ingested: _send(outcome, ("done", ingested)))
            result = ("settled", None)
        except (DigestError, Rejected) as e:
            result = ("raised", e)
        except BaseException as e:  # noqa: BLE001 - reported by the parent, like cli.main does
            result = ("raised", IngestFailed(f"{type(e).__name__}: {e}", traceback.format_exc()))
        _send(outcome, result)
    except BaseException:
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _send(outcome, message: tuple) -> None:
    """One message to the parent: its length, then its pickle."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    outcome.write(len(data).to_bytes(8, "little"))
    outcome.write(data)
    outcome.flush()
