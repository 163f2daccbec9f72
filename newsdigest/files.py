"""Listing folders quickly: one scandir walk, stats only when asked for."""
from __future__ import annotations

import os
from pathlib import Path


def scan_tree(root: Path, suffix: str = "", hidden: bool = False, stat: bool = True) -> dict[str, tuple | None]:
    """Every file under root: relative path (with /) -> (size, mtime_ns, inode), or None
    without `stat`. Dot-files and dot-folders are skipped unless `hidden`."""
    out: dict[str, tuple | None] = {}
    stack = [("", str(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            if e.name.startswith(".") and not hidden:
                continue
            if e.is_dir(follow_symlinks=False):
                stack.append((prefix + e.name + "/", e.path))
            elif e.name.endswith(suffix):
                if stat:
                    st = e.stat()
                    out[prefix + e.name] = (st.st_size, st.st_mtime_ns, st.st_ino)
                else:
                    out[prefix + e.name] = None
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
