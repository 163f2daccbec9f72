"""Pagefind's data files (gzipped CBOR after a signature), read and written with the
standard library only: the build canonicalises them (search.py) and `check` follows them.

Only what Pagefind writes is handled: unsigned and negative integers, byte and text
strings, arrays and maps. What the files hold (Pagefind 1.x):
  pagefind.<lang>_<hash>.pf_meta  [version, pages: [[fragment hash, words]], index chunks:
                                  [[first word, last word, chunk hash]], filters:
                                  [[name, filter file hash]], sorts: [[name, [page]]], meta keys]
  filter/<hash>.pf_filter         [name, [[value, [page]]]]
"""
from __future__ import annotations

import gzip
from pathlib import Path

SIGNATURE = b"pagefind_dcd"  # what every decompressed Pagefind data file starts with

def cbor_decode(data: bytes, i: int = 0):
    """(value, next offset) of the CBOR item at data[i]."""
    head = data[i]
    major, info = head >> 5, head & 31
    i += 1
    if info < 24:
        n = info
    elif info <= 27:
        size = 1 << (info - 24)
        n = int.from_bytes(data[i:i + size], "big")
        i += size
    else:
        raise ValueError(f"unsupported CBOR item {head:#04x}")
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major == 2:
        return bytes(data[i:i + n]), i + n
    if major == 3:
        return data[i:i + n].decode("utf-8"), i + n
    if major == 4:
        items = []
        for _ in range(n):
            item, i = cbor_decode(data, i)
            items.append(item)
        return items, i
    if major == 5:
        pairs = {}
        for _ in range(n):
            key, i = cbor_decode(data, i)
            pairs[key], i = cbor_decode(data, i)
        return pairs, i
    raise ValueError(f"unsupported CBOR item {head:#04x}")


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError(f"integer too large for CBOR: {n}")


def cbor_encode(value) -> bytes:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"unsupported value in a Pagefind file: {value!r}")
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        return _cbor_head(5, len(value)) + b"".join(cbor_encode(k) + cbor_encode(v) for k, v in value.items())
    raise ValueError(f"unsupported value in a Pagefind file: {value!r}")


def read_data_file(path: Path):
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(SIGNATURE):
        raise ValueError(f"{path.name} is not a Pagefind data file")
    value, end = cbor_decode(raw, len(SIGNATURE))
    if end != len(raw):
        raise ValueError(f"{path.name} has trailing bytes")
    return value


def data_file_bytes(value) -> bytes:
    return gzip.compress(SIGNATURE + cbor_encode(value), compresslevel=9, mtime=0)
