"""RSS 2.0, Atom 1.0, JSON Feed 1.1, sitemap.xml and robots.txt, from the same model.

Every URL is absolute (also inside the article HTML); dates come from the articles, never
from the clock, so two builds of the same content give the same bytes.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote

from .config import Config
from .model import Article
from .markup import absolutise, script_safe_json
from .dates import rfc822


# xml.sax.saxutils' escape and quoteattr, written out: importing saxutils pulls in
# urllib.request and http.client, 50 ms of every build's start-up.
def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


_ENTITY_LIKE = re.compile(r"&(?=[#A-Za-z])")  # HTML also reads legacy entities without ";"


def html_text(text: str) -> str:
    """Plain text as HTML that shows exactly that text: RSS readers take <description>
    as HTML, so a summary of `</script><script>...` must arrive as text, not markup.
    A `&` that cannot start an entity ("Crime & Justice") shows as itself and is left as
    it is: escaping it again is what feed validators flag as double-escaped."""
    return _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'

NS = ('xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/"')


def public_url(config: Config, rel: str) -> str:
    """The absolute URL of a site path. Feeds carry IRIs (Hangul tag paths as they are,
    which Atom allows and `check` expects); sitemap_url escapes them."""
    return config.base_url + rel


_URL_SAFE = "/:@!$&'()*+,;=-._~%"
_NEEDS_QUOTE = re.compile(r"[^A-Za-z0-9" + re.escape(_URL_SAFE) + "]")


def sitemap_url(config: Config, rel: str) -> str:
    """Percent-encoded: the sitemap protocol wants URLs, not IRIs."""
    return config.base_url + (quote(rel, safe=_URL_SAFE) if _NEEDS_QUOTE.search(rel) else rel)


def _abs_html(a: Article, config: Config) -> str:
    return absolutise(a.body_html, public_url(config, a.url))


def archive_path(year: int, month: int) -> str:
    """The site path of a month's archived feed (see archives.py)."""
    return f"feeds/{year:04d}/{month:02d}.xml"


def hub_links(config: Config, element: str = "atom:link") -> list[str]:
    """WebSub: the hub a subscriber should use, as an RSS atom:link or an Atom link."""
    return [f'<{element} href={quoteattr(config.websub_hub)} rel="hub"/>'] if config.websub_hub else []


def rss(articles, config: Config, title: str, page_url: str, feed_url: str, description: str,
        head=(), limit: int | None = None) -> str:
    """An RSS 2.0 channel; `articles` newest first, cut to `limit` (default feed_items).
    `head`: more channel elements (archive and hub links), after the self link."""
    items = articles[: config.feed_items if limit is None else limit]
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<rss version="2.0" {NS}>', "<channel>",
           f"<title>{escape(title)}</title>",
           f"<link>{escape(public_url(config, page_url))}</link>",
           f"<description>{escape(html_text(description or title))}</description>",
           f"<language>{escape(config.language)}</language>",
           f'<atom:link href={quoteattr(public_url(config, feed_url))} rel="self" type="application/rss+xml"/>',
           *head,
           "<generator>newsdigest</generator>"]
    if items:
        out.append(f"<lastBuildDate>{rfc822(items[0].date)}</lastBuildDate>")
    for a in items:
        out += ["<item>",
                f"<title>{escape(a.title)}</title>",
                f"<link>{escape(public_url(config, a.url))}</link>",
                f'<guid isPermaLink="false">{escape(a.id)}</guid>',
                f"<pubDate>{rfc822(a.date)}</pubDate>"]
        if a.reporters:  # one element: feed validators reject repeated dc:creator in an item
            out.append(f"<dc:creator>{escape(', '.join(a.reporters))}</dc:creator>")
        out += [f"<category>{escape(t.name)}</category>" for t in a.tags]
        if a.source_url:  # RSS 2.0 <source>: where the item came from, named by its outlet
            out.append(f"<source url={quoteattr(a.source_url)}>{escape(a.source)}</source>")
        out += [f"<description>{escape(html_text(a.summary))}</description>",
                f"<content:encoded>{escape(_abs_html(a, config))}</content:encoded>",
                "</item>"]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom(articles, config: Config, head=()) -> str:
    """The Atom feed of the newest feed_items; `head`: more feed-level links."""
    items = articles[: config.feed_items]
    base = config.base_url
    updated = items[0].date.isoformat() if items else "1970-01-01T00:00:00+00:00"
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
           f"<title>{escape(config.title)}</title>",
           f"<subtitle>{escape(config.description)}</subtitle>" if config.description else "",
           f'<link href={quoteattr(base)} rel="alternate" type="text/html"/>',
           f'<link href={quoteattr(base + "atom.xml")} rel="self" type="application/atom+xml"/>',
           *head,
           f"<id>{escape(base)}</id>",
           f"<updated>{updated}</updated>",
           "<generator>newsdigest</generator>"]
    for a in items:
        out += ["<entry>",
                f"<title>{escape(a.title)}</title>",
                f'<link href={quoteattr(public_url(config, a.url))} rel="alternate" type="text/html"/>',
                f"<id>urn:newsdigest:{escape(a.id)}</id>",
                f"<published>{a.date.isoformat()}</published>",
                f"<updated>{a.date.isoformat()}</updated>"]
        authors = a.reporters or (a.source,)
        out += [f"<author><name>{escape(r)}</name></author>" for r in authors]
        out += [f"<category term={quoteattr(t.name)}/>" for t in a.tags]
        out += [f"<summary>{escape(a.summary)}</summary>",
                f'<content type="html">{escape(_abs_html(a, config))}</content>',
                "</entry>"]
    out += ["</feed>", ""]
    return "\n".join(line for line in out if line)


def json_feed(articles, config: Config) -> str:
    base = config.base_url
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": config.title,
        "home_page_url": base,
        "feed_url": base + "feed.json",
        "description": config.description,
        "language": config.language,
        **({"hubs": [{"type": "WebSub", "url": config.websub_hub}]} if config.websub_hub else {}),
        "items": [
            {
                "id": a.id,
                "url": public_url(config, a.url),
                "title": a.title,
                "summary": a.summary,
                "content_html": _abs_html(a, config),
                "date_published": a.date.isoformat(),
                "authors": [{"name": r} for r in (a.reporters or (a.source,))],
                "tags": [t.name for t in a.tags],
                **({"external_url": a.source_url} if a.source_url else {}),
            }
            for a in articles[: config.feed_items]
        ],
    }
    # Escaped like the JSON-LD: headlines are plain text, but consumers paste them into HTML.
    return script_safe_json(json.dumps(feed, ensure_ascii=False, indent=1)) + "\n"


SITEMAP_LIMIT = 50_000  # URLs per sitemap file, the protocol's limit
_MONTH_URL = re.compile(r"\d{4}/\d{2}/")


def sitemap_groups(html_urls, lastmod: dict) -> dict[str, list]:
    """Sitemap file -> the page URLs it lists: one file per month (articles by their date,
    day and month pages by their URL) and one for the other pages, each split at the
    protocol's 50,000. Adding an article then changes its month's file and the index."""
    groups: dict[str, list] = {}
    for url in html_urls:
        day = lastmod.get(url)
        name = day[:7] if day else (f"{url[:4]}-{url[5:7]}" if _MONTH_URL.match(url) else "pages")
        groups.setdefault(name, []).append(url)
    files = {}
    for name in sorted(groups):
        urls = groups[name]
        for n, start in enumerate(range(0, len(urls), SITEMAP_LIMIT)):
            files[f"sitemaps/{name}{f'-{n + 1}' if n else ''}.xml"] = urls[start:start + SITEMAP_LIMIT]
    return files


def sitemap_index(paths, config: Config) -> str:
    """sitemap.xml: the index of the sitemap files (site paths)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    out += [f"<sitemap><loc>{escape(sitemap_url(config, path))}</loc></sitemap>" for path in paths]
    out += ["</sitemapindex>", ""]
    return "\n".join(out)


def sitemap(html_urls, lastmod: dict, config: Config) -> str:
    """One sitemap file: these pages, with their articles' dates."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url in html_urls:
        mod = f"<lastmod>{lastmod[url]}</lastmod>" if url in lastmod else ""
        out.append(f"<url><loc>{escape(sitemap_url(config, url))}</loc>{mod}</url>")
    out += ["</urlset>", ""]
    return "\n".join(out)


def robots(config: Config, more_sitemaps=()) -> str:
    """Allows everything and names sitemap.xml, then `more_sitemaps` (site paths)."""
    more = "".join(f"Sitemap: {config.base_url}{path}\n" for path in more_sitemaps)
    return f"User-agent: *\nAllow: /\nSitemap: {config.base_url}sitemap.xml\n{more}"


def _prev_archive(config: Config, path: str | None, element: str) -> list[str]:
    """RFC 5005: a subscription feed's link to the newest month's archive (archives.py)."""
    if path is None:
        return []
    return [f'<{element} href={quoteattr(public_url(config, path))} rel="prev-archive" type="application/rss+xml"/>']


def rss_file(config: Config, articles, title: str, page_url: str, feed_url: str, description: str,
             prev_archive: str | None) -> str:
    """feed.xml or a tag's feed.xml: RSS with its archive and hub links."""
    return rss(articles, config, title, page_url, feed_url, description,
               head=_prev_archive(config, prev_archive, "atom:link") + hub_links(config))


def atom_file(config: Config, articles, prev_archive: str | None) -> str:
    """atom.xml, with its archive and hub links."""
    return atom(articles, config, head=_prev_archive(config, prev_archive, "link") + hub_links(config, "link"))
