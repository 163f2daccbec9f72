"""Files: listing folders in one scandir walk, atomic writes, cache files."""
from __future__ import annotations

import ctypes
import errno
import fcntl
import gc
import hashlib
import marshal
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from .errors import DigestError, Rejected, shown


MAX_DEPTH = 32  # folders nested deeper are reported, never read (nor walked by recursion)


def walk_files(root, keep=lambda name: not name.startswith("."), problems: list | None = None):
    """(relative path with /, DirEntry) of every file under root whose name and whose
    folders' names `keep` accepts (default: no dot-files or dot-folders), walked without
    recursion and at most MAX_DEPTH folders deep. A folder that cannot be read, or lies
    deeper, goes into `problems` as a DigestError (when given): never skipped silently.
    A missing root is an empty folder."""
    stack = [("", str(root), 0)]
    while stack:
        prefix, folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except FileNotFoundError:
            continue  # no such folder yet, or deleted while walking
        except OSError as e:
            if problems is not None:
                problems.append(DigestError(shown(folder), f"cannot read this folder: {e.strerror or e}"))
            continue
        for e in entries:
            if not keep(e.name):
                continue
            if e.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    stack.append((prefix + e.name + "/", e.path, depth + 1))
                elif problems is not None:
                    problems.append(DigestError(shown(e.path), f"folder nested more than {MAX_DEPTH} levels deep; "
                                                               "not read (move its files up)"))
            else:
                yield prefix + e.name, e


def scan_tree(root: Path, suffix: str = "") -> dict[str, tuple]:
    """Every file under root: relative path (with /) -> (size, mtime_ns, inode).
    Dot-files and dot-folders are skipped. Raises Rejected listing every folder or file
    that cannot be read (or is nested too deep): a build must not take a folder it cannot
    see for an empty one."""
    out: dict[str, tuple] = {}
    problems: list[DigestError] = []
    for rel, e in walk_files(root, problems=problems):
        if rel.endswith(suffix):
            try:
                st = e.stat()
            except FileNotFoundError:
                continue  # deleted while walking
            except OSError as err:
                problems.append(DigestError(shown(e.path), f"cannot read: {err.strerror or err}"))
                continue
            out[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
    if problems:
        raise Rejected(problems)
    return out


def write_all(fd: int, data) -> None:
    """Write every byte: os.write may write fewer than asked (a full disk, a signal), and
    ignoring its count is how a cut file gets renamed into place."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_temp(path, data, sync: bool = True) -> str:
    """Write data (bytes, or an iterable of bytes to write one after the other) in full to a
    temp file beside `path`, fsync'd unless `sync` is false, and return its name; on
    failure remove it and raise a DigestError naming `path`."""
    path = str(path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.tmp{os.getpid()}")
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        try:
            for part in ([data] if isinstance(data, (bytes, bytearray, memoryview)) else data):
                write_all(fd, part)
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        remove_quietly(tmp)
        raise DigestError(shown(path), f"cannot write: {e.strerror or e}") from e
    except BaseException:  # data made as it is written (an iterator) failed, or Ctrl-C
        remove_quietly(tmp)
        raise
    return tmp


def write_atomic(path, data, sync: bool = True) -> None:
    """Write beside the target, fsync (unless `sync` is false: the caller then flushes many
    files at once, see sync_file_system), rename over it: a reader never sees half a file,
    and a failed write (its message names the path) leaves the old file and no temp file."""
    tmp = write_temp(path, data, sync)
    try:
        os.replace(tmp, path)
    except OSError as e:
        remove_quietly(tmp)
        raise DigestError(shown(path), f"cannot write: {e.strerror or e}") from e


def remove_quietly(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def sync_file_system(folder) -> None:
    """Flush every file written under `folder` to disk in one call (Linux syncfs): cheaper
    than an fsync per file when a whole tree was written, before it is renamed into place
    or recorded. A write the disk refused (EIO, ENOSPC at writeback) is a DigestError
    naming the folder, as a failed fsync would be; where syncfs is missing, os.sync()."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        os.sync()
        return
    try:
        try:
            failed = ctypes.CDLL(None, use_errno=True).syncfs(fd) != 0
        except (OSError, AttributeError):  # no syncfs in this C library
            os.sync()
            return
        err = ctypes.get_errno() if failed else 0
        if err == errno.ENOSYS:
            os.sync()
        elif err:
            raise DigestError(shown(folder), f"cannot write to disk: {os.strerror(err)}")
    finally:
        os.close(fd)


# Up to this many files, `flush_files` fsyncs each one; more, and one syncfs is cheaper.
FSYNC_EACH_MAX = 1000
FSYNC_THREADS = 8  # fsyncs at once: the file system commits concurrent ones together


def flush_files(folder, paths) -> None:
    """Put the files at `paths` (written under `folder`) on disk before they are renamed
    into place or recorded. A change set (a few hundred files) gets an fsync per file,
    several at once; a whole tree gets one syncfs (sync_file_system). An fsync flushes
    only its file, whereas syncfs also waits for whatever other programs wrote to the
    same file system: 0.19 s for one edit right after a Hugo build's 160 MB, against
    0.01 s for its twelve files. A write the disk refused is a DigestError naming the file."""
    paths = list(paths)
    if len(paths) > FSYNC_EACH_MAX:
        sync_file_system(folder)
        return
    failures: list[DigestError] = []
    todo = iter(paths)  # shared: each thread takes the next path

    def work() -> None:
        for path in todo:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as e:
                failures.append(DigestError(shown(path), f"cannot write to disk: {e.strerror or e}"))

    helpers = [threading.Thread(target=work) for _ in range(min(FSYNC_THREADS, len(paths)) - 1)]
    for t in helpers:
        t.start()
    work()
    for t in helpers:
        t.join()
    if failures:
        raise min(failures, key=lambda e: e.path)


@contextmanager
def exclusive_lock(cache_dir: Path, name: str, what: str):
    """Hold `cache_dir/name` locked (fcntl.flock) for the block: one build of an output
    folder (or one ingest of a content folder) at a time. A second process says it waits,
    with the holder's pid, and goes on once the first is done; the lock goes with the
    process, however it ends (kill -9 included)."""
    if cache_dir.exists() and not cache_dir.is_dir():
        raise DigestError(shown(cache_dir), "is not a folder; the build cache (paths.cache) needs a folder here: "
                                            "remove or rename it")
    path = cache_dir / name
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise DigestError(shown(path), f"cannot create the lock file: {e.strerror or e}") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 20, 0).decode("ascii", "replace").strip() or "?"
            print(f"waiting for another {what} (pid {holder})", file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # the pid is only for the waiting notice
        yield
    finally:
        os.close(fd)  # releases the lock


SEAL = b"NDSEAL1\n"  # then the SHA-256 of the file's name and payload, then the payload


def seal(name: str, payload: bytes) -> bytes:
    """A cache file's bytes that check themselves: a truncated, flipped, or swapped file
    (the hash covers its name) fails `unseal`, so no loader ever sees bytes this program
    did not write for that file."""
    return b"".join(sealed(name, payload))


def sealed(name: str, payload: bytes) -> tuple[bytes, bytes]:
    """`seal`'s bytes in two parts, the seal and the payload itself, for write_atomic: a
    50 MB cache file is then not copied whole once more to be written."""
    return SEAL + _seal_hash(name, payload), payload


def _seal_hash(name: str, payload) -> bytes:
    h = hashlib.sha256(name.encode() + b"\0")
    h.update(payload)  # not hashed as one concatenation: that would copy the payload
    return h.digest()


def unseal(name: str, blob: bytes) -> bytes | None:
    """The payload `seal` wrapped, or None when the bytes are not exactly that."""
    head = len(SEAL) + 32
    if len(blob) < head or not blob.startswith(SEAL):
        return None
    payload = memoryview(blob)[head:]
    if _seal_hash(name, payload) != blob[len(SEAL):head]:
        return None
    return payload


def load_marshal(path, version, notices: list | None = None) -> dict:
    """A sealed cache file of plain data (dicts, tuples, strings, numbers) in marshal's
    format, or {} when it is missing, damaged or of another `version` or Python; a file
    that is there but unusable adds a one-line notice to `notices` (when given). (marshal
    loads in two thirds and dumps in under half of pickle's time; its format is this
    Python's, and it is only ever given bytes whose seal holds.)"""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError:
        return {}  # no cache yet
    payload = unseal(os.path.basename(path), blob)
    try:
        data = uncollected(marshal.loads, payload) if payload is not None else None  # load(f): 5 times slower
    except (ValueError, EOFError, TypeError):
        data = None
    if isinstance(data, dict) and data.get("version") == (version, sys.version) and isinstance(data.get("data"), dict):
        return data["data"]
    if notices is not None:
        notices.append(discarded(path))
    return {}


def uncollected(loads, data):
    """`loads(data)` for plain data (marshal, JSON: no cycles), with the cyclic collector
    kept out: while it loads (at 50,000 articles the build cache is two million tuples,
    which the collector's passes would walk several times, a third of the load) and after
    (gc.freeze: the collector never walks them; they are freed as ever when dropped)."""
    if not gc.isenabled():
        return loads(data)
    gc.disable()
    try:
        return loads(data)
    finally:
        gc.freeze()
        gc.enable()


def discarded(path) -> str:
    return f"{shown(path)}: damaged, or written by another version; discarded (the build runs without it)"


def save_marshal(path, data: dict, version) -> None:
    write_atomic(path, sealed(os.path.basename(path), marshal.dumps({"version": (version, sys.version), "data": data})))


def sha1_hex(data: bytes) -> str:
    """The hash that names content files and outputs in the build cache."""
    return hashlib.sha1(data).hexdigest()
