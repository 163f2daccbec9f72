"""Per-reporter pages (/reporters/<slug>/): one plan entry and one layout, linked from
bylines on article pages, listed in the sitemap, paged like a tag's when long."""

import re

from buildkit import html, make_project, run_build, tree
from newsdigest.collect import reporter_url


def built(tmp_path, *overlays):
    project = make_project(tmp_path / "p", *overlays)
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    return project / "site"


def byline_links(site, rel):
    return [(a.text, a.get("href")) for a in html(site, rel).xpath("//p[contains(., ' · By ')]//a")]


def test_every_byline_links_to_a_page_listing_the_reporters_articles(tmp_path):
    site = built(tmp_path)
    pages = sorted(p for p in tree(site) if re.fullmatch(r"\d{4}/\d\d/\d\d/[^/]+/index.html", p))
    links = {rel: byline_links(site, rel) for rel in pages}
    by_reporter: dict = {}
    for rel, found in links.items():
        for name, href in found:
            by_reporter.setdefault((name, href), set()).add("/repo/" + rel[: -len("index.html")])
    assert ("Kim Ji-yeon", "/repo/reporters/kim-ji-yeon/") in by_reporter  # two reporters, two links
    assert ("Park Min-su", "/repo/reporters/park-min-su/") in by_reporter
    for (name, href), articles in by_reporter.items():
        page = html(site, href[len("/repo/"):] + "index.html")
        assert page.xpath("string(//h1)") == name
        listed = {a.get("href") for a in page.xpath("//main//h2/a")}
        assert articles <= listed, name  # (only the newest articles_per_page on the landing page)


def test_bylines_in_lists_link_to_reporter_pages(tmp_path):
    """The front page's, a day's and a tag's entries (dated or not) link each reporter of a
    byline to their page, as article pages do."""
    site = built(tmp_path)
    kinds = {"front page": r"index.html", "day": r"\d{4}/\d\d/\d\d/index.html", "tag": r"tags/[^/]+/index.html"}
    for kind, pattern in kinds.items():
        links = [(rel, a.text, a.get("href")) for rel in sorted(tree(site)) if re.fullmatch(pattern, rel)
                 for a in html(site, rel).xpath("//article[@class='entry']/p[@class='meta']/a")]
        assert links, kind
        for rel, name, href in links:
            assert href == "/repo/" + reporter_url(name), (rel, name)
            assert html(site, reporter_url(name) + "index.html").xpath("string(//h1)") == name


def test_reporter_pages_are_in_the_sitemap(tmp_path):
    site = built(tmp_path)
    reporters = sorted(p[: -len("index.html")] for p in tree(site) if p.startswith("reporters/"))
    assert reporters, "no reporter page"
    sitemaps = "".join(v.decode() for k, v in tree(site).items() if k.startswith("sitemaps/"))
    for url in reporters:
        assert f"<loc>https://example.github.io/repo/{url}</loc>" in sitemaps


def test_a_long_list_is_paged_like_a_tag(tmp_path):
    project = make_project(tmp_path / "p")
    for i in range(7):
        (project / f"content/2024/01/byline-{i}.md").write_text(
            f"---\ntitle: Byline story {i}\ndate: 2024-01-2{i}T09:00:00+09:00\nreporters: [Yoon Ha-eun]\n---\n\nBody {i}.\n",
            encoding="utf-8")
    assert run_build(project).returncode == 0
    site = project / "site"
    url = reporter_url("Yoon Ha-eun")
    assert url == "reporters/yoon-ha-eun/"
    landing = html(site, url + "index.html")
    assert len(landing.xpath("//main//h2/a")) == 3  # articles_per_page: 3
    assert "7 articles by Yoon Ha-eun" in landing.xpath("string(//p[@class='meta'])")
    pages = sorted(p for p in tree(site) if p.startswith(url + "page/"))
    assert pages == [f"{url}page/{n}/index.html" for n in (1, 2, 3)]  # chunks of 3 from the oldest
    chunked = [a.get("href") for rel in pages for a in html(site, rel).xpath("//main//h2/a")]
    assert len(chunked) == len(set(chunked)) == 7
