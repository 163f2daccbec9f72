"""Wire-service datelines and sign-offs, shared by every reader of article text.

A dateline opens the first paragraph and says where, often when, and through which agency
a story was filed (`SEOUL, Oct. 12 (Yonhap) -- `); a sign-off ends the story for the wire
desk (`-0-`, `(END)`). Neither belongs in the body; the agency is the article's source when
nothing better is known.
"""
from __future__ import annotations

import re
from datetime import datetime, tzinfo

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
          r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DASH = r"(?:--|-|\u2013|\u2014)"

# `Pyongyang, December 24 (KCNA) -- `, `SEOUL, Oct. 12 (Yonhap) -- `, `BERLIN (dpa) - `,
# `(CNN) -- `: an optional place (capitalised words, no sentence punctuation), an optional
# month and day (and year), the agency in parentheses, then a dash.
_AGENCY_DATELINE = re.compile(
    r"^(?:(?P<place>[A-Z][\w.'\u2019-]*(?:[ ,]+[A-Z][\w.'\u2019-]*){0,3}?)"
    r"(?:,\s*" + _MONTH + r"\s+(?P<day>\d{1,2})(?:,\s*(?P<year>\d{4}))?)?\s+)?"
    r"\((?P<agency>[A-Za-z][\w&.' -]{0,30})\)\s*" + _DASH + r"\s*")
# `(서울=연합뉴스) 김병규 기자 = `: the place and agency, then the reporter (optional).
_KOREAN_DATELINE = re.compile(
    r"^\((?P<place>[^=()]{1,12})=(?P<agency>[^=()]{1,20})\)\s*"
    r"(?:(?:(?P<reporter>[^=()]{1,40}?)\s*(?:기자|특파원|통신원)\s*)?=\s*)?")
# `Posted: Thursday, October 17, 2013, 8:09 PM`: a date line a page's extractor left
# in the text; what follows it on the same line is page furniture ("Alert us.").
_POSTED = re.compile(
    r"^(?:Posted|Published|Updated)(?: on)?:?\s+(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"
    + _MONTH + r"\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"(?:,?\s+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?", re.IGNORECASE)

# Sign-offs that end a wire story: alone on the last lines, or glued to the last paragraph.
_SIGNOFF_LINE = re.compile(r"^(?:-0-|\(END\)|END|ENDS|Reuter|NNNN|\(끝\)|끝|#+|\*{3})$", re.IGNORECASE)
_SIGNOFF_TAIL = re.compile(r"\s+(?:-0-|\(END\)|NNNN|\(끝\))$")
_EMAIL_ONLY = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+\.?$")


def parse_dateline(paragraph: str, now: datetime, tz: tzinfo | None = None
                   ) -> tuple[str | None, datetime | None, str]:
    """(agency or None, date or None, the rest of the paragraph) of a paragraph that opens
    with a dateline; (None, None, paragraph) when it does not. A date without a year takes
    the year that puts it nearest before `now`; dates are in `tz` (default: now's zone)."""
    zone = tz or now.tzinfo
    if m := _KOREAN_DATELINE.match(paragraph):
        return m.group("agency").strip(), None, paragraph[m.end():]
    if m := _POSTED.match(paragraph):
        hour, minute = int(m.group("hour") or 0), int(m.group("minute") or 0)
        ampm = (m.group("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        date = _date(int(m.group("year")), _month(m.group("month")), int(m.group("day")), hour, minute, zone)
        return None, date, ""
    if m := _AGENCY_DATELINE.match(paragraph):
        date = None
        if m.group("month"):
            month, day = _month(m.group("month")), int(m.group("day"))
            if m.group("year"):
                date = _date(int(m.group("year")), month, day, 0, 0, zone)
            else:
                date = _nearest_before(month, day, now.astimezone(zone), zone)
        return m.group("agency").strip(), date, paragraph[m.end():]
    return None, None, paragraph


def strip_signoffs(paragraphs) -> list[str]:
    """The paragraphs without the agency sign-offs at the end (`-0-`, `(END)`, `Reuter`,
    `NNNN`, alone or glued to the last paragraph) and without e-mail-only lines."""
    kept = [p for p in paragraphs if "@" not in p or not _EMAIL_ONLY.match(p.strip())]
    while kept:
        last = kept[-1].strip()
        if _SIGNOFF_LINE.match(last):
            kept.pop()
            continue
        trimmed = _SIGNOFF_TAIL.sub("", last)
        if trimmed != last:
            kept[-1] = trimmed
            continue
        break
    return kept


def _month(name: str) -> int:
    name = name.rstrip(".").lower()
    return MONTHS.get(name[:4] if name.startswith("sept") else name[:3])


def _date(year, month, day, hour, minute, zone) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError:
        return None  # "February 30": not a date, so not a dateline's date


def _nearest_before(month: int, day: int, now: datetime, zone) -> datetime | None:
    """The latest month/day at or before now (February 29 looks back to a leap year)."""
    for year in range(now.year, now.year - 8, -1):
        date = _date(year, month, day, 0, 0, zone)
        if date is not None and date.date() <= now.date():
            return date
    return None
