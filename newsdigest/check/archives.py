"""RFC 5005 archived feeds: prev-archive from feed.xml (and atom.xml) leads through every
month document once, each marked fh:archive with rel="current" and a next-archive back to
where the walk came from, and the walk reaches every article page exactly once."""
from __future__ import annotations

from .built_site import BuiltSite
from .feeds import ARCHIVE_FEED, ATOM_NS, links_with_rel

FH_ARCHIVE = "{http://purl.org/syndication/history/1.0}archive"


def rss_links(channel) -> dict:
    """The channel's atom:link elements: rel -> href (the first of each rel)."""
    links = {}
    for link in channel.findall(ATOM_NS + "link"):
        links.setdefault(link.get("rel", "alternate"), link.get("href", ""))
    return links


def check_archive_chain(site: BuiltSite) -> None:
    archives = sorted(f for f in site.files if ARCHIVE_FEED.fullmatch(f))
    root = site.parse_xml("feed.xml") if "feed.xml" in site.files else None
    channel = root.find("channel") if root is not None else None
    if channel is None:
        return
    start = rss_links(channel).get("prev-archive")
    if "atom.xml" in site.files:
        atom_root = site.parse_xml("atom.xml")
        atom_links = links_with_rel(atom_root, "prev-archive") if atom_root is not None else []
        if atom_links != ([start] if start else []):
            site.problem("atom.xml", f"prev-archive is {atom_links or 'missing'}, expected feed.xml's ({start})")
    if not start:
        if archives:
            site.problem("feed.xml", 'no atom:link rel="prev-archive" to the newest month archive')
        return
    seen, where = walk_archives(site, start)
    for rel in archives:
        if rel not in seen:
            site.problem(rel, "not reached by following prev-archive from feed.xml")
    for rel in site.html_files:
        if site.page(rel).og_type == "article" and rel not in where:
            site.problem("feed.xml", f"following prev-archive does not reach the article {site.public_url(rel)}")


def walk_archives(site: BuiltSite, start: str) -> tuple[list, dict]:
    """Follow prev-archive from `start`, checking each month document on the way; returns
    the documents visited, in order, and article page -> the document that lists it."""
    where, seen, came_from, href = {}, [], None, start
    while href:
        here = seen[-1] if seen else "feed.xml"
        target = site.file_at(href)
        if target is None or not ARCHIVE_FEED.fullmatch(target):
            site.problem(here, f"prev-archive {href} is not a month archive of this site")
            break
        if target in seen:
            site.problem(here, f"prev-archive {href} loops back to an archive already visited")
            break
        seen.append(target)
        doc = site.parse_xml(target)
        channel = doc.find("channel") if doc is not None else None
        if channel is None:
            break
        links = rss_links(channel)
        if channel.find(FH_ARCHIVE) is None:
            site.problem(target, "no <fh:archive/> (xmlns:fh=\"http://purl.org/syndication/history/1.0\")")
        if links.get("current") != site.base_url + "feed.xml":
            site.problem(target, f'rel="current" is {links.get("current")}, expected {site.base_url}feed.xml')
        if links.get("next-archive") != came_from:
            site.problem(target, f"next-archive is {links.get('next-archive')}, expected {came_from} "
                                 f"(the document whose prev-archive leads here)")
        for item in channel.findall("item"):
            link = (item.findtext("link") or "").strip()
            page = site.file_at(link)
            if page in where:
                site.problem(target, f"article {link} is also in {where[page]}")
            elif page:
                where[page] = target
        came_from, href = site.base_url + target, links.get("prev-archive")
    return seen, where
