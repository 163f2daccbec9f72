"""The dates feeds and sitemaps carry: RFC 822 (RSS) as the W3C feed validator reads it,
and RFC 3339 (Atom, JSON Feed, JSON-LD, news sitemaps)."""
from __future__ import annotations

import datetime as dt
import re

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# RFC 822 zones as the W3C feed validator accepts them (military letters are deprecated).
NAMED_ZONES = {"UT": 0, "GMT": 0, "Z": 0, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
               "MST": -420, "MDT": -360, "PST": -480, "PDT": -420}
RFC822_DATE = re.compile(r"(?:(?P<dow>[A-Za-z]{3}), )?(?P<day>\d{1,2}) (?P<mon>[A-Za-z]{3}) (?P<year>\d{4}) "
                         r"(?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}))? (?P<zone>\S+)")
RFC3339_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


def parse_rfc822(value):
    """Return (aware datetime, None), or (None, what is wrong with the date)."""
    m = RFC822_DATE.fullmatch(value.strip())
    if not m or m["mon"] not in MONTHS or (m["dow"] and m["dow"] not in DAYS):
        return None, "is not an RFC 822 date (like 'Tue, 02 Jan 2024 10:00:00 +0900')"
    zone = m["zone"]
    if re.fullmatch(r"[+-]\d{4}", zone) and int(zone[3:]) < 60:
        minutes = (int(zone[1:3]) * 60 + int(zone[3:])) * (-1 if zone[0] == "-" else 1)
    elif zone in NAMED_ZONES:
        minutes = NAMED_ZONES[zone]
    else:
        return None, f"has an invalid time zone {zone!r} (use +hhmm)"
    try:
        when = dt.datetime(int(m["year"]), MONTHS.index(m["mon"]) + 1, int(m["day"]), int(m["h"]), int(m["m"]),
                           int(m["s"] or 0), tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))
    except ValueError:
        return None, "is not a real date"
    if m["dow"] and DAYS[when.weekday()] != m["dow"]:
        return None, f"has the wrong weekday ({when:%Y-%m-%d} is a {DAYS[when.weekday()]})"
    return when, None


def parse_rfc3339(value):
    if not RFC3339_DATE.fullmatch(value.strip()):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
