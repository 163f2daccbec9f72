"""The one writer: a new site assembled beside the old one and swapped in whole, or a small
change set renamed into place file by file once everything has rendered."""
from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

from .errors import DigestError
from .files import write_atomic

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


def put(root: Path, rel: str, data: bytes) -> None:
    """Write one file under root, making its folders (worker processes call this too)."""
    dest = os.path.join(root, rel)
    try:
        f = open(dest, "wb")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        f = open(dest, "wb")
    with f:
        f.write(data)


class NewSite:
    """The next site, assembled in `site.new/` beside the current one and swapped in whole.

    Nothing in out_dir changes until every file is on disk beside it; then the two trees
    swap in one step (renameat2), so readers and the preview server never see half a site.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.resolve()
        self.dir = self.out_dir.with_name(self.out_dir.name + ".new")
        self.old = self.out_dir.with_name(self.out_dir.name + ".old")
        for leftover in (self.dir, self.old):
            if leftover.exists():
                shutil.rmtree(leftover)
        self.dir.mkdir(parents=True)

    def write(self, rel: str, data: bytes) -> None:
        put(self.dir, rel, data)

    def keep(self, rel: str) -> None:
        """An unchanged file: share the current one (a hard link), do not rewrite it."""
        dest = self.dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.out_dir / rel, dest)
        except OSError:
            shutil.copy2(self.out_dir / rel, dest)

    def abandon(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def commit(self) -> None:
        if self.out_dir.exists():
            leftover = self.dir
            if not _exchange(self.dir, self.out_dir):
                os.rename(self.out_dir, self.old)
                os.rename(self.dir, self.out_dir)
                leftover = self.old
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            os.rename(self.dir, self.out_dir)


def update_site(out_dir: Path, changed: dict[str, bytes], removed) -> None:
    """Apply a small change set to an existing site: each file is written beside its
    target and renamed over it, so no reader sees a partial file. Everything was rendered
    before this runs, so a failed build never gets here."""
    for rel in sorted(changed):
        dest = out_dir / rel
        try:
            write_atomic(dest, changed[rel])
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
