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

import gc
import pickle
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .collect import placement
from .config import Config
from .content import Article, read_sources, reread
from .errors import DigestError, Rejected
from .files import exclusive_lock, scan_tree, sha1_hex, shown
from .incremental.keys import Fingerprints, layouts_digest
from .incremental.stamp import input_stamp, read_stamp, stamp_holds, write_stamp
from .incremental.store import (ArticleStore, BuildCache, cache_signature, load_cache_marshal,
                                save_cache_marshal)
from .output import (NewSite, begin_writing, done_writing, output_stats, outside_reason, put, update_site,
                     was_interrupted)
from .search import update_index


PARALLEL_MIN = 400  # below this many items, starting worker processes costs more than it saves
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


# Worker processes inherit these through fork instead of receiving them pickled.
_WORK: dict = {}


def _parse_range(bounds):
    from .content import parse_article
    config, sources = _WORK["config"], _WORK["sources"]
    out = []
    for s in sources[bounds[0]:bounds[1]]:
        try:
            out.append(parse_article(s, config))
        except DigestError as e:
            out.append(e)
    return out


def _render_range(bounds):
    """Render pages; with a staging folder, write them there and return only their hashes
    (a cold build's 170 MB of pages then never sits in one process)."""
    from .render import render_page
    config, pages, env, stage = _WORK["config"], _WORK["pages"], _WORK["env"], _WORK.get("stage")
    out = []
    for p in pages[bounds[0]:bounds[1]]:
        try:
            data = render_page(env, p, config).encode("utf-8")
        except DigestError as e:
            out.append(e)
            continue
        if stage is None:
            out.append(data)
        else:
            put(stage, p.output, data)
            out.append(sha1_hex(data))
    return out


def _in_parallel(fn, count: int, jobs: int, **work):
    """fn over [0, count) split across `jobs` forked workers; results in order."""
    _WORK.update(work)
    try:
        if jobs <= 1 or count < PARALLEL_MIN:
            return fn((0, count))
        import multiprocessing  # 10 ms to import: only when there is work to share

        from .workers import reset_signals

        if "fork" not in multiprocessing.get_all_start_methods():
            return fn((0, count))
        step = -(-count // (jobs * 4))
        ranges = [(i, min(i + step, count)) for i in range(0, count, step)]
        # Objects from before the fork go to the permanent generation: the children's
        # collector then leaves them (and their copy-on-write memory pages) alone.
        gc.freeze()
        try:
            with multiprocessing.get_context("fork").Pool(jobs, initializer=reset_signals) as pool:
                return [r for part in pool.map(fn, ranges) for r in part]
        finally:
            gc.unfreeze()
    finally:
        _WORK.clear()


def load_facts(sources, config: Config, store, known: dict, jobs: int):
    """Facts of every content file, by source path, and the Articles parsed to get them.

    A file whose hash has Facts from the last build (`known`, by hash) and an Article in
    the store is not parsed and its Article not loaded: its Facts say all the build needs
    until a page shows it. Returns (facts by path, parsed Articles by hash, errors)."""
    from .collect import Facts, article_facts
    facts, parsed, errors, todo = {}, {}, [], []
    for s in sources:
        hit = known.get(s.sha)
        if hit is not None and hit[1] == s.path and store.has(s.sha):
            facts[s.path] = Facts._make(hit)
        elif s.text is None:  # stat said unchanged but the cache lost it: read it after all
            todo.append(reread(s, config))
        else:
            todo.append(s)
    for s, result in zip(todo, _in_parallel(_parse_range, len(todo), jobs, config=config, sources=todo)):
        if isinstance(result, DigestError):
            errors.extend(getattr(result, "errors", [result]))
        else:
            facts[s.path] = article_facts(result)
            parsed[s.sha] = result
    return facts, parsed, errors





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



def check_output_dir(config: Config) -> None:
    out = config.output_dir.resolve()
    for inside in (config.content_dir, config.seeds_dir, config.layouts_dir, config.path.parent):
        inside = inside.resolve()
        if out == inside or out in inside.parents:
            raise Rejected([DigestError(shown(config.path),
                                        f"paths.output: {out} would replace {inside}; choose a folder of its own")],
                           exit_code=2)



def preload(config: Config) -> tuple:
    """What a build reads whatever content/ holds: the build cache, the article store and
    the template environment (importing Jinja2). `python build.py` does this while ingest
    runs in another process."""
    from .render import make_env
    return BuildCache(config), ArticleStore(config), make_env(config, bytecode_dir=config.cache_dir / "jinja")


def build(config: Config, drafts: bool = False, future: bool = False, now: datetime | None = None,
          jobs: int | None = None, fresh: dict | None = None, listing: dict | None = None,
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


def _build_locked(config: Config, drafts: bool, future: bool, now: datetime | None, jobs: int | None,
                  fresh: dict | None, listing: dict | None, preloaded: tuple | None, started: float) -> BuildReport:
    laps = [("start", started)]
    lap = lambda name: laps.append((name, time.perf_counter()))  # noqa: E731
    jobs = jobs or os.cpu_count() or 1
    now = now or datetime.now(config.timezone)
    notices = []
    out_dir = config.output_dir
    interrupted = was_interrupted(config.cache_dir)
    if interrupted:
        notices.append(f"{shown(out_dir)}/: the last build stopped while writing it; rebuilding it in full")
    # What the last build wrote, by stat: a file deleted, replaced or altered since differs.
    recorded = load_cache_marshal(config, "output.marshal", notices)
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
    last = read_stamp(config, notices)
    if (stamp_holds(last, stamp, now.timestamp())
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
    from .plan import plan_pages
    from .collect import check_collisions, collect_facts, related_articles, select_facts, update_related

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
    if not known or any(placement(old_by_path.get(by_path[a.path].path)) != placement(by_path[a.path])
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
            from .content import Source, parse_article
            article = parsed[sha] = parse_article(reread(Source(chosen[article_id].path, None, sha), config), config)
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
    feed_keys = {path: sha1_hex(repr((salt, path, prints.of(items[: config.feed_items]))).encode())
                 for path, items in feed_sources(site).items()}
    stale = {path for path, key in feed_keys.items() if old_files.get(path, ("",))[0] != key}
    if stale:
        generated.update((path, text.encode("utf-8")) for path, text in feed_files(site, config, stale).items())
    # The Google News sitemap: the last two days' articles (by "now"), when there are any.
    news = news_articles(site, now)
    news_maps = [NEWS_PATH] if news else []
    if news:
        feed_keys[NEWS_PATH] = sha1_hex(repr((salt, NEWS_PATH, prints.of(news))).encode())
        if old_files.get(NEWS_PATH, ("",))[0] != feed_keys[NEWS_PATH]:
            generated[NEWS_PATH] = news_sitemap(news, config).encode("utf-8")
    # The month archives (RFC 5005), each keyed by its articles and neighbours: a month
    # whose articles and links are as they were keeps its file.
    for doc in month_archives(site):
        feed_keys[doc.path] = sha1_hex(repr((salt, doc.path, prints.of(doc.articles), doc.prev, doc.next)).encode())
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
        sitemap_keys = {path: sha1_hex(pickle.dumps((salt, path, urls, [lastmod.get(u) for u in urls]), protocol=5))
                        for path, urls in groups.items()}
        sitemap_keys["sitemap.xml"] = sha1_hex(pickle.dumps((salt, list(groups), news_maps), protocol=5))
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
        if not old or old[1] != sha1_hex(data):
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
        rendered = _in_parallel(_render_range, len(todo), jobs, config=config, pages=todo, env=env,
                                stage=stage.dir if stage else None)
        render_errors = [r for r in rendered if isinstance(r, DigestError)]
        if render_errors:
            raise Rejected(render_errors)
        for p, key, result in zip(todo, todo_keys, rendered):
            if stage:
                new_files[p.output] = (key, result)
            else:
                new_files[p.output] = (key, sha1_hex(result))
                changed[p.output] = result
        for path, data in generated.items():
            new_files[path] = (keys[path], sha1_hex(data))
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
        save_cache_marshal(config, "output.marshal", outputs)
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
    write_stamp(config, stamp_fields)
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
