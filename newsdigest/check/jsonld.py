"""JSON-LD: each article page carries one schema.org NewsArticle with the properties
Google's article documentation asks for, escaped for a <script>."""
from __future__ import annotations

import json

from .built_site import BuiltSite, is_absolute_http
from .dates import parse_rfc3339


def check_article_json_ld(site: BuiltSite, rel: str) -> None:
    """The NewsArticle of the page `rel`, when it is an article page (og:type article)."""
    page = site.page(rel)
    if page.og_type != "article":
        return
    if len(page.json_ld) != 1:
        site.problem(rel, f"article page has {len(page.json_ld)} JSON-LD scripts, expected one NewsArticle")
        return
    for wrong in sorted({c for c in page.json_ld[0] if c in "<>&"}):
        site.problem(rel, f"JSON-LD has a raw {wrong!r} (write it as \\u{ord(wrong):04x})")
    problems = news_article_problems(page.json_ld[0], site.public_url(rel))
    for problem in problems:
        site.problem(rel, f"JSON-LD {problem}")
    if not problems:  # a logo inside the site must be there
        logo = json.loads(page.json_ld[0])["publisher"].get("logo")
        url = logo.get("url") if isinstance(logo, dict) else logo
        if url:
            site.check_ref(rel, url, site.base_url, note=" (JSON-LD publisher logo)")


def news_article_problems(text, canonical):
    """What a NewsArticle JSON-LD text lacks (Google's article properties), as phrases."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return [f"is not valid JSON: {e}"]
    if not isinstance(data, dict) or data.get("@type") != "NewsArticle":
        return ["is not a schema.org NewsArticle object"]
    problems = []
    if data.get("@context") not in ("https://schema.org", "http://schema.org"):
        problems.append(f"@context is {data.get('@context')!r}, expected 'https://schema.org'")
    if not isinstance(data.get("headline"), str) or not data["headline"].strip():
        problems.append("has no headline")
    for name in ("datePublished", "dateModified"):
        value = data.get(name)
        if not isinstance(value, str) or not parse_rfc3339(value) or parse_rfc3339(value).tzinfo is None:
            problems.append(f"{name} {value!r} is not a date and time with its offset")
    authors = data.get("author")
    authors = [authors] if isinstance(authors, dict) else authors
    if not isinstance(authors, list) or not authors:
        problems.append("has no author")
    else:
        for n, author in enumerate(authors, 1):
            if (not isinstance(author, dict) or author.get("@type") not in ("Person", "Organization")
                    or not isinstance(author.get("name"), str) or not author["name"].strip()):
                problems.append(f"author {n} is not a Person or Organization with a name")
    publisher = data.get("publisher")
    if (not isinstance(publisher, dict) or publisher.get("@type") != "Organization"
            or not isinstance(publisher.get("name"), str) or not publisher["name"].strip()):
        problems.append("publisher is not an Organization with a name")
    elif "logo" in publisher:
        logo = publisher["logo"]
        url = logo.get("url") if isinstance(logo, dict) else logo
        if not isinstance(url, str) or not is_absolute_http(url):
            problems.append(f"publisher logo {url!r} is not an absolute URL")
    page = data.get("mainEntityOfPage")
    page = page.get("@id") if isinstance(page, dict) else page
    if page != canonical:
        problems.append(f"mainEntityOfPage is {page!r}, expected {canonical}")
    if not isinstance(data.get("isAccessibleForFree"), bool):
        problems.append("isAccessibleForFree is not true or false")
    if not isinstance(data.get("inLanguage"), str) or not data["inLanguage"].strip():
        problems.append("has no inLanguage")
    return problems
