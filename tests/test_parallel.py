"""newsdigest.parallel: the one parallel map of build and ingest, with real forked workers."""
from __future__ import annotations

import os
import time
import signal
import threading
from contextlib import contextmanager
from functools import partial

import pytest

from newsdigest.parallel import PARALLEL_MIN, parallel_iter, parallel_map


def _squares_with_pid(items, lock, start, stop):
    with lock:  # a lock cannot be pickled: proof that the work reached the worker through fork
        return [(items[i] * items[i], os.getpid(), signal.getsignal(signal.SIGINT)) for i in range(start, stop)]


def test_forked_workers_return_every_result_in_order_without_pickling_the_work():
    items = list(range(1000))
    results = parallel_map(partial(_squares_with_pid, items, threading.Lock()), len(items), jobs=2)
    assert [square for square, _, _ in results] == [i * i for i in items]
    pids = {pid for _, pid, _ in results}
    assert pids and os.getpid() not in pids  # (one worker may take every range on a busy machine)
    # Ctrl-C is the parent's to report: a worker ignores it.
    assert {handler for _, _, handler in results} == {signal.SIG_IGN}


def test_few_items_or_one_job_run_in_this_process():
    items = list(range(PARALLEL_MIN - 1))
    for count, jobs, min_count in ((len(items), 4, PARALLEL_MIN), (len(items), 1, 0), (0, 4, 0)):
        results = parallel_map(partial(_squares_with_pid, items, threading.Lock()), count, jobs, min_count)
        assert [square for square, _, _ in results] == [i * i for i in items[:count]]
        assert {pid for _, pid, _ in results} <= {os.getpid()}


def test_a_lower_minimum_shares_even_a_few_items():
    items = list(range(8))
    results = parallel_map(partial(_squares_with_pid, items, threading.Lock()), len(items), jobs=2, min_count=1)
    assert [square for square, _, _ in results] == [i * i for i in items]
    assert os.getpid() not in {pid for _, pid, _ in results}


def _range_of_each(start, stop):
    return [(start, stop)] * (stop - start)


def test_most_per_range_sends_large_results_in_smaller_ranges():
    count = 4000
    default = [bounds for part in parallel_iter(_range_of_each, count, jobs=2) for bounds in {*part}]
    capped = [bounds for part in parallel_iter(_range_of_each, count, jobs=2, most_per_range=90) for bounds in {*part}]
    assert max(stop - start for start, stop in default) == 125  # count / (jobs * CHUNKS_PER_JOB)
    assert max(stop - start for start, stop in capped) == 90
    # Every item, in order, once.
    assert [i for start, stop in capped for i in range(start, stop)] == list(range(count))
    assert parallel_map(_range_of_each, count, jobs=2, most_per_range=90) == \
        [bounds for bounds in capped for _ in range(bounds[1] - bounds[0])]


def _dies_on_the_last_range(count, start, stop):
    if stop == count:
        os.kill(os.getpid(), signal.SIGKILL)
    return list(range(start, stop))


@contextmanager
def fails_if_it_hangs(seconds: int = 120):
    """A wait forever, the bug these tests look for, fails the test after `seconds`
    instead of stalling the suite (a bound on liveness, not on speed)."""
    def expired(signum, frame):
        raise AssertionError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_worker_killed_mid_range_is_an_error_not_a_wait_forever():
    with fails_if_it_hangs(), pytest.raises(RuntimeError, match="a worker process stopped unexpectedly"):
        parallel_map(partial(_dies_on_the_last_range, 1000), 1000, jobs=2)


def _last_range_waits_for(flag, count, start, stop):
    """The last range waits (up to 10 s) until the caller has the first range's results."""
    if stop == count:
        deadline = time.monotonic() + 10
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return ["first range seen before the last was done" if flag.exists() else "waited in vain"]
    return list(range(start, stop))


def test_the_iterator_yields_each_range_in_order_while_the_workers_go_on(tmp_path):
    flag = tmp_path / "first-range-arrived"
    parts = []
    for part in parallel_iter(partial(_last_range_waits_for, flag, 1000), 1000, jobs=2):
        parts.append(part)
        flag.touch()
    # A map that returns only when every worker is done would make the last range wait in vain.
    assert parts[-1] == ["first range seen before the last was done"]
    assert [r for part in parts[:-1] for r in part] == list(range(len(parts[0]) * (len(parts) - 1)))


def test_a_worker_killed_mid_range_fails_the_iterator_too():
    with fails_if_it_hangs(), pytest.raises(RuntimeError, match="a worker process stopped unexpectedly"):
        for _ in parallel_iter(partial(_dies_on_the_last_range, 1000), 1000, jobs=2):
            pass
