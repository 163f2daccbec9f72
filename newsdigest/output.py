"""The one writer: a new site assembled beside the old one and swapped in whole, or a small
change set renamed into place file by file once everything has rendered."""
from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

from .errors import DigestError, shown
from .files import flush_files, remove_quietly, sync_file_system, write_all, write_atomic, write_temp

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


def outside_reason(rel: str) -> str | None:
    """Why the output path `rel` (with /) could leave its folder, or None when it cannot:
    it must be relative, with no empty, `.` or `..` parts, backslash or NUL."""
    if not rel or rel.startswith("/") or "\\" in rel or "\0" in rel:
        return "is not a relative path with /"
    if any(part in ("", ".", "..") for part in rel.split("/")):
        return "has an empty, '.' or '..' part"
    return None


def proven(root, rel: str) -> str:
    """root/rel, once rel is proven to stay inside root (see outside_reason)."""
    reason = outside_reason(rel)
    if reason:
        raise DigestError(shown(os.path.join(root, rel)), f"refusing to write outside {shown(root)}/: {rel!r} {reason}")
    return os.path.join(root, rel)


def put(root: Path, rel: str, data: bytes) -> None:
    """Write one file in full under root, making its folders (worker processes call this
    too). Only for a new tree (`site.new/`), which holds nothing this build did not make."""
    dest = proven(root, rel)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    try:
        try:
            fd = os.open(dest, flags, 0o644)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            fd = os.open(dest, flags, 0o644)
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
    except OSError as e:
        raise DigestError(shown(dest), f"cannot write: {e.strerror or e}") from e


def _prove_no_symlink_escape(root: str, dests) -> None:
    """Every folder a file goes into resolves inside root: a symlink in site/ pointing out
    of it must not carry a write elsewhere."""
    real_root = os.path.realpath(root)
    checked = set()
    for dest in dests:
        folder = os.path.dirname(dest)
        if folder in checked:
            continue
        checked.add(folder)
        real = os.path.realpath(folder)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise DigestError(shown(folder), f"refusing to write outside {shown(root)}/: it resolves to {real}")


def remove_tree(path: Path) -> None:
    """Remove a folder tree this build owns (an old site, a half-built one), making read-only
    folders in it writable first; raise a DigestError naming it when it cannot go."""
    def writable_then_retry(func, failed, _exc):
        try:
            os.chmod(os.path.dirname(failed), 0o755)
            if func is not os.rmdir or os.path.lexists(failed):
                func(failed)
        except OSError:
            pass  # reported below, once, if the tree is still there

    if os.path.lexists(path):
        shutil.rmtree(path, onerror=writable_then_retry)
    if os.path.lexists(path):
        raise DigestError(shown(path), "cannot remove this folder (left by a build; check its permissions "
                                       "and remove it by hand)")


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
            remove_tree(leftover)
        try:
            self.dir.mkdir(parents=True)
        except OSError as e:
            raise DigestError(shown(self.dir), f"cannot create the new site here: {e.strerror or e}") from e

    def write(self, rel: str, data: bytes) -> None:
        put(self.dir, rel, data)

    def keep(self, rel: str) -> None:
        """An unchanged file: share the current one (a hard link), do not rewrite it."""
        dest = Path(proven(self.dir, rel))
        source = proven(self.out_dir, rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, dest, follow_symlinks=False)
        except OSError:
            shutil.copy2(source, dest, follow_symlinks=False)

    def abandon(self) -> None:
        try:
            remove_tree(self.dir)
        except DigestError:
            pass  # the build is failing already; the next one removes it (and check reports it)

    def commit(self) -> None:
        sync_file_system(self.dir)  # every file on disk before the tree is renamed into place
        if self.out_dir.exists():
            leftover = self.dir
            if not _exchange(self.dir, self.out_dir):
                os.rename(self.out_dir, self.old)
                os.rename(self.dir, self.out_dir)
                leftover = self.old
            remove_tree(leftover)
        else:
            os.rename(self.dir, self.out_dir)


def update_site(out_dir: Path, changed: dict[str, bytes], removed) -> None:
    """Apply a small change set to an existing site. Every path is proven inside out_dir
    first; then every file is written in full to a temp file beside its target, all of
    them are flushed to disk (files.flush_files: an fsync each, several at once; a day's
    batch changes ~270 files), and only then are they renamed over the old files,
    so a failed write (a full disk) leaves the whole old site. Everything was rendered
    before this runs, so a failed build never gets here."""
    root = str(out_dir)
    targets = {rel: proven(root, rel) for rel in sorted(changed)}
    gone = {rel: proven(root, rel) for rel in sorted(removed)}
    _prove_no_symlink_escape(root, list(targets.values()) + list(gone.values()))
    temps: dict[str, str] = {}
    try:
        for rel, dest in targets.items():
            temps[rel] = write_temp(dest, changed[rel], sync=False)
        flush_files(root, temps.values())
        for rel, dest in targets.items():
            try:
                os.replace(temps.pop(rel), dest)
            except OSError as e:
                raise DigestError(shown(dest), f"cannot write: {e.strerror or e}") from e
    finally:
        for tmp in temps.values():
            remove_quietly(tmp)
    folders = set()
    for rel, dest in gone.items():
        remove_quietly(dest)
        folders.update((out_dir / rel).parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder != out_dir and out_dir in folder.parents:
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                pass


# A marker in the cache folder while site/ is being changed, removed once the build's cache
# and stamp describe the new site: a build that finds it knows the last one was interrupted
# (kill -9, power loss) and site/ may hold a mix of old and new files or temp files, so it
# rebuilds site/ in full as a new tree.
WRITING_MARKER = "writing"


def was_interrupted(cache_dir: Path) -> bool:
    return os.path.lexists(cache_dir / WRITING_MARKER)


def begin_writing(cache_dir: Path) -> None:
    write_atomic(cache_dir / WRITING_MARKER, f"{os.getpid()}\n".encode())


def done_writing(cache_dir: Path) -> None:
    remove_quietly(cache_dir / WRITING_MARKER)


def output_stats(out_dir: Path, rels) -> dict[str, tuple]:
    """(size, mtime_ns, inode) of each output file that exists (symlinks not followed):
    compared with what the last build recorded, it shows a file deleted, replaced or
    altered since, at the cost of one stat per file."""
    stats = {}
    try:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return stats
    try:
        stat = os.stat
        for rel in rels:
            try:
                st = stat(rel, dir_fd=fd, follow_symlinks=False)
            except OSError:
                continue
            stats[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
    finally:
        os.close(fd)
    return stats
