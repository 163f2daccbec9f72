"""Ingest: seeds/ -> content/, idempotent, never overwriting an editor's change.

The package owns everything between a raw scraped file and its content file:
- `seeds` and `formats/`: reading seed files of every format (text with a source
  profile, HTML pages, records files, wire copy) into Seeds, with their encodings,
  datelines and sign-offs;
- `tagging`: the tag matcher; `parse`: Seeds to dated articles, in one process or
  several, and each article's content file (tags, summary, front matter);
- `pending`: which seeds need parsing at all (the stat cache and the run stamp);
- `manifest`: `content/.ingest.json`, what ingest last wrote for each seed;
- `placing`: which record entry, file and slug each article gets;
- `write` and `safereplace`: making and writing content files durably, never over a
  hand edit (by the workers when there are many: the slugs are decided first).

`ingest()` is the entry point: it reads everything it needs, then writes, and returns
an IngestReport (the files written, the hand edits kept, notices and problems, and what
the build that follows in the same run may reuse). `ingest_files()` is the same in two
steps: the report once the content files are written, then the writing of ingest's own
record, which the build does not wait for.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from ..config import Config
from ..errors import DigestError, in_project, shown
from ..files import scan_tree
from .manifest import MANIFEST, load_manifest, merged_manifest, records_by_file, save_manifest
from .parse import content_file, parse_pending, prior_from
from .pending import (STAMP, STAT_CACHE, hashed_where_parsed, load_cache, read_pending, recheck_done, save_cache,
                      scan_seeds, seeds_stamp, settled_stat_cache, sort_by_stat)
from .placing import assign_slugs, match_records, one_per_article
from .write import WrittenFiles, write_articles


@dataclass
class IngestReport:
    written: list[str] = field(default_factory=list)
    # content file path -> (sha, text, front matter) of each file written, for the build
    # that follows in the same run (it need not parse their front matter again); the
    # texts are not kept but read when asked (see WrittenFiles)
    fresh: WrittenFiles = field(default_factory=WrittenFiles)
    # content/ as the run left it: relative path -> (size, mtime_ns, inode), for the build
    # that follows in the same run (it need not list content/ again)
    listing: dict = field(default_factory=dict)
    unchanged: int = 0
    kept_edits: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    errors: list[DigestError] = field(default_factory=list)


def ingest(config: Config, jobs: int = 1) -> IngestReport:
    """Read every seed, then write the content files that need it, then ingest's record."""
    report, settle = ingest_files(config, jobs)
    settle()
    return report


def _settled() -> None:
    """The record of a run that wrote nothing: nothing to settle."""


def ingest_files(config: Config, jobs: int = 1) -> tuple[IngestReport, Callable[[], None]]:
    """`ingest` up to the content files written: the report, final by then, and `settle`,
    which writes ingest's own record of the run (content/.ingest.json, the stat cache and
    the run stamp; it may raise DigestError). The build needs only the report: `python
    build.py` hands it over before settling (workflow.run)."""
    report = IngestReport()
    content_dir, root = config.content_dir, config.path.parent
    report.listing = scan_tree(content_dir, ".md")
    existing = report.listing.keys()
    try:
        seeds = scan_seeds(config.seeds_dir)  # name -> (size, mtime_ns, inode) or None
    except OSError as e:  # an unreadable seeds/ is a problem, not an empty one
        report.errors.append(DigestError(shown(config.seeds_dir, start=root), f"cannot read the seeds folder: "
                                                                          f"{e.strerror}"))
        return report, _settled
    # Nothing to do when every seed has the size, mtime and inode of the last clean run and
    # every content file that run accounted for is still there.
    stamp = seeds_stamp(config, seeds)
    last = load_cache(config, STAMP)
    if last.get("stamp") == stamp and existing >= set(last.get("contents", ())) \
            and (content_dir / MANIFEST).exists():
        report.unchanged = last.get("unchanged", 0)
        report.notices.extend(last.get("notices", ()))
        return report, _settled

    # A seed whose size, mtime and inode match the last run keeps its hash unread, and if
    # that run ingested it and its content file is still there, it needs nothing more
    # (the stat cache remembers its content file: a run that only lost seeds does not
    # even read the ingest record).
    # (The stat cache keeps the SHA-1 of the ingest record it was settled against: while
    # the record has those bytes, a done seed is not looked up in it again.)
    cached = load_cache(config, STAT_CACHE)
    stat_cache = cached.get("seeds", {})  # seed name -> [size, mtime_ns, inode, sha, content or None]
    known, done, pending, errors = sort_by_stat(seeds, stat_cache, existing, config.seeds_dir, root)
    report.errors += errors
    if not (content_dir / MANIFEST).exists():
        pending, done = list(seeds.items()), []  # the record is gone: rebuild it from every seed
    recovered, record = [], lambda: (known, cached.get("record", ""))
    if pending:
        recovered, record = _ingest_pending(config, jobs, seeds, known, done, pending, report,
                                            cached.get("record", ""))
    else:
        # A records file's articles each count, as when they were written.
        report.unchanged = sum(1 if isinstance(known[name][4], str) else len(known[name][4]) for name in done)
    notices = list(report.notices)  # the run stamp's, which a no-change run repeats
    report.notices += recovered  # this run's news only: not repeated by a no-change run

    def settle() -> None:
        settled, record_digest = record()
        # A run that only lost seeds keeps the file as it is (9 MB at 50,000 seeds): the
        # entries of seeds no longer there are never matched, and go when it is next written.
        if record_digest != cached.get("record", "") \
                or any(stat_cache.get(name) is not entry for name, entry in settled.items()):
            save_cache(config, STAT_CACHE, {"record": record_digest, "seeds": settled})
        if not report.errors:
            # The content files of present seeds: one deleted while its seed stays is written
            # again. (A deleted seed's record stays, whether or not its file does.)
            contents = sorted(c for entry in settled.values() if entry[4] is not None
                              for c in ([entry[4]] if isinstance(entry[4], str) else entry[4]))
            save_cache(config, STAMP, {"stamp": stamp, "contents": contents, "unchanged": len(contents),
                                       "notices": notices})
    return report, settle


def _content_file_maker(config: Config, plans: list):
    """parse.content_file with the tag matcher bound, built (60 ms) only when there are
    files to make, and before any writing process forks: each inherits it."""
    if not plans:
        return None
    from .tagging import build_matcher

    return partial(content_file, build_matcher(config))


def _ingest_pending(config: Config, jobs: int, seeds: dict, known: dict, done: list, pending: list,
                    report: IngestReport, settled_against: str) -> tuple[list, Callable[[], tuple[dict, str]]]:
    """Parse, place and write the pending seeds into `report`: (the notices of cut files
    written again, `record`). `record()` writes the ingest record and returns (the stat
    cache to keep, the SHA-1 of the record now valid, see load_manifest).
    `settled_against`: the SHA-1 of the record the stat cache's entries were made from."""
    content_dir, root = config.content_dir, config.path.parent
    existing = report.listing.keys()
    manifest, manifest_lines, notices, record_digest = load_manifest(content_dir, settled_against)
    report.notices += notices
    records_of = records_by_file(manifest)  # records file name -> {key: entry}
    vouched = bool(record_digest) and record_digest == settled_against
    unchanged, more = recheck_done(done, seeds, manifest, records_of, known, existing, vouched)
    vouched_entries = dict(unchanged) if vouched else {}
    to_parse = read_pending(pending + more, manifest, known, existing, jobs, config.seeds_dir, root)
    report.errors += to_parse.errors
    unchanged.update(to_parse.unchanged)
    known = {**known, **to_parse.stats}
    parsing = parse_pending(config, to_parse.items, jobs, prior_from(manifest, records_of, existing))
    known.update(hashed_where_parsed(to_parse.unhashed, parsing.parsed))
    del to_parse  # the seeds' bytes: 40 MB at 10,000 seeds, no longer needed
    report.errors += parsing.errors
    report.notices += parsing.notices
    unchanged.update((key, manifest[key]) for key in parsing.same)

    present = seeds.keys() | unchanged.keys()
    record_of = match_records(parsing.parsed, manifest, unchanged, present, content_dir, existing)
    # Relative to the project, like `seeds/x.txt` in the same messages, wherever we run from.
    shown_in = in_project(content_dir, root), in_project(config.seeds_dir, root)
    unique, notices = one_per_article(parsing.parsed, unchanged, shown_in[1])
    report.notices += notices
    plans = assign_slugs(unique, manifest, record_of, existing, content_dir)
    # From here `plans` holds the only reference to each parsed seed (its paragraphs: ~340 MB
    # at 50,000 seeds), and write_articles lets each go once its file is written.
    read_ok = parsing.read_ok
    del parsing, unique
    written = write_articles(plans, _content_file_maker(config, plans), record_of, existing, content_dir,
                             shown_in, jobs)
    report.written, report.fresh, report.kept_edits = written.written, written.fresh, written.kept_edits
    report.unchanged = len(unchanged) + written.same
    for rel, stat in written.listed.items():
        if stat is None:
            report.listing.pop(rel, None)
        else:
            report.listing[rel] = stat
    records, placed = written.records, list(record_of.values())

    def record() -> tuple[dict, str]:
        new_manifest = merged_manifest(manifest, unchanged, records, placed)
        digest = save_manifest(content_dir, new_manifest, manifest, manifest_lines, record_digest)
        return settled_stat_cache(known, new_manifest, read_ok, done, vouched_entries), digest
    return written.recovered, record
