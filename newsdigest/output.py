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


def update_site(out_dir: Path, changed: dict[str, bytes], removed) -> None:
    """Apply a small change set to an existing site: each file is written beside its
    target and renamed over it, so no reader sees a partial file. Everything was rendered
    before this runs, so a failed build never gets here."""
    for rel in sorted(changed):
        dest = out_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.new")
        try:
            with open(tmp, "wb") as f:
                f.write(changed[rel])
            os.replace(tmp, dest)
        except OSError as e:
            raise DigestError(str(dest), f"cannot write: {e.strerror or e}")
    folders = set()
    for rel in sorted(removed):
        try:
            (out_dir / rel).unlink()
        except FileNotFoundError:
            pass
        folders.update((out_dir / rel).parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder != out_dir and out_dir in folder.parents:
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                pass
