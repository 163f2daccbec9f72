"""RFC 5005 archived feeds: one complete RSS document per month under feeds/YYYY/MM.xml,
chained with prev-archive / next-archive / current and marked fh:archive. Following
prev-archive from feed.xml (read with feedparser, as a reader does) reaches every article
exactly once; a month's document keeps its bytes, and its file, once a later month has
articles."""

import collections
import shutil

import feedparser
import pytest
from lxml import etree

from buildkit import make_project, run_build, tree
from newsdigest.check import check_site

BASE = "https://example.github.io/repo/"
FH = "{http://purl.org/syndication/history/1.0}archive"
ATOM = "{http://www.w3.org/2005/Atom}"
# The fixture's months (2023-12, 2024-01) and April 2024; February and March have no
# articles, hence no documents.
MONTHS = ["2024/04", "2024/01", "2023/12"]


def add_article(project, slug, date, title=None):
    path = project / "content" / date[:4] / date[5:7] / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title or slug.replace('-', ' ').capitalize()}\ndate: {date}\n"
                    f"slug: {slug}\nsource: Test Wire\n---\n\nBody of {slug}.\n", encoding="utf-8")


def build_ok(project):
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path / "p")
    add_article(project, "spring-rates-hold", "2024-04-10T09:00:00+09:00")
    build_ok(project)
    return project


def links(feed):
    return {link["rel"]: link["href"] for link in feed.feed.get("links", ())}


def follow_chain(site):
    """feed.xml, then prev-archive until there is none: [(site path, feedparser result)]."""
    docs, href = [], links(feedparser.parse((site / "feed.xml").read_bytes())).get("prev-archive")
    while href:
        assert href.startswith(BASE) and len(docs) < 50, href
        rel = href[len(BASE):]
        feed = feedparser.parse((site / rel).read_bytes())
        assert feed.bozo == 0, (rel, getattr(feed, "bozo_exception", None))
        assert feed.version == "rss20"
        docs.append((rel, feed))
        href = links(feed).get("prev-archive")
    return docs


def article_urls(site):
    """Every article page of the site, as its URL below the base."""
    return {p.parent.relative_to(site).as_posix() + "/" for p in site.glob("20*/*/*/*/index.html")}


def test_prev_archive_from_the_feed_reaches_every_article_exactly_once(project):
    site = project / "site"
    docs = follow_chain(site)
    assert [rel for rel, _ in docs] == [f"feeds/{m}.xml" for m in MONTHS]
    counts = collections.Counter(e.link[len(BASE):] for _, feed in docs for e in feed.entries)
    assert set(counts.values()) == {1}
    assert set(counts) == article_urls(site)  # all 8 published articles, nothing else
    assert len(counts) == 8
    # The subscription feed's items overlap the archives with the same guids.
    archived_ids = {e.id for _, feed in docs for e in feed.entries}
    current = feedparser.parse((site / "feed.xml").read_bytes())
    assert {e.id for e in current.entries} <= archived_ids and len(current.entries) == 5
    # Each month holds its own articles, newest first.
    for rel, feed in docs:
        month = rel[len("feeds/"):-len(".xml")]
        assert all(e.link[len(BASE):].startswith(month) for e in feed.entries)
        dates = [e.published_parsed for e in feed.entries]
        assert dates == sorted(dates, reverse=True)
    assert [len(feed.entries) for _, feed in docs] == [1, 6, 1]
    assert not (site / "feeds/2024/02.xml").exists() and not (site / "feeds/2024/03.xml").exists()


def test_each_month_is_marked_and_linked_both_ways(project):
    site = project / "site"
    paths = [f"feeds/{m}.xml" for m in MONTHS]
    for n, rel in enumerate(paths):
        channel = etree.parse(str(site / rel)).getroot().find("channel")
        assert channel.find(FH) is not None
        got = {a.get("rel"): a.get("href") for a in channel.findall(ATOM + "link")}
        expected = {"self": BASE + rel, "current": BASE + "feed.xml"}
        if n + 1 < len(paths):
            expected["prev-archive"] = BASE + paths[n + 1]
        if n > 0:
            expected["next-archive"] = BASE + paths[n - 1]
        assert got == expected, rel
    atom = feedparser.parse((site / "atom.xml").read_bytes())
    assert links(atom)["prev-archive"] == BASE + paths[0]
    assert check_site(site, BASE) == []


def test_a_finished_month_keeps_its_file(project):
    site = project / "site"
    before = {p: (site / p).stat().st_mtime_ns for p in (f"feeds/{m}.xml" for m in MONTHS)}
    add_article(project, "april-exports-climb", "2024-04-20T09:00:00+09:00")  # the newest month grows
    build_ok(project)
    changed = {p for p, t in before.items() if (site / p).stat().st_mtime_ns != t}
    assert changed == {"feeds/2024/04.xml"}
    april = (site / "feeds/2024/04.xml").read_bytes()
    add_article(project, "may-day-rally", "2024-05-01T09:00:00+09:00")  # a new month starts: April is over
    build_ok(project)
    assert (site / "feeds/2024/05.xml").exists()
    april_over = (site / "feeds/2024/04.xml").read_bytes()
    assert april_over != april and b'rel="next-archive"' in april_over and b'rel="next-archive"' not in april
    after = {p: (site / p).stat().st_mtime_ns for p in before}
    assert {p for p in before if after[p] != before[p]} == {"feeds/2024/04.xml"}
    add_article(project, "may-showers", "2024-05-20T09:00:00+09:00")
    build_ok(project)
    assert (site / "feeds/2024/04.xml").read_bytes() == april_over
    assert (site / "feeds/2024/04.xml").stat().st_mtime_ns == after["feeds/2024/04.xml"]
    cold = project.parent / "cold"
    shutil.copytree(project, cold, ignore=shutil.ignore_patterns("site", ".cache"))
    build_ok(cold)
    assert tree(cold / "site") == tree(site)


def test_check_reports_a_broken_chain(project, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(project / "site", site)
    january = site / "feeds/2024/01.xml"
    text = january.read_text(encoding="utf-8")
    january.write_text(text.replace('<fh:archive xmlns:fh="http://purl.org/syndication/history/1.0"/>\n', "")
                       .replace(f'<atom:link href="{BASE}feeds/2023/12.xml" rel="prev-archive" '
                                'type="application/rss+xml"/>\n', ""), encoding="utf-8")
    january.write_text(january.read_text(encoding="utf-8").replace(f"{BASE}feeds/2024/04.xml",
                                                                   f"{BASE}feeds/2024/05.xml"), encoding="utf-8")
    assert check_site(site, BASE) == sorted([
        f"feed.xml: following prev-archive does not reach the article {BASE}2023/12/28/year-end-trading-closes-higher/",
        "feeds/2023/12.xml: not reached by following prev-archive from feed.xml",
        'feeds/2024/01.xml: no <fh:archive/> (xmlns:fh="http://purl.org/syndication/history/1.0")',
        f"feeds/2024/01.xml: next-archive is {BASE}feeds/2024/05.xml, expected {BASE}feeds/2024/04.xml "
        "(the document whose prev-archive leads here)",
    ])


def test_check_reports_an_article_in_two_archives(project, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(project / "site", site)
    april = (site / "feeds/2024/04.xml").read_text(encoding="utf-8")
    item = april[april.index("<item>"):april.index("</item>") + len("</item>")]
    january = site / "feeds/2024/01.xml"
    january.write_text(january.read_text(encoding="utf-8").replace("<item>", item + "\n<item>", 1),
                       encoding="utf-8")
    assert check_site(site, BASE) == [
        f"feeds/2024/01.xml: article {BASE}2024/04/10/spring-rates-hold/ is also in feeds/2024/04.xml"]


def test_no_articles_no_archives(tmp_path):
    project = make_project(tmp_path / "p")
    for md in (project / "content").rglob("*.md"):
        md.unlink()
    build_ok(project)
    assert not (project / "site/feeds").exists()
    assert b"prev-archive" not in (project / "site/feed.xml").read_bytes()
    assert check_site(project / "site", BASE) == []
