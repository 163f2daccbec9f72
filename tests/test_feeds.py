"""The fixture project's feeds, read by feedparser (as a feed reader would) and by an XML
parser for the details feedparser hides: RSS 2.0, Atom 1.0, JSON Feed 1.1, tag feeds."""

import calendar
import json
import re
from types import SimpleNamespace

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from buildkit import make_project, run_build

BASE = "https://example.github.io/repo/"
# The five newest (feed_items: 5) of the seven published fixture articles, newest first.
NEWEST = [
    ("2024/01/05/hangeul-exhibition-opens-in-seoul/", "Hangeul exhibition opens in Seoul"),
    ("2024/01/05/markets-rally-on-chip-hopes/", "Markets rally on chip hopes"),
    ("2024/01/04/exports-rise-for-a-third-month/", "Exports rise for a third month"),
    ("2024/01/04/night-session-lifts-kospi-futures/", "Night session lifts KOSPI futures"),
    ("2024/01/03/budget-passes-the-national-assembly/", "Budget passes the National Assembly"),
]
NS = {"content": "http://purl.org/rss/1.0/modules/content/", "dc": "http://purl.org/dc/elements/1.1/",
      "atom": "http://www.w3.org/2005/Atom"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("feeds"))
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    return project / "site"


def parsed(site, rel):
    feed = feedparser.parse((site / rel).read_bytes())
    assert feed.bozo == 0, getattr(feed, "bozo_exception", None)
    return feed


def rss_items(site, rel):
    return etree.parse(str(site / rel)).getroot().findall("channel/item")


def urls_in(fragment):
    return re.findall(r'(?:href|src)="([^"]*)"', fragment)


# ------------------------------------------------------------------ RSS 2.0
def test_rss_is_read_by_feedparser_newest_n_first(site):
    feed = parsed(site, "feed.xml")
    assert feed.version == "rss20"
    assert [(e.link, e.title) for e in feed.entries] == [(BASE + url, title) for url, title in NEWEST]
    assert feed.feed.title == "Fixture Digest"
    assert feed.feed.link == BASE


def test_rss_item_fields(site):
    item = rss_items(site, "feed.xml")[0]
    guid = item.find("guid")
    assert guid.get("isPermaLink") == "false"
    assert re.fullmatch(r"[0-9a-f]{16}", guid.text)
    # One dc:creator with every reporter: validators reject a repeated element.
    assert [c.text for c in item.findall("dc:creator", NS)] == ["Kim Ji-yeon, Park Min-su"]
    assert [c.text for c in item.findall("category")] == ["한글", "Culture", "Economy"]
    assert item.findtext("description") == "A new exhibition on the Korean alphabet opened in Seoul on Friday, drawing crowds."
    body = item.findtext("content:encoded", namespaces=NS)
    assert "<p>Organisers expect a hundred thousand visitors by spring.</p>" in body
    # No reporters: no dc:creator at all rather than an empty one.
    exports = rss_items(site, "feed.xml")[2]
    assert exports.findall("dc:creator", NS) == []


def test_rss_dates_carry_the_site_offset_and_last_build_is_the_newest_article(site):
    root = etree.parse(str(site / "feed.xml")).getroot()
    # 2024-01-03T16:30:00Z in the front matter is 01:30 the next day in Seoul.
    assert [i.findtext("pubDate") for i in root.findall("channel/item")] == [
        "Fri, 05 Jan 2024 09:00:00 +0900", "Fri, 05 Jan 2024 08:00:00 +0900", "Thu, 04 Jan 2024 10:00:00 +0900",
        "Thu, 04 Jan 2024 01:30:00 +0900", "Wed, 03 Jan 2024 12:00:00 +0900"]
    assert root.findtext("channel/lastBuildDate") == "Fri, 05 Jan 2024 09:00:00 +0900"
    night = parsed(site, "feed.xml").entries[3]
    assert calendar.timegm(night.published_parsed) == calendar.timegm((2024, 1, 3, 16, 30, 0))


def test_rss_self_link(site):
    root = etree.parse(str(site / "feed.xml")).getroot()
    (self_link,) = root.findall("channel/atom:link[@rel='self']", NS)  # beside it: prev-archive (RFC 5005)
    assert (self_link.get("rel"), self_link.get("href")) == ("self", BASE + "feed.xml")


def test_every_url_in_every_feed_is_absolute(site):
    # The exhibition article links ../../04/... and shows ../../../../static/chart.svg.
    body = rss_items(site, "feed.xml")[0].findtext("content:encoded", namespaces=NS)
    assert urls_in(body) == [BASE + "2024/01/04/night-session-lifts-kospi-futures/", BASE + "static/chart.svg"]
    feeds = ["feed.xml", "atom.xml"] + [p.relative_to(site).as_posix() for p in site.glob("tags/*/feed.xml")]
    assert len(feeds) > 2, "no tag feeds"
    for rel in feeds:
        text = (site / rel).read_text(encoding="utf-8")
        root = etree.fromstring(text.encode())
        found = [el.get("href") for el in root.iter() if el.get("href") is not None]
        found += [el.text for el in root.iter() if isinstance(el.tag, str) and el.tag in ("link", "guid") and el.text
                  and el.get("isPermaLink") != "false"]
        for el in root.iter():
            if isinstance(el.tag, str) and el.text and ("encoded" in el.tag or el.tag.endswith("content")):
                found += urls_in(el.text)
        assert found, rel
        assert all(u.startswith(BASE) for u in found), (rel, [u for u in found if not u.startswith(BASE)])
    items = json.loads((site / "feed.json").read_text())["items"]
    for item in items:
        assert item["url"].startswith(BASE)
        assert all(u.startswith(BASE) for u in urls_in(item["content_html"]))


# ------------------------------------------------------------------ tag feeds
def test_tag_feed(site):
    feed = parsed(site, "tags/economy/feed.xml")
    assert feed.version == "rss20"
    assert [e.link for e in feed.entries] == [BASE + url for url, _ in NEWEST]  # 5 of the 7
    root = etree.parse(str(site / "tags/economy/feed.xml")).getroot()
    assert root.find("channel/atom:link", NS).get("href") == BASE + "tags/economy/feed.xml"
    assert root.findtext("channel/link") == BASE + "tags/economy/"


def test_hangul_tag_feed(site):
    feed = parsed(site, "tags/한글/feed.xml")
    assert [e.title for e in feed.entries] == ["Hangeul exhibition opens in Seoul"]
    root = etree.parse(str(site / "tags/한글/feed.xml")).getroot()
    assert root.find("channel/atom:link", NS).get("href") == BASE + "tags/한글/feed.xml"


def test_every_tag_has_a_feed(site):
    tags = sorted(p.name for p in (site / "tags").iterdir() if p.is_dir())
    assert tags, "no tag pages"
    assert tags == sorted(p.parent.name for p in site.glob("tags/*/feed.xml"))
    for name in tags:
        assert parsed(site, f"tags/{name}/feed.xml").entries, name


# ------------------------------------------------------------------ Atom and JSON Feed
def test_atom(site):
    feed = parsed(site, "atom.xml")
    assert feed.version == "atom10"
    assert [(e.link, e.title) for e in feed.entries] == [(BASE + url, title) for url, title in NEWEST]
    first = feed.entries[0]
    assert [a.name for a in first.authors] == ["Kim Ji-yeon", "Park Min-su"]
    assert [t.term for t in first.tags] == ["한글", "Culture", "Economy"]
    assert "Organisers expect a hundred thousand visitors by spring." in first.content[0].value
    root = etree.parse(str(site / "atom.xml")).getroot()
    assert root.findtext("atom:updated", namespaces=NS) == "2024-01-05T09:00:00+09:00"
    assert [link.get("href") for link in root.findall("atom:link[@rel='self']", NS)] == [BASE + "atom.xml"]


def test_json_feed(site):
    feed = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == BASE + "feed.json"
    assert feed["home_page_url"] == BASE
    assert [(i["url"], i["title"]) for i in feed["items"]] == [(BASE + url, title) for url, title in NEWEST]
    night = feed["items"][3]
    assert night["date_published"] == "2024-01-04T01:30:00+09:00"
    assert night["authors"] == [{"name": "Choi Yoon-ah"}]
    assert night["tags"] == ["Economy", "C#"]
    assert night["summary"] == "Futures rose in the night session, shortly after midnight in Seoul."
    assert night["content_html"] == "<p>Futures rose in the night session, shortly after midnight in Seoul.</p>"


def test_all_feeds_agree_on_ids(site):
    rss_ids = [i.findtext("guid") for i in rss_items(site, "feed.xml")]
    atom_ids = [e.id for e in parsed(site, "atom.xml").entries]
    json_ids = [i["id"] for i in json.loads((site / "feed.json").read_text())["items"]]
    assert json_ids == rss_ids
    assert atom_ids == [f"urn:newsdigest:{i}" for i in rss_ids]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_sitemap_urls_skip_quoting_only_when_quoting_would_change_nothing(rel):
    from urllib.parse import quote

    from newsdigest.feeds import sitemap_url

    # What RFC 3986 lets a path hold as it is: unreserved characters, sub-delims, ":", "@",
    # "/" between segments, and "%" of an escape already made (written here, not taken
    # from the code).
    path_safe = "/:@!$&'()*+,;=-._~%"
    config = SimpleNamespace(base_url="https://example.org/news/")
    assert sitemap_url(config, rel) == "https://example.org/news/" + quote(rel, safe=path_safe)


@pytest.mark.parametrize("rel, url", [
    ("tags/seoul/", "tags/seoul/"),
    ("tags/a?b#c/", "tags/a%3Fb%23c/"),  # a query or a fragment would cut the path short
    ("tags/한국/", "tags/%ED%95%9C%EA%B5%AD/"),  # an IRI becomes a URL
    ("a b/", "a%20b/"),
    ("it's/(1)/", "it's/(1)/"),
])
def test_sitemap_urls_are_percent_encoded_where_a_url_needs_it(rel, url):
    from newsdigest.feeds import sitemap_url

    assert sitemap_url(SimpleNamespace(base_url="https://example.org/news/"), rel) == "https://example.org/news/" + url


@pytest.mark.parametrize("text, expected", [
    ("Crime & Justice", "Crime & Justice"),          # a bare & is shown as itself: not escaped twice
    ("AT&T and &copy", "AT&amp;T and &amp;copy"),    # & before a letter could start an entity
    ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"),      # markup arrives as text
])
def test_rss_description_text_is_html_that_shows_the_text(text, expected):
    import html as html_module

    from newsdigest.feeds import html_text
    assert html_text(text) == expected
    assert html_module.unescape(html_text(text)) == text
