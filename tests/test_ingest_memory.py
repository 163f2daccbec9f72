"""Ingest's memory (issue 13: a cold build of 50,000 articles under 600 MB in every process).
Every parsed seed holds its paragraphs (~340 MB at 50,000 seeds); each must be freed once
its content file is written, not held until the last one is, so that the files made
meanwhile take the seeds' place instead of adding to them. A real ingest, in one process
and with forked workers making the files; weak references tell which parsed seeds are
still alive as each file is created and when the files are flushed."""
import weakref

import pytest

import newsdigest.ingest
from conftest import SOURCE_DATE_EPOCH, copy_sample, write_records
from newsdigest.config import load_config
from newsdigest.ingest import ingest, write
from newsdigest.parallel import PARALLEL_MIN


def watch_parsed_seeds(monkeypatch):
    """Record how many of the planned articles' parsed seeds are alive at each file
    created and at the flush after the last one: (alive at each create, alive at flush,
    planned)."""
    refs, at_create, at_flush = [], [], []

    def alive():
        return sum(ref() is not None for ref in refs)

    def watched_write_articles(plans, *args):
        refs.extend(weakref.ref(p) for p, _ in plans)  # no strong reference kept here
        return real_write_articles(plans, *args)

    def watched_create_new(*args, **kwargs):
        at_create.append(alive())
        return real_create_new(*args, **kwargs)

    def watched_flush_files(*args):
        at_flush.append(alive())
        return real_flush_files(*args)

    real_write_articles, real_create_new, real_flush_files = \
        newsdigest.ingest.write_articles, write.create_new, write.flush_files
    monkeypatch.setattr(newsdigest.ingest, "write_articles", watched_write_articles)
    monkeypatch.setattr(write, "create_new", watched_create_new)
    monkeypatch.setattr(write, "flush_files", watched_flush_files)
    return at_create, at_flush, refs


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_parsed_seed_is_freed_once_its_file_is_written(tmp_path, monkeypatch, jobs):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    project = copy_sample(tmp_path / "project")
    if jobs > 1:
        write_records(project, PARALLEL_MIN + 50)  # the files are made by forked workers
    at_create, at_flush, refs = watch_parsed_seeds(monkeypatch)
    report = ingest(load_config(project / "config.yaml"), jobs=jobs)
    assert not report.errors
    planned = len(refs)
    assert planned == len(report.written) == len(at_create) > (PARALLEL_MIN if jobs > 1 else 10)
    # When the k-th file (from 0) is created, the k before it have let their seeds go: only
    # this one's and those still to write are alive. Held to the end, all would be.
    assert at_create == [planned - k for k in range(planned)]
    assert at_flush == [1]  # the last one written, still the write loop's variable
