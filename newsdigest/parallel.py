"""The one parallel map of newsdigest: work over [0, count) split across forked workers,
as a list (`parallel_map`) or range by range as the workers finish them (`parallel_iter`).

Build and ingest use it for their heavy, independent steps (parsing articles, rendering
pages, parsing seeds). The work is one value, a function with its inputs bound before the
fork (`functools.partial(fn, inputs...)`): each worker gets it by inheriting the parent's
memory, never pickled, and only a range of indices and the results cross a pipe.
"""
from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable, Iterator

PARALLEL_MIN = 400  # below this many items, starting worker processes costs more than it saves
# Ranges per worker: a slow range is balanced by the others, and the last ones are small,
# so no worker waits long for the other to finish (a 10,000-article cold build's render,
# whose ranges run from article pages to list pages and feeds, 8 ranges: 3.1-3.3 s; 32:
# 2.9-3.1 s, 0.16-0.34 s off the whole build in four alternated pairs; 64 ranges: no better).
CHUNKS_PER_JOB = 16
WATCH_SECONDS = 0.5  # how often a parallel map checks that none of its workers died


def default_jobs() -> int:
    """Processes to use when --jobs is not given: all cores."""
    return os.cpu_count() or 1


def parallel_map(work: Callable[[int, int], list], count: int, jobs: int,
                 min_count: int = PARALLEL_MIN, most_per_range: int | None = None) -> list:
    """`work(start, stop)` returns the results of items [start, stop); this returns the
    results of [0, count) in order, computed in `jobs` forked workers when there are at
    least `min_count` items and one process otherwise (or where fork does not exist).
    `most_per_range` caps the items of a range given to a worker at once: a range's
    results are held whole by the worker and cross the pipe as one message, so large
    results (whole articles) are better sent in smaller ranges."""
    return [r for part in parallel_iter(work, count, jobs, min_count, most_per_range) for r in part]


def parallel_iter(work: Callable[[int, int], list], count: int, jobs: int,
                  min_count: int = PARALLEL_MIN, most_per_range: int | None = None) -> Iterator[list]:
    """parallel_map as it goes: yields each range's results (a list) in order, as soon as
    that range is done, so the caller can use them while the workers compute the rest."""
    if jobs <= 1 or count < max(min_count, 1):
        yield work(0, count)
        return
    import multiprocessing  # 10 ms to import: only when there is work to share

    if "fork" not in multiprocessing.get_all_start_methods():
        yield work(0, count)
        return
    step = min(-(-count // (jobs * CHUNKS_PER_JOB)), most_per_range or count)
    ranges = [(i, min(i + step, count)) for i in range(0, count, step)]
    release_free_memory()
    # Objects from before the fork go to the permanent generation: the children's
    # collector then leaves them (and their copy-on-write memory pages) alone.
    gc.freeze()
    try:
        # Under fork a pool's initargs reach the workers in the inherited memory: `work`
        # and everything bound in it are not pickled.
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker, initargs=(work,)) as pool:
            workers = {p.pid for p in multiprocessing.active_children()}
            results = pool.imap(_run_range, ranges)
            for _ in ranges:
                yield _next_result(results, workers)
                # The caller is done with that range: its results' buffers are free, and
                # glibc keeps freed pages (interleaved with what the caller kept, they pile
                # up: the ingest process of 50,000 seeds grew by 300 MB while writing).
                release_free_memory()
    finally:
        gc.unfreeze()


def release_free_memory() -> None:
    """Hand the C allocator's free pages back to the system (glibc's malloc_trim), before
    forking workers: each worker's resident memory counts every page of the parent's heap
    it inherits, in use or not. (A parallel map's results arrive in buffers of megabytes
    that glibc keeps once freed: at 50,000 articles, 250 MB after the parse, which each
    render worker then counted.) Elsewhere than glibc, nothing is done."""
    try:
        import ctypes
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # no such function in this C library
        pass


def _next_result(results, workers: set) -> list:
    """The next range's results, checking every WATCH_SECONDS that no worker died: a pool
    replaces a worker that died (kill -9, out of memory) but never hands its range to
    anyone, so without this the map would wait forever."""
    import multiprocessing

    while True:
        try:
            return results.next(WATCH_SECONDS)
        except multiprocessing.TimeoutError:
            if {p.pid for p in multiprocessing.active_children()} - workers:
                raise RuntimeError("a worker process stopped unexpectedly (killed, or out of memory?)") from None


# In a worker process only: the work it was forked with (set by _start_worker).
_worker_work: Callable[[int, int], list] | None = None


def _start_worker(work: Callable[[int, int], list]) -> None:
    global _worker_work
    reset_signals()
    _worker_work = work


def _run_range(bounds: tuple[int, int]) -> list:
    return _worker_work(*bounds)


def reset_signals() -> None:
    """Signals in a forked worker are the worker's own.

    Ctrl-C reaches the whole process group: the parent reports it (once, without a
    traceback) and stops its workers, so a worker ignores it. And a worker forked from
    `serve` inherits the event loop's signal set-up: without this, the SIGTERM that
    ends an idle worker would do nothing in the worker (which then never exits) and be
    written to the wakeup pipe it shares with the server, stopping the server."""
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:  # not the main thread: nothing was inherited there
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
