"""The page plan: every HTML page of the site, its template and the context it sees.

Every HTML page gets exactly two things besides its own variables:
  site  -- SiteView: title, description, language, base_url, base_path, feed URLs, nav
  page  -- PageInfo: title, url (site-relative), canonical (absolute), description, feed
and the filters `link` (site-relative -> path under base_path), `absolute` (-> full URL),
`longdate`, `shortdate`, `clock`, `isodate`, `rfc822`. Per template:
  index.html    days: [Day] (whole days, newest first), older: DayLink | None, archive_url
  article.html  article: Article, previous/next: Article | None, related: [Article], day: DayLink
  tag.html      tag: Tag, articles: [Article], count: int | None (the tag's articles, on
                its landing page only), feed_url, newer_url/older_url: str | None,
                page_number: int | None (None on the tag's landing page)
  tags.html     tags: [TagLink] (tag, count)
  archive.html  kind: "day" | "month" | "archive"; day: Day | None; month: Month (month
                page) or MonthLink (day page) or None; months: [MonthCount] (archive page);
                newer_url/older_url: str | None
Day and Month carry their articles; lists of articles ([Article] above, and a Day's or
TagGroup's `articles`) are Articles sequences, which load each article when first used. DayLink (date, url) and MonthLink (year, month, url)
are links only; DayCount, MonthCount (with its DayCounts) and TagLink add a count. So a
page that links to a day, month or tag is not rendered again when one of its articles
changes, and older tag pages (fixed chunks counted from the oldest article, without a
count) stay as they are when an article is added.
  search.html   archive_url, bundle_url (the Pagefind bundle, site-relative); only
                with `search: true`
  404.html      nothing more
Objects are frozen dataclasses (see model.py); templates cannot change them.
"""
from __future__ import annotations

from typing import NamedTuple

from .config import Config
from .model import Articles, NavLink, PageInfo, Site, SiteView, TagLink, day_link, month_count, month_link
from .render import longdate, monthname

SEARCH_URL = "search/"  # the search page; its index is in site/pagefind/ (see search.py)


class Page(NamedTuple):
    """One output file to render: where it goes, with which template and context. (A
    named tuple, not a dataclass: a build plans 12,000 of them, most without context.)"""

    output: str  # path inside site/
    template: str
    context: dict | None  # None: not needed in this build (see plan_pages' `wanted`)


def site_view(config: Config, searchable: bool = True) -> SiteView:
    """`searchable`: the site has articles to search (Pagefind makes no index of nothing)."""
    nav = (NavLink("Today", ""), NavLink("Tags", "tags/"), NavLink("Archive", "archive/"),
           NavLink("RSS", "feed.xml"))
    return SiteView(config.title, config.description, config.language, config.base_url,
                    config.base_path, "feed.xml", "atom.xml", "feed.json", nav, config.timezone.key,
                    SEARCH_URL if config.search and searchable else None)



def plan_pages(site: Site, config: Config, wanted=None) -> list[Page]:
    """Every HTML page of the site with its context (feeds and small files are in feeds.py).

    With `wanted(output, unit)`, only pages it accepts get a context; the others are listed
    with None (the build knows they are unchanged and needs only their paths). The unit
    names what a page belongs to: "article ID", "day URL", "month URL", "tag SLUG", or
    "" for the site-wide pages (front page, tag index, archive, 404)."""
    view = site_view(config, searchable=len(site.articles) > 0)
    per = config.articles_per_page
    pages: list[Page] = []

    def page(output, template, title, url, description="", feed=None, unit="", **context):
        if wanted is not None and not wanted(output, unit):
            pages.append(Page(output, template, None))
            return
        info = PageInfo(title, url, config.base_url + url, description or config.description, feed)
        pages.append(Page(output, template, dict(site=view, page=info, **context)))

    # Front page: the newest whole days until at least one page of articles.
    shown, count = [], 0
    for d in site.days:
        if count >= per:
            break
        shown.append(d)
        count += len(d.articles)
    older = site.days[len(shown)] if len(shown) < len(site.days) else None
    page("index.html", "index.html", config.title, "", feed="feed.xml",
         days=tuple(shown), older=day_link(older) if older else None, archive_url="archive/")

    day_of = {d.url: day_link(d) for d in site.days}
    load = site.articles.load
    for n, i in enumerate(site.articles.ids):
        facts = site.facts[i]
        output = facts.url + "index.html"
        if wanted is not None and not wanted(output, "article " + i):
            pages.append(Page(output, "article.html", None))  # the commonest case, inlined: no article loaded
            continue
        a = load(i)
        page(output, "article.html", a.title, a.url, description=a.summary, unit=f"article {i}",
             article=a, previous=site.previous(n), next=site.next(n),
             related=Articles(site.related[i], load), day=day_of[facts.day])

    page("tags/index.html", "tags.html", "Tags", "tags/",
         tags=tuple(TagLink(g.tag, len(g.articles)) for g in site.tags))
    for group in site.tags:
        tag, items = group.tag, group.articles
        feed = f"{tag.url}feed.xml"
        # Landing page: the newest `per`. Older pages are fixed chunks counted from the
        # oldest article, so adding an article changes the landing and one chunk only.
        oldest_first = items[::-1]
        chunks = [oldest_first[i:i + per] for i in range(0, len(items), per)] if len(items) > per else []
        first_older = (len(items) - per - 1) // per + 1 if chunks else None  # chunk of the (per+1)-th newest
        unit = f"tag {tag.slug}"
        page(f"{tag.url}index.html", "tag.html", f"Tag: {tag.name}", tag.url, feed=feed, unit=unit,
             tag=tag, articles=items[:per], count=len(items), feed_url=feed, page_number=None,
             newer_url=None, older_url=f"{tag.url}page/{first_older}/" if chunks else None)
        for n, chunk in enumerate(chunks, start=1):
            url = f"{tag.url}page/{n}/"
            page(f"{url}index.html", "tag.html", f"Tag: {tag.name}, page {n}", url, feed=feed, unit=unit,
                 tag=tag, articles=chunk[::-1], count=None, feed_url=feed, page_number=n,
                 newer_url=f"{tag.url}page/{n + 1}/" if n < len(chunks) else tag.url,
                 older_url=f"{tag.url}page/{n - 1}/" if n > 1 else None)

    month_links = {(m.year, m.month): month_link(m) for m in site.months}  # newest first
    for i, d in enumerate(site.days):
        newer = site.days[i - 1].url if i > 0 else None
        older_day = site.days[i + 1].url if i + 1 < len(site.days) else None
        page(f"{d.url}index.html", "archive.html", longdate(d.date), d.url, unit=f"day {d.url}", kind="day",
             day=d, month=month_links[(d.date.year, d.date.month)], months=(), newer_url=newer,
             older_url=older_day)
    for i, m in enumerate(site.months):
        newer = site.months[i - 1].url if i > 0 else None
        older_month = site.months[i + 1].url if i + 1 < len(site.months) else None
        page(f"{m.url}index.html", "archive.html", monthname(m), m.url, unit=f"month {m.url}", kind="month",
             day=None, month=m, months=(), newer_url=newer, older_url=older_month)
    page("archive/index.html", "archive.html", "Archive", "archive/", kind="archive",
         day=None, month=None, months=tuple(month_count(m) for m in site.months), newer_url=None,
         older_url=None)
    if view.search_url:
        page(SEARCH_URL + "index.html", "search.html", "Search", SEARCH_URL,
             archive_url="archive/", bundle_url="pagefind/")
    page("404.html", "404.html", "Page not found", "404.html")
    return pages

