"""Records files: one article per record, as scrapers export them.

JSON Lines (`.jsonl`, `.ndjson`: one JSON object a line), a JSON array of objects (`.json`)
and CSV with a header row (`.csv`). Each record becomes a `Seed` whose `line` is the line
the record starts on; a bad record is a DigestError naming that line, in the record's place,
and the file's other records are still read.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path

from ...config import Config, SourceProfile
from ...content import is_web_url
from ...errors import DigestError, brief, shown as shown_path
from ...markup import url_parts
from ..seeds import (Seed, _split_names, decode_seed, ingest_now, normalise_lines, profile_for_file)
from .datelines import parse_dateline, strip_signoffs

# Our field -> the record keys the common exports use for it (Scrapy items, newspaper,
# news-please, hand-written crawlers), tried in order. A profile's `fields:` goes first.
FIELD_NAMES = {
    "title": ("title", "headline"),
    "date": ("date", "date_publish", "published", "pubDate", "date_published", "datePublished"),
    "text": ("text", "body", "story_text", "maintext", "content"),
    "url": ("url", "link"),
    "author": ("author", "authors", "byline"),
    "source": ("source", "site_name", "source_domain"),
}
MAX_RECORDS_BYTES = 512 * 1024 * 1024  # a whole records file; each record has max_seed_kb
_HTML_TAG = re.compile(r"<(?:p|br|div|span|a|b|i|em|strong|h\d|ul|ol|li)\b[^>]*>", re.IGNORECASE)
_BRACKETED = re.compile(r"^\[[^\]]*\]$")  # `[Juche113.6.11.]`: a stamp under a headline, not part of it


def read_records(path: Path, config: Config, raw: bytes, part: tuple[int, int] | None = None
                 ) -> list[Seed | DigestError]:
    """Every record of a records file, in order: a Seed, or a DigestError naming its line.
    With `part` (i, k), only every k-th record from the i-th: k processes share a large
    file. Raises DigestError when the file as a whole cannot be read."""
    shown = shown_path(path, start=config.path.parent)
    if len(raw) > MAX_RECORDS_BYTES:  # not max_seed_kb: that limits each record's text
        raise DigestError(shown, f"records file is too large ({len(raw) / 1024:,.0f} KB; the limit for "
                                 f"records files is {MAX_RECORDS_BYTES // 1024:,} KB)")
    text = decode_seed(raw, shown, MAX_RECORDS_BYTES)
    profile = profile_for_file(path.name, config.sources)
    zone = profile.timezone if profile else config.timezone
    now = ingest_now()
    suffix = path.suffix.lower()
    wanted = (lambda ordinal: True) if part is None else (lambda ordinal: ordinal % part[1] == part[0])

    @cache
    def agency_of() -> dict:
        # Over the whole file, and only when a record needs it: most records name their
        # source, or their agency in their own dateline.
        return _agency_by_host(_records(suffix, text, shown), profile, now, zone)

    out = []
    for line, record in _records(suffix, text, shown, wanted):
        if isinstance(record, DigestError):
            out.append(record)
            continue
        try:
            out.append(_seed(record, path, line, profile, config, shown, now, agency_of))
        except DigestError as e:
            out.append(e)
    return out


def _records(suffix: str, text: str, shown: str, wanted=lambda ordinal: True):
    """(line, dict or DigestError) for each record of the file whose ordinal (0, 1, ...)
    is `wanted`. (Only JSON Lines can tell where a record ends without parsing it: the
    other lines are not parsed at all.)"""
    if text.startswith("\ufeff"):
        text = text[1:]
    if suffix == ".csv":
        records = _csv_records(text, shown)
    elif suffix == ".json" and text.lstrip().startswith("["):
        records = _array_records(text, shown)
    elif suffix == ".json":
        records = _one_record(text, shown)
    else:
        records = _lines_records(text, shown, wanted)
    for ordinal, (line, record) in enumerate(records):
        if wanted(ordinal):
            yield line, record


def _unreadable(e: Exception) -> str:
    """Why json could not read a record: its own message, or (RecursionError) the nesting."""
    if isinstance(e, RecursionError):
        return "nested too deeply to read (arrays or objects inside one another a thousand times or more)"
    return getattr(e, "msg", None) or str(e)


def _one_record(text: str, shown: str):
    """A `.json` file holding one object, however it is laid out: one record."""
    try:
        yield 1 + len(text) - len(text.lstrip("\r\n")), json.loads(text)
    except (ValueError, RecursionError) as e:
        yield getattr(e, "lineno", 1), DigestError(shown, "not a JSON array of records, nor one record: "
                                                          f"{_unreadable(e)}", getattr(e, "lineno", 1))


def _lines_records(text: str, shown: str, wanted):
    """JSON Lines: one record a non-blank line, parsed only when `wanted` (by its ordinal);
    the others are yielded as None, in their place (`_records` leaves them out)."""
    ordinal = -1
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        ordinal += 1
        if not wanted(ordinal):
            yield number, None
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as e:
            yield number, DigestError(shown, f"not a JSON record: {_unreadable(e)}", number)
            continue
        yield number, record


def _array_records(text: str, shown: str):
    """The objects of a JSON array with the line each starts on (json.loads gives none)."""
    decoder = json.JSONDecoder()
    at = text.index("[") + 1
    line = 1 + text.count("\n", 0, at)
    while True:
        start = at
        while at < len(text) and text[at] in " \t\r\n,":
            at += 1
        line += text.count("\n", start, at)
        if at >= len(text):
            yield line, DigestError(shown, "JSON array is not closed by ']'", line)
            return
        if text[at] == "]":
            if text[at + 1:].strip():
                yield line, DigestError(shown, "text after the end of the JSON array", line)
            return
        try:
            record, end = decoder.raw_decode(text, at)
        except (ValueError, RecursionError) as e:
            # One broken record breaks the array's syntax: the records after it cannot be found.
            yield line, DigestError(shown, f"not a JSON record: {_unreadable(e)}; "
                                           "the records after it are not read", getattr(e, "lineno", line))
            return
        yield line, record
        line += text.count("\n", at, end)
        at = end


def _csv_records(text: str, shown: str):
    # The file is within max_seed_kb already: so is any field (csv's own limit is 128 KB).
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as e:
        yield 1, DigestError(shown, f"unreadable CSV header: {e}", 1)
        return
    if not header:
        return
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield start, DigestError(shown, f"unreadable CSV row: {e}", start)
            return
        if None in row:
            yield start, DigestError(shown, f"row has {len(header) + len(row[None])} cells; the header has "
                                            f"{len(header)}", start)
        else:
            yield start, row
        start = reader.line_num + 1


def _field(record: dict, name: str, profile: SourceProfile | None):
    """The record's value for one of our fields: the profile's mapping, else the common names."""
    mapped = dict(profile.fields) if profile else {}
    keys = (mapped[name],) if name in mapped else FIELD_NAMES[name]
    for key in keys:
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def _seed(record, path: Path, line: int, profile, config: Config, shown: str, now: datetime,
          agency_of: Callable[[], dict]) -> Seed:
    if not isinstance(record, dict):
        raise DigestError(shown, f"expected a record (a JSON object), got {type(record).__name__}", line)
    zone = profile.timezone if profile else config.timezone
    title = _title(_field(record, "title", profile))
    if not title:
        raise DigestError(shown, "record has no title (looked for: "
                                 f"{_looked_for('title', profile)})", line)
    body = _field(record, "text", profile)
    if not isinstance(body, str) or not body.strip():
        raise DigestError(shown, f"record has no text (looked for: {_looked_for('text', profile)})", line)
    if len(body.encode("utf-8")) > config.max_seed_kb * 1024:
        raise DigestError(shown, f"record text is too large (the limit is {config.max_seed_kb:,} KB, "
                                 "max_seed_kb in config.yaml)", line)
    paragraphs = _paragraphs(body)
    agency, dated, rest = parse_dateline(paragraphs[0], now, zone) if paragraphs else (None, None, "")
    if paragraphs:
        paragraphs = ([rest] if rest else []) + paragraphs[1:]
    if profile:
        paragraphs = [p for p in paragraphs if not any(d.search(p) for d in profile.drop)]
    paragraphs = strip_signoffs(paragraphs)
    if not paragraphs:
        raise DigestError(shown, "record has no article text after its dateline", line)

    raw_date = _field(record, "date", profile)
    date = _date(raw_date, zone, shown, line) if raw_date is not None else dated
    if date is None and profile and profile.undated == "reject":
        raise DigestError(shown, "missing date: the record has no date "
                                 f"(looked for: {_looked_for('date', profile)})", line)
    url = _field(record, "url", profile)
    if url is not None and not is_web_url(url):
        raise DigestError(shown, f"url: expected an absolute http(s) URL, got {url!r}", line)
    source = _field(record, "source", profile)
    if not isinstance(source, str) or not source.strip():
        # A profile names the outlet; without one, the dateline's agency, else the agency
        # other records of the same site name (KCNA's anecdotes have no dateline, its
        # reports do), else the site's host name.
        host = _host(url) if url else ""
        source = profile.name if profile else agency or agency_of().get(host) or host or config.title
    return Seed(
        name=path.name, title=title, date=date, source=source.strip(), reporters=_authors(_field(record, "author", profile)),
        paragraphs=tuple(paragraphs), attribution=profile.attribution if profile else "",
        url=url.strip() if url else "", line=line,
    )


def _looked_for(name: str, profile) -> str:
    mapped = dict(profile.fields) if profile else {}
    return mapped[name] if name in mapped else ", ".join(FIELD_NAMES[name])


def _title(value) -> str:
    if not isinstance(value, str):
        return ""
    lines = [line for _, line in normalise_lines(html.unescape(value)) if line and not _BRACKETED.match(line)]
    return " ".join(lines)


def _paragraphs(body: str) -> list[str]:
    if _HTML_TAG.search(body):
        body = _html_text(body)
    return [line for _, line in normalise_lines(body) if line]


def _html_text(fragment: str) -> str:
    """Text of an HTML fragment with a line break at each block and <br> (the HTML
    reader's own rules)."""
    from .html import fragment_lines  # lxml: only for records whose text is HTML

    return "\n".join(fragment_lines(fragment))


def _date(value, zone, shown: str, line: int) -> datetime:
    """ISO 8601, RFC 822, or epoch seconds or milliseconds; a naive date is in `zone`."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{9,13}(?:\.\d+)?\s*", value):
        value = float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            seconds = value / 1000 if abs(value) >= 1e11 else value  # milliseconds past 1973-03-03
            return datetime.fromtimestamp(seconds, timezone.utc).astimezone(zone)
        except (OverflowError, OSError, ValueError):
            raise DigestError(shown, f"date: impossible timestamp {brief(value)}", line)
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    raise DigestError(shown, f"date: unreadable date {value!r} (expected ISO 8601, RFC 822 or epoch seconds "
                             "or milliseconds)", line)


def _authors(value) -> tuple[str, ...]:
    if isinstance(value, list):
        names = [v.get("name", "") if isinstance(v, dict) else v for v in value]
        return tuple(n.strip() for n in names if isinstance(n, str) and n.strip())
    if isinstance(value, str) and value.strip():
        return tuple(_split_names(re.sub(r"^by\s+", "", value.strip(), flags=re.IGNORECASE)))
    return ()


def _agency_by_host(records, profile, now: datetime, zone) -> dict:
    """Site host -> the agency the first of its records names in a dateline, over the whole
    file (a cheap look at each record's first line)."""
    agency_of = {}
    for _, record in records:
        if not isinstance(record, dict):
            continue
        url, body = _field(record, "url", profile), _field(record, "text", profile)
        if not is_web_url(url) or not isinstance(body, str):
            continue
        host = _host(url)
        if host in agency_of:
            continue
        first = body[:400]
        if _HTML_TAG.search(first):
            first = _html_text(first)
        agency = parse_dateline(first.strip(), now, zone)[0]
        if agency:
            agency_of[host] = agency
    return agency_of


def _host(url: str) -> str:
    host = url_parts(url).hostname or ""
    return host[4:] if host.startswith("www.") else host
