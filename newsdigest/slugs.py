"""URL-safe names for articles and tags."""
from __future__ import annotations

import functools
import re
import unicodedata

# Symbols that carry meaning in names get words, so `C++` and `C#` stay apart.
SYMBOLS = {"+": "-plus-", "#": "-sharp-", "&": "-and-", "@": "-at-", "%": "-percent-", "$": "-dollar-"}
_DASHES = re.compile(r"-{2,}")
MAX_SLUG = 80


def _words(text: str, keep) -> str:
    out = []
    for ch in unicodedata.normalize("NFC", text).lower():
        if ch in SYMBOLS:
            out.append(SYMBOLS[ch])
        elif ch in "'\u2019.":  # "Korea's" -> "koreas", "U.S." -> "us"
            continue
        elif keep(ch):
            out.append(ch)
        else:
            out.append("-")
    return _DASHES.sub("-", "".join(out)).strip("-")


def _bound(slug: str, limit: int) -> str:
    if len(slug) <= limit:
        return slug
    cut = slug[:limit]
    return (cut.rsplit("-", 1)[0] if "-" in cut[limit // 2:] else cut).strip("-")


_DROPPED = re.compile(r"['.]")
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")


def article_slug(title: str, fallback: str) -> str:
    """ASCII letters and digits from the title, dashes between words, at most 80 characters.

    The same rules as tag_slug, with regular expressions: ingest makes 10,000 of these."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    for symbol, word in SYMBOLS.items():
        if symbol in text:
            text = text.replace(symbol, word)
    slug = _bound(_NOT_ASCII_WORD.sub("-", _DROPPED.sub("", text)).strip("-"), MAX_SLUG)
    return slug or fallback


@functools.lru_cache(maxsize=4096)  # a few hundred names, met in thousands of articles and bylines
def tag_slug(name: str) -> str:
    """Keeps Hangul and other letters (NFC); symbols mapped to words."""
    return _bound(_words(name, str.isalnum), MAX_SLUG) or "tag"
