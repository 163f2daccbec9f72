"""`python build.py check`: a hand-made correct site passes, and each planted defect is
reported with its exact line."""

import datetime as dt
import json
import shutil
import subprocess
import sys

import pytest

from newsdigest.check import check_site, main, parse_rfc822, run_checks
from newsdigest.errors import DigestError
from sitekit import (DEMO_BASE_URL, FIXTURE_BASE_URL, REPO, SITEMAP_PAGES, build_cli_missing_reason, build_demo,
                     html_page, make_site, replace_in, sitemap)

BASE = FIXTURE_BASE_URL


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path / "site")


def test_correct_site_has_no_problems(site):
    assert check_site(site, BASE) == []


def test_base_url_without_trailing_slash_is_the_same_site(site):
    assert check_site(site, BASE.rstrip("/")) == []


# ------------------------------------------------------------------ links
def test_broken_link(site):
    replace_in(site, "tags/japan/index.html", "</main>", '<a href="../nope/">gone</a></main>')
    assert check_site(site, BASE) == ["tags/japan/index.html: broken link ../nope/ (→ /repo/tags/nope/)"]


def test_broken_absolute_link_under_base_url_counts_as_internal(site):
    replace_in(site, "about.html", "</main>", f'<a href="{BASE}2024/01/02/no-story/">gone</a></main>')
    assert check_site(site, BASE) == [
        f"about.html: broken link {BASE}2024/01/02/no-story/ (→ /repo/2024/01/02/no-story/)"]


def test_file_url_with_trailing_slash_is_broken(site):
    # GitHub Pages serves about.html at /repo/about and /repo/about.html, never at /repo/about/
    replace_in(site, "index.html", 'href="about"', 'href="about/"')
    assert check_site(site, BASE) == [
        "about.html: orphan page (no chain of links leads to it from the front page)",
        "index.html: broken link about/ (→ /repo/about/)"]


def test_root_relative_link_escapes_the_sub_path(site):
    replace_in(site, "index.html", "</main>", '<a href="/tags/">Tags</a></main>')
    assert check_site(site, BASE) == ["index.html: link /tags/ leaves the sub-path /repo/ (→ /tags/)"]


def test_dot_dot_link_escapes_the_sub_path(site):
    replace_in(site, "tags/index.html", "</main>", '<a href="../../">Up</a></main>')
    assert check_site(site, BASE) == ["tags/index.html: link ../../ leaves the sub-path /repo/ (→ /)"]


def test_absolute_same_host_link_outside_the_prefix_escapes(site):
    replace_in(site, "about.html", "</main>", '<a href="https://example.github.io/other/">x</a></main>')
    assert check_site(site, BASE) == [
        "about.html: link https://example.github.io/other/ leaves the sub-path /repo/ (→ /other/)"]


def test_broken_stylesheet_image_and_css_url(site):
    replace_in(site, "about.html", 'href="static/style.css"', 'href="static/styles.css"')
    replace_in(site, "2024/01/02/first-story/index.html", 'bg.svg 2x', 'bg@2x.svg 2x')
    replace_in(site, "static/style.css", 'url("bg.svg")', 'url("../img/bg.svg")')
    assert check_site(site, BASE) == [
        "2024/01/02/first-story/index.html: broken link ../../../../static/bg@2x.svg (→ /repo/static/bg@2x.svg)",
        "about.html: broken link static/styles.css (→ /repo/static/styles.css)",
        "static/style.css: broken link ../img/bg.svg (→ /repo/img/bg.svg)"]


def test_broken_anchor_on_another_page(site):
    replace_in(site, "2024/01/02/first-story/index.html", "tags/#japan", "tags/#korea")
    assert check_site(site, BASE) == [
        '2024/01/02/first-story/index.html: broken anchor ../../../../tags/#korea (no id="korea" in tags/index.html)']


def test_broken_anchor_on_the_same_page(site):
    replace_in(site, "2024/01/03/second-story/index.html", 'href="#top-story"', 'href="#topstory"')
    assert check_site(site, BASE) == [
        '2024/01/03/second-story/index.html: broken anchor #topstory (no id="topstory" in '
        '2024/01/03/second-story/index.html)']


def test_relative_link_in_404_page_breaks_at_deep_urls(site):
    replace_in(site, "404.html", 'href="/repo/static/style.css"', 'href="static/style.css"')
    assert check_site(site, BASE) == [
        "404.html: broken link static/style.css when served at /repo/no/such/page/ "
        "(→ /repo/no/such/page/static/style.css)"]


def test_orphan_page(site):
    (site / "old").mkdir()
    (site / "old/index.html").write_text(html_page("Old", "<p>Nobody links here.</p>", "../"))
    (site / "sitemap.xml").write_text(sitemap(SITEMAP_PAGES + ["old/"]))
    assert check_site(site, BASE) == ["old/index.html: orphan page (no chain of links leads to it from the front page)"]


def test_page_reached_only_through_another_page_is_not_an_orphan(site):
    # about.html is linked only from the front page; moving that link to a tag page keeps
    # it reachable through two hops.
    replace_in(site, "index.html", '<a href="about">About</a>', "")
    replace_in(site, "tags/japan/index.html", "</main>", '<a href="../../about.html">About</a></main>')
    assert check_site(site, BASE) == []


def test_page_basics(site):
    replace_in(site, "about.html", '<html lang="en">', "<html>")
    replace_in(site, "about.html", "<title>About</title>", "<title> </title>")
    replace_in(site, "about.html", '<p>About this digest.</p>', '<p id="main">About this digest.</p>')
    assert check_site(site, BASE) == [
        'about.html: duplicate id "main"',
        "about.html: empty <title>",
        "about.html: no lang attribute on <html>"]


def test_page_over_budget(site):
    replace_in(site, "about.html", "About this digest.", "About this digest. " + "Padding. " * 200)
    size = (site / "about.html").stat().st_size
    assert check_site(site, BASE, page_budget_bytes=size) == []
    assert check_site(site, BASE, page_budget_bytes=size - 1) == [
        f"about.html: {size:,} bytes, over the {size - 1:,}-byte page budget"]


def test_site_over_total_budget(site):
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    assert check_site(site, BASE, total_budget_bytes=total) == []
    assert check_site(site, BASE, total_budget_bytes=total - 1) == [
        f".: the site is {total:,} bytes, over the {total - 1:,}-byte limit"]


# ------------------------------------------------------------------ GitHub Pages files
def test_missing_nojekyll(site):
    (site / ".nojekyll").unlink()
    assert check_site(site, BASE) == [".nojekyll: missing"]


def test_cname_configured(site):
    custom = "https://news.example.com/"
    # the same site under a custom domain has no sub-path: rewrite its links for it
    for path in site.rglob("*"):
        if path.is_file():
            path.write_text(path.read_text().replace(BASE, custom).replace("/repo/", "/"))
    assert check_site(site, custom, cname="news.example.com") == ["CNAME: missing (cname is configured as 'news.example.com')"]
    (site / "CNAME").write_text("news.example.com\n")
    assert check_site(site, custom, cname="news.example.com") == []
    (site / "CNAME").write_text("www.example.com\n")
    assert check_site(site, custom, cname="news.example.com") == [
        "CNAME: contains 'www.example.com', expected 'news.example.com'"]


def test_stray_cname_when_none_is_configured(site):
    (site / "CNAME").write_text("news.example.com\n")
    assert check_site(site, BASE) == [
        "CNAME: contains 'news.example.com' but no cname is configured "
        f"(GitHub Pages would serve the site there, not at {BASE})"]


def test_sitemap_must_list_exactly_the_pages(site):
    pages = [p for p in SITEMAP_PAGES if p != "tags/"] + ["404.html", "https://example.github.io/elsewhere/"]
    (site / "sitemap.xml").write_text(sitemap(pages).replace(f"{BASE}https://", "https://"))
    assert check_site(site, BASE) == [
        f"sitemap.xml: <loc>https://example.github.io/elsewhere/</loc> is not under {BASE}",
        f"sitemap.xml: <loc>{BASE}404.html</loc> is not a page of the site",
        f"sitemap.xml: does not list tags/index.html ({BASE}tags/)"]


def test_a_page_listed_twice_is_reported_once_per_repeat(site):
    # `tags` redirects to tags/: two URLs, one page
    (site / "sitemap.xml").write_text(sitemap(SITEMAP_PAGES + ["tags", "about"]))
    assert check_site(site, BASE) == ["sitemap.xml: about.html is listed twice",
                                      "sitemap.xml: tags/index.html is listed twice"]


def test_problems_are_digest_errors_naming_the_site_file(site):
    replace_in(site, "feed.xml", "<description>Test digest</description>", "")
    (site / ".nojekyll").unlink()
    report = run_checks(site, BASE)
    assert [(e.path, e.line, e.message) for e in report.problems] == [
        (".nojekyll", None, "missing"), ("feed.xml", None, "channel has no <description>")]
    assert all(isinstance(e, DigestError) for e in report.problems)


def test_a_base_url_config_would_refuse_is_refused(site):
    with pytest.raises(ValueError, match=r"base_url: expected no query \(\?\.\.\.\) or fragment"):
        check_site(site, BASE + "?x=1")

def test_a_sitemap_index_is_followed_to_its_sitemaps(site):
    (site / "maps").mkdir()
    (site / "maps/a.xml").write_text(sitemap(SITEMAP_PAGES[:3]))
    (site / "maps/b.xml").write_text(sitemap(SITEMAP_PAGES[3:5]))
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<sitemap><loc>{BASE}{p}</loc></sitemap>\n" for p in ("maps/a.xml", "maps/b.xml", "maps/c.xml"))
        + "</sitemapindex>\n")
    assert check_site(site, BASE) == [
        f"sitemap.xml: <loc>{BASE}maps/c.xml</loc> is not a sitemap in this site",
        f"sitemap.xml: does not list tags/japan/index.html ({BASE}tags/japan/)"]


def test_robots_must_point_to_the_sitemap(site):
    replace_in(site, "robots.txt", f"Sitemap: {BASE}sitemap.xml", "Sitemap: /sitemap.xml")
    assert check_site(site, BASE) == [f"robots.txt: no 'Sitemap: {BASE}sitemap.xml' line"]


# ------------------------------------------------------------------ feeds
def test_bad_pub_date(site):
    replace_in(site, "feed.xml", "Wed, 03 Jan 2024 09:00:00 +0900</pubDate>", "2024-01-03T09:00:00+09:00</pubDate>")
    assert check_site(site, BASE) == [
        "feed.xml: item 1 pubDate '2024-01-03T09:00:00+09:00' is not an RFC 822 date "
        "(like 'Tue, 02 Jan 2024 10:00:00 +0900')"]


def test_pub_date_with_wrong_weekday_or_zone(site):
    replace_in(site, "feed.xml", "Wed, 03 Jan 2024 09:00:00 +0900</pubDate>", "Thu, 03 Jan 2024 09:00:00 +0900</pubDate>")
    replace_in(site, "feed.xml", "Tue, 02 Jan 2024 10:30:00 +0900</pubDate>", "Tue, 02 Jan 2024 10:30:00 KST</pubDate>")
    assert check_site(site, BASE) == [
        "feed.xml: item 1 pubDate 'Thu, 03 Jan 2024 09:00:00 +0900' has the wrong weekday (2024-01-03 is a Wed)",
        "feed.xml: item 2 pubDate 'Tue, 02 Jan 2024 10:30:00 KST' has an invalid time zone 'KST' (use +hhmm)"]


def test_items_must_be_newest_first(site):
    replace_in(site, "feed.xml", "Tue, 02 Jan 2024 10:30:00 +0900", "Thu, 04 Jan 2024 10:30:00 +0900")
    assert check_site(site, BASE) == ["feed.xml: items are not newest first: item 2 is newer than item 1"]


def test_duplicate_guid(site):
    replace_in(site, "tags/japan/feed.xml", f"<guid>{BASE}2024/01/02/first-story/</guid>",
               f"<guid>{BASE}2024/01/03/second-story/</guid>")
    assert check_site(site, BASE) == [
        f"tags/japan/feed.xml: item 2 guid {BASE}2024/01/03/second-story/ repeats item 1"]


def test_relative_urls_inside_feed_html(site):
    replace_in(site, "feed.xml", '<img src="https://example.github.io/repo/static/bg.svg" alt="">',
               '<img src="../static/bg.svg" alt=""><a href="//cdn.example.org/x">x</a>')
    assert check_site(site, BASE) == [
        "feed.xml: item 2 description has protocol-relative URL //cdn.example.org/x",
        "feed.xml: item 2 description has relative URL ../static/bg.svg"]


def test_feed_links_must_be_absolute_and_work(site):
    replace_in(site, "feed.xml", f"<link>{BASE}2024/01/03/second-story/</link>", "<link>/repo/2024/01/03/second-story/</link>")
    replace_in(site, "feed.xml", f"<link>{BASE}2024/01/02/first-story/</link>", f"<link>{BASE}2024/01/02/first/</link>")
    assert check_site(site, BASE) == [
        f"feed.xml: broken link {BASE}2024/01/02/first/ (→ /repo/2024/01/02/first/)",
        "feed.xml: item 1 link /repo/2024/01/03/second-story/ is not an absolute URL"]


def test_rss_self_link_must_be_the_public_url(site):
    replace_in(site, "tags/japan/feed.xml", f'href="{BASE}tags/japan/feed.xml"', f'href="{BASE}feed.xml"')
    assert check_site(site, BASE) == [
        f'tags/japan/feed.xml: atom:link rel="self" is {BASE}feed.xml, expected {BASE}tags/japan/feed.xml']


def test_rss_channel_needs_title_link_description(site):
    replace_in(site, "feed.xml", "<description>Test digest</description>", "")
    assert check_site(site, BASE) == ["feed.xml: channel has no <description>"]


def test_malformed_feed_xml(site):
    replace_in(site, "feed.xml", "<title>First story</title>", "<title>First & story</title>")
    problems = check_site(site, BASE)
    assert len(problems) == 1 and problems[0].startswith("feed.xml: not well-formed XML: not well-formed")


def test_atom_feed_defects(site):
    replace_in(site, "atom.xml", f"<id>{BASE}2024/01/02/first-story/</id>", f"<id>{BASE}2024/01/03/second-story/</id>")
    replace_in(site, "atom.xml", "<updated>2024-01-02T10:30:00+09:00</updated>", "<updated>2024-01-02</updated>")
    replace_in(site, "atom.xml", '<author><name>Test</name></author>', "")
    assert check_site(site, BASE) == [
        "atom.xml: entry 1 has no <author> and neither has the feed",
        "atom.xml: entry 2 has no <author> and neither has the feed",
        f"atom.xml: entry 2 id {BASE}2024/01/03/second-story/ repeats entry 1",
        "atom.xml: entry 2 updated '2024-01-02' is not an RFC 3339 date"]


def test_json_feed_defects(site):
    feed = json.loads((site / "feed.json").read_text())
    feed["version"] = "https://jsonfeed.org/version/1"
    feed["items"][1]["id"] = feed["items"][0]["id"]
    feed["items"][0]["content_html"] = '<p><img src="static/bg.svg" alt=""></p>'
    (site / "feed.json").write_text(json.dumps(feed))
    assert check_site(site, BASE) == [
        "feed.json: item 1 content_html has relative URL static/bg.svg",
        f"feed.json: item 2 id {BASE}2024/01/03/second-story/ repeats item 1",
        "feed.json: version is 'https://jsonfeed.org/version/1', expected 'https://jsonfeed.org/version/1.1'"]


@pytest.mark.parametrize("value, expected", [
    ("Tue, 02 Jan 2024 10:30:00 +0900", "2024-01-02T01:30:00+00:00"),
    ("02 Jan 2024 10:30 GMT", "2024-01-02T10:30:00+00:00"),
    ("Mon, 01 Jan 2024 00:00:00 -0530", "2024-01-01T05:30:00+00:00"),
])
def test_parse_rfc822_accepts(value, expected):
    when, problem = parse_rfc822(value)
    assert problem is None and when.astimezone(dt.timezone.utc).isoformat() == expected


@pytest.mark.parametrize("value, problem", [
    ("Tue, 31 Feb 2024 10:30:00 +0900", "is not a real date"),
    ("Tue, 02 Jan 2024 10:30:00 +0960", "has an invalid time zone '+0960' (use +hhmm)"),
    ("Tue, 2 January 2024 10:30:00 +0900", "is not an RFC 822 date (like 'Tue, 02 Jan 2024 10:00:00 +0900')"),
])
def test_parse_rfc822_rejects(value, problem):
    assert parse_rfc822(value) == (None, problem)


# ------------------------------------------------------------------ main()
def test_main_prints_summary_for_a_good_site(site, capsys):
    assert main(site, BASE, "", 512 * 1024) == 0
    assert capsys.readouterr().out == "check ok: 7 pages, 4 feeds, 62 links\n"
    assert main(site, BASE, "", 512 * 1024, quiet=True) == 0
    assert capsys.readouterr().out == ""


def test_main_prints_problems_then_failure(site, capsys):
    (site / ".nojekyll").unlink()
    replace_in(site, "index.html", "</main>", '<a href="/tags/">Tags</a></main>')
    assert main(site, BASE, "", 512 * 1024, quiet=True) == 1
    assert capsys.readouterr().out.splitlines() == [
        ".nojekyll: missing",
        "index.html: link /tags/ leaves the sub-path /repo/ (→ /tags/)",
        "check FAILED: 2 problems (7 pages, 4 feeds, 62 links)"]


def test_main_without_a_built_site_says_to_build(tmp_path, capsys):
    assert main(tmp_path / "site", BASE, "", 512 * 1024) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "python build.py build" in out


# ------------------------------------------------------------------ the real demo build
@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    reason = build_cli_missing_reason()
    if reason:
        pytest.skip(reason)
    project = tmp_path_factory.mktemp("demo")
    proc, site_dir = build_demo(project)
    assert proc.returncode == 0, f"build failed:\n{proc.stdout}\n{proc.stderr}"
    return project, site_dir


def test_demo_build_passes_check(demo_site):
    _project, site_dir = demo_site
    assert check_site(site_dir, DEMO_BASE_URL) == []


def test_demo_build_passes_check_cli(demo_site):
    project, _site_dir = demo_site
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), "check", "--config", str(project / "config.yaml"),
                           "--base-url", DEMO_BASE_URL], cwd=project, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("check ok: ")


def test_check_without_a_built_site_is_one_problem_line(tmp_path):
    """No site/ yet: the problem is printed like every other (`path: message`, the path as
    messages show it); exit 1."""
    project = tmp_path / "p"
    project.mkdir()
    shutil.copy(REPO / "config.yaml", project)
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), "check", "--config", "config.yaml"],
                          cwd=project, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["site/index.html: not found: no site to check; run `python build.py build` first"]
