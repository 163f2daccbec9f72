"""Front matter in its usual shape, written and read without the YAML machinery.

Ingest writes every content file's front matter as `key: value` lines, `key: []`, or a key
followed by `- item` lines, each value one line of printable text: unquoted where YAML reads
it back as that string, else single-quoted (the date, a title with `: `). PyYAML's emitter and constructor are pure Python around libyaml and
cost about a third of a millisecond per file each way (a second or two of a 10,000-article
cold build). `emit` and `parse` handle exactly that shape, with one conservative test of
"plain" shared by both directions; for anything else they return None and the caller goes
through PyYAML. tests/test_plainyaml.py checks that both agree with PyYAML byte for byte
and value for value.
"""
from __future__ import annotations

import functools
import re

import yaml

# One line of what libyaml calls printable, without tab, BOM, astral characters or U+00A0:
# YAML writes it plain or single-quoted, never double-quoted with escapes.
# (Written as the characters it excludes: [ -~\u00a1-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]
# compiles in 5 ms, this in half of one; tests/test_plainyaml.py checks both agree on
# every code point.)
_ONE_LINE = "[^\x00-\x1f\x7f-\xa0\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff\U00010000-\U0010ffff]*"
_PRINTABLE = re.compile(_ONE_LINE)
# Plain: that, and no leading indicator or space: a first character in
# [A-Za-z0-9\u00c0-\u2027\u202a-\ud7ff], written as what it excludes too (12 ms to compile).
_FIRST_PLAIN = "[^\x00-/:-@\\[-`{-\xbf\u2028\u2029\ud800-\U0010ffff]"
_PLAIN = re.compile(_FIRST_PLAIN + _ONE_LINE)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDICATORS = set("#,[]{}&*!|>'\"%@`")  # a first character that makes a scalar quoted
# The implicit resolvers both PyYAML dumpers and loaders use, by first character (with the
# ones for any first character, `None`, which PyYAML has none of by default).
_RESOLVERS = {first: tuple(regexp for _, regexp in resolvers + yaml.SafeDumper.yaml_implicit_resolvers.get(None, []))
              for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items() if first is not None}
_ANY_FIRST = tuple(regexp for _, regexp in yaml.SafeDumper.yaml_implicit_resolvers.get(None, []))
MAX_PLAIN = 10_000  # far below the emitter's line width, so a value is never folded


def _resolves_to_str(text: str) -> bool:
    """Whether YAML reads `text`, unquoted, as a string (not `yes`, `null`, `12`, `1:20`,
    `2019-01-01`, ...)."""
    for regexp in _RESOLVERS.get(text[:1], _ANY_FIRST):
        if regexp.match(text):
            return False
    return True


def is_plain(text: str) -> bool:
    """Whether YAML writes `text` unquoted and reads that back as the same string."""
    if len(text) > MAX_PLAIN or not _PLAIN.fullmatch(text):
        return False
    if ": " in text or " #" in text or text.endswith((" ", ":")):  # a key, a comment, trimmed
        return False
    return _resolves_to_str(text)


@functools.lru_cache(maxsize=256)  # a few names, met in every file
def _is_key(key: str) -> bool:
    return bool(_KEY.fullmatch(key)) and is_plain(key)


def _must_quote(text: str) -> bool:
    """Whether libyaml certainly quotes `text` (one printable line): a reason that rules out
    plain style whatever the other characters are."""
    return (len(text) <= MAX_PLAIN and bool(_PRINTABLE.fullmatch(text))
            and (text[:1] in _INDICATORS or text.startswith((" ", "- ", "---", "...")) or text.endswith((" ", ":"))
                 or ": " in text or " #" in text or not _resolves_to_str(text)))


def _scalar(text: str) -> str | None:
    """`text` as YAML writes it in a block mapping or sequence, or None when unsure."""
    if is_plain(text):
        return text
    if _must_quote(text):  # printable on one line: single quotes, never double
        return "'" + text.replace("'", "''") + "'"
    return None


def _unquoted(value: str) -> str | None:
    """The string a one-line scalar stands for, when it is one that _scalar writes."""
    if value[:1] == "'":
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != "'" or "'" in inner.replace("''", "") or not _PRINTABLE.fullmatch(inner):
            return None
        return inner.replace("''", "'")
    return value if is_plain(value) else None


def emit(mapping: dict) -> str | None:
    """The YAML that PyYAML's block style writes for `mapping`, or None for another shape."""
    if not mapping:  # `{}`
        return None
    lines = []
    for key, value in mapping.items():
        if type(key) is not str or not _is_key(key):
            return None
        if type(value) is str and (scalar := _scalar(value)) is not None:
            lines.append(f"{key}: {scalar}")
        elif type(value) is list and value and all(type(v) is str for v in value):
            items = [_scalar(v) for v in value]
            if None in items:
                return None
            lines.append(f"{key}:" + "".join(f"\n- {item}" for item in items))
        elif type(value) is list and not value:
            lines.append(f"{key}: []")
        else:
            return None
    return "".join(line + "\n" for line in lines)


def parse(text: str) -> dict | None:
    """What a YAML loader gives for `text` in the shape `emit` writes, or None for anything
    else (including a key given twice, which the strict loader reports)."""
    if not text.endswith("\n"):
        return None
    meta: dict = {}
    items = None  # the list that `- item` lines extend
    for line in text[:-1].split("\n"):
        if line.startswith("- ") and items is not None:
            item = _unquoted(line[2:])
            if item is None:
                return None
            items.append(item)
            continue
        if items == []:  # `key:` and no item: null, not a list
            return None
        items = None
        key, colon, value = line.partition(":")
        if not colon or key in meta or not _is_key(key):
            return None
        if value == "":
            items = meta[key] = []
        elif value == " []":
            meta[key] = []
        elif value[:1] == " " and (scalar := _unquoted(value[1:])) is not None:
            meta[key] = scalar
        else:
            return None
    return None if items == [] else meta
