"""The one writer: assembles the new site beside the old one and swaps them in one step."""
from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

from .errors import DigestError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def write_site(out_dir: Path, files: dict[str, bytes | None]) -> None:
    """Write `files` (path -> bytes, or None: same as the file in the current site) as the new site.

    Nothing in out_dir changes until the whole new tree is on disk beside it; then the two
    trees swap, so readers and the preview server never see a half-written site.
    """
    out_dir = out_dir.resolve()
    new = out_dir.with_name(out_dir.name + ".new")
    old = out_dir.with_name(out_dir.name + ".old")
    for leftover in (new, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    made = set()
    try:
        for rel in sorted(files):
            dest = new / rel
            parent = dest.parent
            if parent not in made:
                parent.mkdir(parents=True, exist_ok=True)
                made.add(parent)
            data = files[rel]
            if data is None:
                try:
                    os.link(out_dir / rel, dest)  # unchanged: share the old file, do not rewrite it
                    continue
                except OSError:
                    shutil.copy2(out_dir / rel, dest)
                    continue
            with open(dest, "wb") as f:
                f.write(data)
    except OSError as e:
        shutil.rmtree(new, ignore_errors=True)
        raise DigestError(str(new), f"cannot write the new site: {e.strerror or e}")
    if out_dir.exists():
        if not _exchange(new, out_dir):
            os.rename(out_dir, old)
            os.rename(new, out_dir)
            new = old
        shutil.rmtree(new, ignore_errors=True)
    else:
        os.rename(new, out_dir)
