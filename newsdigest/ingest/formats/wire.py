"""News agency wire formats: IPTC 7901 is read; ANPA 1312 and AAP's ZCZC are refused with
a line naming the format. Never half-read: a file that does not have every part the
format promises (the STX/ETX frame, the headline ending ` =`) is refused whole.

Also the pieces every reader of hard-wrapped wire copy needs (`rejoin_wrapped_lines`).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from ...config import Config
from ...errors import DigestError, shown as shown_path
# seeds imports this module only inside its functions: no import cycle.
from ..seeds import Seed, _split_names, ingest_now
from .datelines import MONTHS, parse_dateline, strip_signoffs
from .encoding import check_size, decode_text

SOH, STX, ETX, SYN = b"\x01", b"\x02", b"\x03", b"\x16"
_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_INDENT = re.compile(r"^[\s\u00a0\u3000]*")
# What follows the story in IPTC 7901 copy: the desk's notes (`# dpa NOTEBOOK`, `* * * *`,
# "not for publication") and, at the very end, the editors' initials (`dpa wsz jln npr`)
# and the filing time (`131137 GMT Nov 13`).
_NOTES = re.compile(r"^(?:#+\s|\*(?:\s*\*){2,}\s*$|.*\bnot for publication\b)", re.IGNORECASE)
_INITIALS = re.compile(r"^[a-z]{2,4}(?: [a-z]{2,4}){1,6}$")
_FILED = re.compile(r"^(\d{2})(\d{2})(\d{2})\s+GMT\s+([A-Za-z]{3})\w*\.?(?:\s+(\d{2,4}))?\b")
_REPORTING_BY = re.compile(r"^[-\s]*Reporting by:\s*(?P<names>.+)$", re.IGNORECASE)


def wire_format(raw: bytes) -> str | None:
    """The wire format a file's first bytes announce, or None."""
    head = raw[:64].lstrip(b"\r\n\t ")
    if head.startswith(SYN):  # ANPA 1312 opens with SYN SYN SOH
        return "ANPA 1312"
    if head.startswith(SOH):
        return "IPTC 7901"
    if head[:4].upper() == b"ZCZC":
        return "ZCZC"
    return None


def rejoin_wrapped_lines(lines) -> list[str]:
    """Hard-wrapped copy to paragraphs: a blank line or an indented line (two spaces or
    more, a tab, a no-break or ideographic space) starts a paragraph; any other line
    continues the paragraph before it."""
    paragraphs: list[str] = []
    current: list[str] = []

    def flush():
        if current:
            text = current[0]
            for piece in current[1:]:
                # `Bavaria-` + `based`: wire copy breaks compounds at their hyphen, never words.
                glue = "" if re.search(r"\w-$", text) else " "
                text += glue + piece
            paragraphs.append(text)
            current.clear()

    for line in lines:
        text = _SPACES.sub(" ", line).strip()
        if not text:
            flush()
            continue
        indent = _INDENT.match(line).group(0)
        if len(indent.replace("\n", "").replace("\r", "")) >= 2 or any(c in indent for c in "\t\u00a0\u3000"):
            flush()
        current.append(text)
    flush()
    return paragraphs


def read_wire(path: Path, config: Config, raw: bytes) -> Seed:
    """One wire file to a Seed, or a DigestError naming the format and what is missing."""
    shown = shown_path(path, start=config.path.parent)
    fmt = wire_format(raw)
    if fmt != "IPTC 7901":
        raise DigestError(shown, f"{fmt} wire file: this format is not read (only IPTC 7901 is); "
                                 "save the story as text or HTML")
    check_size(raw, shown, config.max_seed_kb * 1024, "max_seed_kb")
    start, end = raw.find(STX), raw.rfind(ETX)
    if start < 0 or end < start:
        raise DigestError(shown, "IPTC 7901 wire file without its STX ... ETX text frame; not read")
    # Before STX: the message header and the desk's keyword line (`Germany-politics/`),
    # neither of them part of the story.
    text = decode_text(raw[start + 1:end], shown)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    offset = raw[: start + 1].count(b"\n") + (1 if b"\r" in raw[:start] and b"\n" not in raw[:start] else 0)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not lines[first].rstrip().endswith("="):
        line = offset + 1 + (first or 0)
        raise DigestError(shown, "IPTC 7901 wire file: no headline line ending in ' =' after STX; not read", line)
    title = _SPACES.sub(" ", lines[first].rstrip()[:-1]).strip()
    body_lines = lines[first + 1:]
    end_lines = len(body_lines)
    while end_lines and (not body_lines[end_lines - 1].strip() or _FILED.match(body_lines[end_lines - 1].strip())
                         or _INITIALS.match(body_lines[end_lines - 1].strip())):
        end_lines -= 1
    notes = next((i for i, line in enumerate(body_lines[:end_lines]) if _NOTES.match(line.strip())), end_lines)
    # The filing time may follow ETX (`ETX 131137 GMT Nov 13`).
    trailer = body_lines[notes:] + raw[end + 1:].decode("latin-1").splitlines()
    body_lines = body_lines[:notes]
    paragraphs = rejoin_wrapped_lines(body_lines)
    if not title or not paragraphs:
        raise DigestError(shown, "IPTC 7901 wire file: " + ("empty headline" if not title else "no story text")
                          + "; not read", offset + 1 + first)
    now = ingest_now()
    agency, date, rest = parse_dateline(paragraphs[0], now)
    if agency and rest.strip():
        paragraphs[0] = rest.strip()
    paragraphs = strip_signoffs(paragraphs)
    reporters: list[str] = []
    for line in trailer:
        if m := _FILED.match(line.strip()):
            date = _filing_time(m, now) or date
        elif m := _REPORTING_BY.match(line.strip()):
            reporters = _split_names(m.group("names"))
    return Seed(name=path.name, title=title, date=date, source=agency or config.title,
                reporters=tuple(reporters), paragraphs=tuple(paragraphs), attribution="")


def _filing_time(m: re.Match, now: datetime) -> datetime | None:
    """`131137 GMT Nov 13`: day 13, 11:37 GMT, November, 2013 (no year: the nearest before now)."""
    day, hour, minute = int(m.group(1)), int(m.group(2)), int(m.group(3))
    month = MONTHS.get(m.group(4).lower())
    if month is None:
        return None
    years = [int(m.group(5)) % 100 + 2000] if m.group(5) else range(now.year, now.year - 8, -1)
    for year in years:
        try:
            date = datetime(year, month, day, hour, minute, tzinfo=timezone.utc)
        except ValueError:
            continue
        if m.group(5) or date <= now:
            return date
    return None

