"""Site search: the Pagefind index of the article pages, a base bundle in site/pagefind/
and a small delta bundle in site/pagefind-delta/.

Pagefind (the `pagefind_bin` package ships its binary) reads the built article pages
(`data-pagefind-body` marks the headline and body, see layouts/article.html) and writes a
static bundle that the /search/ page queries in the browser. Pagefind cannot update an
index, only write a new one, and at 10,000 articles a whole index costs 40-60 s of CPU.
So the index is kept like the build cache, as a base and a delta:

- the base (site/pagefind/) indexes every article page as it was when the base was made;
  `.cache/search.json` records those pages (site path -> hash of the page, fragment id);
- the delta (site/pagefind-delta/) indexes only the article pages changed or added since,
  run by Pagefind on a scratch folder that holds just those pages (hard links, at their site
  paths). Its `delta.json` names the base it belongs to, its pages' dates (for the date
  sort) and the base's entries it replaces (changed or deleted pages, with their filter
  values so the source and tag counts stay right). search.js merges the two (Pagefind's
  `mergeIndex`) and drops the replaced base entries;
- the base is made again, and the delta emptied, on a cold build and when the pages the
  delta replaces pass `delta_limit` (2 % of the articles, at most 200; none on a site
  under 500 articles, which Pagefind indexes whole in under ~2 s of CPU).

A delta.json always exists (with no pages when the base is new), so the search page never
asks for a missing file. Each bundle is written beside the site (`site.pagefind/`,
`site.pagefind-delta/`) and swapped in whole (renameat2), the base before the delta: a
reader who meets a new base with the old delta sees that delta.json names another base and
searches the (newer) base alone. A build that assembles a whole new site (`site.new/`)
writes the bundles into it, or links the unchanged ones, before that tree is swapped in.

Pagefind's own output is not deterministic: the values of a filter (and the filters in
the index's metadata) come out in a different order on every run, which also changes the
hashed file names. `canonical_bundle` sorts them and renames the files by their new
content, so the same pages give the same bundle bytes on every build.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from .config import Config
from .errors import DigestError, shown
from .files import sync_file_system, write_atomic
from .output import _exchange, remove_tree
from .pagefind_files import SIGNATURE, data_file_bytes, read_data_file

BUNDLE_DIR = "pagefind"
DELTA_DIR = "pagefind-delta"
DELTA_FILE = "delta.json"  # in DELTA_DIR: which base, the delta's pages, the base pages it replaces
STATE_FILE = "search.json"
DELTA_SHARE = 0.02  # the delta may replace this share of the articles ...
DELTA_MAX = 200     # ... and at most this many pages before the base is made again
DELTA_MIN_ARTICLES = 500  # below this a whole index is cheap (under ~2 s of CPU): no delta
# Written by Pagefind for its ready-made interfaces; the search page uses the JS API
# (pagefind.js and its worker, the WebAssembly and the index) and none of these.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


# The delta is merged into the base's Pagefind in the browser, which loads the script, its
# worker and the WebAssembly once, from the base: the delta needs none of them.
DELTA_UNUSED = ("pagefind.js", "pagefind-worker.js")


def delta_limit(articles: int) -> int:
    """How many article pages the delta may replace (changed, added or deleted since the
    base was made) before the base is made again: a delta costs every query its metadata
    and index chunk, and every build a run of Pagefind over its pages. A small site is
    indexed whole on every change: the index is then exactly a cold build's."""
    if articles < DELTA_MIN_ARTICLES:
        return 0
    return min(DELTA_MAX, int(articles * DELTA_SHARE))


def index_state(article_files: dict[str, str]) -> str:
    """What the index depends on: every article page (site path -> hash of its bytes)."""
    return hashlib.sha1(repr(sorted(article_files.items())).encode()).hexdigest()


def article_glob(config: Config) -> str:
    """The article pages as a glob for Pagefind (other pages are not indexed, so not read)."""
    return re.sub(r"\{[^}]*\}", "*", config.article_path) + "index.html"


def pagefind_binary() -> str:
    try:
        from pagefind_bin import get_executable
        return str(get_executable())
    except (ImportError, FileNotFoundError):
        raise DigestError("pagefind", "the Pagefind binary is missing: install requirements.txt "
                                      "(pagefind-bin), or set `search: false` in config.yaml")


def run_pagefind(config: Config, site_dir: Path, out_dir: Path) -> None:
    """Index the article pages of site_dir into out_dir (which must not exist)."""
    cmd = [pagefind_binary(), "--site", str(site_dir), "--glob", article_glob(config),
           "--output-path", str(out_dir), "--silent"]
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    except OSError as e:
        raise DigestError("pagefind", f"cannot run Pagefind: {e.strerror or e}")
    if done.returncode != 0 or not (out_dir / "pagefind-entry.json").is_file():
        said = " ".join(done.stdout.decode("utf-8", "replace").split())[-300:] or f"exit status {done.returncode}"
        raise DigestError("pagefind", f"indexing {shown(site_dir)} failed: {said}")


# ---------------------------------------------------------------- canonical bundle bytes

def _hash_name(prefix: str, data: bytes, length: int) -> str:
    return f"{prefix}_{hashlib.sha256(data).hexdigest()[:length]}"


def canonical_bundle(bundle: Path) -> None:
    """Rewrite a fresh Pagefind bundle in place so that its bytes depend only on the site:
    filter values and filters sorted, filter and metadata files renamed by their content."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language in entry["languages"].values():
        old_hash = language["hash"]
        prefix = old_hash.rsplit("_", 1)[0]  # the language code, e.g. "en"
        meta_path = bundle / f"pagefind.{old_hash}.pf_meta"
        meta = read_data_file(meta_path)
        filters = meta[3]  # [[filter name, filter file hash], ...]
        renamed = []
        for name, file_hash in filters:
            old_file = bundle / "filter" / f"{file_hash}.pf_filter"
            filter_name, values = read_data_file(old_file)
            data = data_file_bytes([filter_name, sorted(values, key=lambda v: v[0])])
            new_hash = _hash_name(prefix, data, 7)
            old_file.unlink()
            (bundle / "filter" / f"{new_hash}.pf_filter").write_bytes(data)
            renamed.append([name, new_hash])
        meta[3] = sorted(renamed)
        data = data_file_bytes(meta)
        language["hash"] = _hash_name(prefix, data, 10)
        meta_path.unlink()
        (bundle / f"pagefind.{language['hash']}.pf_meta").write_bytes(data)
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)


# ---------------------------------------------------------------- reading a bundle

def page_url(rel: str) -> str:
    """The URL Pagefind records for the site page `rel` (an index.html stands for its folder)."""
    return "/" + (rel[:-len("index.html")] if rel.endswith("index.html") else rel)


def read_fragment(bundle: Path, fragment_id: str) -> dict:
    """One page's record in a bundle (gzipped JSON after the signature): url, meta, filters."""
    raw = gzip.decompress((bundle / "fragment" / f"{fragment_id}.pf_fragment").read_bytes())
    if not raw.startswith(SIGNATURE):
        raise ValueError(f"fragment {fragment_id} is not a Pagefind data file")
    return json.loads(raw[len(SIGNATURE):])


def bundle_fragments(bundle: Path) -> dict[str, dict]:
    """Fragment id -> fragment of every page a bundle indexes (from its languages' metadata)."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    ids = [page[0] for language in entry["languages"].values()
           for page in read_data_file(bundle / f"pagefind.{language['hash']}.pf_meta")[1]]
    return {i: read_fragment(bundle, i) for i in ids}


def base_languages(bundle: Path) -> list[str]:
    """What names a base: the hashes of its languages' metadata (canonical, by content)."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return sorted(language["hash"] for language in entry["languages"].values())


# ---------------------------------------------------------------- the build step

def _read_state(config: Config) -> dict:
    """What the index was made from, or {} when unknown (a damaged file: index again)."""
    try:
        state = json.loads((config.cache_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _link_tree(src: Path, dest: Path) -> None:
    """Share an unchanged bundle with a new site tree (hard links, copies where not possible)."""
    shutil.copytree(src, dest, copy_function=_link)


def _link(a, b) -> None:
    try:
        os.link(a, b)
    except OSError:
        shutil.copy2(a, b)


def _scratch(live: Path, target: Path) -> Path:
    """Where the new `target` bundle is put together: beside site/, on its file system, not served."""
    return live.with_name(f"{live.name}.{target.name}")


def _swap_in(new: Path, target: Path, live: Path) -> None:
    """Put the finished bundle `new` in place of `target` in one step (renameat2); what was
    there before is left in `new`, for the caller to remove."""
    sync_file_system(new)  # every file on disk before the bundle is swapped in
    if target.parent != live or not target.exists():
        remove_tree(target)  # a new tree has none; the live one lost it
        os.rename(new, target)
    elif not _exchange(new, target):  # no renameat2: two renames, a moment without a bundle
        old = live.with_name(f"{live.name}.{target.name}-old")
        remove_tree(old)
        os.rename(target, old)
        os.rename(new, target)
        os.rename(old, new)


def search_bundles_present(site_dir: Path) -> bool:
    """Whether site_dir has both search bundles' entry files (a no-change build checks this)."""
    return (site_dir / BUNDLE_DIR / "pagefind-entry.json").is_file() and (site_dir / DELTA_DIR / DELTA_FILE).is_file()


def update_index(config: Config, site_dir: Path, article_files: dict[str, str]) -> str:
    """Bring site_dir's search bundles up to date with the article pages; returns what it
    did: "unchanged", "re-indexed" (a new base) or "delta of N pages".

    site_dir is the live site (its bundles are then swapped in whole) or a new tree that is
    about to replace it (the current bundles are shared with it where they still hold).
    With `search: false`, or no article to index, there is no bundle (and no search page)."""
    live = config.output_dir.resolve()
    site_dir = site_dir.resolve()
    if site_dir != live and site_dir.parent != live.parent:
        raise DigestError(shown(site_dir), f"not the output folder {shown(live)} or a tree beside it")
    state_file = config.cache_dir / STATE_FILE
    if not config.search or not article_files:
        remove_tree(site_dir / BUNDLE_DIR)
        remove_tree(site_dir / DELTA_DIR)
        state_file.unlink(missing_ok=True)
        return "unchanged"
    state = index_state(article_files)
    last = _read_state(config)
    base = last.get("base")
    if not (isinstance(base, dict) and base.get("entry") == _digest(live / BUNDLE_DIR / "pagefind-entry.json")
            and isinstance(base.get("pages"), dict)):
        base = None  # none recorded, or not the base being served: make one
    if base and last.get("state") == state and last.get("delta") == _digest(live / DELTA_DIR / DELTA_FILE):
        if site_dir != live:
            _link_tree(live / BUNDLE_DIR, site_dir / BUNDLE_DIR)
            _link_tree(live / DELTA_DIR, site_dir / DELTA_DIR)
        return "unchanged"
    changed = {rel: page_hash for rel, page_hash in sorted(article_files.items())
               if rel not in (base or {}).get("pages", {}) or base["pages"][rel][0] != page_hash}
    deleted = sorted(set(base["pages"]) - set(article_files)) if base else []
    replaced = len(changed) + len(deleted)
    # Nothing differs from the base, yet the record says the pages changed: a record that
    # contradicts itself (e.g. of an interrupted build) is not trusted.
    if base is None or replaced > delta_limit(len(article_files)) or (replaced == 0 and last.get("state") != state
                                                                         and not _delta_pages(live)):
        base = make_base(config, site_dir, article_files)
        changed, deleted, what = {}, [], "re-indexed"
    else:
        if site_dir != live:
            _link_tree(live / BUNDLE_DIR, site_dir / BUNDLE_DIR)
        what = f"delta of {len(changed)} page{'' if len(changed) == 1 else 's'}"
    for rel, page_hash in make_delta(config, site_dir, base, changed, deleted).items():
        base["pages"][rel][0] = page_hash
    # Recorded as written: the next build checks the live bundles against it.
    write_atomic(state_file, json.dumps({"state": state, "base": base,
                                         "delta": _digest(site_dir / DELTA_DIR / DELTA_FILE)}).encode())
    return what


def _delta_pages(live: Path) -> bool:
    """Whether the served delta holds pages (an empty one needs no rebuild)."""
    try:
        return bool(json.loads((live / DELTA_DIR / DELTA_FILE).read_text(encoding="utf-8")).get("pages"))
    except (OSError, ValueError, AttributeError):
        return True


def make_base(config: Config, site_dir: Path, article_files: dict[str, str]) -> dict:
    """Index every article page of site_dir into site_dir/pagefind/; returns the record of
    the base: its entry's digest and, per page, the hash it was indexed from and its fragment."""
    live = config.output_dir.resolve()
    bundle = site_dir / BUNDLE_DIR
    scratch = _scratch(live, bundle)
    remove_tree(scratch)
    try:
        run_pagefind(config, site_dir, scratch)
        canonical_bundle(scratch)
        fragment_of = {fragment["url"]: i for i, fragment in bundle_fragments(scratch).items()}
        _swap_in(scratch, bundle, live)
    finally:
        remove_tree(scratch)  # after the swap: the old bundle
    return {"entry": _digest(bundle / "pagefind-entry.json"),
            "pages": {rel: [page_hash, fragment_of.get(page_url(rel))] for rel, page_hash in article_files.items()}}


def make_delta(config: Config, site_dir: Path, base: dict, changed: dict[str, str], deleted: list[str]) -> dict:
    """Index the `changed` and new article pages of site_dir (site path -> hash of the page)
    alone into site_dir/pagefind-delta/, with its delta.json: the base it belongs to (the one
    in site_dir/pagefind/, recorded in `base`), the delta's pages (fragment id -> date as Unix
    seconds, for the date sort) and the base pages it replaces, changed or `deleted`
    (fragment id -> filter values).

    Returns the changed pages whose indexed text is as in the base (only their navigation
    changed: the same fragment in both): the base holds them as they are now, so the next
    delta can leave them out."""
    live = config.output_dir.resolve()
    target = site_dir / DELTA_DIR
    scratch, pages = _scratch(live, target), live.with_name(live.name + ".pagefind-pages")
    remove_tree(scratch)
    remove_tree(pages)
    try:
        fragments = {}
        if changed:
            for rel in changed:
                (pages / rel).parent.mkdir(parents=True, exist_ok=True)
                _link(site_dir / rel, pages / rel)
            run_pagefind(config, pages, scratch)
            canonical_bundle(scratch)
            for name in DELTA_UNUSED:
                (scratch / name).unlink(missing_ok=True)
            for wasm in scratch.glob("wasm.*.pagefind"):
                wasm.unlink()
            fragments = bundle_fragments(scratch)
        else:
            scratch.mkdir()
        now = {fragment["url"]: i for i, fragment in fragments.items()}
        replaced, as_in_base = {}, {}
        for rel in [*changed, *deleted]:
            old = base["pages"].get(rel, [None, None])[1]
            if old is None:
                continue  # a new page
            replaced[old] = read_fragment(site_dir / BUNDLE_DIR, old).get("filters", {})
            if rel in changed and now.get(page_url(rel)) == old:
                as_in_base[rel] = changed[rel]
        delta = {"base": base_languages(site_dir / BUNDLE_DIR),
                 "pages": {i: int(f.get("meta", {}).get("timestamp", 0)) for i, f in sorted(fragments.items())},
                 "replaced": dict(sorted(replaced.items()))}
        (scratch / DELTA_FILE).write_text(json.dumps(delta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        _swap_in(scratch, target, live)
    finally:
        remove_tree(scratch)  # after the swap: the old delta
        remove_tree(pages)
    return as_in_base
