"""Ingest: seeds/ -> content/, idempotent, never overwriting an editor's change.

`content/.ingest.json` (committed with content/) records, per seed, the hash of the seed
and of the content file ingest last wrote. A content file whose bytes still match what
ingest wrote follows its seed; one that differs was edited by hand and is kept.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ..config import Config
from ..content import article_id, front_matter_text, make_summary
from ..errors import DigestError, printable, shown
from ..files import load_marshal, save_marshal, scan_tree, sync_file_system, write_atomic
from .manifest import content_path_ok, valid_entries
from ..markup import paragraphs_to_markdown
from .safereplace import create_new, replace_unless_edited
from ..slugs import article_slug

MANIFEST = ".ingest.json"
_JSON_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # what json.dumps leaves as it is


@dataclass
class IngestReport:
    written: list[str] = field(default_factory=list)
    # content file path -> (sha, text, front matter) of each file written, for the build
    # that follows in the same run (it need not read and parse them again)
    fresh: dict = field(default_factory=dict)
    # content/ as the run left it: relative path -> (size, mtime_ns, inode), for the build
    # that follows in the same run (it need not list content/ again)
    listing: dict = field(default_factory=dict)
    unchanged: int = 0
    kept_edits: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    errors: list[DigestError] = field(default_factory=list)


@dataclass(frozen=True)
class Parsed:
    """A seed read and tagged: everything for its content file except the slug."""

    seed_name: str  # its key in the ingest record: file name, or `name#line` for a record
    seed_sha: str
    id: str
    title: str
    meta: dict
    year_month: tuple[str, str]
    base_slug: str  # from the title; the final slug may get a -2 suffix
    text: str  # the whole content file, with base_slug as its slug (emitted in the worker)
    first_seen: str | None = None  # ISO time ingest first saw an undated seed (its date)


def sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@dataclass(frozen=True)
class Prior:
    """What earlier runs decided that parsing must reuse: when each undated seed or record
    was first seen (by its key, and by its hash for a record that moved to another line),
    and the hash of each record whose content file is in place (such a record is skipped)."""

    now: datetime
    first_seen: dict
    first_seen_by_sha: dict
    record_sha: dict


@dataclass
class FileResult:
    """One seed file (or part of a large records file) read: its articles, its problems,
    and for records files the keys of the records left as they were and, for every record,
    (line, key, hash of its text), by which ingest drops a story told twice."""

    parsed: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    same: list = field(default_factory=list)
    texts: list = field(default_factory=list)


def record_key(seed) -> str:
    """A seed's key in the ingest record: the file name, or `name#line` for a record."""
    return seed.name if seed.line is None else f"{seed.name}#{seed.line}"


def shown_seed(key: str) -> str:
    """`seeds/x.txt`, or `seeds/x.jsonl:7` for a record, as messages name it."""
    name, _, line = key.rpartition("#")
    return f"seeds/{name}:{line}" if name and line.isdigit() else f"seeds/{key}"


def parse_seeds(path: Path, raw: bytes | None, config: Config, matcher, prior: Prior,
                part: tuple[int, int] | None = None) -> FileResult:
    """A seed file's articles; `part` (i, k): every k-th record of a large records file,
    whose bytes this process then reads itself (rather than have them sent to it)."""
    from .seeds import read_seeds  # ingest-only modules: a run with no new seed skips them

    result = FileResult()
    try:
        if part is None:
            seeds = read_seeds(path, config, raw)
        else:
            from .formats.records import read_records

            seeds = read_records(path, config, _read(path), part)
    except (DigestError, OSError) as e:
        result.errors.append(e if isinstance(e, DigestError) else
                             DigestError(shown(path, start=config.path.parent), f"cannot read: {e.strerror}"))
        return result
    for seed in seeds:
        if isinstance(seed, DigestError):
            result.errors.append(seed)
            continue
        key = record_key(seed)
        if seed.line is None:
            seed_sha = sha(raw)
        else:
            # A record's own hash, whatever its line: a record that moved is the same record.
            seed_sha = sha(repr(replace(seed, line=None)).encode())
            result.texts.append((seed.line, key, sha("\n".join(seed.paragraphs).encode())))
            if prior.record_sha.get(key) == seed_sha:
                result.same.append(key)
                continue
        first_seen = None
        if seed.date is None:
            # Every reader's undated seed meets its profile's policy (the profile named as
            # its source, as for the attribution): a date in the file name, a refusal, or
            # the time it was first seen, kept from the first run on.
            try:
                seed = replace(seed, date=_undated_date(path, seed, config))
            except DigestError as e:
                result.errors.append(e)
                continue
        if seed.date is None:
            first_seen = prior.first_seen.get(key) or prior.first_seen_by_sha.get(seed_sha) \
                or prior.now.astimezone(config.timezone).replace(microsecond=0).isoformat()
            seed = replace(seed, date=datetime.fromisoformat(first_seen))
        result.parsed.append(_parsed(seed, key, seed_sha, matcher, first_seen))
    return result


def _undated_date(path: Path, seed, config: Config):
    from .seeds import undated_date

    profile = next((p for p in config.sources if p.name == seed.source), None)
    if profile is None:
        return None
    return undated_date(path, profile, shown(path, start=config.path.parent), seed.line,
                        f"the seed states no date (source {profile.name!r} has undated: {profile.undated})")


def _parsed(seed, key: str, seed_sha: str, matcher, first_seen: str | None) -> Parsed:
    aid = article_id(seed.source, seed.date, seed.title)
    meta = {
        "title": seed.title,
        "date": seed.date.isoformat(),
        "source": seed.source,
        "reporters": list(seed.reporters),
        "tags": list(matcher.assign(seed.title, seed.paragraphs)),
        "summary": make_summary(seed.paragraphs),
        "slug": None,  # decided once every seed is read
        "id": aid,
        "seed": key,
    }
    if seed.url:
        meta["url"] = seed.url
    body = paragraphs_to_markdown(seed.paragraphs)
    base_slug = article_slug(seed.title, f"article-{aid[:8]}")
    return Parsed(key, seed_sha, aid, seed.title, meta,
                  (f"{seed.date.year:04d}", f"{seed.date.month:02d}"), base_slug,
                  front_matter_text(dict(meta, slug=base_slug), body), first_seen)


def with_slug(p: Parsed, slug: str) -> str:
    """The content file with its final slug: only the `slug:` line is emitted again."""
    if slug == p.base_slug:
        return p.text
    head, _, rest = p.text.partition("\nslug: ")
    slug_line = front_matter_text({"slug": slug}, "").split("\n")[1]
    return f"{head}\n{slug_line}\n{rest.split(chr(10), 1)[1]}"


def _parse_batch(args):
    from .tagging import build_matcher

    config, items, prior = args
    matcher = build_matcher(config)
    return [parse_seeds(path, raw, config, matcher, prior, part) for path, raw, part in items]


def load_manifest(content_dir: Path, report: IngestReport) -> tuple[dict, dict]:
    """The ingest record: seed name -> entry, and seed name -> its line in the file (when
    the file has the one-seed-a-line form `manifest_text` writes, for reuse)."""
    path = content_dir / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        if not (isinstance(data, dict) and isinstance(data.get("seeds"), dict)):
            raise ValueError
    except FileNotFoundError:
        return {}, {}
    except (ValueError, OSError):
        report.notices.append(f"{_shown_record(content_dir)}: unreadable ingest record; treating every existing "
                              "content file as edited")
        return {}, {}
    seeds, problems = valid_entries(data["seeds"], _shown_record(content_dir))
    if problems:
        report.notices.extend(problems)
        return seeds, {}
    lines = text.split("\n")[1:-2]
    if len(lines) != len(seeds):
        return seeds, {}
    by_name = {}
    for name, line in zip(sorted(seeds), lines):
        quoted = f'"{name}"' if _JSON_PLAIN.fullmatch(name) else json.dumps(name)
        if not line.startswith(quoted + ": {"):
            return seeds, {}
        by_name[name] = line.rstrip(",")
    return seeds, by_name


def _shown_record(content_dir: Path) -> str:
    return shown(content_dir / MANIFEST)


def manifest_text(manifest: dict, old: dict, old_lines: dict) -> str:
    """One seed a line: readable in a diff. Lines of unchanged entries are reused (20,000
    json.dumps calls were a third of adding one seed to 10,000)."""
    lines = [old_lines[name] if name in old_lines and old.get(name) == entry
             else f"{json.dumps(name)}: {json.dumps(entry, sort_keys=True)}"
             for name, entry in sorted(manifest.items())]
    return '{"version": 1, "seeds": {\n' + ",\n".join(lines) + "\n}}\n"


def ingest(config: Config, jobs: int = 1) -> IngestReport:
    """Read every seed, then write the content files that need it."""
    report = IngestReport()
    content_dir = config.content_dir
    root = config.path.parent
    listing = scan_tree(content_dir, ".md")
    existing = listing.keys()
    report.listing = listing

    # Nothing to do when every seed has the size, mtime and inode of the last clean run and
    # every content file that run accounted for is still there.
    seeds = []
    try:
        seed_entries = _scan_seeds(config.seeds_dir)
    except OSError as e:  # an unreadable seeds/ is a problem, not an empty one
        report.errors.append(DigestError(shown(config.seeds_dir, start=root), f"cannot read the seeds folder: "
                                                                                 f"{e.strerror}"))
        return report
    for entry_os in seed_entries:
        try:
            st = entry_os.stat()
        except OSError:
            st = None
        seeds.append((entry_os, st))
    # pickle, not marshal: marshal's bytes depend on reference counts and interning.
    stamp = sha(pickle.dumps((config.digest, [(e.name, st and (st.st_size, st.st_mtime_ns, st.st_ino))
                                              for e, st in seeds]), protocol=5))
    last = _load_cache(config.cache_dir / "ingest-stamp.marshal")
    if last.get("stamp") == stamp and existing >= set(last.get("contents", ())) \
            and (content_dir / MANIFEST).exists():
        report.unchanged = last.get("unchanged", 0)
        report.notices.extend(last.get("notices", ()))
        return report

    # Relative to the project, like `seeds/x.txt` in the same messages, wherever we run from.
    content_prefix = Path(os.path.relpath(content_dir, root)).as_posix() + "/"
    shown_content = lambda rel: content_prefix + rel  # noqa: E731

    # 1. Read: every seed's bytes; unchanged seeds whose content file exists are skipped.
    # A seed whose size, mtime and inode match the last run keeps its hash unread, and if
    # that run ingested it and its content file is still there, it needs nothing more
    # (the stat cache remembers its content file: a run that only lost seeds does not
    # even read the ingest record).
    stat_cache = _load_stat_cache(config)  # seed name -> [size, mtime_ns, inode, sha, content or None]
    new_stat_cache = {}
    done, pending = [], []
    for entry_os, st in seeds:
        name = entry_os.name
        try:
            if st is None:
                st = entry_os.stat()
        except OSError as e:
            report.errors.append(DigestError(shown(entry_os.path, start=root), f"cannot read: {e.strerror}"))
            continue
        cached = stat_cache.get(name)
        if cached and len(cached) == 5 and cached[0] == st.st_size and cached[1] == st.st_mtime_ns \
                and cached[2] == st.st_ino:
            new_stat_cache[name] = cached
            if _contents_exist(cached[4], existing):
                done.append(name)
                continue
        pending.append((entry_os, st))

    if not (content_dir / MANIFEST).exists():
        pending = [(e, st) for e, st in seeds]  # the record is gone: rebuild it from every seed
        done = []
    manifest, manifest_lines = load_manifest(content_dir, report) if pending else ({}, {})
    unchanged = {}
    to_parse = []
    records_of = _records_by_file(manifest)  # records file name -> {key: entry}
    if pending:
        by_name = {e.name: (e, st) for e, st in seeds}
        for name in done:
            entry = manifest.get(name)
            if is_records_file(name):
                done_in = set(new_stat_cache[name][4])
                kept = {k: e for k, e in records_of.get(name, {}).items() if e["content"] in done_in}
                if len(kept) == len(done_in):
                    unchanged.update(kept)
                else:
                    pending.append(by_name[name])
            elif entry and entry.get("seed_sha") == new_stat_cache[name][3] and entry["content"] in existing:
                unchanged[name] = entry
            else:  # the record says otherwise: read the seed again
                pending.append(by_name[name])
    for entry_os, st in pending:
        name, path, raw = entry_os.name, entry_os.path, None
        if is_records_file(name):
            # Many articles in one file: read it again, and let each record's hash say
            # which of them changed.
            try:
                raw = _read(path)
                new_stat_cache[name] = [st.st_size, st.st_mtime_ns, st.st_ino, sha(raw), None]
                # A large file ingest has not seen: every core takes a share of its records.
                # (Once its articles exist, a change re-reads it to skip all but a few, which
                # one process does faster than several each reading the whole file.)
                parts = jobs * 2 if jobs > 1 and len(raw) > RECORDS_SPLIT_BYTES and name not in records_of else 1
                if parts == 1:
                    to_parse.append((Path(path), raw, None))
                else:
                    to_parse += [(Path(path), None, (i, parts)) for i in range(parts)]
            except OSError as e:
                report.errors.append(DigestError(shown(path, start=root), f"cannot read: {e.strerror}"))
            continue
        try:
            cached = new_stat_cache.get(name)
            if cached:
                seed_sha = cached[3]
            else:
                raw = _read(path)
                seed_sha = sha(raw)
                new_stat_cache[name] = [st.st_size, st.st_mtime_ns, st.st_ino, seed_sha, None]
            entry = manifest.get(name)
            if entry and entry.get("seed_sha") == seed_sha and entry["content"] in existing:
                unchanged[name] = entry
                continue
            to_parse.append((Path(path), raw if raw is not None else _read(path), None))
        except OSError as e:
            report.errors.append(DigestError(shown(path, start=root), f"cannot read: {e.strerror}"))

    parsed: list[Parsed] = []
    from .seeds import ingest_now

    prior = Prior(
        now=ingest_now(),
        first_seen={k: e["first_seen"] for k, e in manifest.items() if e.get("first_seen")},
        first_seen_by_sha={e["seed_sha"]: e["first_seen"] for k, e in manifest.items() if e.get("first_seen")},
        record_sha={k: e["seed_sha"] for entries in records_of.values() for k, e in entries.items()
                    if e["content"] in existing},
    )
    results = _parse_all(config, to_parse, jobs, prior)
    records_files = {}  # records file name -> its parts' results
    for (path, _, _), result in zip(to_parse, results):
        report.errors.extend(result.errors)
        if is_records_file(path.name):
            records_files.setdefault(path.name, []).append(result)
        else:
            parsed.extend(result.parsed)
    del to_parse  # the seeds' bytes: 40 MB at 10,000 seeds, no longer needed
    read_ok = {}  # records file name -> the keys of its articles, when every record was read
    for name, parts in records_files.items():
        told = _stories_told_twice(parts, report)
        parsed.extend(p for part in parts for p in part.parsed if p.seed_name not in told)
        same = [key for part in parts for key in part.same if key not in told]
        unchanged.update((key, manifest[key]) for key in same)
        if not any(part.errors for part in parts):
            read_ok[name] = [p.seed_name for part in parts for p in part.parsed if p.seed_name not in told] + same

    # 2. Identity: the same article from two seeds gives one content file.
    # A seed renamed, or deleted and later restored, is still the same article: its record
    # (under the old name) keeps the content file and slug, found by id.
    # A key that now holds another article (a record moved to another line, and another
    # record took its line) frees its entry for that article, found by id.
    present = {e.name for e, _ in seeds} | set(unchanged)
    ids_now = {p.id for p in parsed} | {e["id"] for e in unchanged.values()}
    claimed = {p.seed_name for p in parsed if p.seed_name in manifest
               and (manifest[p.seed_name]["id"] == p.id or manifest[p.seed_name]["id"] not in ids_now)}
    parsed_keys = {p.seed_name for p in parsed}
    orphans = {e["id"]: name for name, e in sorted(manifest.items())
               if name not in claimed and name not in unchanged and (name not in present or name in parsed_keys)}
    record_of = {}
    for p in parsed:
        if p.seed_name in claimed:
            record_of[p.seed_name] = manifest[p.seed_name]
        elif p.id in orphans:
            record_of[p.seed_name] = manifest[orphans.pop(p.id)]
    unmatched = [p for p in parsed if p.seed_name not in record_of]
    if unmatched:
        record_of.update(_adopt_unrecorded(unmatched, content_dir, existing, manifest))
    owner: dict[str, str] = {e["id"]: name for name, e in sorted(unchanged.items())}
    unique = []
    for p in sorted(parsed, key=lambda p: p.seed_name):
        if p.id in owner and owner[p.id] != p.seed_name:
            report.notices.append(printable(f"{shown_seed(p.seed_name)}: same article as {shown_seed(owner[p.id])} "
                                            f"(id {p.id}); keeping one content file"))
            continue
        owner[p.id] = p.seed_name
        unique.append(p)

    # 3. Slugs: unique across content/, decided in a fixed order so runs agree.
    taken: dict[str, str] = {}  # slug -> id
    for entry in list(manifest.values()) + list(record_of.values()):
        taken[entry["slug"]] = entry["id"]
    existing_files = {rel.rsplit("/", 1)[-1][:-3] for rel in existing}
    plans = []
    for p in sorted(unique, key=lambda p: (p.meta["date"], p.id)):
        entry = record_of.get(p.seed_name)
        if entry:
            # The same seed file is the same article even when its title was corrected
            # (which changes the id): keep its slug and file, so its URL stays put.
            slug = entry["slug"]
        else:
            base = p.base_slug
            slug, n = base, 1
            while (taken.get(slug, p.id) != p.id) or (slug in existing_files and slug not in taken):
                rel = f"{p.year_month[0]}/{p.year_month[1]}/{slug}.md"
                if slug not in taken and rel in existing and _file_id(os.path.join(content_dir, rel)) == p.id:
                    break  # this article's own file, whose record was lost: adopt it
                if slug not in taken and rel in existing and _cut_short(_read_or_none(os.path.join(content_dir, rel))):
                    break  # a file cut short by a crash before it was recorded: see _cut_short
                n += 1
                slug = f"{base}-{n}"
        taken[slug] = p.id
        plans.append((p, slug))

    # 4. Write, only where the file is ours to write.
    # Durability (issue 14: a power cut must never leave a half-written content file that
    # a later ingest keeps as a hand edit). Each file is written in full beside its
    # target and linked or swapped in, but not fsync'd on its own (10,000 fsyncs were
    # half of a cold ingest on disk); one syncfs of content/ after the last of them puts
    # them all on disk before .ingest.json, written after it and fsync'd, records their
    # hashes. So a file the record says ingest wrote is whole on disk. A cut can only hit
    # a file the record does not list yet, or lists with its previous hash: the file
    # then holds its old bytes, or the new ones, or, when its data never reached the disk,
    # nothing (or zeros, or a cut front matter). Those last cases are no editor's work:
    # _cut_short tells them, and they are written again from the seed with a notice.
    # (A syncfs that fails raises before the record is written, as a failed fsync did.)
    new_manifest = {name: manifest[name] for name in unchanged}
    recovered = []  # notices of this run only: not repeated by later no-change runs
    report.unchanged = len(unchanged)
    for p, slug in plans:
        text = with_slug(p, slug)
        data = text.encode("utf-8")
        entry = record_of.get(p.seed_name)
        rel = entry["content"] if entry else f"{p.year_month[0]}/{p.year_month[1]}/{slug}.md"
        target = os.path.join(content_dir, rel)
        record = {"seed_sha": p.seed_sha, "id": p.id, "slug": slug, "content": rel, "written_sha": sha(data)}
        if p.first_seen:
            record["first_seen"] = p.first_seen
        try:
            current = _read(target) if rel in existing else None
        except FileNotFoundError:
            current = None
        # The replace itself verifies that nobody saved the file meanwhile (safereplace).
        if current is None:
            written = create_new(target, data, sync=False)
        elif current == data:
            report.unchanged += 1
            written = None
        elif entry and entry.get("written_sha") and sha(current) == entry["written_sha"]:
            written = replace_unless_edited(target, data, entry["written_sha"], sync=False)  # follow the seed
        elif _cut_short(current):
            written = replace_unless_edited(target, data, sha(current), sync=False)
            if written:
                recovered.append(printable(f"{shown_content(rel)}: empty or cut short (an ingest stopped by a crash "
                                           f"or power cut); written again from {shown_seed(p.seed_name)}"))
        else:
            written = False
        if written:
            _listed(listing, rel, target)
            report.written.append(shown_content(rel))
            report.fresh[target] = (record["written_sha"], text, dict(p.meta, slug=slug))
        elif written is False:
            report.kept_edits.append(printable(f"{shown_content(rel)}: edited by hand; keeping your edit "
                                               f"(seed {shown_seed(p.seed_name)} differs)"))
            # An adopted file (its record lost) may hold edits: treat it as edited from now on.
            record["written_sha"] = entry.get("written_sha") if entry else ""
            _listed(listing, rel, target)
        new_manifest[p.seed_name] = record

    adopted = {id(e) for e in record_of.values()}
    for name, entry in manifest.items():
        # Seeds that failed to parse keep their record; so do deleted seeds, whose content
        # stays (content/ is the source of truth) and whose file a restored seed finds again.
        if name not in new_manifest and id(entry) not in adopted:
            new_manifest[name] = entry
    if report.written:
        sync_file_system(content_dir)  # every content file on disk before the record names it
    stamp_notices = list(report.notices)
    report.notices.extend(recovered)
    if pending:
        done_names = set(done)
        manifest_path = content_dir / MANIFEST
        if new_manifest != manifest or (new_manifest and not manifest_path.exists()):
            write_atomic(manifest_path, manifest_text(new_manifest, manifest, manifest_lines).encode())
        for name, cached in new_stat_cache.items():  # remember which seeds are done, and where
            entry = new_manifest.get(name)
            if is_records_file(name):
                done_in = sorted(new_manifest[k]["content"] for k in read_ok[name] if k in new_manifest) \
                    if name in read_ok else cached[4] if name in done_names else None
            else:
                done_in = entry["content"] if entry and entry.get("seed_sha") == cached[3] else None
            if cached[4] != done_in:
                new_stat_cache[name] = cached[:4] + [done_in]
    else:
        # A records file's articles each count, as when they were written.
        report.unchanged = sum(1 if isinstance(new_stat_cache[name][4], str) else len(new_stat_cache[name][4])
                               for name in done)
    if new_stat_cache != stat_cache:
        _save_stat_cache(config, new_stat_cache)
    if not report.errors:
        # The content files of present seeds: one deleted while its seed stays is written
        # again. (A deleted seed's record stays, whether or not its file does.)
        contents = sorted(c for cached in new_stat_cache.values() if cached[4] is not None
                          for c in ([cached[4]] if isinstance(cached[4], str) else cached[4]))
        _save_cache(config.cache_dir / "ingest-stamp.marshal", {
            "stamp": stamp, "contents": contents, "unchanged": len(contents), "notices": stamp_notices})
    return report


RECORDS_SPLIT_BYTES = 4 * 1024 * 1024  # a records file this large is shared by all cores


def _stories_told_twice(parts, report: IngestReport) -> set:
    """The keys of records whose text an earlier record of the same file already tells:
    one article per story (a scraper files one story under two topics)."""
    first_of_text, twice = {}, set()
    for line, key, text_sha in sorted(t for part in parts for t in part.texts):
        other = first_of_text.setdefault(text_sha, key)
        if other != key:
            twice.add(key)
            report.notices.append(f"{shown_seed(key)}: same story as {shown_seed(other)}; keeping one article")
    return twice


def is_records_file(name: str) -> bool:
    """A records file (many articles), by its extension as seeds.seed_kind decides."""
    from .seeds import RECORDS_SUFFIXES

    return name.lower().endswith(RECORDS_SUFFIXES)


def _records_by_file(manifest: dict) -> dict:
    """The ingest record's entries of records files: file name -> {`name#line`: entry}."""
    out: dict = {}
    for key, entry in manifest.items():
        name, _, line = key.rpartition("#")
        if line.isdigit() and is_records_file(name):
            out.setdefault(name, {})[key] = entry
    return out


def _contents_exist(done_in, existing) -> bool:
    """Whether a seed's content file (a records file's files, a list) is all still there."""
    if done_in is None:
        return False
    if isinstance(done_in, str):
        return done_in in existing
    return all(c in existing for c in done_in)


_ID_LINE = re.compile(r"^id: *['\"]?([^'\"\n]*)", re.M)


def _file_id(path: str) -> str | None:
    """The `id:` of a content file's front matter, read cheaply (only for a lost record)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(8192)
    except OSError:
        return None
    m = _ID_LINE.search(head.split("\n---", 1)[0])
    return m.group(1).strip() if m else None


def _adopt_unrecorded(unmatched: list[Parsed], content_dir: Path, existing, manifest: dict) -> dict:
    """Records for seeds the ingest record does not know, from content files it does not
    know either (a lost or damaged record): matched by the file's `seed:` field, then by
    its id, so that a seed retitled meanwhile does not get a second article. Such a file
    may hold edits, so it counts as edited (written_sha '')."""
    known = {e["content"] for e in manifest.values()}
    by_seed, by_id = {}, {}
    for rel in sorted(existing):
        if rel in known or not content_path_ok(rel):
            continue
        meta = _front_matter(os.path.join(content_dir, rel))
        seed, aid = meta.get("seed"), meta.get("id")
        if isinstance(seed, str):
            by_seed.setdefault(seed, rel)
        if isinstance(aid, str):
            by_id.setdefault(aid, rel)
    adopted, used = {}, set()
    for p in sorted(unmatched, key=lambda p: p.seed_name):
        rel = by_seed.get(p.seed_name) or by_id.get(p.id)
        if rel and rel not in used:
            used.add(rel)
            slug = rel.rsplit("/", 1)[1][:-3]
            adopted[p.seed_name] = {"seed_sha": "", "id": p.id, "slug": slug, "content": rel, "written_sha": ""}
    return adopted


def _front_matter(path: str) -> dict:
    """A content file's front matter, or {} when it cannot be read (only for a lost record)."""
    from ..content import split_front_matter

    try:
        with open(path, encoding="utf-8") as f:
            meta, _, _ = split_front_matter(f.read(), path)
        return meta
    except (OSError, UnicodeDecodeError, DigestError):
        return {}


def _cut_short(current: bytes | None) -> bool:
    """Whether a content file that ingest did not record (or recorded with other bytes)
    is one whose data a crash kept from the disk rather than an editor's work: empty,
    holding NUL bytes (blocks allocated but never written), not UTF-8, or without a
    front matter that parses. Such a file is written again from its seed."""
    if current is None:
        return False
    if not current or b"\0" in current:
        return True
    from ..content import split_front_matter

    try:
        split_front_matter(current.decode("utf-8"), "")
    except (UnicodeDecodeError, DigestError):
        return True
    return False


def _read_or_none(path: str) -> bytes | None:
    try:
        return _read(path)
    except OSError:
        return None


def _listed(listing: dict, rel: str, path: str) -> None:
    try:
        st = os.stat(path)
    except FileNotFoundError:  # removed by someone else since: the build lists it again
        listing.pop(rel, None)
        return
    listing[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _scan_seeds(seeds_dir: Path):
    """The seed files, sorted; none when there is no seeds folder (OSError when unreadable)."""
    try:
        entries = [e for e in os.scandir(seeds_dir) if not e.name.startswith(".") and e.is_file()]
    except FileNotFoundError:
        return []
    return sorted(entries, key=lambda e: e.name)


INGEST_CACHE_VERSION = 1


def _load_cache(path: Path) -> dict:
    return load_marshal(path, INGEST_CACHE_VERSION)


def _save_cache(path: Path, data: dict) -> None:
    try:
        save_marshal(path, data, INGEST_CACHE_VERSION)
    except (OSError, DigestError):  # files.write_atomic reports a failed write as a DigestError
        pass  # only a cache: the next run reads the seeds again


def _load_stat_cache(config: Config) -> dict:
    return _load_cache(config.cache_dir / "seeds-stat.marshal")


def _save_stat_cache(config: Config, data: dict) -> None:
    _save_cache(config.cache_dir / "seeds-stat.marshal", data)


def _parse_all(config: Config, items, jobs: int, prior: Prior):
    if not items:
        return []  # building the tag matcher alone costs 60 ms
    if jobs <= 1 or (len(items) < 200 and all(part is None for _, _, part in items)):
        return _parse_batch((config, items, prior))
    size = -(-len(items) // (jobs * 4))
    batches = [(config, items[i:i + size], prior) for i in range(0, len(items), size)]
    from concurrent.futures import ProcessPoolExecutor  # 27 ms to import: only when needed

    from ..parallel import reset_signals

    with ProcessPoolExecutor(max_workers=jobs, initializer=reset_signals) as pool:
        return [r for batch in pool.map(_parse_batch, batches) for r in batch]
