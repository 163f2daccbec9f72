"""Files: listing folders in one scandir walk, atomic writes, cache files, paths for messages."""
from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path


def scan_tree(root: Path, suffix: str = "") -> dict[str, tuple]:
    """Every file under root: relative path (with /) -> (size, mtime_ns, inode).
    Dot-files and dot-folders are skipped."""
    out: dict[str, tuple] = {}
    stack = [("", str(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_dir(follow_symlinks=False):
                stack.append((prefix + e.name + "/", e.path))
            elif e.name.endswith(suffix):
                st = e.stat()
                out[prefix + e.name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def write_atomic(path, data: bytes) -> None:
    """Write beside the target and rename over it: a reader never sees half a file."""
    path = str(path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.tmp{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_marshal(path, version) -> dict:
    """A cache file of plain data (dicts, tuples, strings, numbers) in marshal's format,
    or {} when it is missing, damaged or of another `version` or Python. (marshal loads in
    two thirds and dumps in under half of pickle's time; its format is this Python's.)"""
    try:
        with open(path, "rb") as f:
            data = marshal.loads(f.read())  # load(f) reads object by object: 5 times slower
        return data["data"] if isinstance(data, dict) and data.get("version") == (version, sys.version) else {}
    except Exception:  # a missing or damaged cache is only a cache miss
        return {}


def save_marshal(path, data: dict, version) -> None:
    write_atomic(path, marshal.dumps({"version": (version, sys.version), "data": data}))


def shown(path) -> str:
    """A path as messages show it: relative to the working directory when possible, with
    control characters escaped (a newline in a file name must not split a message line)."""
    from .errors import printable

    try:
        return printable(os.path.relpath(path, Path.cwd()))
    except ValueError:
        return printable(str(path))
