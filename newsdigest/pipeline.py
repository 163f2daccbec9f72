"""The build: read content/ -> collect -> render -> write site/, with a build cache.

The cache (.cache/) remembers parsed articles and their Facts by the hash of their file
and, for every output file, a fingerprint of its template, config and context. A page
whose fingerprint is unchanged is not rendered again and its file is not rewritten; the
result is the same bytes a cold build gives (tests/test_incremental.py compares them).
An incremental build works from the Facts and loads only the articles that the pages it
renders show. A build whose inputs (content, layouts, config, options) all have the
size, mtime and inode they had at the last good build stops right after checking that
(the "stamp").
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import pickle
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path

from .config import Config
from .content import Article, Tag
from .errors import DigestError, Rejected, shown
from .files import (discarded, exclusive_lock, load_marshal, save_marshal, scan_tree, seal, unseal,
                    write_atomic)
from .output import (NewSite, begin_writing, done_writing, output_stats, outside_reason, put, update_site,
                     was_interrupted)
from .pages import PageInfo
from .parallel import parallel_map
from .search import update_index
from .site import Articles


CACHE_VERSION = 9  # 7: Article.source_url; 8: output.marshal, the output record; 9: feeds link their archives and hub
IN_PLACE_LIMIT = 0.25  # above this share of files changed, assemble a whole new tree instead
INCREMENTAL_SHARE = 0.05  # above this share of articles moved, fingerprint every page
RELATED_COUNT = 5


@dataclass(frozen=True)
class BuildReport:
    articles: int
    tags: int
    pages: int
    written: int
    seconds: float
    output: Path
    stages: tuple = ()  # (stage, seconds) in order, for --debug
    notices: tuple = ()  # one line each: a damaged cache discarded, output restored, ...


def _sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def read_sources(config: Config, listing: dict, known: dict, fresh: dict | None = None):
    """Content files as Sources. A file whose stat matches `known` keeps its hash and is
    not read: its Article comes from the cache; one that ingest wrote in this run (`fresh`)
    comes with its text and front matter. Returns (sources, stat cache, errors)."""
    from .site import Source
    sources, errors, stats = [], [], {}
    fresh = fresh or {}
    # Relative to the project (config.yaml's folder), wherever the build runs from: messages
    # read `content/...` and the cache stays valid from any working directory.
    prefix = Path(os.path.relpath(config.content_dir, config.path.parent)).as_posix()
    root = str(config.content_dir)
    for rel in sorted(listing):
        shown = f"{prefix}/{rel}"
        signature = listing[rel]
        hit = known.get(rel)
        if hit and hit[0] == signature:
            sources.append(Source(shown, None, hit[1]))
            stats[rel] = hit
            continue
        path = os.path.join(root, rel)
        if path in fresh:
            digest, text, meta = fresh[path]
            sources.append(Source(shown, text, digest, meta))
            stats[rel] = (signature, digest)
            continue
        if signature[0] > config.max_content_kb * 1024:  # like seeds: no input is too big to refuse
            errors.append(DigestError(shown, f"file is too large ({signature[0] / 1024:,.0f} KB; the limit is "
                                             f"{config.max_content_kb:,} KB, max_content_kb in config.yaml)"))
            continue
        try:
            with open(path, "rb") as f:
                raw = f.read()
            source = Source(shown, raw.decode("utf-8"), _sha(raw))
        except UnicodeDecodeError as e:
            errors.append(DigestError(shown, f"not UTF-8 text (byte {e.start}); save the file as UTF-8"))
            continue
        except OSError as e:
            errors.append(DigestError(shown, f"cannot read: {e.strerror}"))
            continue
        sources.append(source)
        stats[rel] = (signature, source.sha)
    return sources, stats, errors


def _parse_range(config: Config, sources, start: int, stop: int) -> list:
    from .site import parse_article
    out = []
    for s in sources[start:stop]:
        try:
            out.append(parse_article(s, config))
        except DigestError as e:
            out.append(e)
    return out


def _render_range(config: Config, pages, env, stage, start: int, stop: int) -> list:
    """Render pages; with a staging folder, write them there and return only their hashes
    (a cold build's 170 MB of pages then never sits in one process)."""
    from .render import render_page
    out = []
    for p in pages[start:stop]:
        try:
            data = render_page(env, p, config).encode("utf-8")
        except DigestError as e:
            out.append(e)
            continue
        if stage is None:
            out.append(data)
        else:
            put(stage, p.output, data)
            out.append(_sha(data))
    return out


def load_facts(sources, config: Config, store, known: dict, jobs: int):
    """Facts of every content file, by source path, and the Articles parsed to get them.

    A file whose hash has Facts from the last build (`known`, by hash) and an Article in
    the store is not parsed and its Article not loaded: its Facts say all the build needs
    until a page shows it. Returns (facts by path, parsed Articles by hash, errors)."""
    from .site import Facts, article_facts
    facts, parsed, errors, todo = {}, {}, [], []
    for s in sources:
        hit = known.get(s.sha)
        if hit is not None and hit[1] == s.path and store.has(s.sha):
            facts[s.path] = Facts._make(hit)
        elif s.text is None:  # stat said unchanged but the cache lost it: read it after all
            todo.append(_reread(s, config))
        else:
            todo.append(s)
    for s, result in zip(todo, parallel_map(partial(_parse_range, config, todo), len(todo), jobs)):
        if isinstance(result, DigestError):
            errors.extend(getattr(result, "errors", [result]))
        else:
            facts[s.path] = article_facts(result)
            parsed[s.sha] = result
    return facts, parsed, errors


def _reread(source, config: Config):
    from .site import Source
    # source.path is relative to the project (see read_sources), not to the working directory
    raw = (config.path.parent / source.path).read_bytes()
    return Source(source.path, raw.decode("utf-8"), _sha(raw))


class Fingerprints:
    """Hashable summaries of page contexts, computed once per object per build.

    An Article stands for the hash of its content file (it is a pure function of that file
    and the config, which salts every page key); any other dataclass (a Day, a Month, a
    TagGroup) is summarised once and shared by every page that shows it. `page_key` also
    returns the ids of every article the page's context reaches: the next build, if no
    article was added, removed, re-dated, moved or retagged, recomputes only the pages
    that reach an article whose file changed.
    """

    def __init__(self, article_keys: dict):
        self.article_keys = article_keys
        self.memo: dict[int, tuple] = {}
        self.deps: set = set()

    def page_key(self, salt, page) -> tuple[str, set]:
        self.deps = set()
        key = _sha(repr((salt, page.template, self.of(page.context))).encode())
        return key, self.deps

    def of(self, value):
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None or kind is float:
            return value
        if kind is Article:
            self.deps.add(value.id)
            return self.article_keys[value.id]
        if kind is Articles:  # ids in hand: no article is loaded to fingerprint a list of them
            keys = self.article_keys
            self.deps.update(value.ids)
            return tuple([keys[i] for i in value.ids])
        if kind is tuple or kind is list:
            return tuple([self.of(v) for v in value])
        if kind is dict:
            return tuple([(k, self.of(v)) for k, v in sorted(value.items())])
        if kind is PageInfo:  # one per page, all strings: summarised inline, not memoised
            return tuple(value.__dict__.values())
        if kind is Tag:
            return ("T", value.name, value.slug)
        if kind is datetime or kind is date:
            return value.isoformat()
        if hasattr(kind, "__dataclass_fields__"):
            key = id(value)
            hit = self.memo.get(key)
            if hit is None:
                outer, self.deps = self.deps, set()
                summary = (kind.__name__,) + tuple([self.of(getattr(value, f)) for f in kind.__dataclass_fields__])
                # value kept alive so that ids stay unique while the memo lives
                hit = self.memo[key] = (_sha(repr(summary).encode()), value, frozenset(self.deps))
                self.deps = outer
            self.deps.update(hit[2])
            return hit[0]
        raise TypeError(f"cannot fingerprint {kind.__name__}")


def layouts_digest(config: Config) -> tuple[str, dict[str, bytes]]:
    """Hash of every template, and the static files to copy into the site (those are
    compared by their own bytes: a new stylesheet re-renders no page)."""
    h = hashlib.sha1()
    static = {}
    root = config.layouts_dir
    for rel in sorted(scan_tree(root)):
        data = (root / rel).read_bytes()
        if rel.startswith("static/"):
            static[rel] = data
        else:
            h.update(rel.encode() + b"\0" + data + b"\0")
    return h.hexdigest(), static


def _cache_file(config: Config, name: str) -> Path:
    return config.cache_dir / name


def _write_cache_file(config: Config, name: str, data: bytes) -> None:
    write_atomic(_cache_file(config, name), data)


def _load_pickle(config: Config, name: str, notices: list) -> dict:
    """A sealed pickle (files.seal): bytes that fail their seal are never unpickled."""
    path = _cache_file(config, name)
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
    _write_cache_file(config, name, seal(name, pickle.dumps(dict(data, version=CACHE_VERSION),
                                                             protocol=pickle.HIGHEST_PROTOCOL)))


def _load_marshal(config: Config, name: str, notices: list | None = None) -> dict:
    return load_marshal(_cache_file(config, name), CACHE_VERSION, notices)


def _save_marshal(config: Config, name: str, data: dict) -> None:
    save_marshal(_cache_file(config, name), data, CACHE_VERSION)


CACHE_FILES = ("build.marshal", "build-delta.marshal", "articles.pickle", "articles-delta.pickle")


def cache_signature(config: Config) -> tuple:
    """Stats of the build cache files: a cache preloaded before the build lock was taken is
    stale when they changed."""
    signature = []
    for name in CACHE_FILES:
        try:
            st = os.stat(_cache_file(config, name))
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
        base = _load_marshal(config, "build.marshal", self.notices)
        delta = _load_marshal(config, "build-delta.marshal", self.notices) if base else {}
        if delta.get("base") != base.get("id"):
            if delta:
                self.notices.append(discarded(_cache_file(config, "build-delta.marshal")))
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
                    changed = {k: v for k, v in value.items() if old.get(k, _MISSING) != v}
                    removed = [k for k in old if k not in value]
                    if changed or removed:
                        update[key] = (changed, removed)
                        size += len(changed) + len(removed)
                elif old != value:
                    same = False  # a setting changed: write everything
            if same and size <= max(100, sum(self.base_sizes.values()) // 10):
                _save_marshal(self.config, "build-delta.marshal", {"base": self.base_id, "update": update})
                return
        base_id = _sha(repr((time.time(), os.getpid())).encode())
        _save_marshal(self.config, "build-delta.marshal", {"base": base_id})
        _save_marshal(self.config, "build.marshal", dict(data, id=base_id))


_MISSING = object()


class ArticleStore:
    """Parsed articles by content hash: a large base file, rewritten rarely, and a small
    delta of what is new since, so a one-article edit does not rewrite 60 MB.

    The base file is a sealed index (hash -> offset, length, SHA-1 of the pickle) followed
    by one pickle per Article: a build loads only the articles its changed pages and feeds
    show, and unpickles one only once its SHA-1 matches. A damaged one is left out (`get`
    returns None: the caller parses its file again) and the next save drops it."""

    MAGIC = b"NDSTORE4"

    def __init__(self, config: Config):
        self.config = config
        self.file = None
        self.loaded: dict[str, Article] = {}
        self.notices: list[str] = []
        self.damaged: set[str] = set()
        base = self._open_base()
        delta = _load_pickle(config, "articles-delta.pickle", self.notices) if base else {}
        if base.get("config") != config.digest or (delta and delta.get("base") != base.get("id")):
            if delta and delta.get("base") != base.get("id"):
                self.notices.append(discarded(_cache_file(config, "articles-delta.pickle")))
            base, delta = {}, {}
        self.base_id = base.get("id")
        self.index = base.get("index", {})
        self.delta = delta.get("articles", {})

    def _open_base(self) -> dict:
        try:
            f = open(_cache_file(self.config, "articles.pickle"), "rb")
        except OSError:
            return {}
        try:
            head = f.read(16)
            if head[:8] != self.MAGIC:
                raise ValueError
            size = int.from_bytes(head[8:], "little")
            index_bytes = unseal("articles.pickle", f.read(size))
            if index_bytes is None:
                raise ValueError
            data = marshal.loads(index_bytes)
            if not isinstance(data, dict) or data.get("version") != (CACHE_VERSION, sys.version):
                raise ValueError
            # A cut file: every pickle the index lists must be there.
            if os.fstat(f.fileno()).st_size != 16 + size + sum(length for _, length, _ in data["index"].values()):
                raise ValueError
        except Exception:  # a damaged cache only costs a cold build
            f.close()
            self.notices.append(discarded(_cache_file(self.config, "articles.pickle")))
            return {}
        self.file, self.blob = f, 16 + size  # kept open: a later build may replace the file
        return data

    def has(self, sha: str) -> bool:
        return sha in self.delta or sha in self.index

    def get(self, sha: str) -> Article | None:
        article = self.loaded.get(sha) or self.delta.get(sha)
        if article is None:
            raw = self._raw(sha)
            if raw is None:
                return None
            article = self.loaded[sha] = pickle.loads(raw)
        return article

    def _raw(self, sha: str) -> bytes | None:
        """The pickle of one article, or None (noted as damaged) when its SHA-1 fails."""
        offset, length, digest = self.index[sha]
        raw = os.pread(self.file.fileno(), length, self.blob + offset)
        if hashlib.sha1(raw).digest() != digest:
            if not self.damaged:
                self.notices.append(f"{shown(_cache_file(self.config, 'articles.pickle'))}: a damaged entry; "
                                    "discarded (its content file is parsed again)")
            self.damaged.add(sha)
            return None
        return raw

    def save(self, current: set, parsed: dict[str, Article]) -> None:
        """Keep exactly the articles of this build (`current`, by hash): those in the base,
        and the new ones `parsed` in this build or kept in the delta."""
        new = {sha: parsed.get(sha) or self.delta[sha] for sha in current
               if sha not in self.index or (sha in self.damaged and sha in parsed)}
        if self.base_id and not self.damaged and len(new) <= max(200, len(current) // 10):
            if new.keys() != self.delta.keys() or self.notices:  # a discarded file is written again
                _save_pickle(self.config, "articles-delta.pickle", {"base": self.base_id, "articles": new})
            return
        base_id = _sha(repr((time.time(), os.getpid())).encode())
        index, blobs, offset = {}, [], 0
        for sha in sorted(current):
            blob = pickle.dumps(new[sha], protocol=pickle.HIGHEST_PROTOCOL) if sha in new else self._raw(sha)
            if blob is None:
                continue  # damaged and not parsed in this build: left out, parsed again when needed
            index[sha] = (offset, len(blob), hashlib.sha1(blob).digest())
            offset += len(blob)
            blobs.append(blob)
        head = seal("articles.pickle", marshal.dumps({"id": base_id, "config": self.config.digest, "index": index,
                                                      "version": (CACHE_VERSION, sys.version)}))
        _save_pickle(self.config, "articles-delta.pickle", {"base": base_id, "articles": {}})
        _write_cache_file(self.config, "articles.pickle", [self.MAGIC + len(head).to_bytes(8, "little"), head] + blobs)


def touched_units(site, old_shape: dict, shape: dict, moved: set, old_related: dict, related_ids: dict) -> set:
    """The pages (by plan_pages' units) that articles added, removed or moved can change
    without reaching them: their neighbours' pages, articles whose related list changed,
    the days, months and tags they left or joined and the days and months beside a day or
    month that appeared or went, and the site-wide pages."""
    units = {""}
    new_order = site.articles.ids
    position = {i: n for n, i in enumerate(new_order)}
    old_order = sorted(old_shape, key=lambda i: (-old_shape[i][0], i))
    old_position = {i: n for n, i in enumerate(old_order)}
    for i in moved:
        for order, where in ((new_order, position), (old_order, old_position)):
            n = where.get(i)
            if n is not None:
                units.update(f"article {j}" for j in order[max(0, n - 1): n + 2])
        for s in (old_shape.get(i), shape.get(i)):
            if s:
                units.add(f"day {s[2]}")
                units.add(f"month {s[2][:8]}")
                units.update(f"tag {slug}" for slug, _ in s[3])
    units.update(f"article {i}" for i, r in related_ids.items() if old_related.get(i) != r)
    # A day or month that appeared or went changes its neighbours' newer/older links.
    old_days = sorted({s[2] for s in old_shape.values()}, reverse=True)
    new_days = [d.url for d in site.days]
    for kind, old_list, new_list in (("day", old_days, new_days),
                                     ("month", sorted({d[:8] for d in old_days}, reverse=True),
                                      [m.url for m in site.months])):
        for changed in set(old_list) ^ set(new_list):
            for seq in (old_list, new_list):
                merged = sorted(set(seq) | {changed}, reverse=True)
                n = merged.index(changed)
                units.update(f"{kind} {u}" for u in merged[max(0, n - 1): n + 2])
    return units


def _placement(facts) -> tuple | None:
    """What check_collisions compares: id, URL, tags."""
    return None if facts is None else (facts[0], facts[5], facts[7])


def check_output_dir(config: Config) -> None:
    out = config.output_dir.resolve()
    for inside in (config.content_dir, config.seeds_dir, config.layouts_dir, config.path.parent):
        inside = inside.resolve()
        if out == inside or out in inside.parents:
            raise Rejected([DigestError(shown(config.path),
                                        f"paths.output: {out} would replace {inside}; choose a folder of its own")],
                           exit_code=2)


def input_stamp(config: Config, content: dict, layouts: dict, drafts: bool, future: bool) -> str:
    """Everything a build reads, by stat: equal stamps mean equal inputs (as make assumes)."""
    key = (CACHE_VERSION, config.digest, str(config.output_dir), drafts, future,
           sorted(content.items()), sorted(layouts.items()))
    # pickle: a tenth of repr's time for 10,000 entries, and unlike marshal its bytes do
    # not depend on reference counts or interning
    return _sha(pickle.dumps(key, protocol=5))


STAMP_FIELDS = {"stamp": str, "articles": int, "tags": int, "pages": int, "valid_from": (int, float),
                "valid_until": (int, float)}


def _stamp_check(fields: dict) -> str:
    """A hash over the stamp's fields, stored in it: a damaged or hand-made stamp.json is
    discarded instead of trusted (it would stop a build early, or report wrong counts)."""
    return _sha(json.dumps({k: v for k, v in fields.items() if k != "check"}, sort_keys=True).encode())


def _read_stamp(config: Config, notices: list) -> dict:
    path = _cache_file(config, "stamp.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return {}
    except ValueError:
        data = None
    if (isinstance(data, dict) and all(isinstance(data.get(k), t) for k, t in STAMP_FIELDS.items())
            and data.get("check") == _stamp_check(data)):
        return data
    notices.append(discarded(path))
    return {}


def preload(config: Config) -> tuple:
    """What a build reads whatever content/ holds: the build cache, the article store and
    the template environment (importing Jinja2). `python build.py` does this while ingest
    runs in another process."""
    from .render import make_env
    return BuildCache(config), ArticleStore(config), make_env(config, bytecode_dir=config.cache_dir / "jinja")


def build(config: Config, drafts: bool = False, future: bool = False, now: datetime | None = None,
          jobs: int = 1, fresh: dict | None = None, listing: dict | None = None,
          preloaded: tuple | None = None) -> BuildReport:
    """content/ -> site/. Raises Rejected listing every problem; then site/ is untouched.

    One build of an output folder at a time: a second one waits for the lock in the cache
    folder. `fresh` and `listing` come from an ingest just run: the files it wrote (with
    their text) and content/'s listing with stats (see IngestReport). `preloaded` is what
    `preload` returned, done while that ingest ran."""
    started = time.perf_counter()
    check_output_dir(config)
    with exclusive_lock(config.cache_dir, "build.lock", f"build of {shown(config.output_dir)}/"):
        if preloaded and preloaded[0].signature != cache_signature(config):
            preloaded = None  # another build rewrote the cache while this one waited
        return _build_locked(config, drafts, future, now, jobs, fresh, listing, preloaded, started)


def _build_locked(config: Config, drafts: bool, future: bool, now: datetime | None, jobs: int,
                  fresh: dict | None, listing: dict | None, preloaded: tuple | None, started: float) -> BuildReport:
    laps = [("start", started)]
    lap = lambda name: laps.append((name, time.perf_counter()))  # noqa: E731
    now = now or datetime.now(config.timezone)
    notices = []
    out_dir = config.output_dir
    interrupted = was_interrupted(config.cache_dir)
    if interrupted:
        notices.append(f"{shown(out_dir)}/: the last build stopped while writing it; rebuilding it in full")
    # What the last build wrote, by stat: a file deleted, replaced or altered since differs.
    recorded = _load_marshal(config, "output.marshal", notices)
    present = output_stats(out_dir, recorded)

    unreadable = []  # folders that cannot be listed: the build refuses rather than drop their files
    try:
        content_listing = listing if listing is not None else scan_tree(config.content_dir, ".md")
    except Rejected as e:
        unreadable += e.errors
    try:
        layout_listing = scan_tree(config.layouts_dir)
    except Rejected as e:
        unreadable += e.errors
    if unreadable:
        raise Rejected(unreadable)
    stamp = input_stamp(config, content_listing, layout_listing, drafts, future)
    last = _read_stamp(config, notices)
    if (last.get("stamp") == stamp and last.get("valid_from", 1e18) <= now.timestamp() < last.get("valid_until", 0)
            and not interrupted and recorded and present == recorded
            and (config.output_dir / "index.html").is_file()
            and (not config.search or (config.output_dir / "pagefind" / "pagefind-entry.json").is_file())):
        lap("stamp")
        return BuildReport(last["articles"], last["tags"], last["pages"], 0,
                           time.perf_counter() - started, config.output_dir, _stages(laps), tuple(notices))
    lap("stamp")

    from .feeds import feed_files, feed_sources, robots, sitemap, sitemap_groups, sitemap_index
    from .news_sitemap import PATH as NEWS_PATH, news_articles, news_sitemap, window_closes
    from .archives import archive_feed, month_archives
    from .pages import plan_pages
    from .site import check_collisions, collect_facts, related_articles, select_facts, update_related

    cache_files, store, env = preloaded or preload(config)
    cache = cache_files.data
    if cache.get("config") != config.digest or cache.get("output") != str(config.output_dir):
        cache = {}
    lap("load cache")

    # Read and validate everything first.
    sources, source_stats, errors = read_sources(config, content_listing, cache.get("sources", {}), fresh)
    fresh = None  # the sources hold what is needed; let the rest go
    known = cache.get("facts", {})  # content file hash -> Facts (as a tuple), from the last build
    by_path, parsed, parse_errors = load_facts(sources, config, store, known, jobs)
    errors += parse_errors
    lap("read content")
    from .render import check_templates
    errors += check_templates(env, config)
    try:
        layouts_hash, static = layouts_digest(config)
    except OSError as e:
        errors.append(DigestError(shown(config.layouts_dir), f"cannot read layouts: {e.strerror}"))
        layouts_hash, static = "", {}
    source_sha = {s.path: s.sha for s in sources}
    all_facts = [by_path[s.path] for s in sources if s.path in by_path]  # by path
    del sources  # their text is parsed; 40 MB at 10,000 articles
    # A collision needs an article that is new or whose id, URL or tags changed: the last
    # build, whose facts are cached, had none.
    old_by_path = {f[1]: f for f in known.values()} if parsed and known else {}
    if not known or any(_placement(old_by_path.get(by_path[a.path].path)) != _placement(by_path[a.path])
                        for a in parsed.values()):
        errors += check_collisions(all_facts, config)
    if errors:
        raise Rejected(errors)
    lap("check")

    chosen = {f.id: f for f in select_facts(all_facts, now, drafts, future)}
    article_keys = {i: source_sha[f.path] for i, f in chosen.items()}

    def load(article_id: str) -> Article:
        sha = article_keys[article_id]
        article = parsed.get(sha) or store.get(sha)
        if article is None:  # its cached copy was damaged: parse its file again
            from .site import Source, parse_article
            article = parsed[sha] = parse_article(_reread(Source(chosen[article_id].path, None, sha), config), config)
        return article

    # What places an article on pages (Facts.shape): when an article's shape is unchanged,
    # only its content can have changed, and only pages reaching it can change with it.
    shape = {i: f.shape for i, f in chosen.items()}
    old_keys, old_related = cache.get("article_keys"), cache.get("related")
    old_shape = None
    if old_keys is not None and all(sha in known for sha in old_keys.values()):
        old_shape = {i: known[sha][4:] for i, sha in old_keys.items()}  # Facts.shape of the tuples
    old_keys = old_keys or {}
    moved = None  # ids added, removed, re-dated, retagged, renamed or moved to another URL
    if old_shape is not None and old_related is not None:
        moved = {i for i in shape.keys() | old_shape.keys() if shape.get(i) != old_shape.get(i)}
        if len(moved) > INCREMENTAL_SHARE * len(shape) + 50:
            moved = None  # a large change: working out what it touches costs more than it saves
    related_ids: dict = {}

    def related(order, by_tag, facts):
        if moved is None:
            related_ids.update(related_articles(order, by_tag, facts, RELATED_COUNT))
        else:
            compute = update_related(old_related, old_shape, shape, moved, RELATED_COUNT)
            related_ids.update(compute(order, by_tag, facts))
        return related_ids

    site = collect_facts(chosen, load, related_count=RELATED_COUNT, related_ids=related)
    lap("collect")
    # Which files changed: a page whose fingerprint is the one its file was built from
    # keeps that file. site/ itself is not listed (12,000 stats): it is build output,
    # recorded in the cache; without its index.html the whole site is written again.
    previous_files = cache.get("files", {})
    old_files = previous_files if (config.output_dir / "index.html").is_file() and not interrupted else {}
    # A file missing or changed since the last build wrote it is written again.
    damaged = {rel for rel in old_files if rel not in present or present[rel] != recorded.get(rel)}
    if damaged:
        notices.append(f"{shown(out_dir)}/: {len(damaged)} file(s) missing or changed since the last build; "
                       "writing them again")
        old_files = {rel: v for rel, v in old_files.items() if rel not in damaged}
    salt = (config.digest, layouts_hash)
    old_deps = cache.get("deps") if old_files and cache.get("salt") == salt and moved is not None else None
    if old_deps is not None and damaged:
        old_deps = {rel: v for rel, v in old_deps.items() if rel not in damaged}
    changed_ids = {i for i, k in article_keys.items() if old_keys.get(i) != k}
    wanted = None
    if old_deps is not None:
        # Only pages that reached a changed or moved article, or that a move touches, need
        # a context at all; every other page keeps its file, key and dependencies.
        dirty = changed_ids | moved
        affected = {out for out, reached in old_deps.items() if not dirty.isdisjoint(reached)}
        units = touched_units(site, old_shape, shape, moved, old_related, related_ids) if moved else set()
        wanted = lambda output, unit: output in affected or unit in units or output not in old_deps  # noqa: E731
    pages = plan_pages(site, config, wanted=wanted)
    check_unique_outputs(pages, config.output_dir)
    lap("plan")

    prints = Fingerprints(article_keys)
    new_files: dict[str, tuple] = {}
    todo, todo_keys = [], []
    deps: dict[str, tuple] = {}
    for p in pages:
        old = old_files.get(p.output)
        if p.context is None:
            new_files[p.output] = old  # nothing it shows has changed: same key, same file
            deps[p.output] = old_deps[p.output]
            continue
        key, reached = prints.page_key(salt, p)
        deps[p.output] = tuple(sorted(reached))
        if old and old[0] == key:
            new_files[p.output] = old
        else:
            todo.append(p)
            todo_keys.append(key)

    lap("fingerprint pages")

    # Feeds (each keyed by its items), sitemap and small files.
    generated: dict[str, bytes] = {}
    feed_keys = {path: _sha(repr((salt, path, prints.of(items[: config.feed_items]))).encode())
                 for path, items in feed_sources(site).items()}
    stale = {path for path, key in feed_keys.items() if old_files.get(path, ("",))[0] != key}
    if stale:
        generated.update((path, text.encode("utf-8")) for path, text in feed_files(site, config, stale).items())
    # The Google News sitemap: the last two days' articles (by "now"), when there are any.
    news = news_articles(site, now)
    news_maps = [NEWS_PATH] if news else []
    if news:
        feed_keys[NEWS_PATH] = _sha(repr((salt, NEWS_PATH, prints.of(news))).encode())
        if old_files.get(NEWS_PATH, ("",))[0] != feed_keys[NEWS_PATH]:
            generated[NEWS_PATH] = news_sitemap(news, config).encode("utf-8")
    # The month archives (RFC 5005), each keyed by its articles and neighbours: a month
    # whose articles and links are as they were keeps its file.
    for doc in month_archives(site):
        feed_keys[doc.path] = _sha(repr((salt, doc.path, prints.of(doc.articles), doc.prev, doc.next)).encode())
        if old_files.get(doc.path, ("",))[0] != feed_keys[doc.path]:
            generated[doc.path] = archive_feed(doc, config).encode("utf-8")
    # The sitemap: an index and one file per month (see feeds.sitemap_groups).
    old_maps = {path: v[0] for path, v in old_files.items() if path == "sitemap.xml" or path.startswith("sitemaps/")}
    if old_deps is not None and not moved and old_maps and not damaged and (NEWS_PATH in old_files) == bool(news):
        sitemap_keys = old_maps  # the same pages at the same dates
    else:
        html_urls = sorted(p.output[: -len("index.html")] for p in pages if p.output.endswith("index.html"))
        lastmod = {s[1]: s[2][:10].replace("/", "-") for s in shape.values()}  # url: YYYY-MM-DD
        groups = sitemap_groups(html_urls, lastmod)
        sitemap_keys = {path: _sha(pickle.dumps((salt, path, urls, [lastmod.get(u) for u in urls]), protocol=5))
                        for path, urls in groups.items()}
        sitemap_keys["sitemap.xml"] = _sha(pickle.dumps((salt, list(groups), news_maps), protocol=5))
        for path, key in sitemap_keys.items():
            if old_files.get(path, ("",))[0] != key:
                text = (sitemap_index(list(groups) + news_maps, config) if path == "sitemap.xml"
                        else sitemap(groups[path], lastmod, config))
                generated[path] = text.encode("utf-8")
    small = {"robots.txt": robots(config, news_maps).encode("utf-8"), ".nojekyll": b""}
    if config.cname:
        small["CNAME"] = (config.cname + "\n").encode("utf-8")
    small.update(static)
    keys = dict(feed_keys, **sitemap_keys)
    for path, data in small.items():
        if path in new_files or path in keys:
            raise Rejected([DigestError(shown(config.layouts_dir / path),
                                        f"static file collides with generated {path}")])
        old = old_files.get(path)
        if not old or old[1] != _sha(data):
            generated[path] = data
        keys[path] = ""
    for path, key in keys.items():
        if path not in generated:
            new_files[path] = old_files[path]

    lap("feeds and sitemap")

    # Write: a small change set file by file into site/, anything larger as a new tree.
    removed = set(previous_files if old_files else ()) - set(new_files) - {p.output for p in todo} - set(generated)
    changes = len(todo) + len(generated) + len(removed)
    total = len(pages) + len(keys)
    in_place = bool(old_files) and changes <= IN_PLACE_LIMIT * total
    site_touched = False
    if changes or not in_place:
        begin_writing(config.cache_dir)
    stage = None if in_place else NewSite(config.output_dir)
    changed: dict[str, bytes] = {}
    try:
        rendered = parallel_map(partial(_render_range, config, todo, env, stage.dir if stage else None),
                                len(todo), jobs)
        render_errors = [r for r in rendered if isinstance(r, DigestError)]
        if render_errors:
            raise Rejected(render_errors)
        for p, key, result in zip(todo, todo_keys, rendered):
            if stage:
                new_files[p.output] = (key, result)
            else:
                new_files[p.output] = (key, _sha(result))
                changed[p.output] = result
        for path, data in generated.items():
            new_files[path] = (keys[path], _sha(data))
            if stage:
                stage.write(path, data)
            else:
                changed[path] = data
        if stage:
            fresh = {p.output for p in todo} | set(generated)
            for path in new_files:
                if path not in fresh:
                    stage.keep(path)
            lap(f"render and write {changes}")
            reindexed = update_index(config, stage.dir, article_files(pages, new_files))  # swapped in with the tree
            lap(search_lap(reindexed))
            site_touched = True
            stage.commit()
        elif changed or removed:
            site_touched = True
            update_site(config.output_dir, changed, removed)
    except BaseException:
        if stage:
            stage.abandon()
        if not site_touched:
            done_writing(config.cache_dir)  # site/ is as the last build left it
        raise
    if stage:
        outputs = output_stats(out_dir, new_files)
    else:
        outputs = {rel: present[rel] for rel in new_files if rel in present and rel not in changed}
        outputs.update(output_stats(out_dir, changed))

    if stage:
        lap("swap in")
    else:
        lap(f"render and write {changes}")
        reindexed = update_index(config, config.output_dir, article_files(pages, new_files))
        lap(search_lap(reindexed))
    if outputs != recorded:
        _save_marshal(config, "output.marshal", outputs)
    if (parsed or changes or new_files != old_files or not cache or cache.get("deps") is None
            or cache_files.notices or store.notices):
        store.save({source_sha[f.path] for f in all_facts}, parsed)
        cache_files.save({
            "config": config.digest, "output": str(config.output_dir), "sources": source_stats,
            "files": new_files, "salt": salt, "deps": deps, "article_keys": article_keys,
            "related": related_ids, "facts": {sha: (raw if (raw := known.get(sha)) is not None and raw[1] == f.path
                                                    else tuple(f)) for f in all_facts for sha in (source_sha[f.path],)},
        })
    # The stamp holds while "now" stays between the newest article shown and the next one
    # due: a future-dated article appears when its time comes, without any input changing,
    # and an article leaves the news sitemap two days after its date.
    limit = now.timestamp()
    future_dates = [f.stamp for f in all_facts if f.stamp > limit and (drafts or not f.draft)]
    news_leaves = window_closes(site, news)
    shown_dates = [chosen[site.articles.ids[0]].stamp] if site.articles else []  # newest first
    stamp_fields = {
        "stamp": stamp, "articles": len(site.articles), "tags": len(site.tags), "pages": len(pages),
        "valid_from": max(shown_dates) if shown_dates and not future else -1e18,
        "valid_until": min((future_dates if not future else []) + [news_leaves or 1e18]),
    }
    _write_cache_file(config, "stamp.json", json.dumps(dict(stamp_fields, check=_stamp_check(stamp_fields))).encode())
    done_writing(config.cache_dir)  # the cache and stamp now describe site/
    lap("save cache")
    return BuildReport(len(site.articles), len(site.tags), len(pages), len(todo) + len(generated),
                       time.perf_counter() - started, config.output_dir, _stages(laps),
                       tuple(notices + cache_files.notices + store.notices))


def search_lap(reindexed: bool) -> str:
    return "search index" + (" (re-indexed)" if reindexed else " (unchanged)")


def article_files(pages, files: dict) -> dict[str, str]:
    """Article page -> hash of its bytes: what the search index is made from."""
    return {p.output: files[p.output][1] for p in pages if p.template == "article.html"}


def _stages(laps) -> tuple:
    return tuple((name, t - laps[i][1]) for i, (name, t) in enumerate(laps[1:]))


def check_unique_outputs(pages, output_dir: Path | None = None) -> None:
    """Every page writes its own file, inside the output folder; a problem names the page's
    source (the writer proves each path again, see output.proven)."""
    seen: dict = {}
    errors = []

    def source(page):
        a = (page.context or {}).get("article")
        return a.path if a else page.template

    for p in pages:
        reason = outside_reason(p.output)
        if reason:
            where = f"outside {shown(output_dir)}/" if output_dir else "outside the output folder"
            errors.append(DigestError(source(p), f"would write {p.output!r} {where}: the path {reason}"))
        if p.output in seen:
            errors.append(DigestError(source(p), f"writes {p.output}, which {source(seen[p.output])} writes too"))
        seen[p.output] = p
    if errors:
        raise Rejected(errors)
