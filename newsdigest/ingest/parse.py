"""Parsing seeds into articles: a seed file's Seeds (read by `readers.read_seeds`) dated
by the undated policy, with the id and slug that placing decides by, in one process or
spread over `jobs` processes; and, once its slug is decided, an article's content file
(tags, summary, front matter: `content_file`). Pure work: nothing here writes a file."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..content import OUT_OF_RANGE, article_id, front_matter_text, in_range, make_summary
from ..errors import DigestError, in_project, shown
from ..markup import paragraphs_to_markdown, xml_forbidden
from ..parallel import parallel_map
from ..slugs import article_slug

if TYPE_CHECKING:  # seeds is ingest-only: a run with no new seed never imports it
    from .seeds import Seed


@dataclass(frozen=True)
class Parsed:
    """A seed read and dated: what placing decides its file and slug by, and the Seed its
    content file is made from once the slug is decided (`content_file`)."""

    seed_name: str  # its key in the ingest record: file name, or `name#line` for a record
    seed_sha: str
    id: str
    date: str  # ISO 8601, as in its front matter
    year_month: tuple[str, str]
    base_slug: str  # from the title; the final slug may get a -2 suffix
    seed: Seed
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


def prior_from(manifest: dict, records_of: dict, existing) -> Prior:
    """The Prior of this run, from the ingest record and the content files in place."""
    from .seeds import ingest_now

    return Prior(
        now=ingest_now(),
        first_seen={k: e["first_seen"] for k, e in manifest.items() if e.get("first_seen")},
        first_seen_by_sha={e["seed_sha"]: e["first_seen"] for k, e in manifest.items() if e.get("first_seen")},
        record_sha={k: e["seed_sha"] for entries in records_of.values() for k, e in entries.items()
                    if e["content"] in existing},
    )


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


def shown_seed(key: str, seeds: str) -> str:
    """`seeds/x.txt`, or `seeds/x.jsonl:7` for a record, as messages name it; `seeds`:
    the seeds folder as errors.in_project gives it."""
    name, _, line = key.rpartition("#")
    return f"{seeds}{name}:{line}" if name and line.isdigit() else f"{seeds}{key}"


def _file_seeds(path: Path, raw: bytes | None, config: Config, part: tuple[int, int] | None):
    """The Seeds (or DigestErrors) of one seed file, or of its `part` of records."""
    from .readers import read_seeds  # ingest-only modules: a run with no new seed skips them

    if part is None:
        return read_seeds(path, config, raw)
    from .formats.records import read_records

    return read_records(path, config, Path(path).read_bytes(), part)


_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_field(seed) -> str | None:
    """The field of a seed that holds a lone surrogate (JSON can spell one, `"\\ud800"`;
    no UTF-8 text can hold it), or None."""
    for name in ("title", "source", "attribution", "url", "reporters", "paragraphs"):
        value = getattr(seed, name)
        for text in (value,) if isinstance(value, str) else value:
            if not text.isascii() and _SURROGATE.search(text):
                return name
    return None


def parse_seeds(path: Path, raw: bytes | None, config: Config, prior: Prior,
                part: tuple[int, int] | None = None) -> FileResult:
    """A seed file's articles; `part` (i, k): every k-th record of a large records file.
    Without `raw`, this process reads the file's bytes itself (rather than have them sent
    to it)."""
    result = FileResult()
    forbidden = xml_forbidden(path.name)
    if forbidden:  # it would be the content file's `seed:`, which no feed may carry
        result.errors.append(DigestError(shown(path, start=config.path.parent), f"file name holds character "
                                         f"U+{ord(forbidden):04X}, which feeds cannot carry; rename the file"))
        return result
    try:
        if raw is None and part is None:  # read here, in the worker, not sent to it (see read_pending)
            raw = path.read_bytes()
        seeds = _file_seeds(path, raw, config, part)
    except (DigestError, OSError) as e:
        result.errors.append(e if isinstance(e, DigestError) else
                             DigestError(shown(path, start=config.path.parent), f"cannot read: {e.strerror}"))
        return result
    for seed in seeds:
        if isinstance(seed, DigestError):
            result.errors.append(seed)
            continue
        half = surrogate_field(seed)
        if half:
            result.errors.append(DigestError(shown(path, start=config.path.parent), f"{half}: holds half of a "
                                             "UTF-16 surrogate pair (a \\udXXX escape alone), which is no character",
                                             seed.line))
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
        try:
            seed, first_seen = _dated(path, seed, key, seed_sha, config, prior)
        except DigestError as e:
            result.errors.append(e)
            continue
        if not in_range(seed.date, config.timezone):  # its content file would not build
            result.errors.append(DigestError(shown(path, start=config.path.parent),
                                             f"date: {seed.date.isoformat()} {OUT_OF_RANGE}", seed.line))
            continue
        result.parsed.append(_parsed(seed, key, seed_sha, first_seen))
    return result


def _dated(path: Path, seed, key: str, seed_sha: str, config: Config, prior: Prior):
    """(seed with its date, the first-seen time when that is its date, else None).

    Every reader's undated seed meets its profile's policy (the profile named as its
    source, as for the attribution): a date in the file name, a refusal (a DigestError),
    or the time it was first seen, kept from the first run on."""
    if seed.date is None:
        seed = replace(seed, date=_undated_date(path, seed, config))
    if seed.date is not None:
        return seed, None
    first_seen = prior.first_seen.get(key) or prior.first_seen_by_sha.get(seed_sha) \
        or prior.now.astimezone(config.timezone).replace(microsecond=0).isoformat()
    return replace(seed, date=datetime.fromisoformat(first_seen)), first_seen


def _undated_date(path: Path, seed, config: Config):
    from .seeds import undated_date

    profile = next((p for p in config.sources if p.name == seed.source), None)
    if profile is None:
        return None
    return undated_date(path, profile, shown(path, start=config.path.parent), seed.line,
                        f"the seed states no date (source {profile.name!r} has undated: {profile.undated})")


def _parsed(seed, key: str, seed_sha: str, first_seen: str | None) -> Parsed:
    aid = article_id(seed.source, seed.date, seed.title)
    return Parsed(key, seed_sha, aid, seed.date.isoformat(), (f"{seed.date.year:04d}", f"{seed.date.month:02d}"),
                  article_slug(seed.title, f"article-{aid[:8]}"), seed, first_seen)


def content_file(matcher, p: Parsed, slug: str) -> tuple[dict, str]:
    """(front matter, whole text) of the article's content file with its final slug:
    tagged by `matcher` (tagging.build_matcher)."""
    seed = p.seed
    meta = {
        "title": seed.title,
        "date": p.date,
        "source": seed.source,
        "reporters": list(seed.reporters),
        "tags": list(matcher.assign(seed.title, seed.paragraphs)),
        "summary": make_summary(seed.paragraphs),
        "slug": slug,
        "id": p.id,
        "seed": p.seed_name,
    }
    if seed.url:
        meta["url"] = seed.url
    return meta, front_matter_text(meta, paragraphs_to_markdown(seed.paragraphs))


# Seed files a worker parses at once: a range's articles cross the pipe as one message,
# held whole by the worker and, while they are unpickled, by this process (which by then
# holds every article parsed before them).
SEEDS_PER_RANGE = 1000


def _parse_range(config: Config, prior: Prior, items, start: int, stop: int) -> list[FileResult]:
    return [parse_seeds(path, raw, config, prior, part) for path, raw, part in items[start:stop]]


def parse_all(config: Config, items, jobs: int, prior: Prior) -> list[FileResult]:
    """parse_seeds of every (path, bytes, part) in items, in their order."""
    work = partial(_parse_range, config, prior, items)
    # The parts of a large records file are worth workers however few they are.
    fewest = 1 if any(part is not None for _, _, part in items) else 200
    return parallel_map(work, len(items), jobs, min_count=fewest, most_per_range=SEEDS_PER_RANGE)


@dataclass(frozen=True)
class Parsing:
    """Every pending seed parsed: the articles (a story a records file tells twice, once),
    the keys of records left as they were, and for each records file whose every record
    was read, the keys of its articles; with the problems and notices in the order met."""

    parsed: list
    same: list
    read_ok: dict
    errors: list
    notices: list


def parse_pending(config: Config, to_parse: list, jobs: int, prior: Prior) -> Parsing:
    results = parse_all(config, to_parse, jobs, prior)
    parsed, errors, notices, same, read_ok = [], [], [], [], {}
    records_files = {}  # records file name -> its parts' results
    for (path, _, _), result in zip(to_parse, results):
        errors.extend(result.errors)
        if is_records_file(path.name):
            records_files.setdefault(path.name, []).append(result)
        else:
            parsed.extend(result.parsed)
    for name, parts in records_files.items():
        told, told_notices = stories_told_twice(parts, in_project(config.seeds_dir, config.path.parent))
        notices += told_notices
        parsed.extend(p for part in parts for p in part.parsed if p.seed_name not in told)
        file_same = [key for part in parts for key in part.same if key not in told]
        same += file_same
        if not any(part.errors for part in parts):
            read_ok[name] = [p.seed_name for part in parts for p in part.parsed if p.seed_name not in told] + file_same
    return Parsing(parsed, same, read_ok, errors, notices)


def stories_told_twice(parts, seeds: str) -> tuple[set, list]:
    """The keys of records whose text an earlier record of the same file already tells
    (one article per story: a scraper files one story under two topics), and a notice
    for each (`seeds`: the folder as messages show it)."""
    first_of_text, twice, notices = {}, set(), []
    for line, key, text_sha in sorted(t for part in parts for t in part.texts):
        other = first_of_text.setdefault(text_sha, key)
        if other != key:
            twice.add(key)
            notices.append(f"{shown_seed(key, seeds)}: same story as {shown_seed(other, seeds)}; keeping one article")
    return twice, notices


@cache  # asked of every seed name two or three times a run
def is_records_file(name: str) -> bool:
    """A records file (many articles), by its extension as readers.seed_kind decides."""
    from .readers import RECORDS_SUFFIXES

    return name.lower().endswith(RECORDS_SUFFIXES)
