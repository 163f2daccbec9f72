"""news-sitemap.xml: the Google News sitemap of the articles of the last two days.

Google News reads articles published in the last two days from it, at most 1,000 URLs,
each with its publication (the site title and language), publication date (with its offset) and
title. Which articles are in it depends on the build's "now", so the build's no-change
stamp expires when the oldest of them leaves the window (see `window_closes`).
"""
from __future__ import annotations

import re
from datetime import datetime

from .config import Config
from .feeds import escape, sitemap_url
from .model import Articles, Site

PATH = "news-sitemap.xml"
WINDOW_SECONDS = 2 * 24 * 3600  # Google News: articles published in the last two days
LIMIT = 1000  # URLs per news sitemap, Google's limit
NS = ('xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
      'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"')


def news_articles(site: Site, now: datetime) -> Articles:
    """The articles of the last two days before `now`, newest first, at most LIMIT."""
    oldest = now.timestamp() - WINDOW_SECONDS
    ids = site.articles.ids
    count = 0
    while count < len(ids) and count < LIMIT and site.facts[ids[count]].stamp > oldest:
        count += 1
    return site.articles[:count]


def window_closes(site: Site, articles: Articles) -> float | None:
    """When the first of these articles leaves the two-day window (POSIX time), or None."""
    return min((site.facts[i].stamp + WINDOW_SECONDS for i in articles.ids), default=None)


# The language codes Google News accepts (the checker in check/sitemaps.py holds a site to them).
NEWS_LANGUAGE = re.compile(r"zh-cn|zh-tw|[a-z]{2,3}")


def news_language(language: str) -> str:
    """The site's language as Google News wants it: an ISO 639 code (`en`, `ko`), or
    zh-cn / zh-tw for Chinese; `en-US` becomes `en`."""
    code = language.strip().lower().replace("_", "-")
    if NEWS_LANGUAGE.fullmatch(code):
        return code
    if code.startswith("zh-"):
        return "zh-tw" if code in ("zh-hant", "zh-hk", "zh-mo") else "zh-cn"
    return code.split("-")[0]


def news_sitemap(articles, config: Config) -> str:
    """The news sitemap of these articles (newest first; at least one: the sitemap schema
    wants a <url> in every urlset, so with none the build writes no file)."""
    publication = (f"<news:publication><news:name>{escape(config.title)}</news:name>"
                   f"<news:language>{escape(news_language(config.language))}</news:language></news:publication>")
    out = ['<?xml version="1.0" encoding="utf-8"?>', f"<urlset {NS}>"]
    for a in articles:
        out.append(f"<url><loc>{escape(sitemap_url(config, a.url))}</loc><news:news>{publication}"
                   f"<news:publication_date>{a.date.isoformat()}</news:publication_date>"
                   f"<news:title>{escape(a.title)}</news:title></news:news></url>")
    out += ["</urlset>", ""]
    return "\n".join(out)
