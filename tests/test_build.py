"""Whole builds of the fixture projects with the real CLI: the pages, the small files, safety,
determinism, atomic failure with exact messages, drafts and future articles."""

import json
import os
import shutil
import subprocess
import sys
from urllib.parse import quote

import pytest
from lxml import etree

from buildkit import NOW_EPOCH, apply_overlay, html, make_project, problem_lines, run_build, set_config, tree
from sitekit import REPO

BASE = "https://example.github.io/repo/"
HANGEUL = "2024/01/05/hangeul-exhibition-opens-in-seoul/"
RALLY = "2024/01/05/markets-rally-on-chip-hopes/"
EXPORTS = "2024/01/04/exports-rise-for-a-third-month/"
NIGHT = "2024/01/04/night-session-lifts-kospi-futures/"
BUDGET = "2024/01/03/budget-passes-the-national-assembly/"
NEW_YEAR = "2024/01/02/new-year-markets-open-flat/"
YEAR_END = "2023/12/28/year-end-trading-closes-higher/"
NEWEST_FIRST = [HANGEUL, RALLY, EXPORTS, NIGHT, BUDGET, NEW_YEAR, YEAR_END]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("basic"))
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    return project


@pytest.fixture(scope="module")
def site(built):
    return built / "site"


def links(doc, xpath):
    return [a.get("href") for a in doc.xpath(xpath)]


def main_links(doc):
    """Article links in <main>, in page order (headlines only, not tags or pagers)."""
    return [h.get("href")[len("/repo/"):] for h in doc.xpath("//main//article//h2/a | //main//article//h3/a")]


# ------------------------------------------------------------------ front page
def test_summary_line(built):
    proc = run_build(built)
    assert proc.returncode == 0
    # 28 pages, and since issue 13 one page for each of the fixture's 5 reporters
    assert proc.stdout.startswith("built 7 articles, 7 tags, 33 pages")
    assert proc.stdout.rstrip().endswith("-> site/")


def test_front_page_is_newest_whole_days_until_a_page_is_full(site):
    doc = html(site, "index.html")
    # 3 a page: Friday (2) is not enough, so the whole of Thursday (2) comes too.
    assert [h.text_content() for h in doc.xpath("//main/section/h2")] == [
        "Friday, 5 January 2024", "Thursday, 4 January 2024"]
    assert main_links(doc) == [HANGEUL, RALLY, EXPORTS, NIGHT]
    assert links(doc, "//main//a[@rel='next']") == ["/repo/2024/01/03/"]


def test_front_page_groups_days_in_the_site_time_zone(site):
    # 2024-01-03T16:30:00Z is 01:30 on 4 January in Seoul.
    doc = html(site, "index.html")
    thursday = doc.xpath("//main/section[2]")[0]
    assert "/repo/" + NIGHT in links(thursday, ".//h3/a")
    assert thursday.xpath(".//time/@datetime")[-1] == "2024-01-04T01:30:00+09:00"
    assert (site / NIGHT / "index.html").is_file()


def test_front_page_entry_has_title_time_source_reporters_tags_lead(site):
    entry = html(site, "index.html").xpath("//main//article")[0]
    assert entry.xpath(".//h3/a")[0].text_content() == "Hangeul exhibition opens in Seoul"
    meta = entry.xpath(".//p[@class='meta']")[0].text_content()
    assert meta == "09:00 · Test Wire · Kim Ji-yeon, Park Min-su"
    assert entry.xpath(".//p[@class='lead']")[0].text_content() == (
        "A new exhibition on the Korean alphabet opened in Seoul on Friday, drawing crowds.")
    assert links(entry, ".//ul[@class='tags']//a") == ["/repo/tags/한글/", "/repo/tags/culture/", "/repo/tags/economy/"]


# ------------------------------------------------------------------ article pages
def test_article_page(site):
    doc = html(site, HANGEUL + "index.html")
    story = doc.xpath("//main/article")[0]
    assert story.xpath(".//h1")[0].text_content() == "Hangeul exhibition opens in Seoul"
    assert story.xpath(".//p[contains(@class, 'dateline')]/time/@datetime") == ["2024-01-05T09:00:00+09:00"]
    assert "Friday, 5 January 2024, 09:00" in story.xpath(".//p[contains(@class, 'dateline')]")[0].text_content()
    byline = story.xpath(".//header/p[@class='meta']")[0].text_content()
    assert byline == "Test Wire · By Kim Ji-yeon and Park Min-su · 1 min read"
    assert story.xpath(".//p[@class='attribution']")[0].text_content() == "Test Wire copy, reused with permission."
    assert links(story, ".//ul[@class='tags']//a") == ["/repo/tags/한글/", "/repo/tags/culture/", "/repo/tags/economy/"]
    body = story.xpath(".//div[@class='body']")[0]
    assert "Organisers expect a hundred thousand visitors by spring." in body.text_content()
    # Relative links in the Markdown stay relative on the page (the crawl checks they work).
    assert links(body, ".//a") == ["../../04/night-session-lifts-kospi-futures/"]
    assert doc.xpath("//link[@rel='canonical']/@href") == [BASE + HANGEUL]


def test_previous_and_next_follow_time(site):
    doc = html(site, RALLY + "index.html")
    assert links(doc, "//nav[@aria-label='Previous and next article']/a[@rel='prev']") == ["/repo/" + HANGEUL]
    assert links(doc, "//nav[@aria-label='Previous and next article']/a[@rel='next']") == ["/repo/" + EXPORTS]
    newest = html(site, HANGEUL + "index.html")
    assert links(newest, "//nav[@aria-label='Previous and next article']/a") == ["/repo/" + RALLY]
    oldest = html(site, YEAR_END + "index.html")
    assert links(oldest, "//nav[@aria-label='Previous and next article']/a") == ["/repo/" + NEW_YEAR]


def test_related_is_most_shared_tags_then_nearest_in_time(site):
    # Exports shares Economy and Trade with the year-end story, only Economy with the rest;
    # the night session is the nearest of those in time (8.5 hours).
    # Then the budget and the rally (22 hours each, in id order), the exhibition (23 hours);
    # five at most, so the new-year story (48.5 hours) is left out.
    related = [h[len("/repo/"):] for h in links(html(site, EXPORTS + "index.html"), "//section[@class='related']//a")]
    assert related[:2] == [YEAR_END, NIGHT]
    assert sorted(related[2:4]) == sorted([BUDGET, RALLY])
    assert related[4:] == [HANGEUL]


def test_article_opengraph_and_news_article_json_ld(site):
    doc = html(site, NIGHT + "index.html")
    og = {m.get("property"): m.get("content") for m in doc.xpath("//meta[starts-with(@property, 'og:')]")}
    assert og == {"og:type": "article", "og:title": "Night session lifts KOSPI futures",
                  "og:description": "Futures rose in the night session, shortly after midnight in Seoul.",
                  "og:url": BASE + NIGHT, "og:site_name": "Fixture Digest"}
    (script,) = doc.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Night session lifts KOSPI futures"
    assert data["datePublished"] == "2024-01-04T01:30:00+09:00"
    assert data["author"] == [{"@type": "Person", "name": "Choi Yoon-ah"}]
    assert data["mainEntityOfPage"] == BASE + NIGHT
    assert data["keywords"] == ["Economy", "C#"]


def test_article_page_with_its_css_is_under_30_kb(site):
    css = (site / "static/style.css").stat().st_size
    for url in NEWEST_FIRST:
        assert (site / url / "index.html").stat().st_size + css < 30 * 1024, url


def test_every_page_has_its_canonical_link(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        rel = page.relative_to(site).as_posix()
        url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        assert html(site, rel).xpath("//link[@rel='canonical']/@href") == [BASE + url], rel


# ------------------------------------------------------------------ tags
def test_tag_index_lists_every_tag_with_its_count(site):
    doc = html(site, "tags/index.html")
    items = [(li.xpath("a")[0].text_content(), li.xpath("a/@href")[0], li.xpath("span")[0].text_content())
             for li in doc.xpath("//ul[@class='tag-index']/li")]
    assert items == [
        ("C#", "/repo/tags/c-sharp/", "1"), ("C++", "/repo/tags/c-plus-plus/", "1"),
        ("Culture", "/repo/tags/culture/", "1"), ("Economy", "/repo/tags/economy/", "7"),
        ("Politics", "/repo/tags/politics/", "1"), ("Trade", "/repo/tags/trade/", "2"),
        ("한글", "/repo/tags/한글/", "1")]


def test_tag_pages_landing_is_newest_older_pages_are_chunks_from_the_oldest(site):
    landing = html(site, "tags/economy/index.html")
    assert main_links(landing) == NEWEST_FIRST[:3]
    assert links(landing, "//a[@rel='next']") == ["/repo/tags/economy/page/2/"]
    assert "/repo/tags/economy/feed.xml" in links(landing, "//main//a")
    assert landing.xpath("//link[@rel='alternate'][@href='/repo/tags/economy/feed.xml']")
    # 7 articles oldest first in chunks of 3: page 1 the oldest three, page 3 the newest one.
    assert main_links(html(site, "tags/economy/page/1/index.html")) == [BUDGET, NEW_YEAR, YEAR_END]
    assert main_links(html(site, "tags/economy/page/2/index.html")) == [RALLY, EXPORTS, NIGHT]
    assert main_links(html(site, "tags/economy/page/3/index.html")) == [HANGEUL]
    assert not (site / "tags/economy/page/4").exists()
    assert not (site / "tags/trade/page").exists()


def test_older_tag_pages_do_not_change_when_an_article_is_added(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_build(project).returncode == 0
    before = {n: main_links(html(project / "site", f"tags/economy/page/{n}/index.html")) for n in (1, 2, 3)}
    (project / "content/2024/01/later.md").write_text(
        "---\ntitle: Later story\ndate: 2024-01-06T09:00:00+09:00\ntags: [Economy]\n---\n\nLater.\n", encoding="utf-8")
    assert run_build(project).returncode == 0
    after = {n: main_links(html(project / "site", f"tags/economy/page/{n}/index.html")) for n in (1, 2, 3)}
    assert after[1] == before[1] and after[2] == before[2]
    assert after[3] == ["2024/01/06/later-story/"] + before[3]


def test_hangul_and_symbol_tags_get_their_own_pages(site):
    assert html(site, "tags/한글/index.html").xpath("//h1")[0].text_content() == "한글"
    assert html(site, "tags/c-plus-plus/index.html").xpath("//h1")[0].text_content() == "C++"
    assert html(site, "tags/c-sharp/index.html").xpath("//h1")[0].text_content() == "C#"


def test_tag_spelled_in_nfd_and_nfc_is_one_tag(tmp_path):
    project = make_project(tmp_path / "p")
    nfd = "\u1112\u1161\u11ab\u1100\u1173\u11af"  # 한글, decomposed (as some editors on macOS save it)
    (project / "content/2024/01/nfd.md").write_text(
        f"---\ntitle: Decomposed tag\ndate: 2024-01-02T08:00:00+09:00\ntags: [{nfd}]\n---\n\nText.\n",
        encoding="utf-8")
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    site = project / "site"
    assert sorted(p.name for p in (site / "tags").iterdir() if p.is_dir())[-1] == "한글"
    assert main_links(html(site, "tags/한글/index.html")) == [HANGEUL, "2024/01/02/decomposed-tag/"]


# ------------------------------------------------------------------ archives and small files
def test_day_and_month_archives(site):
    day = html(site, "2024/01/04/index.html")
    assert day.xpath("//h1")[0].text_content() == "Thursday, 4 January 2024"
    assert main_links(day) == [EXPORTS, NIGHT]
    month = html(site, "2024/01/index.html")
    assert [a.get("href")[len("/repo/"):] for a in month.xpath("//main//ul[@class='headlines']//a")] == NEWEST_FIRST[:6]
    assert [a.get("href") for a in month.xpath("//main/section/h2/a")] == [
        "/repo/2024/01/05/", "/repo/2024/01/04/", "/repo/2024/01/03/", "/repo/2024/01/02/"]
    december = html(site, "2023/12/index.html")
    assert [a.get("href") for a in december.xpath("//main//ul[@class='headlines']//a")] == ["/repo/" + YEAR_END]


def test_404_page_links_work_from_any_depth(site):
    # GitHub Pages answers /repo/any/depth/ with 404.html, so its links must not be relative.
    hrefs = links(html(site, "404.html"), "//a | //link[@rel='stylesheet']")
    assert hrefs and all(h.startswith("/repo/") or h.startswith("#") for h in hrefs), hrefs


def test_small_files(site):
    assert (site / ".nojekyll").read_bytes() == b""
    assert (site / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {BASE}sitemap.xml\n"
    assert not (site / "CNAME").exists()


def test_sitemap_lists_every_page_with_absolute_escaped_urls(site):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = etree.parse(str(site / "sitemap.xml")).getroot()
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    children = index.xpath("//s:sitemap/s:loc/text()", namespaces=ns)
    # one file per month of articles (with their day and month pages), one for the rest
    assert children == [BASE + "sitemaps/2023-12.xml", BASE + "sitemaps/2024-01.xml", BASE + "sitemaps/pages.xml"]
    locs, lastmod = [], []
    for child in children:
        root = etree.parse(str(site / child[len(BASE):])).getroot()
        assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
        locs += root.xpath("//s:loc/text()", namespaces=ns)
        lastmod += root.xpath(f"//s:url[s:loc='{BASE + NIGHT}']/s:lastmod/text()", namespaces=ns)
    pages = sorted(p.relative_to(site).as_posix()[: -len("index.html")] for p in site.rglob("index.html"))
    assert sorted(locs) == sorted(BASE + quote(p) for p in pages)
    assert BASE + "tags/%ED%95%9C%EA%B8%80/" in locs  # the sitemap protocol wants URLs escaped
    assert lastmod == ["2024-01-04"]


def test_sitemap_files_split_at_the_protocols_limit():
    from newsdigest.feeds import SITEMAP_LIMIT, sitemap_groups

    urls = [f"2024/01/01/a{i}/" for i in range(SITEMAP_LIMIT + 5)] + ["tags/", "2024/01/"]
    groups = sitemap_groups(sorted(urls), {u: "2024-01-01" for u in urls if u.count("/") == 4})
    assert [(path, len(u)) for path, u in groups.items()] == [
        ("sitemaps/2024-01.xml", SITEMAP_LIMIT), ("sitemaps/2024-01-2.xml", 6), ("sitemaps/pages.xml", 1)]


def test_cname_when_configured(tmp_path):
    project = make_project(tmp_path / "p")
    set_config(project, "cname", "news.example.org")
    assert run_build(project, "--base-url", "https://news.example.org/").returncode == 0
    assert (project / "site/CNAME").read_text() == "news.example.org\n"


def test_article_path_is_configurable(tmp_path):
    project = make_project(tmp_path / "p")
    set_config(project, "article_path", '"news/{year}/{slug}/"')
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    site = project / "site"
    assert html(site, "news/2024/exports-rise-for-a-third-month/index.html").xpath(
        "//link[@rel='canonical']/@href") == [BASE + "news/2024/exports-rise-for-a-third-month/"]
    assert not (site / EXPORTS).exists()
    assert "/repo/news/2024/night-session-lifts-kospi-futures/" in links(html(site, "index.html"), "//main//a")
    assert main_links(html(site, "2024/01/04/index.html")) == [
        "news/2024/exports-rise-for-a-third-month/", "news/2024/night-session-lifts-kospi-futures/"]
    assert f"<link>{BASE}news/2023/year-end-trading-closes-higher/</link>" in (
        site / "tags/trade/feed.xml").read_text()


# ------------------------------------------------------------------ safety
def unescaped_outputs(site):
    """Every page as served, and the article HTML inside every feed, unescaped."""
    out = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    for rel in ["feed.xml", "atom.xml"] + [p.relative_to(site).as_posix() for p in site.glob("tags/*/feed.xml")]:
        root = etree.parse(str(site / rel)).getroot()
        out[rel] = "\n".join(root.xpath("//*[local-name()='encoded' or local-name()='content' "
                                        "or local-name()='description' or local-name()='summary']/text()"))
    feed = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    out["feed.json"] = "\n".join(i["content_html"] for i in feed["items"])
    return out


def test_script_handlers_javascript_urls_and_iframes_reach_no_page_or_feed(site):
    outputs = unescaped_outputs(site)
    # the hostile article is in all three site feeds and two tag feeds
    for rel in ("feed.xml", "atom.xml", "feed.json", "tags/economy/feed.xml", "tags/c-plus-plus/feed.xml"):
        assert "Traders said the rally could continue." in outputs[rel], rel
    for rel, text in outputs.items():
        lower = text.lower()
        assert "alert(" not in lower, rel
        assert "onerror" not in lower, rel
        assert "javascript:" not in lower, rel
        assert "<iframe" not in lower, rel
        assert lower.count("<script") == lower.count('<script type="application/ld+json">'), rel


# ------------------------------------------------------------------ determinism
def test_two_cold_builds_are_byte_identical(tmp_path, site):
    # A second project in another folder: absolute paths must not leak into the output.
    other = make_project(tmp_path / "elsewhere")
    assert run_build(other).returncode == 0
    assert tree(other / "site") == tree(site)


def test_warm_build_equals_cold_build(tmp_path, site):
    project = make_project(tmp_path / "p")
    shutil.copytree(site, project / "site")  # stale files from another build must not survive
    (project / "site/stray.html").write_text("old")
    assert run_build(project).returncode == 0
    assert run_build(project).returncode == 0
    assert tree(project / "site") == tree(site)


# ------------------------------------------------------------------ drafts and future articles
def built_urls(project):
    return sorted(p.relative_to(project / "site").as_posix()[: -len("index.html")]
                  for p in (project / "site").glob("20*/*/*/*/index.html"))


def test_drafts_and_future_articles_are_left_out_by_default(built):
    assert built_urls(built) == sorted(NEWEST_FIRST)
    assert "Unpublished draft" not in (built / "site/feed.xml").read_text()
    assert "Embargoed" not in (built / "site/tags/economy/index.html").read_text()


@pytest.mark.parametrize("args, epoch, extra", [
    (("--drafts",), NOW_EPOCH, ["2024/01/05/unpublished-draft-about-rates/"]),
    (("--future",), NOW_EPOCH, ["2024/07/01/embargoed-summer-outlook/"]),
    ((), NOW_EPOCH + 60 * 86400, ["2024/07/01/embargoed-summer-outlook/"]),  # now is past the embargo
])
def test_drafts_and_future_articles(tmp_path, args, epoch, extra):
    project = make_project(tmp_path / "p")
    proc = run_build(project, *args, epoch=epoch)
    assert proc.returncode == 0, proc.stderr
    assert built_urls(project) == sorted(NEWEST_FIRST + extra)
    feed = (project / "site/feed.xml").read_text()
    assert ("Unpublished draft" in feed) == ("--drafts" in args)


# ------------------------------------------------------------------ rejected input
BAD = {
    "bad-missing-title": ["content/2024/01/no-title.md:1: title: missing"],
    "bad-date": ["content/2024/01/bad-date.md:3: date: unparsable date 'next tuesday' "
                 "(expected ISO 8601, e.g. 2019-11-18T16:28:08+09:00)"],
    "bad-types": ["content/2024/01/bad-types.md:5: tags: expected a list of strings, got 5",
                  "content/2024/01/bad-types.md:6: draft: expected true or false, got 'yes'"],
    "bad-yaml": ["content/2024/01/bad-yaml.md:5: invalid YAML in front matter: did not find expected ',' or ']'"],
    "bad-duplicate-slug": [
        "content/2024/01/rally-again.md:5: slug: 'markets-rally-on-chip-hopes' gives the same page "
        "/2024/01/05/markets-rally-on-chip-hopes/ as content/2024/01/markets-rally.md:2"],
    "bad-tag-slug": [
        "content/2024/01/markets-rally.md:6: tags: tag 'C++' and tag 'C Plus Plus' "
        "(content/2024/01/compilers.md:5) would share the page tags/c-plus-plus/; rename one"],
    "bad-template-syntax": [
        "layouts/tag.html:6: template syntax error: Encountered unknown tag 'endblock'. You probably made a "
        "nesting mistake. Jinja is expecting this tag, but currently looking for 'endfor' or 'else'. "
        "The innermost block that needs to be closed is 'for'."],
    "bad-template-undefined": ["layouts/tags.html:4: 'tag_cloud' is undefined (rendering tags/index.html)"],
}


@pytest.mark.parametrize("fixture", sorted(BAD))
def test_rejected_build_names_file_and_line_and_keeps_the_old_site(tmp_path, built, fixture):
    project = tmp_path / "p"
    shutil.copytree(built, project)  # a project with a good site/ already built
    before = tree(project / "site")
    apply_overlay(project, fixture)
    proc = run_build(project)
    assert proc.returncode == 1
    assert problem_lines(proc.stderr) == BAD[fixture]
    assert proc.stderr.splitlines()[-1].endswith("problem(s); nothing was written")
    assert tree(project / "site") == before


def test_a_layouts_folder_without_day_and_month_templates_is_told_which_are_missing(tmp_path, built):
    """A layouts/ copied when archive.html made the day and month pages too: each missing
    template is a problem line naming it, and the site built before stays."""
    project = tmp_path / "p"
    shutil.copytree(built, project)
    before = tree(project / "site")
    for name in ("day.html", "month.html"):
        (project / "layouts" / name).unlink()
    proc = run_build(project)
    assert proc.returncode == 1
    assert problem_lines(proc.stderr) == ["layouts/day.html: missing layout (needed: day.html)",
                                          "layouts/month.html: missing layout (needed: month.html)"]
    assert tree(project / "site") == before


def test_every_problem_is_listed_at_once(tmp_path, built):
    project = tmp_path / "p"
    shutil.copytree(built, project)
    before = tree(project / "site")
    for name in ("bad-missing-title", "bad-date", "bad-types", "bad-yaml", "bad-template-syntax"):
        apply_overlay(project, name)
    proc = run_build(project)
    assert proc.returncode == 1
    expected = BAD["bad-date"] + BAD["bad-types"] + BAD["bad-yaml"] + BAD["bad-missing-title"] + BAD["bad-template-syntax"]
    assert problem_lines(proc.stderr) == expected
    assert tree(project / "site") == before


def test_build_passes_its_own_pages_check(built):
    # The build and `build.py check` must agree on what GitHub Pages and feed readers need
    # (Hangul tag paths, pagination, feeds): a fixture richer than the demo.
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), "check", "--config", "config.yaml"],
                          cwd=built, env=dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8"),
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout
    assert proc.stdout.startswith("check ok: 33 pages, 10 feeds")  # with the 5 reporter pages


@pytest.mark.parametrize("clash", ["none", "url", "id", "tag name"])
def test_the_quick_pass_of_check_collisions_lets_no_collision_through(clash, tmp_path):
    """check_collisions' quick pass (no URL or id twice, one name per tag slug, in C
    loops) lets no collision through: each kind is reported on the article that repeats it."""
    from newsdigest.collect import Facts, check_collisions
    from newsdigest.config import load_config

    config = load_config(make_project(tmp_path / "p") / "config.yaml")

    def facts(n, url=None, aid=None, tags=(("economy", "Economy"),)):
        return Facts(aid or f"{n:016x}", f"content/{n}.md", f"a{n}", False, 1.7e9 + n, url or f"2024/01/01/a{n}/",
                     "2024/01/01/", tags, f"Title {n}", "Summary.", ())

    many = [facts(n) for n in range(50)]
    other = {"none": facts(50), "url": facts(50, url="2024/01/01/a7/"), "id": facts(50, aid=f"{7:016x}"),
             "tag name": facts(50, tags=(("economy", "ECONOMY"),))}[clash]
    errors = check_collisions(many + [other], config)
    assert [e.path for e in errors] == ([] if clash == "none" else ["content/50.md"])
