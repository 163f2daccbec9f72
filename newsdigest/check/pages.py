"""HTML pages and stylesheets: what every page's head needs, every URL in a page or a
stylesheet leading to a file of the site (and every anchor to an id), and every page
reachable from the front page."""
from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

from ..ghpages import NOT_FOUND_PAGE
from .built_site import BuiltSite
from .html import css_urls
from .jsonld import check_article_json_ld

# GitHub Pages answers every missing URL with 404.html, so its links are checked as if it
# were served at this (deep, missing) path below the base path.
DEEP_404_PATH = "no/such/page/"
NAV_TAGS = ("a", "area")


def check_pages(site: BuiltSite, page_budget_bytes: int) -> None:
    """Every HTML page (head, size, JSON-LD, links) and stylesheet of the site, and the
    orphans: pages no chain of links from the front page reaches."""
    edges = {}
    for rel in site.html_files:
        check_page_basics(site, rel, page_budget_bytes)
        check_article_json_ld(site, rel)
        if rel == NOT_FOUND_PAGE:
            check_html_links(site, rel, site.base_url + DEEP_404_PATH)
        else:
            edges[rel] = check_html_links(site, rel, site.public_url(rel))
    site.pages = len(site.html_files)
    if "index.html" in edges:
        for rel in sorted(set(edges) - reachable("index.html", edges)):
            site.problem(rel, "orphan page (no chain of links leads to it from the front page)")
    for rel in sorted(f for f in site.files if f.endswith(".css")):
        for raw in css_urls(site.read_text(rel)):
            site.check_ref(rel, raw, site.public_url(rel))


def reachable(start: str, edges: dict) -> set:
    """The pages a chain of links from `start` leads to (`edges`: page -> pages it links to)."""
    seen, todo = {start}, [start]
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def check_html_links(site: BuiltSite, rel: str, url: str) -> set:
    """Check every URL of the page `rel` served at `url`; returns the pages its links lead to."""
    page = site.page(rel)
    base = urljoin(url, page.base_href) if page.base_href else url
    note = f" when served at {urlsplit(url).path}" if url != site.public_url(rel) else ""
    linked = set()
    for tag, raw in page.refs:
        if raw.strip().startswith("#"):
            # Same-document reference: nothing is fetched, even on the 404 page.
            fragment = unquote(raw.strip()[1:])
            if tag in NAV_TAGS and fragment not in ("", "top") and fragment not in page.ids:
                site.problem(rel, f'broken anchor {raw.strip()} (no id="{fragment}" in {rel})')
            continue
        target = site.check_ref(rel, raw, base, nav=tag in NAV_TAGS, note=note)
        if target and tag in NAV_TAGS:
            linked.add(target)
    for css in page.css:
        for raw in css_urls(css):
            site.check_ref(rel, raw, base, note=note)
    return linked


def check_page_basics(site: BuiltSite, rel: str, page_budget_bytes: int) -> None:
    """The page's language, title, charset and viewport, ids once each, and its size."""
    page = site.page(rel)
    if page.html_lang is None or not page.html_lang.strip():
        site.problem(rel, "no lang attribute on <html>")
    if page.title is None:
        site.problem(rel, "no <title>")
    elif not page.title.strip():
        site.problem(rel, "empty <title>")
    if not page.charset:
        site.problem(rel, 'no <meta charset="utf-8">')
    if not page.viewport:
        site.problem(rel, 'no <meta name="viewport">')
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    if duplicates:
        site.problem(rel, "duplicate id " + ", ".join(f'"{i}"' for i in duplicates))
    size = (site.site_dir / rel).stat().st_size
    if size > page_budget_bytes:
        site.problem(rel, f"{size:,} bytes, over the {page_budget_bytes:,}-byte page budget")
