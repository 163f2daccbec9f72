"""The build: read content/ -> collect -> render -> write site/, with a build cache.

The cache (.cache/build.pickle) remembers parsed articles by the hash of their file and,
for every output page, a fingerprint of its template inputs and context. A page whose
fingerprint is unchanged is not rendered again and its file is not rewritten; the result
is the same bytes a cold build gives (the tests compare them).
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import time
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from pathlib import Path

from .config import Config
from .content import Article, Tag
from .errors import DigestError, Rejected
from .feeds import feed_files, robots, sitemap
from .output import write_site
from .pages import Page, plan_pages
from .render import check_templates, make_env, render_page
from .site import Source, check_collisions, collect, list_content, parse_article, select

CACHE_VERSION = 3
PARALLEL_MIN = 400  # below this many items, starting worker processes costs more than it saves


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


def read_sources(config: Config) -> tuple[list[Source], list[DigestError]]:
    sources, errors = [], []
    prefix = _relative(config.content_dir)
    cut = len(str(config.content_dir))
    for path in list_content(config.content_dir):
        shown = prefix + str(path)[cut:]  # relpath per file costs 0.1 ms; 10,000 files add up
        try:
            raw = path.read_bytes()
            sources.append(Source(shown, raw.decode("utf-8"), _sha(raw)))
        except UnicodeDecodeError as e:
            errors.append(DigestError(shown, f"not UTF-8 text (byte {e.start}); save the file as UTF-8"))
        except OSError as e:
            errors.append(DigestError(shown, f"cannot read: {e.strerror}"))
    return sources, errors


# Worker processes inherit these through fork instead of receiving them pickled.
_WORK: dict = {}


def _parse_range(bounds):
    config, sources = _WORK["config"], _WORK["sources"]
    out = []
    for s in sources[bounds[0]:bounds[1]]:
        try:
            out.append(parse_article(s, config, {}))
        except DigestError as e:
            out.append(e)
    return out


def _render_range(bounds):
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


def load_articles(sources, config: Config, cache: dict, jobs: int):
    """Parsed Articles, reusing the cache for files whose bytes and config are unchanged."""
    cached = cache.get("articles", {}) if cache.get("config") == config.digest else {}
    articles, errors, todo = {}, [], []
    for s in sources:
        hit = cached.get((s.sha, s.path))
        if hit is not None:
            articles[s.path] = hit
        else:
            todo.append(s)
    for s, result in zip(todo, _in_parallel(_parse_range, len(todo), jobs, config=config, sources=todo)):
        if isinstance(result, DigestError):
            errors.extend(getattr(result, "errors", [result]))
        else:
            articles[s.path] = result
    keys = {s.path: (s.sha, s.path) for s in sources}
    return articles, keys, errors, bool(todo)


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
        if isinstance(value, (str, int, float, bool, type(None))):
            return value
        if isinstance(value, Article):
            return self.article_keys[value.id]
        if isinstance(value, Tag):
            return ("T", value.name, value.slug)
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        if isinstance(value, (list, tuple)):
            return tuple(self.of(v) for v in value)
        if isinstance(value, dict):
            return tuple((k, self.of(v)) for k, v in sorted(value.items()))
        if is_dataclass(value):
            key = id(value)
            hit = self.memo.get(key)
            if hit is None:
                summary = (type(value).__name__,) + tuple(self.of(getattr(value, f.name)) for f in fields(value))
                hit = self.memo[key] = (_sha(repr(summary).encode()), value)  # value kept alive: ids stay unique
            return hit[0]
        raise TypeError(f"cannot fingerprint {type(value).__name__}")


def layouts_digest(config: Config) -> tuple[str, dict[str, bytes]]:
    """Hash of every layout file, and the static files to copy into the site."""
    h = hashlib.sha1()
    static = {}
    root = config.layouts_dir
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath, name)
            data = path.read_bytes()
            rel = path.relative_to(root).as_posix()
            h.update(rel.encode() + b"\0" + data + b"\0")
            if rel.startswith("static/"):
                static[rel] = data
    return h.hexdigest(), static


def load_cache(config: Config) -> dict:
    try:
        with open(config.cache_dir / "build.pickle", "rb") as f:
            cache = pickle.load(f)
        return cache if cache.get("version") == CACHE_VERSION else {}
    except Exception:  # a missing or damaged cache only costs a cold build
        return {}


def save_cache(config: Config, cache: dict) -> None:
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = config.cache_dir / f"build.pickle.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        pickle.dump(cache, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, config.cache_dir / "build.pickle")


def check_output_dir(config: Config) -> None:
    out = config.output_dir.resolve()
    for inside in (config.content_dir, config.seeds_dir, config.layouts_dir, config.path.parent):
        inside = inside.resolve()
        if out == inside or out in inside.parents:
            raise Rejected([DigestError(_relative(config.path),
                                        f"paths.output: {out} would replace {inside}; choose a folder of its own")],
                           exit_code=2)


def build(config: Config, drafts: bool = False, future: bool = False, now: datetime | None = None,
          jobs: int | None = None) -> BuildReport:
    """content/ -> site/. Raises Rejected listing every problem; then site/ is untouched."""
    started = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    check_output_dir(config)
    now = now or datetime.now(config.timezone)
    cache = load_cache(config)

    # Read and validate everything first.
    sources, errors = read_sources(config)
    articles, source_keys, parse_errors, parsed_any = load_articles(sources, config, cache, jobs)
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
    article_keys = {a.id: source_keys[a.path] for a in chosen}
    site = collect(chosen)
    pages = plan_pages(site, config)
    check_unique_outputs(pages)

    # Render what changed; a page with an unchanged fingerprint keeps its file.
    old_pages = cache.get("pages", {}) if cache.get("output") == str(config.output_dir) else {}
    salt = (config.digest, layouts_hash)
    files: dict[str, bytes | None] = {}
    new_pages: dict[str, tuple] = {}
    todo: list[Page] = []
    todo_keys = []
    prints = Fingerprints(article_keys)
    for p in pages:
        key = _sha(repr((salt, p.template, prints.of(p.context))).encode())
        old = old_pages.get(p.output)
        if old and old[0] == key and (config.output_dir / p.output).is_file():
            files[p.output] = None
            new_pages[p.output] = old
        else:
            todo.append(p)
            todo_keys.append(key)
    rendered = _in_parallel(_render_range, len(todo), jobs, config=config, pages=todo, env=env)
    render_errors = [r for r in rendered if isinstance(r, DigestError)]
    if render_errors:
        raise Rejected(render_errors)
    for p, key, data in zip(todo, todo_keys, rendered):
        files[p.output] = data
        new_pages[p.output] = (key, _sha(data))

    extra = {path: text.encode("utf-8") for path, text in feed_files(site, config).items()}
    html_urls = sorted(p.output[: -len("index.html")] for p in pages if p.output.endswith("index.html"))
    lastmod = {a.url: a.date.date().isoformat() for a in site.articles}
    extra["sitemap.xml"] = sitemap(html_urls, lastmod, config).encode("utf-8")
    extra["robots.txt"] = robots(config).encode("utf-8")
    extra[".nojekyll"] = b""
    if config.cname:
        extra["CNAME"] = (config.cname + "\n").encode("utf-8")
    extra.update(static)
    for path, data in extra.items():
        if path in files:
            raise Rejected([DigestError(_relative(config.layouts_dir / path), f"static file collides with generated {path}")])
        digest = _sha(data)
        old = old_pages.get(path)
        unchanged = old and old[1] == digest and (config.output_dir / path).is_file()
        files[path] = None if unchanged else data
        new_pages[path] = ("", digest)

    changed = sum(1 for v in files.values() if v is not None)
    same_tree = set(new_pages) == set(old_pages) and config.output_dir.is_dir()
    if changed or not same_tree:
        write_site(config.output_dir, files)
    if changed or not same_tree or parsed_any or new_pages != old_pages:
        save_cache(config, {
            "version": CACHE_VERSION, "config": config.digest, "output": str(config.output_dir),
            "articles": {source_keys[a.path]: a for a in all_articles}, "pages": new_pages,
        })
    return BuildReport(len(site.articles), len(site.tags), len(pages), changed,
                       time.perf_counter() - started, config.output_dir)


def check_unique_outputs(pages) -> None:
    seen: dict[str, Page] = {}
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
