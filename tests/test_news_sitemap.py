"""news-sitemap.xml: the articles of the last two days by the build's "now", valid against
Google's news sitemap schema (its rules written out in tests/fixtures/xsd), listed in the
sitemap index and robots.txt; the no-change stamp expires when an article leaves the
window, and the incremental build then equals a cold build at the same "now"."""

import shutil
from calendar import timegm
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree

from buildkit import make_project, run_build, tree
from newsdigest.check import check_site
from newsdigest.config import load_config
from newsdigest.build import build

BASE = "https://example.github.io/repo/"
XSD = Path(__file__).resolve().parent / "fixtures" / "xsd" / "sitemap.xsd"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}
# 2024-01-06 09:00 in Seoul: the window opens at 2024-01-04 09:00 Seoul time.
NOW = timegm((2024, 1, 6, 0, 0, 0))
IN_WINDOW = [  # newest first: (url, title, publication date)
    ("2024/01/05/hangeul-exhibition-opens-in-seoul/", "Hangeul exhibition opens in Seoul", "2024-01-05T09:00:00+09:00"),
    ("2024/01/05/markets-rally-on-chip-hopes/", "Markets rally on chip hopes", "2024-01-05T08:00:00+09:00"),
    ("2024/01/04/exports-rise-for-a-third-month/", "Exports rise for a third month", "2024-01-04T10:00:00+09:00"),
]


def schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


def entries(root):
    return [(u.findtext("s:loc", namespaces=NS)[len(BASE):], u.findtext("news:news/news:title", namespaces=NS),
             u.findtext("news:news/news:publication_date", namespaces=NS)) for u in root.findall("s:url", NS)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("news"))
    proc = run_build(project, epoch=NOW)
    assert proc.returncode == 0, proc.stderr
    return project / "site"


def test_lists_the_last_two_days_newest_first_and_is_valid(site):
    doc = etree.parse(str(site / "news-sitemap.xml"))
    validator = schema()
    assert validator.validate(doc), validator.error_log
    assert entries(doc.getroot()) == [(u, t, d) for u, t, d in IN_WINDOW]  # the night session (16:30 UTC) is out
    for url in doc.getroot().findall("s:url", NS):
        assert url.findtext("news:news/news:publication/news:name", namespaces=NS) == "Fixture Digest"
        assert url.findtext("news:news/news:publication/news:language", namespaces=NS) == "en"


def test_listed_in_the_sitemap_index_and_robots(site):
    index = etree.parse(str(site / "sitemap.xml")).getroot()
    assert BASE + "news-sitemap.xml" in [loc.text for loc in index.iter("{%s}loc" % NS["s"])]
    assert (site / "robots.txt").read_text() == (f"User-agent: *\nAllow: /\nSitemap: {BASE}sitemap.xml\n"
                                                 f"Sitemap: {BASE}news-sitemap.xml\n")
    assert check_site(site, BASE) == []


def test_the_schema_rejects_what_google_rejects(site):
    """The XSD fixture must be able to fail: a naive date, a missing title, a bad language."""
    validator = schema()
    good = (site / "news-sitemap.xml").read_text(encoding="utf-8")
    for old, new in (("2024-01-05T09:00:00+09:00", "2024-01-05T09:00:00"),
                     ("<news:title>Markets rally on chip hopes</news:title>", ""),
                     ("<news:language>en</news:language>", "<news:language>en-US</news:language>")):
        assert old in good
        bad = etree.fromstring(good.replace(old, new, 1).encode())
        assert not validator.validate(bad), (old, new)


def test_check_reports_news_sitemap_defects(site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    text = (copy / "news-sitemap.xml").read_text(encoding="utf-8")
    text = text.replace("<news:language>en</news:language>", "<news:language>English</news:language>", 1)
    text = text.replace(BASE + "2024/01/05/markets-rally-on-chip-hopes/", BASE + "tags/", 1)
    (copy / "news-sitemap.xml").write_text(text, encoding="utf-8")
    robots = (copy / "robots.txt").read_text()
    (copy / "robots.txt").write_text(robots.replace(f"Sitemap: {BASE}news-sitemap.xml\n", ""))
    index = (copy / "sitemap.xml").read_text()
    (copy / "sitemap.xml").write_text(index.replace(f"<sitemap><loc>{BASE}news-sitemap.xml</loc></sitemap>\n", ""))
    assert check_site(copy, BASE) == [
        f"news-sitemap.xml: <loc>{BASE}tags/</loc> is not an article page of the site",
        "news-sitemap.xml: url 1 news:language 'English' is not an ISO 639 code (or zh-cn, zh-tw)",
        f"robots.txt: no 'Sitemap: {BASE}news-sitemap.xml' line",
        f"sitemap.xml: does not list {BASE}news-sitemap.xml",
    ]


def test_no_recent_article_no_news_sitemap(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_build(project, epoch=timegm((2024, 1, 7, 0, 0, 0))).returncode == 0  # the newest left just now
    site = project / "site"
    assert not (site / "news-sitemap.xml").exists()
    assert (site / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {BASE}sitemap.xml\n"
    assert "news-sitemap" not in (site / "sitemap.xml").read_text()
    assert check_site(site, BASE) == []


def at(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc)


def test_the_stamp_expires_when_an_article_leaves_the_window(tmp_path):
    project = make_project(tmp_path / "p")
    config = load_config(project / "config.yaml")
    build(config, now=at(NOW), jobs=1)
    assert build(config, now=at(NOW + 3599), jobs=1).written == 0  # exports leaves at 01:00 UTC
    report = build(config, now=at(NOW + 3600), jobs=1)
    assert report.written > 0
    assert [e[0] for e in entries(etree.parse(str(project / "site/news-sitemap.xml")).getroot())] == [
        u for u, _, _ in IN_WINDOW[:2]]
    for when in (NOW + 3600, NOW + 24 * 3600):  # the last two leave too: the file goes
        build(config, now=at(when), jobs=1)
        cold = tmp_path / f"cold{when}"
        shutil.copytree(project, cold, ignore=shutil.ignore_patterns("site", ".cache"))
        build(load_config(cold / "config.yaml"), now=at(when), jobs=1)
        assert tree(project / "site") == tree(cold / "site")
    assert not (project / "site/news-sitemap.xml").exists()


def test_at_most_a_thousand_urls():
    from newsdigest.news_sitemap import news_articles, window_closes
    from newsdigest.collect import Facts, collect_facts

    now = at(NOW)
    facts = {f"a{i:04d}": Facts(f"a{i:04d}", f"{i}.md", f"s{i}", False, NOW - 60 * i, f"x/{i}/", "2024/01/05/", (),
                                 f"Title {i}", "", ())
             for i in range(1500)}
    site = collect_facts(facts, lambda i: None)
    chosen = news_articles(site, now)
    assert chosen.ids == tuple(f"a{i:04d}" for i in range(1000))
    assert window_closes(site, chosen) == NOW - 60 * 999 + 2 * 86400
