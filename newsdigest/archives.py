"""Archived feeds (RFC 5005, section 4): one complete RSS 2.0 document per month.

`feeds/YYYY/MM.xml` lists every article dated in that month (in the site's time zone),
newest first, with full content like feed.xml. The documents form one chain:

    feed.xml --prev-archive--> newest month --prev-archive--> ... --> oldest month

Each month document carries `<fh:archive/>`, `rel="current"` (feed.xml), `prev-archive`
(the nearest older month with articles, unless it is the oldest) and `next-archive` (the
nearest newer month with articles, unless it is the newest). A month without articles
has no document (an empty feed is not a useful archive, and feed validators warn about
it); the links skip it. Adding, editing or removing an article rewrites its own month's
document only, with one exception: the first article of a month newer than every other
gives the month before it its next-archive link. That is the moment that month is over:
from then on its document keeps its bytes (so the build does not rewrite it, and readers
may keep their copy) unless one of its own articles changes, or an article is back-dated
into a month between it and its next-archive.

Exactly once: following prev-archive from feed.xml visits every month document once and
reaches every article in exactly one of them (its month's). The subscription feed's
newest `feed_items` articles are also in their month's document, with the same guid:
that overlap is the one RFC 5005 section 4.2 describes, which readers resolve by guid.
"""
from __future__ import annotations

from typing import NamedTuple

from .config import Config
from .feeds import archive_path, hub_links, public_url, quoteattr, rss
from .model import Articles, Site
from .dates import MONTHS

HISTORY_NS = "http://purl.org/syndication/history/1.0"


class MonthArchive(NamedTuple):
    """One month document: its path, month, articles (newest first) and neighbours."""

    path: str
    year: int
    month: int
    articles: Articles
    prev: str | None  # path of the month before, None for the oldest
    next: str | None  # path of the month after, None for the newest


def month_archives(site: Site) -> list[MonthArchive]:
    """Every month document, newest first: one per month with articles, linked to the
    nearest older and newer month with articles."""
    paths = [archive_path(m.year, m.month) for m in site.months]  # newest first
    return [MonthArchive(paths[n], m.year, m.month,
                         Articles(tuple(i for d in m.days for i in d.articles.ids), site.articles.load),
                         paths[n + 1] if n + 1 < len(paths) else None, paths[n - 1] if n > 0 else None)
            for n, m in enumerate(site.months)]


def archive_links(config: Config, doc: MonthArchive) -> list[str]:
    """The RFC 5005 links and marker of one month document (atom:link in RSS, its appendix B)."""
    links = [("current", "feed.xml"), ("prev-archive", doc.prev), ("next-archive", doc.next)]
    head = [f'<atom:link href={quoteattr(public_url(config, href))} rel="{rel}" type="application/rss+xml"/>'
            for rel, href in links if href]
    return head + [f'<fh:archive xmlns:fh="{HISTORY_NS}"/>']


def archive_feed(doc: MonthArchive, config: Config) -> str:
    """The RSS 2.0 document of one month: all its articles, newest first."""
    name = f"{MONTHS[doc.month - 1]} {doc.year}"
    return rss(doc.articles, config, f"{config.title}: {name}", f"{doc.year:04d}/{doc.month:02d}/", doc.path,
               f"Every article of {name} (an archive of the site's feed)",
               head=archive_links(config, doc) + hub_links(config), limit=len(doc.articles))
