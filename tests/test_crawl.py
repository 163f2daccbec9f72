"""GitHub Pages: the built site served under its sub-path (and at a root) over HTTP, every
link on every page followed (href, src, srcset, CSS url()); none broken, none leaving the
sub-path, and the 404 page working at any depth."""

from urllib.parse import urljoin

import pytest

from buildkit import crawl, fetch, links_in, make_project, run_build
from sitekit import DEMO_BASE_URL, GitHubPagesServer, build_cli_missing_reason, build_demo, page_paths

ROOT_BASE_URL = "https://news.example.org/"


def served_pages(site, base):
    return {base + p for p in page_paths(site) if p != "404.html"}


def assert_crawl(site, base_path, public_base):
    with GitHubPagesServer(site, base_path) as base:
        seen, problems = crawl(base, public_base)
        assert problems == []
        # every page is reachable by links from the front page
        assert served_pages(site, base) - seen == set()
        # the 404 page, answered for a deep path, links only to pages that exist
        status, ctype, body = fetch(base + "no/such/page/at/depth/")
        assert status == 404
        targets = [urljoin(base + "no/such/page/at/depth/", link).split("#")[0]
                   for link in links_in(body, ctype) if not link.startswith("#")]
        internal = [t for t in targets if t.startswith(base)]
        assert internal, "404.html has no links back into the site"
        assert [t for t in targets if t.startswith(base[: -len(base_path)]) and not t.startswith(base)] == []
        assert [(t, status) for t, status in ((t, fetch(t)[0]) for t in internal) if status != 200] == []
    return seen


@pytest.fixture(scope="module")
def demo_sub_path(tmp_path_factory):
    if build_cli_missing_reason():
        pytest.skip(build_cli_missing_reason())
    proc, site = build_demo(tmp_path_factory.mktemp("demo-sub"))
    assert proc.returncode == 0, proc.stderr
    return site


def test_demo_under_a_sub_path(demo_sub_path):
    seen = assert_crawl(demo_sub_path, "/newsdigest/", DEMO_BASE_URL)
    assert any(u.endswith("/static/style.css") for u in seen)
    assert any(u.endswith("/feed.xml") for u in seen)


def test_demo_at_a_root_base_url(tmp_path):
    if build_cli_missing_reason():
        pytest.skip(build_cli_missing_reason())
    proc, site = build_demo(tmp_path, base_url=ROOT_BASE_URL)
    assert proc.returncode == 0, proc.stderr
    assert 'href="/static/style.css"' in (site / "index.html").read_text()
    assert_crawl(site, "/", ROOT_BASE_URL)


def test_fixture_with_hangul_tags_and_tag_pages_under_a_sub_path(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_build(project).returncode == 0
    seen = assert_crawl(project / "site", "/repo/", "https://example.github.io/repo/")
    assert any(u.endswith("/tags/%ED%95%9C%EA%B8%80/") or u.endswith("/tags/한글/") for u in seen)
    assert any(u.endswith("/tags/economy/page/1/") for u in seen)
    assert any(u.endswith("/static/chart.svg") for u in seen)  # the image in an article's Markdown


def test_crawler_reports_a_broken_link_and_an_escaping_one(tmp_path):
    # The crawl must be able to fail: plant both defects in a built fixture site.
    project = make_project(tmp_path / "p")
    assert run_build(project).returncode == 0
    page = project / "site/tags/index.html"
    page.write_text(page.read_text().replace(
        "</main>", '<a href="/repo/tags/missing/">x</a><a href="/elsewhere/">y</a></main>'))
    with GitHubPagesServer(project / "site", "/repo/") as base:
        _, problems = crawl(base, "https://example.github.io/repo/")
    assert problems == [f"{base}tags/: /elsewhere/ leaves the sub-path /repo/", f"{base}tags/missing/: HTTP 404"]
