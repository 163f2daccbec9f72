"""Search: the Pagefind bundles a search page loads (the base and the delta merged into it,
see newsdigest/search.py) are under the sub-path, complete (every file their metadata
names), belong together, and index every page marked data-pagefind-body exactly once."""
from __future__ import annotations

import json
from urllib.parse import urljoin, urlsplit

from ..pagefind_files import read_data_file
from .built_site import BuiltSite


def check_search(site: BuiltSite) -> None:
    for rel in site.html_files:
        page = site.page(rel)
        if page.search_bundle is not None:
            check_bundle(site, rel, page.search_bundle, page.search_delta)


def _bundle_path(site: BuiltSite, rel: str, url: str, names: tuple, note: str) -> str | None:
    """The site folder of the bundle at `url` (from page `rel`), once its entry files `names`
    are checked as links; None when it lies outside the site."""
    base = urljoin(site.public_url(rel), url)
    for name in names:
        site.check_ref(rel, name, base, note=note)
    path = urlsplit(base).path
    return path[len(site.base_path):] if path.startswith(site.base_path) else None


def _languages(site: BuiltSite, entry_rel: str) -> dict | None:
    try:
        return json.loads(site.read_text(entry_rel))["languages"]
    except (ValueError, KeyError, TypeError):
        site.problem(entry_rel, "is not a Pagefind entry (no languages)")
        return None


def check_bundle(site: BuiltSite, rel: str, bundle_url: str, delta_url: str | None) -> None:
    """The bundle the page `rel` loads from `bundle_url` (and the delta at `delta_url`): their
    entry files there, and (when they lie in the site) their languages' files and pages."""
    bundle = _bundle_path(site, rel, bundle_url, ("pagefind.js", "pagefind-entry.json"),
                          f" (search bundle {bundle_url})")
    delta = None if delta_url is None else _bundle_path(site, rel, delta_url, ("delta.json",),
                                                        f" (search delta {delta_url})")
    entry_rel = f"{bundle}pagefind-entry.json"
    if bundle is None or entry_rel not in site.files:
        return
    languages = _languages(site, entry_rel)
    if languages is None:
        return
    pages = set()
    for language in languages.values():
        pages |= check_language(site, rel, bundle, language)
    if delta is not None and f"{delta}delta.json" in site.files:
        pages = check_delta(site, rel, delta, sorted(language.get("hash") for language in languages.values()), pages)
    indexed = sum(1 for f in site.html_files if site.page(f).indexed)
    if len(pages) != indexed:
        site.problem(entry_rel, f"indexes {len(pages):,} pages but {indexed:,} pages are marked data-pagefind-body "
                                "(the index is out of date: build again)")


def check_delta(site: BuiltSite, rel: str, delta: str, base: list, base_pages: set) -> set:
    """The delta: its delta.json names this base, replaces pages the base has, and its
    bundle (when it has pages) is complete. Returns the pages base and delta index together."""
    delta_rel = f"{delta}delta.json"
    try:
        found = json.loads(site.read_text(delta_rel))
        named, pages, replaced = found["base"], dict(found["pages"]), dict(found["replaced"])
    except (ValueError, KeyError, TypeError):
        site.problem(delta_rel, "is not a search delta (base, pages, replaced)")
        return base_pages
    if named != base:
        site.problem(delta_rel, f"belongs to another base index ({' '.join(map(str, named))}, "
                                f"not {' '.join(base)}): build again")
        return base_pages
    for page in sorted(set(replaced) - base_pages):
        site.problem(delta_rel, f"replaces {page}, which the base index does not hold")
    indexed = set()
    if pages:
        entry_rel = f"{delta}pagefind-entry.json"
        if entry_rel not in site.files:
            site.problem(entry_rel, f"missing (the search index of {rel} needs it)")
            return base_pages
        for language in (_languages(site, entry_rel) or {}).values():
            indexed |= check_language(site, rel, delta, language, runtime=False)
        for page in sorted(set(pages) - indexed):
            site.problem(delta_rel, f"lists {page}, which the delta index does not hold")
    return (base_pages - set(replaced)) | indexed


def check_language(site: BuiltSite, rel: str, bundle: str, language: dict, runtime: bool = True) -> set:
    """Every file one language of the bundle needs is there (with `runtime`, the worker and
    WebAssembly too: a delta uses the base's); returns the fragment ids of the pages it indexes."""
    meta_rel = f"{bundle}pagefind.{language.get('hash')}.pf_meta"
    wanted = [meta_rel]
    if runtime:
        wanted += [f"{bundle}pagefind-worker.js", f"{bundle}wasm.{language.get('wasm')}.pagefind"]
    missing = [f for f in wanted if f not in site.files]
    pages = set()
    if meta_rel in site.files:
        try:
            meta = read_data_file(site.site_dir / meta_rel)
            pages, chunks, filters = {p[0] for p in meta[1]}, meta[2], meta[3]
        except (ValueError, OSError, IndexError, TypeError, EOFError) as e:
            site.problem(meta_rel, f"cannot be read as Pagefind metadata ({e})")
            return set()
        names = ([f"{bundle}fragment/{p}.pf_fragment" for p in sorted(pages)]
                 + [f"{bundle}index/{c[-1]}.pf_index" for c in chunks]
                 + [f"{bundle}filter/{f[-1]}.pf_filter" for f in filters])
        missing += [f for f in names if f not in site.files]
    for f in missing:
        site.problem(f, f"missing (the search index of {rel} needs it)")
    return pages
