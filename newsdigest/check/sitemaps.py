"""robots.txt and the sitemaps: robots.txt names them, sitemap.xml (one urlset, or an index
of urlsets) lists every page of the site once, and news-sitemap.xml follows Google News'
rules."""
from __future__ import annotations

from ..ghpages import NOT_FOUND_PAGE
from ..news_sitemap import NEWS_LANGUAGE
from .built_site import BuiltSite
from .dates import parse_rfc3339

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
NEWS_SITEMAP = "news-sitemap.xml"
NEWS_SITEMAP_LIMIT = 1000  # URLs Google News reads from one news sitemap
SITEMAP_LIMIT = 50_000  # URLs the sitemap protocol allows in one file


def check_sitemap_and_robots(site: BuiltSite) -> None:
    check_robots(site)
    if "sitemap.xml" not in site.files:
        return
    root = site.parse_xml("sitemap.xml")
    if root is None:
        return
    sitemaps, news_listed = sitemap_documents(site, root)
    listed = listed_pages(site, sitemaps)
    for rel in site.html_files:
        if rel != NOT_FOUND_PAGE and rel not in listed:
            site.problem("sitemap.xml", f"does not list {rel} ({site.public_url(rel)})")
    if NEWS_SITEMAP in site.files:
        if not news_listed:
            site.problem("sitemap.xml", f"does not list {site.base_url}{NEWS_SITEMAP}")
        check_news_sitemap(site)


def check_robots(site: BuiltSite) -> None:
    """robots.txt names sitemap.xml (and the news sitemap, when there is one)."""
    if "robots.txt" not in site.files:
        return
    lines = [ln.strip() for ln in site.read_text("robots.txt").splitlines()]
    listed = [ln.split(":", 1)[1].strip() for ln in lines if ln.lower().startswith("sitemap:")]
    if site.base_url + "sitemap.xml" not in listed:
        site.problem("robots.txt", f"no 'Sitemap: {site.base_url}sitemap.xml' line")
    if NEWS_SITEMAP in site.files and site.base_url + NEWS_SITEMAP not in listed:
        site.problem("robots.txt", f"no 'Sitemap: {site.base_url}{NEWS_SITEMAP}' line")


def sitemap_documents(site: BuiltSite, root) -> tuple[list, bool]:
    """The urlsets sitemap.xml stands for, as (site path, root element): itself, or (for
    large sites) those its index names; and whether the index names the news sitemap."""
    if root.tag != SITEMAP_NS + "sitemapindex":
        return [("sitemap.xml", root)], False
    sitemaps, news_listed = [], False
    for loc_element in root.iter(SITEMAP_NS + "loc"):
        loc = (loc_element.text or "").strip()
        target = site.file_at(loc)
        if target is None or not target.endswith(".xml"):
            site.problem("sitemap.xml", f"<loc>{loc}</loc> is not a sitemap in this site")
            continue
        if target == NEWS_SITEMAP:  # lists articles the other sitemaps list too
            news_listed = True
            continue
        child = site.parse_xml(target)
        if child is not None:
            sitemaps.append((target, child))
    return sitemaps, news_listed


def listed_pages(site: BuiltSite, sitemaps: list) -> set:
    """The pages the urlsets list, each URL checked: under base_url, a page, listed once."""
    listed = set()
    for name, urlset in sitemaps:
        if urlset.tag != SITEMAP_NS + "urlset":
            expected = "urlset or sitemapindex" if name == "sitemap.xml" else "urlset"
            site.problem(name, f"root element is {urlset.tag}, expected {SITEMAP_NS}{expected}")
            continue
        locs = [(e.text or "").strip() for e in urlset.iter(SITEMAP_NS + "loc")]
        if len(locs) > SITEMAP_LIMIT:
            site.problem(name, f"lists {len(locs)} URLs; the sitemap protocol allows 50,000 per file")
        for loc in locs:
            if not loc.startswith(site.base_url):
                site.problem(name, f"<loc>{loc}</loc> is not under {site.base_url}")
                continue
            target = site.file_at(loc)
            is_page = target is not None and target.endswith((".html", ".htm")) and target != NOT_FOUND_PAGE
            list_once(site, name, loc, target if is_page else None, "a page", listed)
    return listed


def list_once(site: BuiltSite, rel: str, loc: str, target: str | None, what: str, listed: set) -> None:
    """Add `target`, the file the sitemap `rel` lists as `loc` (None when it is not `what`
    of the site), to `listed`, unless it is there already."""
    if target is None:
        site.problem(rel, f"<loc>{loc}</loc> is not {what} of the site")
    elif target in listed:
        site.problem(rel, f"{target} is listed twice")
    else:
        listed.add(target)


def check_news_sitemap(site: BuiltSite) -> None:
    """Google's news sitemap rules (the schema's, and its 1,000-URL limit): every URL
    an article page of the site, once, with publication name and language,
    publication date with its offset, and title."""
    rel = NEWS_SITEMAP
    root = site.parse_xml(rel)
    if root is None:
        return
    if root.tag != SITEMAP_NS + "urlset":
        site.problem(rel, f"root element is {root.tag}, expected {SITEMAP_NS}urlset")
        return
    urls = root.findall(SITEMAP_NS + "url")
    if not urls:
        site.problem(rel, "lists no URL (the sitemap schema wants at least one)")
    if len(urls) > NEWS_SITEMAP_LIMIT:
        site.problem(rel, f"lists {len(urls)} URLs; Google News reads at most {NEWS_SITEMAP_LIMIT:,}")
    seen = set()
    for n, url in enumerate(urls, 1):
        loc = (url.findtext(SITEMAP_NS + "loc") or "").strip()
        target = site.file_at(loc)
        is_article = target is not None and target != NOT_FOUND_PAGE and site.page(target).og_type == "article"
        list_once(site, rel, loc, target if is_article else None, "an article page", seen)
        check_news_entry(site, n, url.find(NEWS_NS + "news"))


def check_news_entry(site: BuiltSite, n: int, news) -> None:
    """The <news:news> of url `n`: publication name and language, date, title."""
    rel = NEWS_SITEMAP
    if news is None:
        site.problem(rel, f"url {n} has no <news:news>")
        return
    name = (news.findtext(f"{NEWS_NS}publication/{NEWS_NS}name") or "").strip()
    language = (news.findtext(f"{NEWS_NS}publication/{NEWS_NS}language") or "").strip()
    if not name:
        site.problem(rel, f"url {n} has no <news:publication><news:name>")
    if not NEWS_LANGUAGE.fullmatch(language):
        site.problem(rel, f"url {n} news:language {language!r} is not an ISO 639 code (or zh-cn, zh-tw)")
    date = (news.findtext(NEWS_NS + "publication_date") or "").strip()
    if not parse_rfc3339(date):
        site.problem(rel, f"url {n} news:publication_date {date!r} is not a date and time with its offset")
    if not (news.findtext(NEWS_NS + "title") or "").strip():
        site.problem(rel, f"url {n} has no <news:title>")
