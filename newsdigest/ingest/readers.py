"""Which reader a seed file goes to: by content, with its extension as a hint (wire
formats, HTML pages, records files, or the text path of seeds.py).

It sits above seeds.py and formats/: the readers share seeds.py's Seed and helpers, and
only this module knows all of them, so no module imports one that imports it back.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..config import Config
from ..errors import DigestError, shown as shown_path
from .formats.wire import read_wire, wire_format
from .seeds import Seed, read_seed


HTML_SUFFIXES = (".html", ".htm", ".xhtml")
RECORDS_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv")


def seed_kind(path: Path, raw: bytes) -> str:
    """What a seed file is, by content with its extension as a hint: "wire", "html",
    "records" or "text"."""
    if wire_format(raw):  # before anything else: its control bytes would read as a binary file
        return "wire"
    suffix = path.suffix.lower()
    if suffix in RECORDS_SUFFIXES:
        return "records"
    if suffix in HTML_SUFFIXES:
        return "html"
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    # A browser's "save page" puts `<!-- saved from url=(0052)https://... -->` first.
    head = re.sub(rb"^(?:<!--.*?-->\s*)+", b"", head, flags=re.S)
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def read_seeds(path: Path, config: Config, raw: bytes | None = None) -> list[Seed]:
    """One seed file to its Seeds: a records file holds many articles, any other file one.
    Raises DigestError naming the file (and line) when the file cannot be read as a whole."""
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise DigestError(shown_path(path, start=config.path.parent), f"cannot read: {e.strerror}")
    kind = seed_kind(path, raw)
    if kind == "wire":
        return [read_wire(path, config, raw)]
    if kind == "html":
        from .formats.html import read_html  # lxml and trafilatura: only for an HTML seed
        return [read_html(path, config, raw)]
    if kind == "records":
        from .formats.records import read_records
        return read_records(path, config, raw)
    return [read_seed(path, config, raw)]
