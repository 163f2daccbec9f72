"""Search: the Pagefind bundle a search page loads is under the sub-path, complete (every
file its metadata names) and indexes every page marked data-pagefind-body."""
from __future__ import annotations

import json
from urllib.parse import urljoin, urlsplit

from ..pagefind_files import read_data_file
from .built_site import BuiltSite


def check_search(site: BuiltSite) -> None:
    for rel in site.html_files:
        bundle_url = site.page(rel).search_bundle
        if bundle_url is not None:
            check_bundle(site, rel, bundle_url)


def check_bundle(site: BuiltSite, rel: str, bundle_url: str) -> None:
    """The bundle the page `rel` loads from `bundle_url`: its entry files there, and (when
    it lies in the site) its languages' files and page count."""
    base = urljoin(site.public_url(rel), bundle_url)
    for name in ("pagefind.js", "pagefind-entry.json"):
        site.check_ref(rel, name, base, note=f" (search bundle {bundle_url})")
    bundle = urlsplit(base).path[len(site.base_path):]
    entry_rel = bundle + "pagefind-entry.json"
    if not (urlsplit(base).path.startswith(site.base_path) and entry_rel in site.files):
        return
    try:
        languages = json.loads(site.read_text(entry_rel))["languages"]
    except (ValueError, KeyError, TypeError):
        site.problem(entry_rel, "is not a Pagefind entry (no languages)")
        return
    indexed = sum(1 for f in site.html_files if site.page(f).indexed)
    counted = 0
    for language in languages.values():
        counted += check_language(site, rel, bundle, language)
    if counted != indexed:
        site.problem(entry_rel, f"indexes {counted:,} pages but {indexed:,} pages are marked data-pagefind-body "
                                "(the index is out of date: build again)")


def check_language(site: BuiltSite, rel: str, bundle: str, language: dict) -> int:
    """Every file one language of the bundle needs is there; returns the pages it indexes."""
    meta_rel = f"{bundle}pagefind.{language.get('hash')}.pf_meta"
    wanted = [f"{bundle}pagefind-worker.js", f"{bundle}wasm.{language.get('wasm')}.pagefind", meta_rel]
    missing = [f for f in wanted if f not in site.files]
    counted = 0
    if meta_rel in site.files:
        try:
            meta = read_data_file(site.site_dir / meta_rel)
            pages, chunks, filters = meta[1], meta[2], meta[3]
        except (ValueError, OSError, IndexError, TypeError, EOFError) as e:
            site.problem(meta_rel, f"cannot be read as Pagefind metadata ({e})")
            return 0
        counted = len(pages)
        names = ([f"{bundle}fragment/{p[0]}.pf_fragment" for p in pages]
                 + [f"{bundle}index/{c[-1]}.pf_index" for c in chunks]
                 + [f"{bundle}filter/{f[-1]}.pf_filter" for f in filters])
        missing += [f for f in names if f not in site.files]
    for f in missing:
        site.problem(f, f"missing (the search index of {rel} needs it)")
    return counted
