"""Reading raw scraped articles (seeds): decode, normalise, and parse with a source profile."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..config import Config, SourceProfile
from ..errors import DigestError, shown as shown_path
from ..markup import plain_ascii_lines
from .formats.encoding import check_size, decode_text
from .formats.datelines import parse_dateline, strip_signoffs


@dataclass(frozen=True)
class Seed:
    """What one seed file says, before tags, slug and id are worked out."""

    name: str  # file name, for provenance
    title: str
    date: datetime | None  # aware; None: the seed states no date (ingest applies the date policy)
    source: str
    reporters: tuple[str, ...]
    paragraphs: tuple[str, ...]
    attribution: str
    url: str = ""  # where the article was first published, when the seed says
    line: int | None = None  # the record's line (JSON Lines) or row (CSV) in a records file


_SPACE = re.compile(r"[ \t\u00a0\u3000\u200b\ufeff\f\v]+")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_FILENAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_EMAIL = re.compile(r"\S+@\S+")
_ODD_SPACE = re.compile(r"[\t\u00a0\u3000\u200b\ufeff\f\v]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")  # and what XML forbids
_PATHLIKE = re.compile(r"(^|[/\\])\.\.([/\\]|$)|^[/\\~]")


def decode_seed(raw: bytes, shown: str, max_bytes: int, limit_key: str = "max_seed_kb") -> str:
    """Bytes to text within the size limit (see formats.encoding.decode_text for the encodings)."""
    check_size(raw, shown, max_bytes, limit_key)
    return decode_text(raw, shown)


def normalise_lines(text: str) -> list[tuple[int, str]]:
    """Numbered lines with CRLF/CR ends, stray spaces and tabs cleaned, Unicode NFC."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Once for the whole text (neither touches \n), and only when there is something to do:
    # substituting every single space with a space costs more than the rest of the parse.
    plain = plain_ascii_lines(text)  # nearly every seed: neither search is needed
    if (not plain and _ODD_SPACE.search(text)) or "  " in text:
        text = _SPACE.sub(" ", text)
    if not plain and _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return [(number, line.strip()) for number, line in enumerate(text.split("\n"), start=1)]


def parse_date(text: str, tz, shown: str, line: int | None) -> datetime:
    m = _DATE.search(text)
    if not m:
        raise DigestError(shown, f"unreadable date {text!r}", line)
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=tz)
    except ValueError as e:
        raise DigestError(shown, f"impossible date {m.group(0)!r} ({e})", line)


def choose_profile(first_line: str, sources, file_name: str = "") -> tuple[SourceProfile | None, bool]:
    """The profile whose `file_name` matches the seed's name, else the one whose `detect`
    matches its first line; else (None, False): the fallbacks (detect: null) are tried."""
    profile = profile_for_file(file_name, sources)
    if profile is not None:
        return profile, True
    for profile in sources:
        if profile.detect is not None and profile.detect.search(first_line):
            return profile, True
    return None, False


def profile_for_file(file_name: str, sources) -> SourceProfile | None:
    """The first profile whose `file_name` pattern matches the seed file's name."""
    return next((p for p in sources if p.file_name is not None and p.file_name.search(file_name)), None)


def ingest_now() -> datetime:
    """Ingest's "now": SOURCE_DATE_EPOCH when set (reproducible runs, tests), else the clock."""
    from ..clock import now_from_env

    return now_from_env() or datetime.now(timezone.utc)


def undated_date(path: Path, profile: SourceProfile, shown: str, line: int | None, why: str) -> datetime | None:
    """The date of a seed that states none, by the profile's `undated` policy: a YYYY-MM-DD
    in the file name (`first-seen`, `filename`); else None for `first-seen` (ingest then
    dates it when it first sees it); else the refusal, `why` saying what was missing."""
    if profile.undated != "reject" and (m := _FILENAME_DATE.search(path.name)):
        return parse_date(m.group(0), profile.timezone, shown, None)
    if profile.undated == "first-seen":
        return None
    suffix = " and no YYYY-MM-DD in the file name" if profile.undated == "filename" else ""
    raise DigestError(shown, f"missing date: {why}{suffix}", line)


_ABBREVIATION_END = re.compile(r"(?:\.\.|\b(?:[A-Z]\.){2,}|\b(?:Inc|Co|Corp|Ltd|Jr|Sr|St)\.)$")
NO_HEADLINE = "no headline: first line reads as body text"
HEADLINE_LIMIT = 150  # characters; a longer first line is a paragraph


def headline_problem(title: str, followed_by_prose: bool) -> str | None:
    """Why a first line reads as body text rather than a headline, or None when it can be one."""
    if title.endswith((".", "\u3002", "?")) and not _ABBREVIATION_END.search(title):
        return f"it ends in {title[-1]!r} like a sentence"
    if len(title) > HEADLINE_LIMIT:
        return f"it runs to {len(title)} characters"
    if title.startswith("By "):
        return "it is a byline"
    if followed_by_prose:
        return "more text follows it without a blank line"
    return None


def read_seed(path: Path, config: Config, raw: bytes | None = None, now: datetime | None = None) -> Seed:
    """Parse one seed file into a Seed, or raise DigestError naming the file and line."""
    shown = shown_path(path, start=config.path.parent)
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise DigestError(shown, f"cannot read: {e.strerror}")
    text = decode_seed(raw, shown, config.max_seed_kb * 1024)
    lines = [(n, s) for n, s in normalise_lines(text)]
    content = [(n, s) for n, s in lines if s]
    if not content:
        raise DigestError(shown, "empty file: no article text")

    profile, detected = choose_profile(content[0][1], config.sources, path.name)
    # A profile with only an `html:` part reads HTML pages, not text: no text fallback.
    candidates = [profile] if detected else [p for p in config.sources if p.detect is None and p.html is None]
    if not candidates:
        raise DigestError(shown, f"no source profile recognises this file (first line: {content[0][1][:60]!r}); "
                                 "add one under `sources:` in config.yaml", content[0][0])
    failure = None
    for profile in candidates:
        try:
            return _parse_with(profile, content, path, shown, detected, now or ingest_now())
        except DigestError as e:
            failure = failure or (profile, e)
    if detected or failure[1].message.startswith(NO_HEADLINE):
        raise failure[1]
    # No outlet's header matched and the fallback could not read it either: say both,
    # in one line, rather than guess a title and a date.
    profile, e = failure
    reason = e.message.split(":")[0]
    raise DigestError(shown, f"no source profile recognises this file (first line {content[0][1][:60]!r}; "
                             f"as {profile.name}: {reason}); add a profile under `sources:` in config.yaml",
                      content[0][0])


_DATE_LABEL = re.compile(r"^(?:Date|Updated|Published|Posted)\s*:", re.IGNORECASE)


def _parse_with(profile: SourceProfile, content, path: Path, shown: str, chosen: bool, now: datetime) -> Seed:
    """`chosen`: the profile was picked for this seed (by file name or detect), so it is
    trusted to say where the title is; a fallback profile must find a real headline."""
    rest = list(content)
    if profile.header:
        rest = rest[1:]
    source = profile.name
    date = None
    reporters: list[str] = []
    kept = []
    for number, line in rest:
        if date is None and profile.date_line and (m := profile.date_line.search(line)):
            date = parse_date(m.group("date"), profile.timezone, shown, number)
            continue
        if profile.source_line and (m := profile.source_line.search(line)):
            source = m.group("source").strip()
            continue
        if profile.reporter_line and (m := profile.reporter_line.search(line)):
            who = m.group("reporter").strip()
            if who and not _EMAIL.fullmatch(who) and not reporters:
                reporters = _split_names(_EMAIL.sub("", who))
            continue
        if any(p.search(line) for p in profile.drop):
            continue
        kept.append((number, line))
    if not kept:
        raise DigestError(shown, "missing title: no text after the header", content[-1][0])
    title_line, title = kept[0]
    if not chosen:
        followed = len(kept) > 1 and kept[1][0] == title_line + 1
        if problem := headline_problem(title, followed):
            raise DigestError(shown, f"{NO_HEADLINE} ({problem})", title_line)
    source_known = source != profile.name or chosen
    body = kept[1:]
    if body:
        # A wire dateline opening the first paragraph gives the agency and often the date.
        agency, dated, rest = parse_dateline(body[0][1], now, profile.timezone)
        if agency and not source_known:
            source = agency
        if date is None and dated is not None:
            date = dated
        body = ([(body[0][0], rest)] if rest else []) + body[1:]
    if date is None:
        # The profile's name, not its regex: the reader can look the pattern up.
        where = f"no line matches date_line of source {profile.name!r}" if profile.date_line else \
            f"source {profile.name!r} has no date_line"
        stated = next((n for n, line in content if _DATE_LABEL.match(line)), None)
        if stated is not None:  # the seed states a date this profile cannot read: never make one up
            raise DigestError(shown, f"missing date: {where}", stated)
        date = undated_date(path, profile, shown, title_line, where)
    if not any(ch.isalnum() for ch in title):
        raise DigestError(shown, f"title has no letters or digits: {title!r}", title_line)
    if _PATHLIKE.search(title):
        raise DigestError(shown, f"title looks like a file path, not a headline: {title!r}", title_line)
    if body and profile.signoff and (m := profile.signoff.search(body[-1][1])):
        names = _split_names(m.group("reporters"))
        if names:
            reporters = names
            body = body[:-1]
    paragraphs = strip_signoffs(line for _, line in body)
    if not paragraphs:
        raise DigestError(shown, "no article text after the title", title_line)
    return Seed(
        name=path.name, title=title, date=date, source=source, reporters=tuple(reporters),
        paragraphs=tuple(paragraphs), attribution=profile.attribution,
    )


def _split_names(text: str) -> list[str]:
    parts = re.split(r"\s*(?:,|&|\band\b|\u00b7)\s*", text.strip().rstrip("."))
    return [p.strip() for p in parts if p.strip()]

