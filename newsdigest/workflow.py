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


def ingest_content(config: Config, options: Options) -> Ingested:
    """seeds/ -> content/, one ingest of a content folder at a time."""
    from .ingest import ingest
    started = time.perf_counter()
    with exclusive_lock(config.cache_dir, "ingest.lock", f"ingest into {shown(config.content_dir)}/"):
        report = ingest(config, jobs=options.jobs)
    return Ingested(report, time.perf_counter() - started)


def build_site(config: Config, options: Options, ingested: Ingested | None = None, preloaded=None):
    """content/ -> site/ (build.build: raises Rejected listing every problem)."""
    from .build import build
    fresh = listing = None
    if ingested is not None:
        fresh, listing = ingested.report.fresh, ingested.report.listing
    return build(config, drafts=options.drafts, future=options.future, now=options.now, jobs=options.jobs,
                 fresh=fresh, listing=listing, preloaded=preloaded)


def run(config: Config, options: Options, on_ingested: Callable[[Ingested], None], fork: bool = True):
    """Ingest, then build; returns (Ingested, BuildReport). `on_ingested` reports the ingest
    before the build starts. Problems in seeds are in the Ingested and the rest still
    builds; a build's problems raise Rejected.

    With `fork` on two cores or more, ingest runs in a forked child while this process
    loads what the build needs whatever content/ holds (the caches and Jinja2, see
    build.preload). Not on macOS, where forking a process that may have touched system
    frameworks is unsafe (Python's own multiprocessing spawns there)."""
    if fork and options.jobs >= 2 and hasattr(os, "fork") and sys.platform != "darwin":
        ingested, preloaded = _ingest_beside_preload(config, options)
    else:
        ingested, preloaded = ingest_content(config, options), None
    on_ingested(ingested)
    return ingested, build_site(config, options, ingested, preloaded)


def _ingest_beside_preload(config: Config, options: Options):
    """(Ingested, preloaded): ingest in a forked child, preload here. The child pickles
    its Ingested (or what it raised) into a pipe that a thread of this process drains
    while the preload runs. (Read after the preload, the child's 5 MB at 50,000 articles
    went over in 64 KB turns of both processes, 0.1-0.15 s.) The outcome goes from one
    process to the other only: nothing is written outside the project, and a full disk
    cannot lose it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _ingest_in_child(config, options, os.fdopen(write_end, "wb"))  # does not return
    os.close(write_end)
    received = []
    with os.fdopen(read_end, "rb") as pipe:
        drain = threading.Thread(target=_drain, args=(pipe, received), daemon=True)
        drain.start()
        try:
            from .build import preload
            preloaded = preload(config)
        finally:
            # The thread drains the pipe, so the child finishes writing and exits, and
            # the thread meets the end of the pipe.
            _, status = os.waitpid(pid, 0)
            drain.join()
    kind, value = _child_outcome(received[0] if received else b"", status)
    if kind == "raised":
        raise value
    return value, preloaded


def _drain(pipe, received: list) -> None:
    try:
        received.append(pipe.read())
    except OSError:  # nothing read: the parent reports the ingest as stopped
        pass


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
    """Ingest, write the outcome, and leave without running anything else of the parent's
    (exit status 0 only when the outcome is all written)."""
    code = 0
    try:
        try:
            result = ("done", ingest_content(config, options))
        except (DigestError, Rejected) as e:
            result = ("raised", e)
        except BaseException as e:  # noqa: BLE001 - reported by the parent, like cli.main does
            result = ("raised", IngestFailed(f"{type(e).__name__}: {e}", traceback.format_exc()))
        pickle.dump(result, outcome, protocol=pickle.HIGHEST_PROTOCOL)
        outcome.flush()
    except BaseException:
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
