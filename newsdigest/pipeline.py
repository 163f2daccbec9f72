"""The build: read content/ -> collect -> render -> write site/, with a build cache.

The cache (.cache/) remembers parsed articles by the hash of their file and, for every
output file, a fingerprint of its template, config and context. A page whose fingerprint
is unchanged is not rendered again and its file is not rewritten; the result is the same
bytes a cold build gives (tests/test_incremental.py compares them). A build whose inputs
(content, layouts, config, options) all have the size, mtime and inode they had at the
last good build stops right after checking that (the "stamp").
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import time
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path

from .config import Config
from .content import Article, Tag
from .errors import DigestError, Rejected
from .output import update_site, write_site

CACHE_VERSION = 4
PARALLEL_MIN = 400  # below this many items, starting worker processes costs more than it saves
IN_PLACE_LIMIT = 0.25  # above this share of files changed, assemble a whole new tree instead


@dataclass(frozen=True)
class BuildReport:
    articles: int
    tags: int
    pages: int
    written: int
    seconds: float
    output: Path


def _sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)


def scan_tree(root: Path, suffix: str = "", hidden: bool = False) -> dict[str, tuple]:
    """Every file under root: relative path -> (size, mtime_ns, inode). Dot-files and
    dot-folders are skipped unless `hidden` (site/ has .nojekyll)."""
    out = {}
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
                st = e.stat()
                out[prefix + e.name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def read_sources(config: Config, listing: dict, known: dict):
    """Content files as Sources. A file whose stat matches `known` keeps its hash and is
    not read: its Article comes from the cache. Returns (sources, stat cache, errors)."""
    from .site import Source
    sources, errors, stats = [], [], {}
    prefix = _relative(config.content_dir)
    root = str(config.content_dir)
    for rel in sorted(listing):
        shown = f"{prefix}/{rel}"
        signature = listing[rel]
        hit = known.get(rel)
        if hit and hit[0] == signature:
            sources.append(Source(shown, None, hit[1]))
            stats[rel] = hit
            continue
        try:
            with open(os.path.join(root, rel), "rb") as f:
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


# Worker processes inherit these through fork instead of receiving them pickled.
_WORK: dict = {}


def _parse_range(bounds):
    from .site import parse_article
    config, sources = _WORK["config"], _WORK["sources"]
    out = []
    for s in sources[bounds[0]:bounds[1]]:
        try:
            out.append(parse_article(s, config, {}))
        except DigestError as e:
            out.append(e)
    return out


def _render_range(bounds):
    from .render import render_page
    config, pages, env = _WORK["config"], _WORK["pages"], _WORK["env"]
    out = []
    for p in pages[bounds[0]:bounds[1]]:
        try:
            out.append(render_page(env, p, config).encode("utf-8"))
        except DigestError as e:
            out.append(e)
    return out


def _in_parallel(fn, count: int, jobs: int, **work):
    """fn over [0, count) split across `jobs` forked workers; results in order."""
    _WORK.update(work)
    try:
        if jobs <= 1 or count < PARALLEL_MIN or "fork" not in multiprocessing.get_all_start_methods():
            return fn((0, count))
        step = -(-count // (jobs * 4))
        ranges = [(i, min(i + step, count)) for i in range(0, count, step)]
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            return [r for part in pool.map(fn, ranges) for r in part]
    finally:
        _WORK.clear()


def load_articles(sources, config: Config, cached: dict, jobs: int):
    """Articles by source path, reusing cached ones whose file hash is unchanged."""
    articles, errors, todo = {}, [], []
    for s in sources:
        hit = cached.get(s.sha)
        if hit is not None and hit.path == s.path:
            articles[s.path] = hit
        elif s.text is None:  # stat said unchanged but the cache lost it: read it after all
            todo.append(_reread(s, config))
        else:
            todo.append(s)
    for s, result in zip(todo, _in_parallel(_parse_range, len(todo), jobs, config=config, sources=todo)):
        if isinstance(result, DigestError):
            errors.extend(getattr(result, "errors", [result]))
        else:
            articles[s.path] = result
    return articles, errors, len(todo)


def _reread(source, config: Config):
    from .site import Source
    path = Path(source.path)
    if not path.is_absolute():
        path = Path.cwd() / path
    raw = path.read_bytes()
    return Source(source.path, raw.decode("utf-8"), _sha(raw))


class Fingerprints:
    """Hashable summaries of page contexts, computed once per object per build.

    An Article stands for the hash of its content file (it is a pure function of that file
    and the config, which salts every page key); any other dataclass (a Day, a Month, a
    TagGroup) is summarised once and shared by every page that shows it.
    """

    def __init__(self, article_keys: dict):
        self.article_keys = article_keys
        self.memo: dict[int, tuple] = {}

    def of(self, value):
        kind = type(value)
        if kind in (str, int, float, bool) or value is None:
            return value
        if kind is Article:
            return self.article_keys[value.id]
        if kind is tuple or kind is list:
            return tuple([self.of(v) for v in value])
        if kind is Tag:
            return ("T", value.name, value.slug)
        if kind is dict:
            return tuple([(k, self.of(v)) for k, v in sorted(value.items())])
        if kind is datetime or kind is date:
            return value.isoformat()
        if hasattr(kind, "__dataclass_fields__"):
            key = id(value)
            hit = self.memo.get(key)
            if hit is None:
                summary = (kind.__name__,) + tuple([self.of(getattr(value, f.name)) for f in fields(value)])
                hit = self.memo[key] = (_sha(repr(summary).encode()), value)  # value kept alive: ids stay unique
            return hit[0]
        raise TypeError(f"cannot fingerprint {kind.__name__}")


def layouts_digest(config: Config) -> tuple[str, dict[str, bytes]]:
    """Hash of every layout file, and the static files to copy into the site."""
    h = hashlib.sha1()
    static = {}
    root = config.layouts_dir
    for rel in sorted(scan_tree(root)):
        data = (root / rel).read_bytes()
        h.update(rel.encode() + b"\0" + data + b"\0")
        if rel.startswith("static/"):
            static[rel] = data
    return h.hexdigest(), static


def _cache_file(config: Config, name: str) -> Path:
    return config.cache_dir / name


def load_cache(config: Config) -> dict:
    try:
        with open(_cache_file(config, "build.pickle"), "rb") as f:
            cache = pickle.load(f)
        return cache if cache.get("version") == CACHE_VERSION else {}
    except Exception:  # a missing or damaged cache only costs a cold build
        return {}


def _write_cache_file(config: Config, name: str, data: bytes) -> None:
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = _cache_file(config, f"{name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, _cache_file(config, name))


def check_output_dir(config: Config) -> None:
    out = config.output_dir.resolve()
    for inside in (config.content_dir, config.seeds_dir, config.layouts_dir, config.path.parent):
        inside = inside.resolve()
        if out == inside or out in inside.parents:
            raise Rejected([DigestError(_relative(config.path),
                                        f"paths.output: {out} would replace {inside}; choose a folder of its own")],
                           exit_code=2)


def input_stamp(config: Config, content: dict, layouts: dict, drafts: bool, future: bool) -> str:
    """Everything a build reads, by stat: equal stamps mean equal inputs (as make assumes)."""
    key = (CACHE_VERSION, config.digest, str(config.output_dir), drafts, future,
           sorted(content.items()), sorted(layouts.items()))
    return _sha(repr(key).encode())


def _read_stamp(config: Config) -> dict:
    try:
        return json.loads(_cache_file(config, "stamp.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build(config: Config, drafts: bool = False, future: bool = False, now: datetime | None = None,
          jobs: int | None = None) -> BuildReport:
    """content/ -> site/. Raises Rejected listing every problem; then site/ is untouched."""
    started = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    check_output_dir(config)
    now = now or datetime.now(config.timezone)

    content_listing = scan_tree(config.content_dir, ".md")
    layout_listing = scan_tree(config.layouts_dir)
    stamp = input_stamp(config, content_listing, layout_listing, drafts, future)
    last = _read_stamp(config)
    if (last.get("stamp") == stamp and last.get("valid_from", 1e18) <= now.timestamp() < last.get("valid_until", 0)
            and (config.output_dir / "index.html").is_file()):
        return BuildReport(last["articles"], last["tags"], last["pages"], 0,
                           time.perf_counter() - started, config.output_dir)

    from .feeds import feed_files, robots, sitemap
    from .pages import plan_pages
    from .render import check_templates, make_env
    from .site import check_collisions, collect, select

    cache = load_cache(config)
    same_config = cache.get("config") == config.digest

    # Read and validate everything first.
    sources, source_stats, errors = read_sources(config, content_listing, cache.get("sources", {}))
    articles, parse_errors, parsed = load_articles(sources, config, cache.get("articles", {}) if same_config else {},
                                                   jobs)
    errors += parse_errors
    env = make_env(config)
    errors += check_templates(env, config)
    try:
        layouts_hash, static = layouts_digest(config)
    except OSError as e:
        errors.append(DigestError(_relative(config.layouts_dir), f"cannot read layouts: {e.strerror}"))
        layouts_hash, static = "", {}
    all_articles = sorted(articles.values(), key=lambda a: a.path)
    errors += check_collisions(all_articles, config)
    if errors:
        raise Rejected(errors)

    chosen = select(all_articles, now, drafts, future)
    source_sha = {s.path: s.sha for s in sources}
    article_keys = {a.id: source_sha[a.path] for a in chosen}
    related_key = _sha(repr([(a.id, a.date.timestamp(), [t.slug for t in a.tags]) for a in chosen]).encode())
    cached_related = cache.get("related", (None, None))
    site = collect(chosen, related_ids=cached_related[1] if cached_related[0] == related_key else None)
    pages = plan_pages(site, config)
    check_unique_outputs(pages)

    # Render what changed; a file with an unchanged fingerprint keeps its bytes on disk.
    old_files = cache.get("files", {}) if cache.get("output") == str(config.output_dir) else {}
    on_disk = scan_tree(config.output_dir, hidden=True) if old_files else {}
    salt = (config.digest, layouts_hash)
    files: dict[str, bytes | None] = {}
    new_files: dict[str, tuple] = {}
    todo, todo_keys = [], []
    prints = Fingerprints(article_keys)
    for p in pages:
        key = _sha(repr((salt, p.template, prints.of(p.context))).encode())
        old = old_files.get(p.output)
        if old and old[0] == key and p.output in on_disk:
            files[p.output] = None
            new_files[p.output] = old
        else:
            todo.append(p)
            todo_keys.append(key)
    rendered = _in_parallel(_render_range, len(todo), jobs, config=config, pages=todo, env=env)
    render_errors = [r for r in rendered if isinstance(r, DigestError)]
    if render_errors:
        raise Rejected(render_errors)
    for p, key, data in zip(todo, todo_keys, rendered):
        files[p.output] = data
        new_files[p.output] = (key, _sha(data))

    # Feeds, sitemap and small files: fingerprinted by what they list.
    html_urls = sorted(p.output[: -len("index.html")] for p in pages if p.output.endswith("index.html"))
    feed_key = _sha(repr((salt, prints.of(site.articles[: config.feed_items]),
                          [(g.tag, prints.of(g.articles[: config.feed_items])) for g in site.tags])).encode())
    sitemap_key = _sha(repr((salt, html_urls, [(a.url, a.date.date()) for a in site.articles])).encode())
    generated = {}
    if not all(old_files.get(path, ("",))[0] == feed_key and path in on_disk for path in _feed_paths(site)):
        generated.update((path, (feed_key, text.encode("utf-8"))) for path, text in feed_files(site, config).items())
    if old_files.get("sitemap.xml", ("",))[0] != sitemap_key or "sitemap.xml" not in on_disk:
        lastmod = {a.url: a.date.date().isoformat() for a in site.articles}
        generated["sitemap.xml"] = (sitemap_key, sitemap(html_urls, lastmod, config).encode("utf-8"))
    small = {"robots.txt": robots(config).encode("utf-8"), ".nojekyll": b""}
    if config.cname:
        small["CNAME"] = (config.cname + "\n").encode("utf-8")
    small.update(static)
    for path, data in small.items():
        generated[path] = ("", data)
    for path in _feed_paths(site) + ["sitemap.xml"]:
        if path not in generated:
            files[path] = None
            new_files[path] = old_files[path]
    for path, (key, data) in generated.items():
        if path in files:
            raise Rejected([DigestError(_relative(config.layouts_dir / path),
                                        f"static file collides with generated {path}")])
        digest = _sha(data)
        old = old_files.get(path)
        same = old and old[1] == digest and path in on_disk
        files[path] = None if same else data
        new_files[path] = (key, digest)

    changed = {path: data for path, data in files.items() if data is not None}
    removed = set(old_files) - set(new_files)
    if changed or removed or set(on_disk) != set(new_files):
        if old_files and set(on_disk) >= set(old_files) and len(changed) + len(removed) <= IN_PLACE_LIMIT * len(files):
            update_site(config.output_dir, changed, removed)
        else:
            write_site(config.output_dir, files)
    if parsed or changed or removed or new_files != old_files or not same_config:
        cache = {
            "version": CACHE_VERSION, "config": config.digest, "output": str(config.output_dir),
            "articles": {source_sha[a.path]: a for a in all_articles}, "sources": source_stats,
            "files": new_files, "related": (related_key, {a.id: tuple(r.id for r in site.related[a.id])
                                                          for a in site.articles}),
        }
        _write_cache_file(config, "build.pickle", pickle.dumps(cache, protocol=pickle.HIGHEST_PROTOCOL))
    # The stamp holds while "now" stays between the newest article shown and the next one
    # due: a future-dated article appears when its time comes, without any input changing.
    future_dates = [a.date.timestamp() for a in all_articles if a.date > now and (drafts or not a.draft)]
    shown_dates = [a.date.timestamp() for a in site.articles]
    _write_cache_file(config, "stamp.json", json.dumps({
        "stamp": stamp, "articles": len(site.articles), "tags": len(site.tags), "pages": len(pages),
        "valid_from": max(shown_dates) if shown_dates and not future else -1e18,
        "valid_until": min(future_dates) if future_dates and not future else 1e18,
    }).encode())
    return BuildReport(len(site.articles), len(site.tags), len(pages), len(changed),
                       time.perf_counter() - started, config.output_dir)


def _feed_paths(site) -> list[str]:
    return ["feed.xml", "atom.xml", "feed.json"] + [f"{g.tag.url}feed.xml" for g in site.tags]


def check_unique_outputs(pages) -> None:
    seen: dict = {}
    errors = []
    for p in pages:
        if p.output in seen:
            a = p.context.get("article")
            b = seen[p.output].context.get("article")
            where = a.path if a else p.template
            other = b.path if b else seen[p.output].template
            errors.append(DigestError(where, f"writes {p.output}, which {other} writes too"))
        seen[p.output] = p
    if errors:
        raise Rejected(errors)
