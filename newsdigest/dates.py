"""Dates as pages and feeds show them (English names, whatever the locale): the template
filters `longdate`, `shortdate`, `clock`, `monthname` and the feeds' RFC 822 dates."""
from __future__ import annotations

from datetime import datetime

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def longdate(d) -> str:
    return f"{DAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}"


def shortdate(d) -> str:
    return f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}"


def clock(d: datetime) -> str:
    return f"{d.hour:02d}:{d.minute:02d}"  # strftime("%H:%M"), a third of its cost (50,000 a cold build)


def monthname(m) -> str:
    return f"{MONTHS[m.month - 1]} {m.year}"


def rfc822(d: datetime) -> str:
    offset = d.strftime("%z")
    return f"{DAYS[d.weekday()][:3]}, {d.day:02d} {MONTHS[d.month - 1][:3]} {d.year} {d:%H:%M:%S} {offset}"
