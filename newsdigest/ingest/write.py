"""Writing content files: only where the file is still ingest's to write, and durably.
When there are many, `jobs` worker processes make them (tags, front matter: the slugs are
decided by then) and this process writes each range of them as soon as it is made, while
the workers make the rest (file creation is kernel work that several writers in the same
folders do not share out: it is overlapped with the tagging instead).

Durability (issue 14: a power cut must never leave a half-written content file that a
later ingest keeps as a hand edit). Each file is written in full beside its target and
linked or swapped in (safereplace), not fsync'd as it is written (10,000 fsyncs were half
of a cold 10,000-record ingest on disk); files.flush_files after the last of them (an
fsync each, several at once, for a day's batch; one syncfs for thousands) puts them all
on disk before .ingest.json, written after it and fsync'd, records their
hashes. So a file the record says ingest wrote is whole on disk. A cut can only hit a
file the record does not list yet, or lists with its previous hash: that file then
holds its old bytes, or the new ones, or, when its data never reached the disk, nothing
(or zeros, or a cut front matter). Those last cases are no editor's work: `cut_short`
tells them, and they are written again from the seed with a notice. (A flush that
fails raises before the record is written.)
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path

from ..content import split_front_matter
from ..errors import DigestError, printable
from ..files import flush_files
from ..parallel import parallel_iter
from .parse import Parsed, sha, shown_seed
from .safereplace import create_new, replace_unless_edited


# Files a worker makes at once. A range's texts are held whole by its worker and by this
# process while they cross the pipe: 8 ranges of 6,250 files (50,000 seeds shared out in 4
# ranges a worker) were ~100 MB more in each worker and each swing of this process.
FILES_PER_RANGE = 1000


class WrittenFiles(Mapping):
    """The content files ingest wrote in this run, for the build that follows in the same
    run: path -> (hash, text, front matter), the front matter being the mapping ingest
    emitted into the text (the build need not parse it again). Only the hash and front
    matter are kept, never the text: at 50,000 files the texts were 300 MB, held by ingest
    and by the build through its render, and so by every render worker it forked. A text
    is read from its file when asked (and the build's parse workers read their share
    themselves); a file changed since ingest wrote it reads with its own hash and no
    front matter."""

    def __init__(self):
        self.written: dict[str, tuple[str, dict]] = {}  # path -> (hash, front matter)

    def add(self, path: str, sha: str, meta: dict) -> None:
        self.written[path] = (sha, meta)

    def handed_over(self, path: str) -> tuple[str, dict]:
        """(hash, front matter) of a file as ingest wrote it: what the build takes, unread."""
        return self.written[path]

    def __getitem__(self, path: str) -> tuple[str, str, dict | None]:
        written_sha, meta = self.written[path]
        with open(path, "rb") as f:
            raw = f.read()
        now = sha(raw)
        return now, raw.decode("utf-8"), meta if now == written_sha else None

    def __contains__(self, path) -> bool:  # without reading the file
        return path in self.written

    def __iter__(self):
        return iter(self.written)

    def __len__(self) -> int:
        return len(self.written)


@dataclass
class Written:
    """What writing the planned articles did: the record entry of each, the files
    written (as messages show them, and with their sha, text and front matter for the
    build that follows), the hand edits kept, the cut files written again (notices of
    this run only), the files found already right, and content/'s listing updates
    (relative path -> (size, mtime_ns, inode), or None for a file gone meanwhile)."""

    records: dict = field(default_factory=dict)
    written: list = field(default_factory=list)
    fresh: WrittenFiles = field(default_factory=WrittenFiles)
    kept_edits: list = field(default_factory=list)
    recovered: list = field(default_factory=list)
    same: int = 0
    listed: dict = field(default_factory=dict)


def write_articles(plans: list, make_file: Callable[[Parsed, str], tuple[dict, str]], record_of: dict,
                   existing, content_dir: Path, shown_in: tuple[str, str], jobs: int) -> Written:
    """Each planned (article, slug)'s content file, made by `make_file` (parse.content_file
    with its tag matcher bound) and written unless it already holds those bytes or an
    editor's; then the written ones are flushed to disk. Each entry of `plans` is set to
    None once its file is written: its parsed seed (paragraphs and all) is freed then, and
    the memory of the files made meanwhile takes its place instead of adding to it (the
    ingest process of 50,000 seeds grew by 190-270 MB while writing). `shown_in`: the
    content and seeds folders as messages show them (errors.in_project)."""
    content_prefix, seeds = shown_in
    made_files = chain.from_iterable(parallel_iter(partial(_make_range, plans, make_file), len(plans), jobs,
                                                   most_per_range=FILES_PER_RANGE))
    out = Written()
    for i, made in enumerate(made_files):
        p, slug = plans[i]
        plans[i] = None
        rel, record, outcome, stat = _write_planned(p, slug, made, record_of.get(p.seed_name), existing, content_dir)
        target = os.path.join(content_dir, rel)
        if outcome is None:
            out.same += 1
        elif outcome:
            out.listed[rel] = stat
            out.written.append(content_prefix + rel)
            out.fresh.add(target, record["written_sha"], made[0])
            if outcome == "again":
                out.recovered.append(printable(f"{content_prefix}{rel}: empty or cut short (an ingest stopped by a "
                                               f"crash or power cut); written again from {shown_seed(p.seed_name, seeds)}"))
        else:
            out.kept_edits.append(printable(f"{content_prefix}{rel}: edited by hand; keeping your edit "
                                            f"(seed {shown_seed(p.seed_name, seeds)} differs)"))
            out.listed[rel] = stat
        out.records[p.seed_name] = record
    flush_files(content_dir, out.fresh)  # every content file on disk before the record names it
    return out


def _make_range(plans: list, make_file, start: int, stop: int) -> list:
    return [make_file(p, slug) for p, slug in plans[start:stop]]


def _write_planned(p: Parsed, slug: str, made: tuple[dict, str], entry: dict | None, existing, content_dir: Path):
    """(content path, record entry, _write_one's outcome, the file's stat unless it was
    already right) of one planned article whose (front matter, text) is `made`."""
    data = made[1].encode("utf-8")
    rel = entry["content"] if entry else f"{p.year_month[0]}/{p.year_month[1]}/{slug}.md"
    target = os.path.join(content_dir, rel)
    record = {"seed_sha": p.seed_sha, "id": p.id, "slug": slug, "content": rel, "written_sha": sha(data)}
    if p.first_seen:
        record["first_seen"] = p.first_seen
    outcome = _write_one(target, data, _current(target) if rel in existing else None, entry)
    if outcome is None:
        return rel, record, None, None
    if not outcome:
        # An adopted file (its record lost) may hold edits: treat it as edited from now on.
        record["written_sha"] = entry.get("written_sha") if entry else ""
    return rel, record, outcome, _stat(target)


def _write_one(target: str, data: bytes, current: bytes | None, entry: dict | None):
    """True when written, "again" when a cut file was written again, None when the file
    already holds data, False when it holds a hand edit (kept). The replace itself
    verifies that nobody saved the file meanwhile (safereplace)."""
    if current is None:
        return create_new(target, data, sync=False)
    if current == data:
        return None
    if entry and entry.get("written_sha") and sha(current) == entry["written_sha"]:
        return replace_unless_edited(target, data, entry["written_sha"], sync=False)  # follow the seed
    if cut_short(current):
        return "again" if replace_unless_edited(target, data, sha(current), sync=False) else False
    return False


def cut_short(current: bytes | None) -> bool:
    """Whether a content file that ingest did not record (or recorded with other bytes)
    is one whose data a crash kept from the disk rather than an editor's work: empty,
    holding NUL bytes (blocks allocated but never written), not UTF-8, or without a
    front matter that parses. Such a file is written again from its seed. (Ingest looks
    only at the files of new or changed seeds, or of all when the record is lost: a hand
    edit that broke its front matter is taken for a cut file only then.)"""
    if current is None:
        return False
    if not current or b"\0" in current:
        return True
    try:
        split_front_matter(current.decode("utf-8"), "")
    except (UnicodeDecodeError, DigestError):
        return True
    return False


def _current(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:  # deleted meanwhile: written anew
        return None


def read_or_none(path: str) -> bytes | None:
    """A file's bytes, or None when it is not there (deleted meanwhile) or unreadable."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _stat(path: str):
    try:
        st = os.stat(path)
    except FileNotFoundError:  # removed by someone else since: the build lists it again
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)
