"""Ingest on several cores (issue 11's speed): a large records file read in shares, then the
content files made and written by the worker processes themselves once every slug is
decided. Real forked workers, in-process so the split size can be lowered; the result must
be what one process gives, down to the ingest record."""
import json
import os
import shutil

from newsdigest.config import load_config
from newsdigest.ingest import ingest, pending, write
from newsdigest.parallel import PARALLEL_MIN

SOURCE_DATE_EPOCH = "1574208000"  # 2019-11-20 UTC, after every date below
HOUR_MS = 3600_000


def record(n, title=None, date_hours=None, text=None):
    return {"headline": title or f"Delegation {n} arrives in Pyongyang",
            "date": 1573776000000 + (n if date_hours is None else date_hours) * HOUR_MS,
            "link": f"http://news.example.kp/article/{n}",
            "story_text": text or f"Pyongyang, November 15 (KCNA) -- Delegation {n} arrived here by air.\n"
                                  f"It was met at the airport by officials. -0-"}


def corpus() -> list[dict]:
    """More records than PARALLEL_MIN, so that the files are written by workers, with:
    - line 2: no source and no dateline: its source is the agency that another record of
      the same site names in its dateline (looked up over the whole file, from either share);
    - lines 6 and 400: one title; line 400 is older, so it gets the plain slug and line 6
      the `-2` one, whichever share reads which;
    - line 430 tells line 3's story again: one article, a notice."""
    records = [record(n) for n in range(1, PARALLEL_MIN + 60)]
    records[1] = {"headline": "An anecdote", "date": 1573776000000, "link": "http://news.example.kp/article/2",
                  "story_text": "Long ago a general planted a tree."}
    records[5] = record(6, title="Talks resume", date_hours=300)
    records[399] = record(400, title="Talks resume", date_hours=2)
    records[429] = dict(record(430), story_text=records[2]["story_text"])
    return records


def content_tree(root):
    """Every file under content/ (the ingest record too): relative path -> bytes."""
    base = root / "content"
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def writers(log):
    """The process ids that created content files, from the log that `logged` appends to."""
    return {int(pid) for pid in log.read_text().split()} if log.exists() else set()


def test_workers_read_shares_and_write_their_own_files_giving_what_one_process_gives(project, tmp_path,
                                                                                       monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    seeds = project / "seeds" / "kcna.jsonl"
    records = corpus()
    seeds.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    two = tmp_path / "two"
    shutil.copytree(project, two)
    log = tmp_path / "writers.log"
    create_new = write.create_new

    def logged(path, data, sync=True):  # forked workers inherit this patch
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        return create_new(path, data, sync)

    monkeypatch.setattr(write, "create_new", logged)
    one_report = ingest(load_config(project / "config.yaml"), jobs=1)
    assert writers(log) == {os.getpid()}
    log.unlink()
    monkeypatch.setattr(pending, "RECORDS_SPLIT_BYTES", 100)  # read in two shares
    two_report = ingest(load_config(two / "config.yaml"), jobs=2)
    assert writers(log) and os.getpid() not in writers(log)  # the workers wrote every file

    assert content_tree(two) == content_tree(project)
    assert len(two_report.written) == len(records) - 1
    assert two_report.written == one_report.written  # as messages show them: content/...
    assert two_report.notices == one_report.notices == [
        "seeds/kcna.jsonl:430: same story as seeds/kcna.jsonl:3; keeping one article"]
    # What the build that follows in the same run reuses: the same files, texts and front matter.
    assert {os.path.relpath(k, two): v for k, v in two_report.fresh.items()} == \
        {os.path.relpath(k, project): v for k, v in one_report.fresh.items()}
    files = content_tree(two)
    assert b"source: KCNA\n" in next(data for data in files.values() if b"seed: kcna.jsonl#2\n" in data)
    assert b"seed: kcna.jsonl#400\n" in files["2019/11/talks-resume.md"]
    assert b"seed: kcna.jsonl#6\n" in files["2019/11/talks-resume-2.md"]

    # One record changed: each share reads the file again, one article is written.
    records[200] = dict(records[200], story_text=records[200]["story_text"].replace("by air", "by train"))
    for root in (project, two):
        (root / "seeds" / "kcna.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    again_one = ingest(load_config(project / "config.yaml"), jobs=1)
    again_two = ingest(load_config(two / "config.yaml"), jobs=2)
    assert len(again_two.written) == len(again_one.written) == 1
    assert content_tree(two) == content_tree(project)
    assert {k for k, v in content_tree(two).items() if files.get(k) != v} == {
        again_two.written[0].removeprefix("content/"), ".ingest.json"}
