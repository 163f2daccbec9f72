"""Which seeds need parsing, without reading what has not changed.

Two caches in `.cache/` (safe to delete: ingest then reads every seed) decide it:
`ingest-stamp.marshal`, a hash of every seed's name, size, mtime and inode with the
content files the last clean run accounted for (unchanged: nothing to do at all), and
`ingest-seeds.marshal`, per seed [size, mtime_ns, inode, sha, its content file(s) or None],
with the SHA-1 of the ingest record those entries were settled against (`record`).
A seed whose stat matches keeps its hash unread, and if its content file is still there
it needs nothing more. While the record holds exactly those bytes, such a seed is not
looked up in it again (its entry is what the stat cache was made from); a record with
other bytes (edited, merged, restored) has the final word on every seed.

The stat of every seed is the one pass over seeds/ that finds what changed: it does
nothing else (at 50,000 seeds each step per seed costs about 1 ms per 1,000).
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import DigestError, shown
from ..files import load_marshal, save_marshal
from .parse import is_records_file, sha

INGEST_CACHE_VERSION = 1
STAMP = "ingest-stamp.marshal"
STAT_CACHE = "ingest-seeds.marshal"  # was seeds-stat.marshal, without the record's SHA-1
RECORDS_SPLIT_BYTES = 4 * 1024 * 1024  # a records file this large is shared by all cores


def scan_seeds(seeds_dir: Path) -> dict:
    """Every seed file's name -> (size, mtime_ns, inode), or None when its stat failed, in
    name order; empty when there is no seeds folder (OSError when it cannot be read)."""
    try:
        fd = os.open(seeds_dir, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return {}
    # Each seed stat'ed by its name in the open folder, not by its whole path: 50,000 seeds
    # listed in 0.15 s instead of 0.2.
    try:
        with os.scandir(fd) as it:
            names = sorted([e.name for e in it if not e.name.startswith(".") and e.is_file()])
        seeds, stat = {}, os.stat
        for name in names:
            try:
                st = stat(name, dir_fd=fd)
            except OSError:
                seeds[name] = None
                continue
            seeds[name] = (st.st_size, st.st_mtime_ns, st.st_ino)
        return seeds
    finally:
        os.close(fd)


def seeds_stamp(config: Config, seeds: dict) -> str:
    # pickle, not marshal: marshal's bytes depend on reference counts and interning.
    return sha(pickle.dumps((config.digest, list(seeds.items())), protocol=5))


def load_cache(config: Config, name: str) -> dict:
    return load_marshal(config.cache_dir / name, INGEST_CACHE_VERSION)


def save_cache(config: Config, name: str, data: dict) -> None:
    try:
        save_marshal(config.cache_dir / name, data, INGEST_CACHE_VERSION)
    except (OSError, DigestError):  # files.write_atomic reports a failed write as a DigestError
        pass  # only a cache: the next run reads the seeds again


def contents_exist(done_in, existing) -> bool:
    """Whether a seed's content file (a records file's files, a list) is all still there."""
    if done_in is None:
        return False
    if isinstance(done_in, str):
        return done_in in existing
    return all(c in existing for c in done_in)


def sort_by_stat(seeds: dict, stat_cache: dict, existing, seeds_dir: Path, root: Path):
    """(stat cache entries still true, seeds done as far as the stat cache knows, seeds
    pending as (name, stat), problems): a seed is done when its size, mtime and inode
    match the last run and its content file(s) are still there."""
    known, done, pending, errors = {}, [], [], []
    cached_of = stat_cache.get
    for name, st in seeds.items():
        if st is None:  # its stat failed while listing: once more, for the reason
            try:
                found = os.stat(os.path.join(seeds_dir, name))
            except OSError as e:
                errors.append(DigestError(shown(os.path.join(seeds_dir, name), start=root),
                                          f"cannot read: {e.strerror}"))
                continue
            st = (found.st_size, found.st_mtime_ns, found.st_ino)
        cached = cached_of(name)
        if cached and len(cached) == 5 and cached[0] == st[0] and cached[1] == st[1] and cached[2] == st[2]:
            known[name] = cached
            done_in = cached[4]
            if done_in in existing if type(done_in) is str else contents_exist(done_in, existing):
                done.append(name)
                continue
        pending.append((name, st))
    return known, done, pending, errors


def recheck_done(done: list, seeds: dict, manifest: dict, records_of: dict, known: dict, existing,
                 vouched: bool = False):
    """(unchanged entries, seeds pending after all as (name, stat)): the seeds the stat
    cache calls done, checked against the ingest record, which is being read anyway.
    `vouched`: the record holds the bytes the stat cache was settled against, so a seed
    file's entry says what its stat cache entry says (see settled_stat_cache) and is
    taken as it is; a records file is still checked record by record."""
    unchanged, pending = {}, []
    for name in done:
        entry = manifest.get(name)
        if vouched and entry is not None:
            unchanged[name] = entry
        elif is_records_file(name):
            done_in = set(known[name][4])
            kept = {k: e for k, e in records_of.get(name, {}).items() if e["content"] in done_in}
            if len(kept) == len(done_in):
                unchanged.update(kept)
            else:
                pending.append((name, seeds[name]))
        elif entry and entry.get("seed_sha") == known[name][3] and entry["content"] in existing:
            unchanged[name] = entry
        else:  # the record says otherwise: read the seed again
            pending.append((name, seeds[name]))
    return unchanged, pending


@dataclass(frozen=True)
class ToParse:
    """The pending seeds read: (path, bytes or None, part) to parse, the entries of seeds
    whose hash the record already has with their file in place, the stat cache entries
    of the seeds read, the stats of the new seeds left unread (hashed where they are
    parsed, see hashed_where_parsed), and the files that could not be read."""

    items: list
    unchanged: dict
    stats: dict
    unhashed: dict
    errors: list


def read_pending(pending: list, manifest: dict, known: dict, existing, jobs: int, seeds_dir: Path,
                 root: Path) -> ToParse:
    items, unchanged, stats, unhashed, errors = [], {}, {}, {}, []
    for name, st in pending:
        path = os.path.join(seeds_dir, name)
        try:
            if is_records_file(name):
                # Many articles in one file: read it again, and let each record's hash say
                # which of them changed.
                raw = Path(path).read_bytes()
                stats[name] = [*st, sha(raw), None]
                items += _records_parts(Path(path), raw, jobs)
                continue
            cached, entry = known.get(name), manifest.get(name)
            if cached:
                seed_sha = cached[3]
            elif entry is None:
                # A new seed: no hash to compare with, so the worker that parses it reads it
                # (a cold ingest of 10,000 seeds read and hashed them all here first, 0.2 s
                # in this one process).
                unhashed[name] = st
                items.append((Path(path), None, None))
                continue
            else:
                seed_sha = sha(Path(path).read_bytes())
                stats[name] = [*st, seed_sha, None]
            if entry and entry.get("seed_sha") == seed_sha and entry["content"] in existing:
                unchanged[name] = entry
                continue
            # Its bytes are read again by the worker that parses it (from the page cache):
            # held here until the parse ended, every seed's bytes were 390 MB at 50,000.
            items.append((Path(path), None, None))
        except OSError as e:
            errors.append(DigestError(shown(path, start=root), f"cannot read: {e.strerror}"))
    return ToParse(items, unchanged, stats, unhashed, errors)


def hashed_where_parsed(unhashed: dict, parsed: list) -> dict:
    """Stat cache entries of the new seeds read_pending left unread, with the hash their
    parse worker read (Parsed.seed_sha: of the very bytes it parsed). A seed that did not
    parse gets none, and is read again next time."""
    return {p.seed_name: [*unhashed[p.seed_name], p.seed_sha, None] for p in parsed if p.seed_name in unhashed}


def _records_parts(path: Path, raw: bytes, jobs: int) -> list:
    """A large records file: each core takes a share of its records, also when a change
    re-reads it to skip all but a few (a share reads and decodes the whole file, about a
    tenth of the work, but parses only its own records)."""
    parts = jobs if jobs > 1 and len(raw) > RECORDS_SPLIT_BYTES else 1
    if parts == 1:
        return [(path, raw, None)]
    return [(path, None, (i, parts)) for i in range(parts)]


def settled_stat_cache(stats: dict, manifest: dict, read_ok: dict, done: list, vouched: dict) -> dict:
    """The stat cache to keep: each seed's entry with the content file(s) it is done in
    (None while it is not: a seed that failed, or whose record says otherwise). A seed
    whose entry in `manifest` is still the one `vouched` for (recheck_done) keeps its
    stat cache entry: that entry was made from it."""
    done_names = set(done)
    out = dict(stats)
    for name in [name for name in stats if (was := vouched.get(name)) is None or manifest.get(name) is not was]:
        cached, entry = stats[name], manifest.get(name)
        if is_records_file(name):
            done_in = sorted(manifest[k]["content"] for k in read_ok[name] if k in manifest) \
                if name in read_ok else cached[4] if name in done_names else None
        else:
            done_in = entry["content"] if entry and entry.get("seed_sha") == cached[3] else None
        if cached[4] != done_in:
            out[name] = cached[:4] + [done_in]
    return out
