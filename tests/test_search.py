"""Site search: the Pagefind index the build writes into site/pagefind/, the /search/ page
and masthead box, `check` of the bundle, `serve`'s content types, and real searches in
headless Chromium on a site served like GitHub Pages under a sub-path."""
import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from buildkit import html, make_project, run_build, set_config, tree
from newsdigest.check import check_site
from newsdigest.config import load_config
from newsdigest.content import front_matter_text
from newsdigest.errors import DigestError
from newsdigest.pagefind_files import SIGNATURE, cbor_decode, cbor_encode, read_data_file
from newsdigest.build import build
from newsdigest.serve import content_type
from sitekit import FIXTURE_BASE_URL, REPO, GitHubPagesServer
from test_html_a11y import CHROMIUM, axe_missing_reason, need

BASE_PATH = "/repo/"
BUDGET_ARTICLE = "2024/01/03/budget-passes-the-national-assembly/"


def searchable_project(dest: Path) -> Path:
    project = make_project(dest)
    set_config(project, "search", "true")
    return project


def write_article(project: Path, name: str, title: str, body: str, date="2024-01-06T09:00:00+09:00",
                  tags=("Culture",)) -> Path:
    path = project / "content" / "2024" / "01" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"title": title, "date": date, "source": "Test Wire", "tags": list(tags), "slug": name}
    path.write_text(front_matter_text(meta, body), encoding="utf-8")
    return path


def bundle_files(site: Path) -> dict:
    return {k: v for k, v in tree(site).items() if k.startswith("pagefind/")}


def words_in_index(site: Path) -> set:
    """Every word the index holds (decoded from its index chunks)."""
    words = set()
    for chunk in (site / "pagefind" / "index").iterdir():
        words.update(word[0] for word in read_data_file(chunk)[0])  # [[[word, [pages...], ...], ...]]
    return words


def read_fragment(path: Path) -> dict:
    """A page's record in the index (gzipped JSON after the signature)."""
    raw = gzip.decompress(path.read_bytes())
    assert raw.startswith(SIGNATURE)
    return json.loads(raw[len(SIGNATURE):])


def entry(site: Path) -> dict:
    return json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))


def stage_names(report) -> list:
    return [name for name, _ in report.stages]


@pytest.fixture
def project(tmp_path):
    project = searchable_project(tmp_path / "project")
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    return project


# ------------------------------------------------------------------ the build
def test_build_indexes_every_article_page_and_nothing_else(project):
    site = project / "site"
    articles = sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.glob("20*/*/*/*/index.html"))
    assert len(articles) == 7
    language = entry(site)["languages"]["en"]  # <html lang="en">
    assert language["page_count"] == len(articles)
    meta = read_data_file(site / "pagefind" / f"pagefind.{language['hash']}.pf_meta")
    fragments = [read_fragment(site / "pagefind" / "fragment" / f"{page[0]}.pf_fragment") for page in meta[1]]
    assert sorted(f["url"] for f in fragments) == ["/" + a for a in articles]
    budget = next(f for f in fragments if f["url"] == "/" + BUDGET_ARTICLE)
    assert budget["meta"]["title"] == "Budget passes the National Assembly"
    assert budget["meta"]["source"] == "Test Wire"
    assert budget["meta"]["date"].startswith("Wednesday, 3 January 2024")
    assert set(budget["filters"]) == {"source", "tag"} and budget["filters"]["source"] == ["Test Wire"]
    # The headline and body are indexed; the masthead, dateline, tags and pager are not.
    assert budget["content"].startswith("Budget passes the National Assembly. The National Assembly passed")
    for navigation in ("Skip to content", "min read", "edition", "Newer:", "Older:", "Related"):
        assert navigation not in budget["content"]
    assert [name for name, _ in meta[4]] == ["date"]  # sortable by date
    assert not (site / "pagefind" / "pagefind-ui.js").exists()  # Pagefind's unused UIs are left out


def test_search_page_and_masthead_box_link_under_the_sub_path(project):
    site = project / "site"
    for rel in ("index.html", BUDGET_ARTICLE + "index.html", "tags/index.html", "404.html"):
        form = html(site, rel).xpath("//header[@class='masthead']//form[@role='search']")
        assert len(form) == 1, rel
        assert (form[0].get("action"), form[0].get("method")) == (BASE_PATH + "search/", "get")
        assert form[0].xpath(".//input[@name='q']/@id") == form[0].xpath(".//label/@for")
    page = html(site, "search/index.html")
    assert page.xpath("//header//form[@role='search']") == []  # the page has its own box instead
    assert page.xpath("//div[@data-search-bundle]/@data-search-bundle") == [BASE_PATH + "pagefind/"]
    assert page.xpath("//div[@data-search-bundle]/@data-search-base") == [BASE_PATH]
    noscript = page.xpath("//noscript")[0]
    assert "needs JavaScript" in noscript.text_content()
    assert BASE_PATH + "archive/" in noscript.xpath(".//a/@href")
    assert check_site(site, FIXTURE_BASE_URL) == []


def test_two_cold_builds_give_the_same_index_bytes(project, tmp_path):
    # Pagefind alone orders filter values differently on every run (and so names its files
    # differently); search.canonical_bundle sorts them.
    other = searchable_project(tmp_path / "other")
    assert run_build(other).returncode == 0
    assert bundle_files(other / "site") == bundle_files(project / "site")


def test_search_false_writes_no_index_page_or_box_and_removes_an_old_index(project):
    set_config(project, "search", "false")
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    site = project / "site"
    assert not (site / "pagefind").exists() and not (site / "search").exists()
    assert html(site, "index.html").xpath("//form") == []
    assert not (project / ".cache" / "search.json").exists()
    set_config(project, "search", "true")
    assert run_build(project).returncode == 0
    assert entry(site)["languages"]["en"]["page_count"] == 7


def test_search_key_is_validated_with_the_rest_of_the_config(project):
    set_config(project, "search", "yes please")
    proc = run_build(project)
    assert proc.returncode == 2
    assert "config.yaml:13: search: expected true or false, got str 'yes please'" in proc.stderr


# ------------------------------------------------------------------ incremental builds
def incremental_project(tmp_path) -> Path:
    project = searchable_project(tmp_path / "inc")
    shutil.rmtree(project / "content")  # only the articles written below
    for i in range(12):
        write_article(project, f"story-{i}", f"Story {i}", f"Paragraph of story {i} about harbours.\n",
                      date=f"2024-01-{1 + i:02d}T09:00:00+09:00")
    return project


def run(project: Path):
    from datetime import datetime, timezone
    return build(load_config(project / "config.yaml"), now=datetime(2024, 6, 1, tzinfo=timezone.utc), jobs=1)


def test_reindexes_only_when_an_article_page_changes(tmp_path):
    project = incremental_project(tmp_path)
    assert "search index (re-indexed)" in stage_names(run(project))
    bundle = project / "site" / "pagefind"
    inode = bundle.stat().st_ino

    assert stage_names(run(project)) == ["stamp"]  # no change: the stamp stops the build
    (project / "layouts" / "static" / "style.css").write_text("body { color: black; }\n", encoding="utf-8")
    report = run(project)
    assert report.written == 1 and "search index (unchanged)" in stage_names(report)
    assert bundle.stat().st_ino == inode

    write_article(project, "story-3", "Story 3", "Paragraph of story 3 about lighthouses.\n",
                  date="2024-01-04T09:00:00+09:00")
    report = run(project)
    assert "search index (re-indexed)" in stage_names(report)
    assert bundle.stat().st_ino != inode  # a whole new bundle was swapped in
    words = words_in_index(project / "site")
    assert "lighthous" in words or "lighthouses" in words  # (English words are stemmed)
    assert not (project / "site.pagefind").exists()


def test_incremental_index_equals_a_cold_one_after_edit_add_and_delete(tmp_path):
    project = incremental_project(tmp_path)
    run(project)
    write_article(project, "story-5", "Story 5 renamed", "Now about ferries.\n", date="2024-01-06T09:00:00+09:00")
    write_article(project, "story-new", "A new story", "About bridges.\n", date="2024-01-20T09:00:00+09:00")
    (project / "content" / "2024" / "01" / "story-0.md").unlink()
    run(project)
    cold = tmp_path / "cold"
    shutil.copytree(project, cold, ignore=shutil.ignore_patterns("site", ".cache", "site.*"))
    run(cold)
    assert bundle_files(project / "site") == bundle_files(cold / "site")
    assert entry(project / "site")["languages"]["en"]["page_count"] == 12


def test_a_lost_index_is_written_again(project):
    shutil.rmtree(project / "site" / "pagefind")
    proc = run_build(project)
    assert proc.returncode == 0
    assert entry(project / "site")["languages"]["en"]["page_count"] == 7


def test_a_lost_delta_file_is_written_again(project):
    # Without delta.json the search page cannot start: a build that would stop at the
    # stamp goes on and writes it (and, the base being as recorded, keeps the base).
    delta = project / "site" / "pagefind-delta" / "delta.json"
    written = delta.read_bytes()
    base = (project / "site" / "pagefind").stat().st_ino
    shutil.rmtree(delta.parent)
    proc = run_build(project, "--debug")
    assert proc.returncode == 0 and "search index (unchanged)" not in proc.stderr
    assert delta.read_bytes() == written and (project / "site" / "pagefind").stat().st_ino == base


def test_a_stale_index_is_not_trusted(project):
    # An index from other pages (here: the one of a build that was interrupted after
    # writing pages) no longer matches what .cache/search.json recorded: re-indexed.
    stale = json.loads((project / ".cache" / "search.json").read_text())
    (project / ".cache" / "search.json").write_text(json.dumps(dict(stale, state="other pages")))
    (project / "layouts" / "static" / "style.css").write_text("body { color: black; }\n", encoding="utf-8")
    proc = run_build(project, "--debug")
    assert proc.returncode == 0 and "search index (re-indexed)" in proc.stderr


# ------------------------------------------------------------------ check and serve
def test_check_reports_a_missing_bundle_file_and_a_missing_bundle(project):
    site = project / "site"
    fragment = sorted((site / "pagefind" / "fragment").iterdir())[0]
    fragment.unlink()
    assert check_site(site, FIXTURE_BASE_URL) == [
        f"pagefind/fragment/{fragment.name}: missing (the search index of search/index.html needs it)"]
    shutil.rmtree(site / "pagefind")
    problems = check_site(site, FIXTURE_BASE_URL)
    assert problems == [
        "search/index.html: broken link pagefind-entry.json (search bundle /repo/pagefind/) (→ /repo/pagefind/pagefind-entry.json)",
        "search/index.html: broken link pagefind.js (search bundle /repo/pagefind/) (→ /repo/pagefind/pagefind.js)"]


def test_check_reports_an_index_that_misses_articles(project):
    site = project / "site"
    shutil.copytree(site / "2024/01/03", site / "2024/01/09")  # a page the index has never seen
    (site / "2024/01/index.html").write_text((site / "2024/01/index.html").read_text(encoding="utf-8").replace(
        "</main>", f'<a href="{BASE_PATH}2024/01/09/budget-passes-after-marathon-session/">x</a></main>'),
        encoding="utf-8")
    problems = [p for p in check_site(site, FIXTURE_BASE_URL) if p.startswith("pagefind/")]
    assert problems == ["pagefind/pagefind-entry.json: indexes 7 pages but 8 pages are marked data-pagefind-body "
                        "(the index is out of date: build again)"]


def test_serve_gives_the_bundle_binary_and_script_types():
    assert content_type(Path("pagefind/pagefind.js")).startswith("text/javascript")
    assert content_type(Path("pagefind/pagefind-entry.json")) == "application/json; charset=utf-8"
    for name in ("wasm.en.pagefind", "pagefind.en_1.pf_meta", "index/en_1.pf_index", "fragment/en_1.pf_fragment",
                 "filter/en_1.pf_filter"):
        assert content_type(Path(name)) == "application/octet-stream", name


def test_serve_gives_the_delta_json_and_data_types():
    assert content_type(Path("pagefind-delta/delta.json")) == "application/json; charset=utf-8"
    assert content_type(Path("pagefind-delta/fragment/en_1.pf_fragment")) == "application/octet-stream"


def test_cbor_codec_reproduces_pagefind_files_exactly(project):
    # canonical_bundle decodes and re-encodes Pagefind's files: the codec must not lose
    # or alter anything Pagefind wrote (index chunks are re-encoded here only to check).
    data_files = [p for p in (project / "site" / "pagefind").rglob("*") if p.suffix in (".pf_meta", ".pf_index", ".pf_filter")]
    assert len(data_files) >= 4  # (fragments are JSON, not CBOR)
    for path in data_files:
        raw = gzip.decompress(path.read_bytes())
        value, end = cbor_decode(raw, len(SIGNATURE))
        assert end == len(raw) and cbor_encode(value) == raw[len(SIGNATURE):], path.name


# ------------------------------------------------------------------ in Chromium
def search_in_chromium(site: Path, query: str, *extra: str) -> dict:
    need(axe_missing_reason())
    with GitHubPagesServer(site, BASE_PATH) as base:
        proc = subprocess.run(["node", str(REPO / "tools" / "search.mjs"), base, query, *extra], cwd=REPO / "tools",
                              capture_output=True, text=True, timeout=180, env=dict(os.environ, CHROMIUM=CHROMIUM))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    # The browser asks for /favicon.ico at the host's root, outside the site: not ours.
    result["errors"] = [e for e in result["errors"] if "/favicon.ico" not in e]
    return result


@pytest.fixture(scope="module")
def browser_site(tmp_path_factory):
    project = searchable_project(tmp_path_factory.mktemp("browser") / "project")
    write_article(project, "markup", "<script>alert('title')</script> Markup in a headline",
                  "A lighthouse keeper wrote `<b>bold</b>` and <i>x</i> into the log.\n")
    assert run_build(project).returncode == 0
    return project / "site"


def test_typing_a_word_in_the_masthead_box_finds_the_article_under_the_sub_path(browser_site):
    result = search_in_chromium(browser_site, "budget")
    assert result["errors"] == []
    assert result["url"].endswith(BASE_PATH + "search/?q=budget")
    hrefs = [r["href"] for r in result["results"]]
    assert BASE_PATH + BUDGET_ARTICLE in hrefs
    hit = result["results"][hrefs.index(BASE_PATH + BUDGET_ARTICLE)]
    assert hit["title"] == "Budget passes the National Assembly"
    assert hit["meta"].startswith("Wednesday, 3 January 2024") and hit["meta"].endswith("· Test Wire")
    assert "budget" in hit["excerpt"].lower() and hit["marks"] >= 1


def test_markup_in_articles_is_shown_as_text_in_results(browser_site):
    result = search_in_chromium(browser_site, "lighthouse")
    assert result["errors"] == []  # no alert, no script error
    [hit] = result["results"]
    assert hit["title"] == "<script>alert('title')</script> Markup in a headline"
    assert "<b>bold</b>" in hit["excerpt"]


def test_a_word_in_no_article_says_so(browser_site):
    result = search_in_chromium(browser_site, "zeppelin")
    assert result["errors"] == [] and result["results"] == []
    assert result["status"] == "No articles match “zeppelin”."


def test_a_first_query_fetches_ten_fragments_and_no_filter_list_until_the_filters_open(tmp_path):
    # The filter lists grow with the site (about 70 KB at 10,000 articles) and each result
    # shown fetches its fragment: a plain query loads neither more than it shows.
    project = searchable_project(tmp_path / "many")
    for i in range(12):
        write_article(project, f"harbour-{i}", f"Harbour story {i}", f"The harbours of town {i} reopened.\n",
                      date=f"2024-01-{1 + i:02d}T09:00:00+09:00", tags=("Ports",) if i % 2 else ("Culture",))
    assert run_build(project).returncode == 0
    result = search_in_chromium(project / "site", "harbours", "--filter", "tag=Ports")
    assert result["errors"] == []
    first = [f["url"].split("/pagefind/", 1)[1] for f in result["bundleFiles"]]
    assert sum(name.startswith("fragment/") for name in first) == 10
    assert not any(name.startswith("filter/") for name in first)
    assert any(f["url"].split("/pagefind/", 1)[1].startswith("filter/") for f in result["filterFiles"])
    assert result["url"].endswith("q=harbours&tag=Ports")
    assert sorted(r["href"] for r in result["results"]) == sorted(
        f"{BASE_PATH}2024/01/{1 + i:02d}/harbour-{i}/" for i in range(1, 12, 2))
    assert result["status"] == "6 articles match “harbours”." and not result["more"]


def test_korean_words_are_found_by_their_beginning_only(tmp_path):
    # What README says about Korean (measured with Pagefind 1.5.2): text is split on spaces
    # only, and every query word matches the beginning of a word. So 서울 finds 서울은
    # (Seoul + particle) and 정책 finds 정책을, but 시청 does not find 서울시청, nor 했다 발표했다.
    project = searchable_project(tmp_path / "ko")
    set_config(project, "language", "ko")
    write_article(project, "seoul", "시장 발표", "서울은 오늘 새 정책을 발표했다. 서울시청 앞에서 열렸다.\n")
    assert run_build(project).returncode == 0
    assert list(entry(project / "site")["languages"]) == ["ko"]
    site = project / "site"
    queries = ("서울은", "서울", "정책", "서울 정책", "시청", "했다", "서울특별시")
    found = {q: [r["href"] for r in search_in_chromium(site, q)["results"]] for q in queries}
    seoul = [BASE_PATH + "2024/01/06/seoul/"]
    assert found == {"서울은": seoul, "서울": seoul, "정책": seoul, "서울 정책": seoul, "시청": [], "했다": [],
                     "서울특별시": []}


# ------------------------------------------------------------------ when Pagefind fails
def test_a_failing_index_step_is_one_line_and_keeps_the_served_index(tmp_path):
    project = incremental_project(tmp_path)
    assert run_build(project).returncode == 0
    site = project / "site"
    before = bundle_files(site)
    (project / "site.pagefind").write_text("in the way")  # where the new index is put together
    write_article(project, "story-3", "Story 3", "Paragraph of story 3 about ferries.\n",
                  date="2024-01-04T09:00:00+09:00")
    proc = run_build(project)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "site.pagefind: cannot remove this folder (left by a build; check its permissions and remove it by hand)"]
    assert "ferries" in (site / "2024/01/04/story-3/index.html").read_text(encoding="utf-8")  # updated in place
    assert bundle_files(site) == before  # the index being served is untouched
    (project / "site.pagefind").unlink()
    assert run_build(project).returncode == 0  # the next build indexes the changed page
    assert "ferri" in words_in_index(site)


def test_pagefind_refusing_to_index_is_one_message_with_its_reason(project, tmp_path):
    from newsdigest.search import run_pagefind
    empty = tmp_path / "nothing"
    empty.mkdir()
    with pytest.raises(DigestError) as failed:
        run_pagefind(load_config(project / "config.yaml"), empty, tmp_path / "out")
    message = str(failed.value)
    assert message.startswith("pagefind: indexing ") and " failed: " in message
    assert "Pagefind was not able to build an index" in message and "\n" not in message


def test_a_failing_index_step_in_a_cold_build_writes_no_site(tmp_path):
    project = searchable_project(tmp_path / "cold")
    (project / "site.pagefind").write_text("in the way")
    proc = run_build(project)
    assert proc.returncode == 1 and proc.stderr.startswith("site.pagefind: cannot remove this folder")
    assert not (project / "site").exists() and not (project / "site.new").exists()


def test_a_site_without_articles_has_no_search_page_box_or_index(tmp_path):
    # Pagefind makes no index of zero pages; the build leaves search out until there is one.
    project = searchable_project(tmp_path / "empty")
    shutil.rmtree(project / "content")
    (project / "content").mkdir()
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    site = project / "site"
    assert not (site / "pagefind").exists() and not (site / "search").exists()
    assert html(site, "index.html").xpath("//form") == []
    write_article(project, "first", "The first story", "About ferries.\n")
    assert run_build(project).returncode == 0
    assert entry(site)["languages"]["en"]["page_count"] == 1 and (site / "search" / "index.html").is_file()


# ------------------------------------------------------------------ base and delta
# At 500 articles (the fewest with a delta) it may replace 2 % of them, 10 pages, before the
# base is made again.
DELTA_ARTICLES = 500
FERRIES = (10, 20, 30)  # base articles that mention ferries, besides the edited and the new one


def story_date(i: int) -> str:
    return f"2024-01-{1 + i % 28:02d}T{i // 28 % 24:02d}:00:00+09:00"  # distinct for i < 672


def write_story(project: Path, i: int, words: str) -> None:
    write_article(project, f"story-{i}", f"Story {i}", f"Paragraph of story {i} about harbours{words}.\n",
                  date=story_date(i), tags=(("Ports", "Culture")[i % 2],))


def delta_project(dest: Path) -> Path:
    project = searchable_project(dest)
    shutil.rmtree(project / "content")
    for i in range(DELTA_ARTICLES):
        write_story(project, i, " and zeppelins" if i in (5, 8) else " and ferries" if i in FERRIES else "")
    return project


def bundle_inodes(site: Path, folder: str = "pagefind") -> dict:
    return {p.relative_to(site).as_posix(): (p.stat().st_ino, p.read_bytes())
            for p in sorted((site / folder).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def delta_site(tmp_path_factory):
    """A 500-article site, indexed; then story 5 edited (zeppelins -> lighthouses, ferries),
    story 8 deleted and a newest story added: the build makes a delta of those pages."""
    project = delta_project(tmp_path_factory.mktemp("delta") / "project")
    assert "search index (re-indexed)" in stage_names(run(project))
    base = bundle_inodes(project / "site")
    fragments = json.loads((project / ".cache" / "search.json").read_text())["base"]["pages"]
    write_story(project, 5, " and lighthouses and ferries")
    (project / "content" / "2024" / "01" / "story-8.md").unlink()
    write_article(project, "newest", "The newest story", "Ferries and harbours on the first of February.\n",
                  date="2024-02-01T09:00:00+09:00", tags=("Ports",))
    report = run(project)
    return project, base, fragments, stage_names(report)


def test_a_small_change_rebuilds_only_the_delta(delta_site):
    project, base, fragments, stages = delta_site
    site = project / "site"
    [lap] = [s for s in stages if s.startswith("search index")]
    assert lap.startswith("search index (delta of ") and lap != "search index (delta of 0 pages)"
    assert bundle_inodes(site) == base  # the base bundle's files untouched
    delta = json.loads((site / "pagefind-delta" / "delta.json").read_text(encoding="utf-8"))
    assert delta["base"] == [entry(site)["languages"]["en"]["hash"]]
    old = {rel: fragments[f"2024/01/{story_date(i)[8:10]}/story-{i}/index.html"][1] for rel, i in (("5", 5), ("8", 8))}
    assert {old["5"], old["8"]} <= set(delta["replaced"])
    assert delta["replaced"][old["8"]] == {"source": ["Test Wire"], "tag": ["Ports"]}
    urls = {read_fragment(site / "pagefind-delta" / "fragment" / f"{i}.pf_fragment")["url"]: i for i in delta["pages"]}
    assert "/2024/01/06/story-5/" in urls and "/2024/02/01/newest/" in urls and "/2024/01/09/story-8/" not in urls
    assert delta["pages"][urls["/2024/02/01/newest/"]] == 1706745600  # its date, for the date sort
    # The delta needs no script or WebAssembly of its own: the base's run it.
    assert not list((site / "pagefind-delta").glob("*.js")) and not list((site / "pagefind-delta").glob("wasm.*"))
    assert check_site(site, FIXTURE_BASE_URL) == []
    assert stage_names(run(project)) == ["stamp"]  # no change: nothing indexed


def test_the_search_page_merges_the_delta_and_drops_what_it_replaces(delta_site):
    site = delta_site[0] / "site"
    found = search_in_chromium(site, "lighthouses")
    assert found["errors"] == [] and [r["href"] for r in found["results"]] == [BASE_PATH + "2024/01/06/story-5/"]
    # The edited story's old word and the deleted story (both said zeppelins) are gone.
    gone = search_in_chromium(site, "zeppelins")
    assert gone["errors"] == [] and gone["results"] == []


def test_a_date_sort_is_in_date_order_across_base_and_delta(delta_site):
    site = delta_site[0] / "site"
    result = search_in_chromium(site, "ferries", "--sort", "new")
    assert result["errors"] == [] and result["url"].endswith("sort=new")
    newest_first = ["2024/02/01/newest/"] + [f"2024/01/{story_date(i)[8:10]}/story-{i}/" for i in (20, 10, 5, 30)]
    assert [r["href"] for r in result["results"]] == [BASE_PATH + u for u in newest_first]
    assert result["status"] == "5 articles match “ferries”."


def test_counts_leave_out_what_the_delta_replaces(delta_site):
    # 500 stories - story 8 + the newest: each page once in the count, the lists and the
    # oldest-first order (story 5, in the delta, comes third among the Culture stories).
    site = delta_site[0] / "site"
    result = search_in_chromium(site, "harbours", "--sort", "old", "--filter", "tag=Culture")
    half = DELTA_ARTICLES // 2
    assert result["errors"] == [] and result["firstStatus"] == f"{DELTA_ARTICLES} articles match “harbours”."
    assert result["filterOptions"] == {"source": [f"Test Wire ({DELTA_ARTICLES})"],
                                       "tag": [f"Culture ({half})", f"Ports ({half})"]}
    oldest_culture = [f"{BASE_PATH}2024/01/{story_date(i)[8:10]}/story-{i}/" for i in sorted(
        range(1, DELTA_ARTICLES, 2), key=lambda i: story_date(i))[:10]]
    assert [r["href"] for r in result["results"]] == oldest_culture and result["more"]
    assert result["status"] == f"{half} articles match “harbours”."


def test_check_verifies_the_delta(delta_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(delta_site[0] / "site", site)
    delta_file = site / "pagefind-delta" / "delta.json"
    delta = json.loads(delta_file.read_text(encoding="utf-8"))
    fragment = sorted((site / "pagefind-delta" / "fragment").iterdir())[0]
    fragment.unlink()
    delta_file.write_text(json.dumps(dict(delta, replaced={})), encoding="utf-8")
    # Without what it replaces, the delta's two new pages (story 5's new version, the newest
    # story) come on top of the base's 500.
    assert check_site(site, FIXTURE_BASE_URL) == [
        f"pagefind-delta/fragment/{fragment.name}: missing (the search index of search/index.html needs it)",
        f"pagefind/pagefind-entry.json: indexes {DELTA_ARTICLES + 2} pages but {DELTA_ARTICLES} pages are marked "
        "data-pagefind-body (the index is out of date: build again)"]
    delta_file.write_text(json.dumps(dict(delta, base=["en_0000000000"])), encoding="utf-8")
    assert check_site(site, FIXTURE_BASE_URL) == [
        f"pagefind-delta/delta.json: belongs to another base index (en_0000000000, not {delta['base'][0]}): build again"]
    shutil.rmtree(site / "pagefind-delta")
    assert check_site(site, FIXTURE_BASE_URL) == [
        "search/index.html: broken link delta.json (search delta /repo/pagefind-delta/) "
        "(→ /repo/pagefind-delta/delta.json)"]


def test_a_delta_of_another_base_is_left_out(delta_site, tmp_path):
    # What a reader meets between the two swaps of a new base: the new base with the old
    # delta.json. The page searches the base alone (here the older base: its words).
    site = tmp_path / "site"
    shutil.copytree(delta_site[0] / "site", site)
    delta_file = site / "pagefind-delta" / "delta.json"
    delta_file.write_text(json.dumps(dict(json.loads(delta_file.read_text()), base=["en_0000000000"])))
    result = search_in_chromium(site, "zeppelins")
    assert result["errors"] == [] and result["deltaFiles"] and not any(
        "pagefind-entry" in f["url"] for f in result["deltaFiles"])  # delta.json read, the delta not merged
    assert sorted(r["href"] for r in result["results"]) == [BASE_PATH + "2024/01/06/story-5/",
                                                          BASE_PATH + "2024/01/09/story-8/"]


def test_past_the_limit_the_base_is_made_again_and_the_delta_emptied(delta_site, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(delta_site[0], project)
    site = project / "site"
    base_inode = (site / "pagefind").stat().st_ino
    for i in range(40, 50):  # 10 more edits: past 10 pages
        write_story(project, i, " and bicycles")
    assert "search index (re-indexed)" in stage_names(run(project))
    assert (site / "pagefind").stat().st_ino != base_inode
    delta = json.loads((site / "pagefind-delta" / "delta.json").read_text(encoding="utf-8"))
    assert delta == {"base": [entry(site)["languages"]["en"]["hash"]], "pages": {}, "replaced": {}}
    assert sorted(p.name for p in (site / "pagefind-delta").iterdir()) == ["delta.json"]
    cold = tmp_path / "cold"
    shutil.copytree(project, cold, ignore=shutil.ignore_patterns("site", ".cache", "site.*"))
    run(cold)
    assert bundle_files(site) == bundle_files(cold / "site")
    assert (site / "pagefind-delta" / "delta.json").read_bytes() == (cold / "site" / "pagefind-delta" / "delta.json").read_bytes()
    set_config(project, "search", "false")
    run(project)
    assert not (site / "pagefind").exists() and not (site / "pagefind-delta").exists()
