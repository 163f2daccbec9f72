"""The feeds as feed readers and the W3C feed validator see them: RSS 2.0 (feed.xml, each
tag's, and the month archives), Atom and JSON Feed; self links, item links and ids,
dates, absolute URLs in item HTML, and the WebSub hub every feed names."""
from __future__ import annotations

import json
import re

from .built_site import SKIP_SCHEMES, BuiltSite, is_absolute_http
from .dates import parse_rfc822, parse_rfc3339
from .html import parse_html

ARCHIVE_FEED = re.compile(r"feeds/\d{4}/\d{2}\.xml")  # RFC 5005 month archives
ATOM_NS = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def feed_kind(rel: str) -> str | None:
    """What a site file is as a feed: "rss", "atom", "json", "archive" (a month of feed.xml,
    RFC 5005) or None."""
    if ARCHIVE_FEED.fullmatch(rel):
        return "archive"
    return {"feed.xml": "rss", "atom.xml": "atom", "feed.json": "json"}.get(rel.rsplit("/", 1)[-1])


def check_feeds(site: BuiltSite, websub_hub: str | None) -> None:
    """Every feed of the site, and the hub each names."""
    checks = {"rss": check_rss, "atom": check_atom, "json": check_json_feed, "archive": check_rss}
    hubs = {}  # feed -> the WebSub hubs it names
    for rel in sorted(site.files):
        kind = feed_kind(rel)
        if kind:
            site.feeds += kind != "archive"  # the summary counts subscription feeds
            named = checks[kind](site, rel)
            if named is not None:
                hubs[rel] = named
    check_hub_links(site, hubs, websub_hub)


def check_hub_links(site: BuiltSite, hubs: dict, websub_hub: str | None) -> None:
    """WebSub: every feed names the configured hub (or, when that is not known, the
    hub feed.xml names), once, beside its self link; or none, when there is none."""
    expected = websub_hub
    if expected is None:
        expected = (hubs.get("feed.xml") or [""])[0]
    for rel, named in sorted(hubs.items()):
        if named != ([expected] if expected else []):
            site.problem(rel, f'names the WebSub hub(s) {", ".join(named) or "none"}, expected {expected or "none"}')


def check_absolute_link(site: BuiltSite, rel: str, what: str, url: str) -> None:
    """A link a feed reader follows: absolute, and working when it points into the site."""
    if not url:
        site.problem(rel, f"{what} is empty")
    elif not is_absolute_http(url):
        site.problem(rel, f"{what} {url} is not an absolute URL")
    else:
        site.check_ref(rel, url, site.base_url)


def check_feed_html(site: BuiltSite, rel: str, what: str, html_text: str) -> None:
    """Feed readers show item HTML away from the site, so every URL in it must be absolute."""
    for _tag, raw in parse_html(html_text).refs:
        url = raw.strip()
        if url.startswith("//"):
            site.problem(rel, f"{what} has protocol-relative URL {url}")
        elif url.startswith("#") or url.lower().startswith(SKIP_SCHEMES):
            continue
        elif not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url):
            site.problem(rel, f"{what} has relative URL {url}")
        else:
            site.check_ref(rel, url, site.base_url)


def check_self_link(site: BuiltSite, rel: str, what: str, hrefs: list) -> None:
    expected = site.base_url + rel
    if not hrefs:
        site.problem(rel, f'no {what} (should be {expected})')
    elif hrefs[0] != expected:
        site.problem(rel, f"{what} is {hrefs[0]}, expected {expected}")


def first_id(site: BuiltSite, rel: str, where: tuple, name: str, value: str, seen: dict, missing: str) -> bool:
    """Whether item or entry `where` (kind, number) has an id (`name`: guid or id) that no
    earlier one of the feed has; `seen`: id -> number, filled here."""
    kind, n = where
    if not value:
        site.problem(rel, f"{kind} {n} {missing}")
    elif value in seen:
        site.problem(rel, f"{kind} {n} {name} {value} repeats {kind} {seen[value]}")
    else:
        seen[value] = n
        return True
    return False


def links_with_rel(element, rel: str) -> list:
    """The href of every atom:link of `element` with this rel."""
    return [a.get("href", "") for a in element.findall(ATOM_NS + "link") if a.get("rel") == rel]


# ---------------------------------------------------------------- RSS 2.0
def check_rss(site: BuiltSite, rel: str) -> list | None:
    """An RSS 2.0 feed (or month archive); returns the hubs it names (None: unreadable)."""
    root = site.parse_xml(rel)
    if root is None:
        return None
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        site.problem(rel, "not an RSS 2.0 feed (<rss version=\"2.0\"><channel>)")
        return None
    for name in ("title", "link", "description"):
        if not (channel.findtext(name) or "").strip():
            site.problem(rel, f"channel has no <{name}>")
    if (channel.findtext("link") or "").strip():
        check_absolute_link(site, rel, "channel link", channel.findtext("link").strip())
    check_self_link(site, rel, "atom:link rel=\"self\"", links_with_rel(channel, "self"))
    check_rss_items(site, rel, channel)
    last_build = (channel.findtext("lastBuildDate") or "").strip()
    if last_build and parse_rfc822(last_build)[1]:
        site.problem(rel, f"lastBuildDate {last_build!r} {parse_rfc822(last_build)[1]}")
    return links_with_rel(channel, "hub")


def check_rss_items(site: BuiltSite, rel: str, channel) -> None:
    """Each item: title, absolute link, a guid once, a valid pubDate, newest first."""
    guids, previous = {}, None
    for n, item in enumerate(channel.findall("item"), 1):
        label = f"item {n}"
        if not (item.findtext("title") or "").strip():
            site.problem(rel, f"{label} has no <title>")
        check_absolute_link(site, rel, f"{label} link", (item.findtext("link") or "").strip())
        guid_element = item.find("guid")
        guid = (guid_element.text or "").strip() if guid_element is not None else ""
        if first_id(site, rel, ("item", n), "guid", guid, guids, "has no <guid>"):
            if guid_element.get("isPermaLink", "true") == "true":
                check_absolute_link(site, rel, f"{label} permalink guid", guid)
        pub_date = (item.findtext("pubDate") or "").strip()
        if not pub_date:
            site.problem(rel, f"{label} has no <pubDate>")
        else:
            when, wrong = parse_rfc822(pub_date)
            if wrong:
                site.problem(rel, f"{label} pubDate {pub_date!r} {wrong}")
            elif previous and when > previous[1]:
                site.problem(rel, f"items are not newest first: {label} is newer than item {previous[0]}")
            if when:
                previous = (n, when)
        for element, name in ((item.find("description"), "description"),
                              (item.find(CONTENT_ENCODED), "content:encoded")):
            if element is not None and element.text:
                check_feed_html(site, rel, f"{label} {name}", element.text)


# ---------------------------------------------------------------- Atom
def check_atom(site: BuiltSite, rel: str) -> list | None:
    """An Atom feed; returns the hubs it names (None: unreadable)."""
    root = site.parse_xml(rel)
    if root is None:
        return None
    if root.tag != ATOM_NS + "feed":
        site.problem(rel, f"not an Atom feed (root element {root.tag})")
        return None
    for name in ("id", "title", "updated"):
        if not (root.findtext(ATOM_NS + name) or "").strip():
            site.problem(rel, f"feed has no <{name}>")
    updated = (root.findtext(ATOM_NS + "updated") or "").strip()
    if updated and not parse_rfc3339(updated):
        site.problem(rel, f"feed updated {updated!r} is not an RFC 3339 date")
    check_self_link(site, rel, 'link rel="self"', links_with_rel(root, "self"))
    check_atom_entries(site, rel, root)
    return links_with_rel(root, "hub")


def check_atom_entries(site: BuiltSite, rel: str, root) -> None:
    """Each entry: an id once, title, valid updated, alternate links, an author."""
    feed_has_author = root.find(ATOM_NS + "author") is not None
    ids = {}
    for n, entry in enumerate(root.findall(ATOM_NS + "entry"), 1):
        label = f"entry {n}"
        first_id(site, rel, ("entry", n), "id", (entry.findtext(ATOM_NS + "id") or "").strip(), ids, "has no <id>")
        if not (entry.findtext(ATOM_NS + "title") or "").strip():
            site.problem(rel, f"{label} has no <title>")
        entry_updated = (entry.findtext(ATOM_NS + "updated") or "").strip()
        if not entry_updated:
            site.problem(rel, f"{label} has no <updated>")
        elif not parse_rfc3339(entry_updated):
            site.problem(rel, f"{label} updated {entry_updated!r} is not an RFC 3339 date")
        alternates = [a.get("href", "") for a in entry.findall(ATOM_NS + "link")
                      if a.get("rel", "alternate") == "alternate"]
        if not alternates:
            site.problem(rel, f'{label} has no <link rel="alternate">')
        for href in alternates:
            check_absolute_link(site, rel, f"{label} link", href)
        if not feed_has_author and entry.find(ATOM_NS + "author") is None:
            site.problem(rel, f"{label} has no <author> and neither has the feed")
        for name in ("content", "summary"):
            element = entry.find(ATOM_NS + name)
            if element is not None and element.get("type") == "html" and element.text:
                check_feed_html(site, rel, f"{label} {name}", element.text)


# ---------------------------------------------------------------- JSON Feed
def check_json_feed(site: BuiltSite, rel: str) -> list | None:
    """A JSON Feed 1.1; returns the hubs it names (None: unreadable)."""
    try:
        feed = json.loads(site.read_text(rel))
    except json.JSONDecodeError as e:
        site.problem(rel, f"not valid JSON: {e}")
        return None
    if not isinstance(feed, dict):
        site.problem(rel, "not a JSON Feed (top level is not an object)")
        return None
    if feed.get("version") != JSON_FEED_VERSION:
        site.problem(rel, f"version is {feed.get('version')!r}, expected {JSON_FEED_VERSION!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"].strip():
        site.problem(rel, "no title")
    if "home_page_url" in feed:
        check_absolute_link(site, rel, "home_page_url", str(feed["home_page_url"]))
    if "feed_url" in feed and feed["feed_url"] != site.base_url + rel:
        site.problem(rel, f"feed_url is {feed['feed_url']}, expected {site.base_url + rel}")
    items = feed.get("items")
    if isinstance(items, list):
        check_json_items(site, rel, items)
    else:
        site.problem(rel, "no items list")
    hubs = feed.get("hubs", [])
    return [h.get("url", "") for h in hubs if isinstance(h, dict)] if isinstance(hubs, list) else ["?"]


def check_json_items(site: BuiltSite, rel: str, items: list) -> None:
    """Each item: an object with an id once, an absolute url, content, valid dates."""
    ids = {}
    for n, item in enumerate(items, 1):
        label = f"item {n}"
        if not isinstance(item, dict):
            site.problem(rel, f"{label} is not an object")
            continue
        item_id = item.get("id") if isinstance(item.get("id"), str) else ""
        first_id(site, rel, ("item", n), "id", item_id, ids, "has no id (a non-empty string)")
        check_absolute_link(site, rel, f"{label} url", str(item.get("url") or ""))
        if "content_html" not in item and "content_text" not in item:
            site.problem(rel, f"{label} has neither content_html nor content_text")
        if isinstance(item.get("content_html"), str):
            check_feed_html(site, rel, f"{label} content_html", item["content_html"])
        for name in ("date_published", "date_modified"):
            if name in item and not parse_rfc3339(str(item[name])):
                site.problem(rel, f"{label} {name} {item[name]!r} is not an RFC 3339 date")
