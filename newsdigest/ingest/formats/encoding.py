"""Seed bytes to text: the encodings scrapes arrive in, and a refusal with the offset when
none of them reads the bytes with confidence (a wrong guess would publish mojibake)."""
from __future__ import annotations

import codecs
import re
import unicodedata

from ...errors import DigestError

_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
# A detected encoding is trusted only when its text reads as a language (coherence, 0-1)
# and is not full of odd characters (chaos, 0-1), as charset-normalizer measures them,
# and when every character outside ASCII is one a text would hold (see _plausible).
_MIN_COHERENCE = 0.5
_MAX_CHAOS = 0.2
# Letters that stand alone as words in some language (French `à`, Italian `è`, Swedish `å`);
# any other non-ASCII letter between spaces, like the `ÿ` of a wrongly guessed byte, is
# what a wrong guess looks like.
_ONE_LETTER_WORDS = set("àèéìòùáíóúåäöæøçõã")
# `<meta charset="...">` or `<meta http-equiv="Content-Type" content="text/html; charset=...">`,
# looked for in the first bytes as HTML parsers do (the WHATWG "prescan" reads 1,024).
_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
# `<?xml version="1.0" encoding="iso-8859-1"?>` opening an XHTML page says the same.
_XML_ENCODING = re.compile(rb"\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._:-]+)")
# What browsers mean by the labels pages give (WHATWG Encoding): a page that says
# ISO-8859-1 or ASCII is Windows-1252, and EUC-KR is Windows-949.
_HTML_LABELS = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
                "us-ascii": "cp1252", "ascii": "cp1252", "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
                "x-sjis": "shift_jis", "shift-jis": "shift_jis"}


def check_size(raw: bytes, shown: str, max_bytes: int, key: str) -> None:
    """Refuse a seed over its size limit, naming the config key that sets it."""
    if len(raw) > max_bytes:
        raise DigestError(shown, f"file is too large ({len(raw) / 1024:,.0f} KB; the limit is "
                                 f"{max_bytes // 1024:,} KB, {key} in config.yaml)")


def control_byte_count(raw: bytes) -> int:
    return len(raw) - len(raw.translate(None, _CONTROL_BYTES))


def decode_text(raw: bytes, shown: str) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, Korean CP949/EUC-KR, or any encoding the
    detector (charset-normalizer) identifies with confidence, such as Latin-1 and
    Windows-1252. Binary files and bytes nothing reads with confidence are refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise DigestError(shown, "undecodable bytes: starts with a UTF-16 mark but is not UTF-16")
    controls = control_byte_count(raw)
    if controls > max(2, len(raw) // 100):
        raise DigestError(shown, f"binary file ({controls} control bytes), not a text article")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        text = _korean(raw) or _detected(raw)
        if text is None:
            line = raw[: utf8_error.start].count(b"\n") + 1
            raise DigestError(shown, f"undecodable bytes at offset {utf8_error.start} "
                                     "(neither UTF-8 nor CP949/EUC-KR)", line)
        return text


def decode_html(raw: bytes, shown: str) -> str:
    """An HTML page's bytes to text: a byte order mark, else the page's own
    `<meta charset>` (or http-equiv, or an XML declaration's encoding) when it names an
    encoding, else as `decode_text`."""
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_text(raw, shown)
    m = _XML_ENCODING.match(raw) or _META_CHARSET.search(raw[:4096])
    declared = m.group(1).decode("ascii").lower() if m else None
    codec = _HTML_LABELS.get(declared, declared) if declared else None
    try:
        codec = codec and codecs.lookup(codec).name
    except LookupError:
        codec = None  # an unknown label: as if the page said nothing
    if codec is None or codec.startswith("utf-16"):  # a page without a BOM is not UTF-16
        return decode_text(raw, shown)
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise DigestError(shown, f"undecodable bytes at offset {e.start} (not {declared}, "
                                 "which the page's <meta charset> says)", line)


def _korean(raw: bytes) -> str | None:
    """The text as CP949 when it decodes and reads as Korean: other 8-bit text can decode
    as CP949 by chance (a Latin letter byte followed by an ASCII letter is a CP949 pair)."""
    try:
        text = raw.decode("cp949")
    except UnicodeDecodeError:
        return None
    wide = [ch for ch in text if ord(ch) > 127]
    korean = sum(1 for ch in wide if "HANGUL" in unicodedata.name(ch, "") or "CJK" in unicodedata.name(ch, ""))
    return text if korean >= 0.9 * len(wide) else None


def _detected(raw: bytes) -> str | None:
    """The text in the encoding charset-normalizer finds most coherent, if it is sure.
    Western text reads the same in every 8-bit code page but for its few non-ASCII bytes,
    so Windows-1252, what such text nearly always is, wins among near-equals (a `£`
    byte is `Ł` in Windows-1250)."""
    from charset_normalizer import from_bytes  # 40 ms to import: only for non-UTF-8 seeds

    matches = [m for m in from_bytes(raw) if m.chaos <= _MAX_CHAOS and m.coherence >= _MIN_COHERENCE]
    if not matches:
        return None
    best = max(m.coherence for m in matches)
    western = lambda m: "cp1252" in m.could_be_from_charset and m.coherence >= best - 0.1  # noqa: E731
    matches.sort(key=lambda m: (not western(m), -m.coherence))
    # Only the best guess: when it holds a stray letter, the next code page down the list
    # turns the same bytes into other stray letters that merely look like words.
    try:
        text = raw.decode("cp1252") if western(matches[0]) else str(matches[0])
    except UnicodeDecodeError:  # a byte Windows-1252 leaves undefined: the detector's own reading
        text = str(matches[0])
    return text if _plausible(text) else None


def _plausible(text: str) -> bool:
    """Every non-ASCII character is a letter within a word (or a one-letter word some
    language has), or punctuation, a symbol, a number or a space: no control characters,
    no stray letters."""
    for i, ch in enumerate(text):
        if ch < "\x80":
            continue
        kind = unicodedata.category(ch)
        if kind[0] == "L":
            if not (i > 0 and text[i - 1].isalpha()) and not (i + 1 < len(text) and text[i + 1].isalpha()) \
                    and ch.lower() not in _ONE_LETTER_WORDS:
                return False
        elif kind[0] not in "PSNZM":
            return False
    return True
