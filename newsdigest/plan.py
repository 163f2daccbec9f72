"""The page plan: every file of the site, what makes it (a template or a writer) and the
context it reads. One plan entry (a function below) per kind of page; a new kind of page
is a plan entry here plus its template in layouts/. The build keys every planned file by
its context (incremental/keys.py), so a new kind needs no cache code. A plan entry reads
the Site through `site` (incremental.depends.PlanSite: `site.entry(table, key)` or a
whole table such as `site.days`) and may plan its pages in units (`for key in
out.units(table)`): an incremental build then plans only the units whose reads changed.

Every HTML page gets exactly two things besides its own variables:
  site  -- SiteView: title, description, language, base_url, base_path, feed URLs, nav
  page  -- PageInfo: title, url (site-relative), canonical (absolute), description, feed
the filters `link` (site-relative -> path under base_path), `absolute` (-> full URL),
`longdate`, `shortdate`, `clock`, `monthname`, `isodate`, `rfc822`, `news_jsonld`,
`reporter_url` (a byline name -> its page), `host` (a URL -> its host name), and the
global `entry(article, level=3, show_date=False)` (the list item of _macros.html,
rendered once per article and arguments). README's "Layouts and template context" is
this list for users; the two are kept alike. Per template:
  index.html    days: [Day] (whole days, newest first), older: Day | None (the next older
                day), archive_url
  article.html  article: Article, previous/next: Article | None, related: [Article], day: Day
  tag.html      tag: Tag, articles: [Article], count: int | None (the tag's articles, on
                its landing page only), feed_url, newer_url/older_url: str | None,
                page_number: int | None (None on the tag's landing page)
  tags.html     tags: [TagGroup] (tag, articles, count)
  reporter.html reporter: Reporter (name, slug, url), articles: [Article], count,
                newer_url/older_url, page_number: as on tag.html (no feed)
  day.html      day: Day, month: Month (its month), newer_url/older_url: str | None (the
                next and previous days)
  month.html    month: Month, newer_url/older_url: str | None (the next and previous months)
  archive.html  months: [Month] (every month, newest first)
  search.html   archive_url, bundle_url (the Pagefind bundle, site-relative); only
                with `search: true`
  404.html      nothing more
Day (date, url, articles, count), Month (year, month, url, days, count) and TagGroup
(tag, articles, count) carry their articles; lists of articles ([Article] above, and a
Day's or TagGroup's `articles`) are Articles sequences, which load each article when
first used. Older tag pages are fixed chunks counted from the oldest article, so adding
an article changes the landing page and one chunk only. Objects are frozen (model.py).

The other files (feeds, month archives, the news sitemap, sitemaps, robots.txt, static
files) are planned the same way, each with a writer from render.WRITERS for a template.
"""
from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from .archives import month_archives
from .collect import site_tables
from .config import Config
from .dates import longdate, monthname
from .feeds import archive_path, sitemap_groups
from .incremental.depends import PlanReads, PlanSite
from .model import Articles, NavLink, PageInfo, Site, SiteView
from .news_sitemap import PATH as NEWS_PATH, news_articles

SEARCH_URL = "search/"  # the search page; its index is in site/pagefind/ (see search.py)


class Page(NamedTuple):
    """One output file: where it goes, what makes it (a layout, `*.html`, or a writer
    named in render.WRITERS) and the context that gets. (A named tuple, not a dataclass:
    a build plans 12,000 of them.)"""

    output: str  # path inside site/
    template: str
    context: dict


def site_view(config: Config, searchable: bool = True) -> SiteView:
    """`searchable`: the site has articles to search (Pagefind makes no index of nothing)."""
    nav = (NavLink("Today", ""), NavLink("Tags", "tags/"), NavLink("Archive", "archive/"),
           NavLink("RSS", "feed.xml"))
    return SiteView(config.title, config.description, config.language, config.base_url,
                    config.base_path, "feed.xml", "atom.xml", "feed.json", nav, config.timezone.key,
                    SEARCH_URL if config.search and searchable else None)


class _Pages:
    """Collects the HTML pages of one plan, each with `site` and its `page` info, and
    what each unit of the plan read (see units)."""

    def __init__(self, config: Config, view: SiteView, tables: dict, reads: PlanReads):
        self.config, self.view, self.pages = config, view, []
        self.tables, self.reads = tables, reads

    def units(self, table: str):
        """The keys of a site table (collect.site_tables), in the site's order, each one
        unit of this kind of page: the pages added while the loop is at a key are that
        unit's. A unit that read nothing changed since the last build is skipped, its files
        kept (incremental/depends.py)."""
        return self.reads.each(self.tables[table])

    def add(self, output, template, title, url, description="", feed=None, **context):
        info = PageInfo(title, url, self.config.base_url + url, description or self.config.description, feed)
        self.pages.append(Page(output, template, dict(site=self.view, page=info, **context)))
        self.reads.planned(output, template)


def front_page(site: Site, config: Config, out: _Pages) -> None:
    """The newest whole days until at least one page of articles."""
    shown, count = [], 0
    for d in site.days:
        if count >= config.articles_per_page:
            break
        shown.append(d)
        count += len(d.articles)
    older = site.days[len(shown)] if len(shown) < len(site.days) else None
    out.add("index.html", "index.html", config.title, "", feed="feed.xml",
            days=tuple(shown), older=older, archive_url="archive/")


def article_pages(site: PlanSite, config: Config, out: _Pages) -> None:
    """One page per article, planned from its Facts: no article is loaded to plan it."""
    for i in out.units("articles"):
        facts = site.entry("articles", i)
        newer, older = site.entry("neighbours", i)
        out.add(facts.url + "index.html", "article.html", facts.title, facts.url, description=facts.summary,
                article=site.ref(i), previous=site.ref(older), next=site.ref(newer),
                related=site.articles_of(site.entry("related", i)), day=site.entry("days", facts.day))


def tag_index(site: Site, config: Config, out: _Pages) -> None:
    out.add("tags/index.html", "tags.html", "Tags", "tags/", tags=site.tags)


def _paged(out: _Pages, url: str, title: str, items: Articles, template: str, feed: str | None = None,
           **context) -> None:
    """A list of articles as a landing page (the newest `articles_per_page`), then older
    pages: fixed chunks counted from the oldest article, so adding one changes the
    landing page and one chunk."""
    per = out.config.articles_per_page
    oldest_first = items[::-1]
    chunks = [oldest_first[i:i + per] for i in range(0, len(items), per)] if len(items) > per else []
    first_older = (len(items) - per - 1) // per + 1 if chunks else None  # chunk of the (per+1)-th newest
    out.add(f"{url}index.html", template, title, url, feed=feed, **context,
            articles=items[:per], count=len(items), page_number=None,
            newer_url=None, older_url=f"{url}page/{first_older}/" if chunks else None)
    for n, chunk in enumerate(chunks, start=1):
        page_url = f"{url}page/{n}/"
        out.add(f"{page_url}index.html", template, f"{title}, page {n}", page_url, feed=feed, **context,
                articles=chunk[::-1], count=None, page_number=n,
                newer_url=f"{url}page/{n + 1}/" if n < len(chunks) else url,
                older_url=f"{url}page/{n - 1}/" if n > 1 else None)


def tag_pages(site: PlanSite, config: Config, out: _Pages) -> None:
    for slug in out.units("tags"):
        group = site.entry("tags", slug)
        tag = group.tag
        feed = f"{tag.url}feed.xml"
        _paged(out, tag.url, f"Tag: {tag.name}", group.articles, "tag.html", feed=feed, tag=tag, feed_url=feed)


def reporter_pages(site: PlanSite, config: Config, out: _Pages) -> None:
    """A page per reporter (paged like a tag's), reached from the bylines of article pages."""
    for slug in out.units("reporters"):
        group = site.entry("reporters", slug)
        r = group.reporter
        _paged(out, r.url, f"Reporter: {r.name}", group.articles, "reporter.html", reporter=r)


def day_pages(site: PlanSite, config: Config, out: _Pages) -> None:
    for url in out.units("days"):
        d = site.entry("days", url)
        newer, older = site.entry("day_neighbours", url)
        out.add(f"{d.url}index.html", "day.html", longdate(d.date), d.url,
                day=d, month=site.entry("months", url[:8]), newer_url=newer, older_url=older)


def month_pages(site: PlanSite, config: Config, out: _Pages) -> None:
    for url in out.units("months"):
        m = site.entry("months", url)
        newer, older = site.entry("month_neighbours", url)
        out.add(f"{m.url}index.html", "month.html", monthname(m), m.url, month=m, newer_url=newer, older_url=older)


def archive_page(site: Site, config: Config, out: _Pages) -> None:
    out.add("archive/index.html", "archive.html", "Archive", "archive/", months=site.months)


def search_page(site: Site, config: Config, out: _Pages) -> None:
    if out.view.search_url:
        out.add(SEARCH_URL + "index.html", "search.html", "Search", SEARCH_URL,
                archive_url="archive/", bundle_url="pagefind/")


def not_found_page(site: Site, config: Config, out: _Pages) -> None:
    out.add("404.html", "404.html", "Page not found", "404.html")


# The kinds of HTML page, in plan order.
PAGE_KINDS = (front_page, article_pages, tag_index, tag_pages, reporter_pages, day_pages, month_pages,
              archive_page, search_page, not_found_page)


def plan_pages(site: Site, config: Config, reads: PlanReads | None = None, tables: dict | None = None) -> list[Page]:
    """Every HTML page of the site with its context; with `reads` (which may hold the last
    build's index), only the units it does not keep, each noted with what it read.
    `tables`: collect.site_tables(site), when the caller has them."""
    reads = reads or PlanReads(None)
    tables = tables or site_tables(site)
    out = _Pages(config, site_view(config, searchable=len(site.articles) > 0), tables, reads)
    view = PlanSite(site, tables, reads)
    for kind in PAGE_KINDS:
        reads.begin_kind(kind.__name__)
        kind(view, config, out)
    return out.pages


def feed_files(site: Site, config: Config) -> list[Page]:
    """The subscription feeds (RSS, Atom, JSON Feed) and each tag's RSS feed; they lead to
    the newest month's archive (RFC 5005, archives.py)."""
    newest = archive_path(site.months[0].year, site.months[0].month) if site.months else None
    items = site.articles[: config.feed_items]
    files = [Page("feed.xml", "rss", dict(articles=items, title=config.title, page_url="", feed_url="feed.xml",
                                          description=config.description, prev_archive=newest)),
             Page("atom.xml", "atom", dict(articles=items, prev_archive=newest)),
             Page("feed.json", "json_feed", dict(articles=items))]
    for g in site.tags:
        t = g.tag
        files.append(Page(f"{t.url}feed.xml", "rss", dict(
            articles=g.articles[: config.feed_items], title=f"{config.title}: {t.name}", page_url=t.url,
            feed_url=f"{t.url}feed.xml", description=f"Articles tagged {t.name}", prev_archive=None)))
    return files


def archive_files(site: Site, config: Config) -> list[Page]:
    """One RSS document per month (RFC 5005), linked to its neighbours."""
    return [Page(doc.path, "archive_feed", dict(doc._asdict())) for doc in month_archives(site)]


def news_files(site: Site, now: datetime) -> list[Page]:
    """The Google News sitemap: the last two days' articles, when there are any."""
    news = news_articles(site, now)
    return [Page(NEWS_PATH, "news_sitemap", dict(articles=news))] if news else []


def sitemap_files(pages, site: Site, news: list[Page]) -> list[Page]:
    """sitemap.xml, an index of one sitemap per month (feeds.sitemap_groups) of `pages`
    (their output paths)."""
    html_urls = sorted(p[: -len("index.html")] for p in pages if p.endswith("index.html"))
    facts = site.facts.values()
    iso = {day: day[:10].replace("/", "-") for day in set(map(_DAY, facts))}  # YYYY/MM/DD/ -> YYYY-MM-DD
    lastmod = dict(zip(map(_URL, facts), map(iso.__getitem__, map(_DAY, facts))))  # url: its article's date
    groups = sitemap_groups(html_urls, lastmod)
    files = [Page("sitemap.xml", "sitemap_index", dict(paths=tuple(groups) + tuple(p.output for p in news)))]
    for path, urls in groups.items():
        files.append(Page(path, "sitemap", dict(urls=tuple(urls), lastmod={u: lastmod[u] for u in urls if u in lastmod})))
    return files


_DAY, _URL = attrgetter("day"), attrgetter("url")


def small_files(config: Config, news: list[Page], static: dict[str, bytes]) -> list[Page]:
    """robots.txt, .nojekyll, CNAME and the files of layouts/static/."""
    files = [Page("robots.txt", "robots", dict(more_sitemaps=tuple(p.output for p in news))),
             Page(".nojekyll", "copy", dict(data=b""))]
    if config.cname:
        files.append(Page("CNAME", "copy", dict(data=(config.cname + "\n").encode("utf-8"))))
    files += [Page(path, "static", dict(data=data)) for path, data in static.items()]
    return files


def plan_site(site: Site, config: Config, now: datetime, static: dict[str, bytes],
              reads: PlanReads | None = None, tables: dict | None = None) -> list[Page]:
    """Every file of the site: the HTML pages, then the feeds, archives, sitemaps and
    small files. With `reads`, the HTML pages of the units it keeps from the last build
    are not planned (see plan_pages); the sitemaps list them all the same."""
    pages = plan_pages(site, config, reads, tables)
    news = news_files(site, now)
    html = [p.output for p in pages] + (list(reads.kept_files()) if reads else [])
    return (pages + feed_files(site, config) + archive_files(site, config) + news
            + sitemap_files(html, site, news) + small_files(config, news, static))
