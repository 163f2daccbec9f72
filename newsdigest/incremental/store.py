"""The cache stores in .cache/: the build cache (marshal base + delta) and the article
store (sealed pickles, one per Article, read with pread). Each discards itself on any
doubt (unreadable, fails its seal, other version) with a notice: the build then runs cold.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sys
import time
import weakref
from collections.abc import Iterable
from itertools import chain, compress, repeat
from operator import ne
from pathlib import Path

from ..config import Config
from ..errors import shown
from ..files import discarded, load_marshal, save_marshal, seal, sealed, sha1_hex, uncollected, unseal, write_atomic
from ..model import Article

CACHE_VERSION = 16  # 7: Article.source_url; 8: output.marshal; 9: feeds link their archives and hub; 10: keys by context, Facts with title; 11: reporters; 12: page keys hash marshal format 2; 13: article store index last; 14: the store's delta holds pickles; 15: related memo as two tables; 16: the plan's dependency index


def cache_file(config: Config, name: str) -> Path:
    return config.cache_dir / name


def write_cache_file(config: Config, name: str, data: bytes) -> None:
    write_atomic(cache_file(config, name), data)


def _load_pickle(config: Config, name: str, notices: list) -> dict:
    """A sealed pickle (files.seal): bytes that fail their seal are never unpickled."""
    path = cache_file(config, name)
    try:
        blob = path.read_bytes()
    except OSError:
        return {}
    payload = unseal(name, blob)
    try:
        data = pickle.loads(payload) if payload is not None else None
    except Exception:  # sealed but unreadable here (a class changed): only a cache miss
        data = None
    if isinstance(data, dict) and data.get("version") == CACHE_VERSION:
        return data
    notices.append(discarded(path))
    return {}


def _save_pickle(config: Config, name: str, data: dict) -> None:
    write_cache_file(config, name, sealed(name, pickle.dumps(dict(data, version=CACHE_VERSION),
                                                               protocol=pickle.HIGHEST_PROTOCOL)))


def load_cache_marshal(config: Config, name: str, notices: list | None = None) -> dict:
    return load_marshal(cache_file(config, name), CACHE_VERSION, notices)


def save_cache_marshal(config: Config, name: str, data: dict) -> None:
    save_marshal(cache_file(config, name), data, CACHE_VERSION)


# Every file a build rewrites when it changes anything (output.marshal: its record of site/).
CACHE_FILES = ("build.marshal", "build-delta.marshal", "articles.pickle", "articles-delta.pickle", "output.marshal")


def cache_signature(config: Config) -> tuple:
    """Stats of the build cache files: a cache preloaded before the build lock was taken is
    stale when they changed."""
    signature = []
    for name in CACHE_FILES:
        try:
            st = os.stat(cache_file(config, name))
            signature.append((st.st_size, st.st_mtime_ns, st.st_ino))
        except OSError:
            signature.append(None)
    return tuple(signature)


class BuildCache:
    """The build cache (plain data, see `build`) as a base file and a delta of what
    changed since it was written: an incremental build writes a few kilobytes instead of
    rewriting 8 MB. The base is rewritten when the delta grows past a tenth of it."""

    def __init__(self, config: Config):
        self.config = config
        self.signature = cache_signature(config)  # before reading: a change while loading shows too
        self.notices: list[str] = []
        base = load_cache_marshal(config, "build.marshal", self.notices)
        delta = load_cache_marshal(config, "build-delta.marshal", self.notices) if base else {}
        if delta.get("base") != base.get("id"):
            if delta:
                self.notices.append(discarded(cache_file(config, "build-delta.marshal")))
            delta = {}
        self.base_id = base.get("id")
        self.base = base
        self.base_sizes = {k: len(v) for k, v in base.items() if type(v) is dict}
        self.data = dict(base)
        for key, (changed, removed) in delta.get("update", {}).items():
            table = self.data[key] = dict(self.data[key]) if key in self.base else {}
            table.update(changed)
            for k in removed:
                table.pop(k, None)

    def save(self, data: dict) -> None:
        if self.base_id:
            update, size, same = {}, 0, True
            for key, value in data.items():
                old = self.base.get(key)
                if type(value) is dict and type(old) is dict:
                    changed = changed_entries(value, old)
                    # Keys removed, unless the sizes say none was (a set difference: 0.01 s a table)
                    added = sum(k not in old for k in changed)
                    removed = list(old.keys() - value.keys()) if len(old) + added != len(value) else []
                    if changed or removed:
                        update[key] = (changed, removed)
                        size += len(changed) + len(removed)
                elif old != value:
                    same = False  # a setting changed: write everything
            if same and size <= max(100, sum(self.base_sizes.values()) // 10):
                save_cache_marshal(self.config, "build-delta.marshal", {"base": self.base_id, "update": update})
                return
        base_id = new_base_id()
        save_cache_marshal(self.config, "build-delta.marshal", {"base": base_id})
        save_cache_marshal(self.config, "build.marshal", dict(data, id=base_id))


def new_base_id() -> str:
    """A name for a new base file, which its delta names to show which base it extends."""
    return sha1_hex(repr((time.time(), os.getpid())).encode())


_MISSING = object()


def changed_entries(new: dict, old: dict) -> dict:
    """The entries of `new` that `old` lacks or holds another value for, compared all in C
    (an entry that is the very object loaded from `old` is passed over by identity; the
    tables made anew each build are compared by value, 68 ms for the 600,000 entries of
    50,000 articles' tables, where comparing those in a loop took 80 ms)."""
    return dict(compress(new.items(), map(ne, map(old.get, new.keys(), repeat(_MISSING)), new.values())))


WRITE_BATCH = 1 << 20  # bytes of pickles the store writes at once when it makes a new base

LOADED_LIMIT = 10_000  # articles a process keeps unpickled: a bound, since every render worker loads its own


def article_blob(article: Article) -> bytes:
    """An Article as the store keeps it: made where the article was parsed (a parse worker)."""
    return pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL)


class ArticleStore:
    """Parsed articles by content hash: a large base file, rewritten rarely, and a small
    delta of what is new since, so a one-article edit does not rewrite 60 MB.

    The base file is one pickle per Article followed by a sealed index (hash -> offset,
    length, SHA-1 of the pickle) and the index's length: a build loads only the articles
    its changed pages and feeds show, and unpickles one only once its SHA-1 matches. A
    damaged one is left out (`get` returns None: the caller parses its file again and
    hands it to `repair`) and `heal` drops it. The index comes last so that a save streams
    the pickles to disk one at a time, as the parse makes them.

    A build saves the store as soon as its content is parsed, before the render: the
    render (each forked worker) then reads every article it shows from the store, so no
    process holds every Article (at 50,000 articles, 480 MB that fork shared into each
    render worker). Saved early is harmless when the build fails later: an article is
    stored under the hash of its content file's bytes, whatever else the build decides."""

    MAGIC = b"NDSTORE5"

    def __init__(self, config: Config):
        self.config = config
        self.file = None
        self.notices: list[str] = []
        self._open()

    def _open(self) -> None:
        """Read the index of the base file and the delta; anything doubtful is discarded."""
        if self.file:
            self.file.close()
            self.file = None
        self.loaded: dict[str, Article] = {}  # at most LOADED_LIMIT, oldest dropped first
        # Every loaded article still in use (a page's list item keeps it): loaded again,
        # it is the same object, not a second copy.
        self.alive: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self.damaged: set[str] = set()
        self.repaired: dict[str, Article] = {}  # parsed again for damaged entries (see heal)
        config = self.config
        base = self._open_base()
        delta = _load_pickle(config, "articles-delta.pickle", self.notices) if base else {}
        if base.get("config") != config.digest or (delta and delta.get("base") != base.get("id")):
            if delta and delta.get("base") != base.get("id"):
                self.notices.append(discarded(cache_file(config, "articles-delta.pickle")))
            base, delta = {}, {}
        self.base_id = base.get("id")
        self.index = base.get("index", {})
        self.delta = delta.get("articles", {})  # hash -> pickle of the Article

    def _open_base(self) -> dict:
        try:
            f = open(cache_file(self.config, "articles.pickle"), "rb")
        except OSError:
            return {}
        try:
            total = os.fstat(f.fileno()).st_size
            if total < 16 or f.read(8) != self.MAGIC:
                raise ValueError
            size = int.from_bytes(os.pread(f.fileno(), 8, total - 8), "little")
            index_bytes = unseal("articles.pickle", os.pread(f.fileno(), size, total - 8 - size)) \
                if 0 < size <= total - 16 else None
            if index_bytes is None:
                raise ValueError
            data = uncollected(marshal.loads, index_bytes)
            if not isinstance(data, dict) or data.get("version") != (CACHE_VERSION, sys.version):
                raise ValueError
            # A cut or padded file: the pickles the index lists fill exactly the space before it.
            if total != 8 + sum(length for _, length, _ in data["index"].values()) + size + 8:
                raise ValueError
        except Exception:  # a damaged cache only costs a cold build
            f.close()
            self.notices.append(discarded(cache_file(self.config, "articles.pickle")))
            return {}
        self.file, self.blob = f, 8  # kept open: a later build may replace the file
        return data

    def has(self, sha: str) -> bool:
        return sha in self.delta or sha in self.index

    def get(self, sha: str) -> Article | None:
        article = self.loaded.get(sha) or self.alive.get(sha) or self.repaired.get(sha)
        if article is None:
            raw = self.delta.get(sha) or self._raw(sha)
            if raw is None:
                return None
            article = self.alive[sha] = pickle.loads(raw)
            if len(self.loaded) >= LOADED_LIMIT:
                del self.loaded[next(iter(self.loaded))]
            self.loaded[sha] = article
        return article

    def repair(self, sha: str, article: Article) -> None:
        """The article of a damaged (or lost) entry, parsed again from its file: `get`
        returns it from now on and `heal` stores it."""
        self.repaired[sha] = article

    def _raw(self, sha: str) -> bytes | None:
        """The pickle of one article from the base file, or None: not there, or (noted as
        damaged) its SHA-1 fails."""
        entry = self.index.get(sha)
        if entry is None:
            return None
        offset, length, digest = entry
        raw = os.pread(self.file.fileno(), length, self.blob + offset)
        if hashlib.sha1(raw).digest() != digest:
            if not self.damaged:
                self.notices.append(f"{shown(cache_file(self.config, 'articles.pickle'))}: a damaged entry; "
                                    "discarded (its content file is parsed again)")
            self.damaged.add(sha)
            return None
        return raw

    def save(self, kept: set, parsed: Iterable[tuple[str, bytes]], count: int) -> None:
        """Keep exactly the articles of this build: `kept` (hashes the store has, in its
        base or delta) and the `count` ones `parsed` yields, (hash, article_blob) as the
        parse makes them. A few go into the delta; many (or a damaged base) make a new base
        file, each pickle written as it comes. Then `get` reads what was saved."""
        carried = {sha: self.delta[sha] for sha in kept if sha in self.delta}
        if self.base_id and not self.damaged and count + len(carried) <= max(200, (len(kept) + count) // 10):
            new = dict(carried)
            new.update(parsed)
            if new.keys() != self.delta.keys() or self.notices:  # a discarded file is written again
                _save_pickle(self.config, "articles-delta.pickle", {"base": self.base_id, "articles": new})
            self.delta = new
            return
        base_id = new_base_id()
        write_cache_file(self.config, "articles.pickle", self._base_parts(base_id, parsed, sorted(kept)))
        _save_pickle(self.config, "articles-delta.pickle", {"base": base_id, "articles": {}})
        self._open()

    def heal(self, current: set) -> None:
        """When a damaged entry turned up since the save (loading an article to render it
        in this process), a new base without it, with the articles `repair` was given;
        `current`: the hashes of every article of this build."""
        if self.damaged:
            repaired = self.repaired
            self.save(current - repaired.keys(), ((sha, article_blob(a)) for sha, a in repaired.items()),
                      len(repaired))

    def _base_parts(self, base_id: str, parsed: Iterable[tuple[str, bytes]], kept: list):
        """The bytes of a new base file, piece by piece: the pickles as they come (the parsed
        ones, then the kept ones read from the old base or delta), a megabyte or so at a
        time (not a write per 6 KB pickle), then the index of them all."""
        yield self.MAGIC
        index, offset, batch, batched = {}, 0, [], 0
        kept_blobs = ((sha, self.delta.get(sha) or self._raw(sha)) for sha in kept)
        for sha, blob in chain(parsed, kept_blobs):
            if blob is None or sha in index:
                continue  # damaged and not parsed in this build: left out, parsed again when needed
            index[sha] = (offset, len(blob), hashlib.sha1(blob).digest())
            offset += len(blob)
            batch.append(blob)
            if offset - batched >= WRITE_BATCH:
                yield b"".join(batch)
                batch, batched = [], offset
        yield b"".join(batch)
        head = seal("articles.pickle", marshal.dumps({"id": base_id, "config": self.config.digest, "index": index,
                                                      "version": (CACHE_VERSION, sys.version)}))
        yield head + len(head).to_bytes(8, "little")
