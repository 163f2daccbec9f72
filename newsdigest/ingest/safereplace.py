"""Replacing a content file that an editor may be saving at that very moment.

Checking the file and then renaming over it leaves a window in which an editor's save is
lost. Instead the replace itself is verified: the new bytes are swapped in with the old
file in one step (renameat2 RENAME_EXCHANGE), so the old file, whatever it holds by then
(an editor that renames over the file, or one that wrote into it in place), is now beside
it under a temporary name. A read lease on it proves no process still has it open for
writing (and holds off any new writer while it is read); then its bytes are compared
with what ingest expected. When they differ, or a writer is still at work, the two are
swapped back: the editor's bytes stay, ingest's are dropped.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import time

from ..files import write_atomic, write_temp
from ..output import _exchange


def create_new(path: str, data: bytes, sync: bool = True) -> bool:
    """Write a file that does not exist yet; False, writing nothing, when one appeared in
    the meantime (an editor created it: theirs is kept). `sync` false: no fsync of its
    own (the caller flushes many files at once)."""
    tmp = write_temp(path, data, sync)  # a dot-file beside path: never read as content
    return _link_or_drop(tmp, path)


def replace_unless_edited(path: str, data: bytes, expected_sha: str, sync: bool = True) -> bool:
    """Replace path with data only if its bytes still hash to expected_sha (SHA-1);
    False when they differ, leaving the editor's bytes in place. `sync` as for create_new."""
    tmp = write_temp(path, data, sync)  # a dot-file beside path: never read as content
    if not _exchange(tmp, path):
        if not os.path.exists(path):  # deleted meanwhile: nothing to keep
            return _link_or_drop(tmp, path)
        # renameat2 is unavailable (not Linux, or a file system without it): check, then
        # rename, which leaves the small window this module otherwise closes.
        if _sha(_read(path)) != expected_sha:
            os.unlink(tmp)
            return False
        os.replace(tmp, path)
        return True
    # path now holds data; tmp holds the old file. Drop it only if it is what ingest
    # expected and no writer is at work in it; else the editor's bytes go back.
    if _drop_if(tmp, lambda old: _sha(old) == expected_sha) is None:
        return True
    _swap_back(tmp, path, data)
    return False


def _swap_back(old: str, path: str, data: bytes) -> None:
    """Put the file at `old` back at path, and drop ingest's bytes that were there."""
    if not _exchange(old, path):
        os.replace(old, path)  # path was deleted meanwhile
        return
    # An editor that opened path while ingest's version was in place wrote into that
    # version: keep what it wrote beside the file rather than lose it.
    if _drop_if(old, lambda mine: mine == data) is not None:
        _keep_beside(old, path + ".conflict")


def _drop_if(path: str, expected) -> bytes | None:
    """Delete the file at path if `expected(its bytes)` once no process has it open for
    writing; None when it was deleted, else its bytes (left at path).

    A writer that found the file just before it went may open it just after: the read
    lease makes that open wait for us, so each one is seen, let finish and read again."""
    fd = os.open(path, os.O_RDONLY)
    lease = None
    try:
        lease = _wait_for_writers(fd)
        data = _read_fd(fd)
        if lease is None or not expected(data):
            return data
        os.unlink(path)
        for _ in range(100):  # writers that opened it in that moment: let them finish
            if not _breaking(fd, lease):
                break
            _unlease(fd, lease)
            lease = _wait_for_writers(fd)
        _unlease(fd, lease)
        lease = _wait_for_writers(fd)  # and one last look, after the lease was let go
        data = _read_fd(fd)
        if expected(data):
            return None
        write_atomic(path, data)  # a writer's bytes: back under the name, for the caller
        return data
    finally:
        _unlease(fd, lease)
        os.close(fd)


def _keep_beside(src: str, name: str) -> None:
    """Move src to `name`, or `name-2`, `name-3`, ...: never over an earlier one."""
    n = 1
    while True:
        target = name if n == 1 else f"{name}-{n}"
        try:
            os.link(src, target)
        except FileExistsError:
            n += 1
            continue
        os.unlink(src)
        return


def _lease(fd: int) -> bool | None:
    """Take a read lease: True; False where leases are unavailable (another owner without
    CAP_LEASE, NFS); None when a process has the file open for writing right now.

    A read lease is granted only while no process has the file open for writing, and a
    process opening it for writing afterwards waits until it is released (or broken)."""
    try:
        # A writer opening the file signals the lease holder: SIGURG is ignored by
        # default, where the default SIGIO would end the process.
        fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        return True
    except BlockingIOError:  # EAGAIN: someone is writing into it
        return None
    except (OSError, AttributeError):
        return False


def _breaking(fd: int, lease) -> bool:
    """Whether a writer has opened the file since the lease was taken (it waits on us)."""
    return bool(lease) and fcntl.fcntl(fd, fcntl.F_GETLEASE) != fcntl.F_RDLCK


def _unlease(fd: int, lease) -> None:
    if lease:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)


def _wait_for_writers(fd: int, seconds: float = 5.0) -> bool | None:
    """Wait until no process has the file open for writing (a lease is granted again)."""
    deadline = time.monotonic() + seconds
    while (lease := _lease(fd)) is None and time.monotonic() < deadline:
        time.sleep(0.001)
    return lease


def _read_fd(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _link_or_drop(tmp: str, path: str) -> bool:
    """tmp becomes path unless path exists (unlike a rename, a link never replaces)."""
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()
