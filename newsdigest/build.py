"""The build, as a recipe: `build` calls the stages in order, each a plain function that
takes values and returns values:

    list inputs -> (stamp unchanged? stop) -> read content -> check -> collect the site
    -> plan every file -> key every file -> render and write what changed -> save the cache

content.py reads content files into Articles and their Facts, collect.py makes the Site
from the Facts, plan.py lists every file with its template (or writer) and context,
incremental/ keys each file by what it reads and keeps the cache, render.py renders and
output.py writes site/. An incremental build works from the Facts and loads only the
articles that the files it renders show; its result is the bytes a cold build gives
(tests/test_incremental.py compares them).
"""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from itertools import chain
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import NamedTuple

from .config import Config, folder_overlaps
from .content import Article, read_sources, reread
from .errors import DigestError, Rejected, shown
from .files import exclusive_lock, scan_tree, sha1_hex
from .incremental.changes import RelatedMemo, collisions_possible, related_memo
from .incremental.depends import PlanReads, index_data, last_reuse, signatures
from .incremental.keys import Fingerprints, layouts_digest
from .incremental.stamp import input_stamp, read_stamp, stamp_holds, write_stamp
from .incremental.store import (ArticleStore, BuildCache, article_blob, cache_signature, load_cache_marshal,
                                save_cache_marshal)
from .model import ArticleRef
from .output import (NewSite, begin_writing, done_writing, output_stats, outside_reason, put, update_site,
                     was_interrupted)
from .parallel import parallel_iter
from .plan import plan_site
from .search import search_bundles_present, update_index


IN_PLACE_LIMIT = 0.25  # above this share of files changed, assemble a whole new tree instead
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

    def line(self, seconds: float | None = None) -> str:
        """The summary `python build.py` and `serve` print; `seconds`: the time to show
        (serve counts its ingest too), else the build's."""
        return (f"built {self.articles} articles, {self.tags} tags, {self.pages} pages ({self.written} files "
                f"written) in {self.seconds if seconds is None else seconds:.2f} s -> {shown(self.output)}/")


# Content files a parse worker takes at once. A range's results (each with its Article
# pickled, ~10 KB) are held whole by the worker and, while they cross the pipe and are
# unpickled and stored, by the build process: at 50,000 articles, ranges of 6,250 made
# ~350 MB of it pass through that process at once, which its heap then kept.
ARTICLES_PER_RANGE = 1000


def _parse_range(config: Config, sources, start: int, stop: int) -> list:
    """Parse content files: (hash, Facts, the Article as the store keeps it) or the
    DigestError of each. A source listed without its text is read here (see reread), so
    the texts are never all in one process; and the worker pickles the Article for the
    store: the parent only writes it."""
    from .collect import article_facts
    from .content import parse_article
    out = []
    for s in sources[start:stop]:
        try:
            source = reread(s, config) if s.text is None else s
            article = parse_article(source, config)
        except DigestError as e:
            out.append(e)
            continue
        out.append((source.sha, article_facts(article), article_blob(article)))
    return out


def _render_range(config: Config, pages, env, stage, key, start: int, stop: int) -> list:
    """Render planned files, each with (its key, the ids of the articles the key counted)
    by what it read (`key`: Keyed.key); with a staging folder, write them there and
    return only their hashes (a cold build's 170 MB of pages then never sits in one
    process). The worker that renders a page keys it: the keys are made in parallel. Pages
    that read alike share one tuple of reads, which the range's pickle then holds once (a
    tuple of a dozen strings per page, 55 MB at 60,000 pages in the build process)."""
    from .render import render_output
    out, alike = [], {}
    for p in pages[start:stop]:
        try:
            data, reads = render_output(env, p, config)
        except DigestError as e:
            out.append(e)
            continue
        reads = alike.setdefault(reads, reads)
        if stage is None:
            out.append((data, reads, key(p, reads)))
        else:
            put(stage, p.output, data)
            out.append((sha1_hex(data), reads, key(p, reads)))
    return out


def load_facts(sources, config: Config, store, known: dict, jobs: int):
    """Facts of every content file, by source path; the Articles parsed to get them go
    into the store as they come (see ArticleStore), so no process holds them all.

    A file whose hash has Facts from the last build (`known`, by hash) and an Article in
    the store is not parsed and its Article not loaded: its Facts say all the build needs
    until a page shows it. Returns ((hash, Facts) by path, paths of the files parsed, errors,
    the Facts as the cache keeps them: hash -> tuple): a file read by its parse worker may
    have changed since it was listed."""
    from .collect import Facts, shared_facts
    facts, parsed, errors, todo, table, alike = {}, [], [], [], {}, {}
    # (written out, with names bound: this runs once per content file, 50,000 a build)
    make, get, has, path_field = tuple.__new__, known.get, store.has, Facts._fields.index("path")
    for s in sources:
        path, sha = s.path, s.sha
        hit = get(sha)
        if hit is not None and hit[path_field] == path and has(sha):
            facts[path] = (sha, make(Facts, hit))  # Facts._make without its classmethod call
            table[sha] = hit  # the object loaded: the cache's delta compares it by identity
        else:  # listed without its text (new, changed, or its Article lost): read where parsed
            todo.append(s)
    kept = set(table)  # the articles kept from the store, before the parsed ones join the table

    def articles():
        results = chain.from_iterable(parallel_iter(partial(_parse_range, config, todo), len(todo), jobs,
                                                    most_per_range=ARTICLES_PER_RANGE))
        # strict: past the last file, the map is asked once more, so it frees its last
        # range's buffers and its workers at once, not when this generator is dropped
        for s, result in zip(todo, results, strict=True):
            if isinstance(result, DigestError):
                errors.extend(getattr(result, "errors", [result]))
            else:
                sha, fact, blob = result
                fact = shared_facts(fact, alike)
                facts[s.path] = (sha, fact)  # not the blob: it is only written to the store
                table[sha] = tuple(fact)
                parsed.append(s.path)
                yield sha, blob

    store.save(kept, articles(), len(todo))
    return facts, parsed, errors, table


def check_output_dir(config: Config) -> None:
    """The folders the build writes apart from the others (config.folder_overlaps, which
    load_config checks too: this guards a Config made some other way)."""
    problems = folder_overlaps(config.folders)
    if problems:
        raise Rejected([DigestError(shown(config.path), f"paths.{key}: {problem}") for key, problem in problems],
                       exit_code=2)


def load_caches(config: Config) -> tuple:
    """The build cache, the article store and the template environment (importing Jinja2)."""
    from .render import make_env
    return BuildCache(config), ArticleStore(config), make_env(config, bytecode_dir=config.cache_dir / "jinja")


class Preloaded(NamedTuple):
    """What a build reads whatever content/ holds (see preload)."""

    caches: tuple  # load_caches: (BuildCache, ArticleStore, Jinja2 environment)
    last: LastOutput  # what the last build left in site/


def preload(config: Config) -> Preloaded:
    """What a build reads whatever content/ holds: load_caches, then what the last build
    left in site/ (LastOutput). `python build.py` does this while ingest runs in another
    process; the build takes it when the cache files' signature still holds."""
    return Preloaded(load_caches(config), last_output(config))


class Laps:
    """The ends of a build's stages: `lap(name)` ends the stage `name`. It notes the
    stage's time (for --debug), and takes what the build holds so far out of the cyclic
    collector's passes (gc.freeze): what a stage returns lives to the end of the build,
    and the collector's young generation would otherwise walk each stage's new tables
    once more (at 50,000 articles 20-45 ms a pass, about 70 ms of an incremental build).
    Frozen objects are freed as ever when dropped; `serve`, which lives on, hands them
    back to the collector after each build."""

    def __init__(self, started: float):
        self.times = [("start", started)]

    def __call__(self, name: str) -> None:
        gc.freeze()
        self.times.append((name, time.perf_counter()))

    def stages(self) -> tuple:
        return tuple((name, t - self.times[i][1]) for i, (name, t) in enumerate(self.times[1:]))


def build(config: Config, drafts: bool = False, future: bool = False, now: datetime | None = None,
          jobs: int = 1, fresh=None, listing: dict | None = None,
          preloaded: Preloaded | None = None) -> BuildReport:
    """content/ -> site/. Raises Rejected listing every problem; then site/ is untouched.

    One build of an output folder at a time: a second one waits for the lock in the cache
    folder. `fresh` and `listing` come from an ingest just run: the files it wrote (with
    their hash and front matter, see WrittenFiles) and content/'s listing with stats (see
    IngestReport). `preloaded` is what `preload` returned, done while that ingest ran."""
    lap = Laps(time.perf_counter())
    check_output_dir(config)
    now = now or datetime.now(config.timezone)
    with exclusive_lock(config.cache_dir, "build.lock", f"build of {shown(config.output_dir)}/"):
        if preloaded and preloaded.caches[0].signature != cache_signature(config):
            preloaded = None  # another build rewrote the cache while this one waited
        last = preloaded.last if preloaded else last_output(config)
        inputs = list_inputs(config, listing)
        stamp = input_stamp(config, inputs.content, inputs.layouts, drafts, future)
        report = unchanged_report(config, stamp, now, last, lap)
        if report:
            return report
        cache_files, store, env = preloaded.caches if preloaded else load_caches(config)
        cache = usable_cache(cache_files.data, config)
        lap("load cache")
        content = read_content(config, inputs.content, cache, store, fresh, jobs)
        lap("read content")
        layouts = check_inputs(config, env, content, cache)
        lap("check")
        site, article_keys = collect_site(config, content, store, cache, now, drafts, future)
        lap("collect")
        made = make_files(config, env, site, article_keys, layouts, cache, last, now, jobs, lap)
        save_cache(config, cache_files, store, cache, content, site, made)
        fields = stamp_fields(stamp, content, site, made.html_pages, now, drafts, future)
        write_stamp(config, fields)
        done_writing(config.cache_dir)  # the cache and stamp now describe site/
        lap("save cache")
    return BuildReport(fields["articles"], fields["tags"], fields["pages"], made.rendered,
                       time.perf_counter() - lap.times[0][1], config.output_dir, lap.stages(),
                       tuple(last.notices + cache_files.notices + store.notices))


@dataclass(frozen=True)
class LastOutput:
    """What the last build left in site/: its record of the files (by stat) and what is there now."""

    notices: list  # filled as the build goes
    interrupted: bool  # it stopped while writing site/
    recorded: dict  # path -> stat, as output.marshal has it
    present: dict  # path -> stat now


def last_output(config: Config) -> LastOutput:
    notices = []
    interrupted = was_interrupted(config.cache_dir)
    if interrupted:
        notices.append(f"{shown(config.output_dir)}/: the last build stopped while writing it; rebuilding it in full")
    # What the last build wrote, by stat: a file deleted, replaced or altered since differs.
    recorded = load_cache_marshal(config, "output.marshal", notices)
    return LastOutput(notices, interrupted, recorded, output_stats(config.output_dir, recorded))


@dataclass(frozen=True)
class Inputs:
    content: dict  # content/ file -> stat
    layouts: dict  # layouts/ file -> stat


def list_inputs(config: Config, listing: dict | None) -> Inputs:
    """content/ (unless ingest listed it already) and layouts/, by stat; a folder that
    cannot be listed rejects the build rather than drop its files."""
    unreadable, content, layouts = [], {}, {}
    try:
        content = listing if listing is not None else scan_tree(config.content_dir, ".md")
    except Rejected as e:
        unreadable += e.errors
    try:
        layouts = scan_tree(config.layouts_dir)
    except Rejected as e:
        unreadable += e.errors
    if unreadable:
        raise Rejected(unreadable)
    return Inputs(content, layouts)


def unchanged_report(config: Config, stamp: str, now: datetime, last: LastOutput, lap) -> BuildReport | None:
    """The report of a build that has nothing to do: its stamp is the last good build's,
    still valid at `now`, and site/ holds every file that build wrote, as it wrote it."""
    previous = read_stamp(config, last.notices)
    lap("stamp")
    out = config.output_dir
    if (stamp_holds(previous, stamp, now.timestamp()) and not last.interrupted and last.recorded
            and last.present == last.recorded and (out / "index.html").is_file()
            and (not config.search or search_bundles_present(out))):
        return BuildReport(previous["articles"], previous["tags"], previous["pages"], 0,
                           time.perf_counter() - lap.times[0][1], out, lap.stages(), tuple(last.notices))
    return None


def usable_cache(data: dict, config: Config) -> dict:
    """The build cache's data, or {} when it was made with another config or output folder."""
    if data.get("config") != config.digest or data.get("output") != str(config.output_dir):
        return {}
    return data


@dataclass(frozen=True)
class Content:
    """content/ as read: every file's Facts, the Articles parsed in this build, hashes."""

    facts: list  # Facts of every content file, in path order
    cached_facts: dict  # the same as the build cache keeps them: content hash -> tuple
    parsed: list  # the content files parsed in this build (their Articles are in the store)
    source_sha: dict  # content file (as shown) -> hash
    stats: dict  # content/ file -> (stat, hash), for the next build
    errors: list


def read_content(config: Config, listing: dict, cache: dict, store, fresh: dict | None, jobs: int) -> Content:
    """Every content file read (unless its stat is unchanged) and its Facts known: parsed
    when new or changed, else from the cache."""
    sources, stats, errors = read_sources(config, listing, cache.get("sources", {}), fresh)
    by_path, parsed, parse_errors, cached_facts = load_facts(sources, config, store, cache.get("facts", {}), jobs)
    found = [by_path.get(s.path) for s in sources]  # (hash, Facts), None for a file that failed to parse
    facts = [f[1] for f in found if f is not None]
    source_sha = {s.path: f[0] if f is not None else s.sha for s, f in zip(sources, found)}
    return Content(facts, cached_facts, parsed, source_sha, stats, errors + parse_errors)


@dataclass(frozen=True)
class Layouts:
    digest: str  # of every template: part of every page key
    static: dict  # layouts/static/ file -> bytes


def check_inputs(config: Config, env, content: Content, cache: dict) -> Layouts:
    """Every problem of the inputs at once (content files, templates, collisions); raises
    Rejected listing them before anything is written."""
    from .collect import Facts, check_collisions
    from .render import check_templates
    errors = content.errors + check_templates(env, config)
    try:
        digest, static = layouts_digest(config)
    except OSError as e:
        errors.append(DigestError(shown(config.layouts_dir), f"cannot read layouts: {e.strerror}"))
        digest, static = "", {}
    # The last build, whose facts are cached, had no collision.
    known = cache.get("facts", {})
    parsed = set(content.parsed)  # (a Facts tuple's field 1 is its path: no 50,000 Facts made here)
    old = None
    if known:
        old = {t[1]: Facts._make(t) for t in known.values() if t[1] in parsed} if parsed else {}
    new = {f.path: f for f in content.facts if f.path in parsed}
    if collisions_possible(old, new):
        errors += check_collisions(content.facts, config)
    if errors:
        raise Rejected(errors)
    return Layouts(digest, static)


def collect_site(config: Config, content: Content, store, cache: dict, now: datetime, drafts: bool,
                 future: bool) -> tuple:
    """The Site of the articles shown at `now`, from their Facts, and their content hashes
    by id; an article is loaded (from the store, where the parse put it, else from its
    file again) when a page shows it, in the process that renders that page."""
    from .collect import collect_facts, select_facts
    from .content import Source, parse_article
    chosen = {f.id: f for f in select_facts(content.facts, now, drafts, future)}
    keys = {i: content.source_sha[f.path] for i, f in chosen.items()}

    def load(article_id: str) -> Article:
        sha = keys[article_id]
        article = store.get(sha)
        if article is None:  # its cached copy was damaged: parse its file again
            article = parse_article(reread(Source(chosen[article_id].path, None, sha), config), config)
            store.repair(sha, article)
        return article

    last = RelatedMemo(cache["related_lists"], cache["related"]) if "related_lists" in cache else None
    return collect_facts(chosen, load, RELATED_COUNT, last=last), keys


def kept_files(config: Config, cache: dict, last: LastOutput) -> dict:
    """Output path -> (key, hash) of every file the last build wrote that is still as it
    wrote it; none when site/ lost its front page or the last build stopped half-way."""
    files = cache.get("files", {})
    if last.interrupted or not (config.output_dir / "index.html").is_file():
        return {}
    # site/ itself is not listed (12,000 stats): output.marshal records what the last build wrote.
    present, recorded = last.present, last.recorded
    if present == recorded:  # the usual case, compared in C: only files never recorded can be missing
        damaged = files.keys() - present.keys()
    else:
        damaged = {rel for rel in files if rel not in present or present[rel] != recorded.get(rel)}
    if damaged:
        last.notices.append(f"{shown(config.output_dir)}/: {len(damaged)} file(s) missing or changed since the "
                            "last build; writing them again")
    return {rel: v for rel, v in files.items() if rel not in damaged} if damaged else files


@dataclass(frozen=True)
class Plan:
    """The files of this build: those planned, and those of the plan units the dependency
    index kept from the last build without planning them (incremental/depends.py)."""

    pages: list  # plan.Page of every file planned
    kept: dict  # output -> template of the kept units' files
    reads: PlanReads  # what each unit planned read, for the next build's index
    salt: tuple  # what the index is valid for
    signatures: dict  # the site tables' signatures (depends.signatures)

    def count(self) -> int:
        return len(self.pages) + len(self.kept)

    def outputs(self) -> set:
        return {p.output for p in self.pages} | self.kept.keys()


def plan_outputs(config: Config, site, article_keys: dict, layouts: Layouts, cache: dict, old_files: dict,
                 now: datetime) -> Plan:
    """Every file of the site planned (plan.plan_site), but for the units whose reads the
    last build's index shows unchanged. Should a planned file collide with a kept one,
    everything is planned, so the problem reads as a cold build reports it."""
    from .collect import site_tables
    salt = (config.digest, layouts.digest, len(site.articles) > 0)  # the last: the site view's search link
    tables = site_tables(site)
    sigs = signatures(tables, article_keys)
    reads = PlanReads(last_reuse(cache, salt, sigs, old_files))
    pages = plan_site(site, config, now, layouts.static, reads, tables)
    kept = reads.kept_files()
    if kept and any(p.output in kept for p in pages):
        reads = PlanReads(None)
        pages, kept = plan_site(site, config, now, layouts.static, reads, tables), {}
    return Plan(pages, kept, reads, salt, sigs)


@dataclass(frozen=True)
class Made:
    """What making the files of the site leaves for the cache and the stamp. The plan is
    gone by then: at 50,000 articles its 60,900 contexts were 100 MB still held while
    the build cache was laid out."""

    files: dict  # output path -> (key, hash, reads) of every file of the site
    index: dict  # the dependency index for the next build (depends.index_data)
    rendered: int  # files rendered
    html_pages: int  # HTML pages of the site, planned or kept
    replanned: bool  # any unit was planned, or the last build's index was not used


def make_files(config: Config, env, site, article_keys: dict, layouts: Layouts, cache: dict, last: LastOutput,
               now: datetime, jobs: int, lap) -> Made:
    """Plan every file, key it, render and write the files whose key changed."""
    old_files = kept_files(config, cache, last)
    plan = plan_outputs(config, site, article_keys, layouts, cache, old_files, now)
    check_unique_outputs(plan.pages, config)
    lap(f"plan {len(plan.pages)}")
    keyed = key_outputs(plan.pages, (config.digest, layouts.digest), article_keys, old_files, plan.kept)
    lap("fingerprint pages")
    files, article_reads = write_outputs(config, env, plan, keyed, cache, last, jobs, lap)
    index = index_data(plan.salt, plan.reads, plan.reads.reuse, plan.signatures,
                       dict(keyed.article_reads, **article_reads))
    html_pages = (sum(p.template.endswith(".html") for p in plan.pages)
                  + sum(t.endswith(".html") for t in plan.kept.values()))
    return Made(files, index, len(keyed.todo), html_pages, any(plan.reads.units.values()) or plan.reads.reuse is None)


@dataclass(frozen=True)
class Keyed:
    """The planned outputs sorted by their keys against the files the last build left."""

    kept: dict  # path -> (key, hash, reads): files whose key is unchanged (or not planned), kept as they are
    todo: list  # pages to render
    old: dict  # path -> (key, hash, reads) of the usable files the last build left (kept_files)
    key: Callable  # (page, reads) -> (its key, ids of the articles it counted)
    article_reads: dict  # path -> ids of the articles its key counted, for the kept files planned


def key_outputs(pages, salt, article_keys: dict, old_files: dict, kept: dict = {}) -> Keyed:
    """Every planned output keyed by what it read when its file was made (its context, or
    the fields of it that its template read): a file whose key is unchanged is kept;
    every other output is rendered (and keyed by what it reads this time). `kept`: the
    files of the units not planned, kept as the last build left them."""
    key = partial(Fingerprints(article_keys).key_and_articles, salt)
    files, todo, article_reads = dict(zip(kept, map(old_files.__getitem__, kept))), [], {}
    for p in pages:
        old = old_files.get(p.output)
        if old:
            page_key, ids = key(p, old[2])
            if old[0] == page_key:
                files[p.output] = old
                article_reads[p.output] = ids
                continue
        todo.append(p)
    return Keyed(files, todo, old_files, key, article_reads)


def write_outputs(config: Config, env, plan: Plan, keyed: Keyed, cache: dict, last: LastOutput, jobs: int,
                  lap) -> tuple[dict, dict]:
    """Render what changed and write it: a small change set file by file into site/,
    anything larger (or a site/ without a usable record) as a new tree swapped in whole.
    Returns (output path -> (key, hash, reads) of every file of the site, output path ->
    ids of the articles its key counted, for the files rendered)."""
    removed = set(cache.get("files", {}) if keyed.old else ()) - plan.outputs()
    changes = len(keyed.todo) + len(removed)
    in_place = bool(keyed.old) and changes <= IN_PLACE_LIMIT * plan.count()
    if changes or not in_place:
        begin_writing(config.cache_dir)
    stage = None if in_place else NewSite(config.output_dir)
    files, changed, touched, article_reads = dict(keyed.kept), {}, False, {}
    try:
        # Taken range by range as the workers finish them: the results are never all in this process.
        rendered = chain.from_iterable(parallel_iter(
            partial(_render_range, config, keyed.todo, env, stage.dir if stage else None, keyed.key),
            len(keyed.todo), jobs))
        errors, shared = [], {}  # shared: one tuple per distinct set of reads: the cache file stores it once
        for p, rendering in zip(keyed.todo, rendered, strict=True):
            if isinstance(rendering, DigestError):
                errors.append(rendering)
                continue
            result, reads, (page_key, ids) = rendering
            reads = shared.setdefault(reads, reads)
            article_reads[p.output] = ids
            files[p.output] = (page_key, result if stage else sha1_hex(result), reads)
            if not stage:
                changed[p.output] = result
        if errors:
            raise Rejected(errors)
        if stage:
            for path in keyed.kept:
                stage.keep(path)
            lap(f"render and write {changes}")
            lap(search_lap(update_index(config, stage.dir, article_files(config, plan, files))))  # swapped in with the tree
            touched = True
            stage.commit()
        elif changed or removed:
            touched = True
            update_site(config.output_dir, changed, removed)
    except BaseException:
        if stage:
            stage.abandon()
        if not touched:
            done_writing(config.cache_dir)  # site/ is as the last build left it
        raise
    if stage:
        record_output(config, files, None, last)
        lap("swap in")
    else:
        lap(f"render and write {changes}")
        lap(search_lap(update_index(config, config.output_dir, article_files(config, plan, files))))
        record_output(config, files, changed, last)
    return files, article_reads


def record_output(config: Config, files: dict, changed: dict | None, last: LastOutput) -> None:
    """output.marshal: the stat of every file the build left in site/ (`changed`: the
    files written in place; None: a whole new tree)."""
    out = config.output_dir
    if changed is None:
        outputs = output_stats(out, files)
    else:
        # The files kept, as they were found (a copy and set operations, in C: 5 ms for the
        # 60,900 files of 50,000 articles, where a loop was 13-19 ms), then the ones written.
        outputs = dict(last.present)
        for rel in chain(last.present.keys() - files.keys(), changed):
            outputs.pop(rel, None)
        outputs.update(output_stats(out, changed))
    if outputs != last.recorded:
        save_cache_marshal(config, "output.marshal", outputs)


def save_cache(config: Config, cache_files, store, cache: dict, content: Content, site, made: Made) -> None:
    """The build cache for the next build, when anything in it changed."""
    files = made.files
    if not (content.parsed or made.rendered or files != cache.get("files") or not cache or "related_lists" not in cache
            or cache_files.notices or store.notices or made.replanned):
        return
    sha, memo = content.source_sha, related_memo(site)
    store.heal({sha[f.path] for f in content.facts})  # saved before the render (load_facts)
    cache_files.save({
        "config": config.digest, "output": str(config.output_dir), "sources": content.stats, "files": files,
        # two tables, not one value: the cache's delta then holds only the lists that changed
        # (a value that changes at all makes it rewrite its whole 10 MB base)
        "related_lists": memo.lists, "related": memo.related,
        "facts": content.cached_facts,
        **made.index,
    })


def stamp_fields(stamp: str, content: Content, site, html_pages: int, now: datetime, drafts: bool, future: bool) -> dict:
    """The stamp holds while "now" stays between the newest article shown and the next one
    due: a future-dated article appears when its time comes, without any input changing,
    and an article leaves the news sitemap two days after its date."""
    from .news_sitemap import news_articles, window_closes
    limit = now.timestamp()
    future_dates = [f.stamp for f in content.facts if f.stamp > limit and (drafts or not f.draft)]
    news_leaves = window_closes(site, news_articles(site, now))
    shown_dates = [site.facts[site.articles.ids[0]].stamp] if site.articles else []  # newest first
    return {
        "stamp": stamp, "articles": len(site.articles), "tags": len(site.tags),
        "pages": html_pages,
        "valid_from": max(shown_dates) if shown_dates and not future else -1e18,
        "valid_until": min((future_dates if not future else []) + [news_leaves or 1e18]),
    }


def search_lap(what: str) -> str:
    return f"search index ({what})"  # what update_index did: unchanged, re-indexed, delta of N pages


def article_files(config: Config, plan: Plan, files: dict) -> dict[str, str]:
    """Article page -> hash of its bytes: what the search index is made from (nothing
    without `search: true`)."""
    if not config.search:
        return {}
    pages = {p.output: p.template for p in plan.pages}
    pages.update(plan.kept)
    return {path: files[path][1] for path, template in pages.items() if template == "article.html"}


def check_unique_outputs(outputs, config: Config) -> None:
    """Every planned file is written once, inside the output folder; a problem names the
    page's source (the writer proves each path again, see output.proven)."""
    seen: dict = {}
    errors = []

    def source(page):
        a = page.context.get("article")
        if type(a) is ArticleRef:
            return a.load(a.id).path  # only for the message: loaded on a problem only
        return a.path if a else page.template

    for p in outputs:
        reason = outside_reason(p.output)
        if reason:
            errors.append(DigestError(source(p), f"would write {p.output!r} outside {shown(config.output_dir)}/: "
                                                 f"the path {reason}"))
        if p.output in seen:
            if p.template == "static":
                errors.append(DigestError(shown(config.layouts_dir / p.output),
                                          f"static file collides with generated {p.output}"))
            else:
                errors.append(DigestError(source(p), f"writes {p.output}, which {source(seen[p.output])} writes too"))
        seen[p.output] = p
    if errors:
        raise Rejected(errors)
