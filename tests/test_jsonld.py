"""Every article page carries a complete schema.org NewsArticle (Google's article
properties), and the JSON-LD and feed.json write `<`, `>`, `&` as \\u003c, \\u003e,
\\u0026: no headline can close the <script> element or be read as markup, and the
decoded values are the headlines as written."""

import json
import shutil

import pytest

from buildkit import html, make_project, run_build
from newsdigest.check import check_site
from newsdigest.config import load_config
from newsdigest.errors import Rejected

BASE = "https://example.github.io/repo/"
HOSTILE = "Markets </script><script>alert('x')</script> & <b>bonds</b>"
HOSTILE_URL = "2024/01/05/hostile-headline/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("jsonld"))
    (project / "content/2024/01/hostile.md").write_text(
        "---\n"
        f"title: {json.dumps(HOSTILE)}\n"
        "date: 2024-01-05T18:00:00+09:00\n"
        "slug: hostile-headline\n"
        "summary: 'A <i>lead</i> & more'\n"
        "---\n\nBody of the hostile story.\n", encoding="utf-8")
    with open(project / "config.yaml", "a", encoding="utf-8") as f:
        f.write("publisher_logo: static/logo.png\n")
    (project / "layouts/static/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    return project / "site"


def article_pages(site):
    return sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.glob("20*/*/*/*/index.html"))


def json_ld(site, url):
    (script,) = html(site, url + "index.html").xpath("//script[@type='application/ld+json']")
    return script.text


def test_every_article_page_has_a_complete_news_article(site):
    pages = article_pages(site)
    assert len(pages) == 8  # the seven published fixture articles and the hostile one
    for url in pages:
        data = json.loads(json_ld(site, url))
        assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
        assert data["headline"]
        for name in ("datePublished", "dateModified"):
            assert data[name][-6] in "+-" and data[name][-3] == ":", (url, data[name])  # an offset, not naive
        assert data["mainEntityOfPage"] == BASE + url
        assert data["isAccessibleForFree"] is True
        assert data["inLanguage"] == "en"
        assert data["publisher"] == {"@type": "Organization", "name": "Fixture Digest",
                                     "logo": {"@type": "ImageObject", "url": BASE + "static/logo.png"}}
        assert data["author"] and all(a["@type"] in ("Person", "Organization") and a["name"] for a in data["author"])


def test_author_is_the_source_organization_without_reporters(site):
    data = json.loads(json_ld(site, HOSTILE_URL))
    assert data["author"] == [{"@type": "Organization", "name": "Fixture Digest"}]  # no source: the site title
    night = json.loads(json_ld(site, "2024/01/04/night-session-lifts-kospi-futures/"))
    assert night["author"] == [{"@type": "Person", "name": "Choi Yoon-ah"}]
    assert night["datePublished"] == night["dateModified"] == "2024-01-04T01:30:00+09:00"


def test_json_ld_cannot_close_its_script_and_decodes_to_the_headline(site):
    raw = (site / HOSTILE_URL / "index.html").read_text(encoding="utf-8")
    start = raw.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    text = raw[start:raw.index("</script>", start)]
    assert not set("<>&") & set(text)
    assert "\\u003c/script\\u003e" in text and "\\u0026" in text
    data = json.loads(text)
    assert data["headline"] == HOSTILE
    assert data["description"] == "A <i>lead</i> & more"
    # The page holds exactly the scripts the layout writes: the title closed none early.
    assert len(html(site, HOSTILE_URL + "index.html").xpath("//script")) == raw.count("<script")


def test_feed_json_escapes_markup_characters_and_keeps_the_values(site):
    text = (site / "feed.json").read_text(encoding="utf-8")
    assert not set("<>&") & set(text)
    items = json.loads(text)["items"]
    assert items[0]["title"] == HOSTILE
    assert items[0]["content_html"] == "<p>Body of the hostile story.</p>"


def test_the_built_site_passes_check(site, tmp_path):
    assert (site / "static/logo.png").is_file()
    assert check_site(site, BASE) == []
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    (copy / "static/logo.png").unlink()
    problems = check_site(copy, BASE)
    assert len(problems) == 8 and all(p.endswith(
        f": broken link {BASE}static/logo.png (JSON-LD publisher logo) (→ /repo/static/logo.png)") for p in problems)


def test_check_reports_an_incomplete_or_unescaped_json_ld(site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / HOSTILE_URL / "index.html"
    text = page.read_text(encoding="utf-8")
    start = text.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    end = text.index("</script>", start)
    data = json.loads(text[start:end])
    del data["inLanguage"], data["isAccessibleForFree"]
    data["publisher"] = {"@type": "Person", "name": "x"}
    data["dateModified"] = "2024-01-05T18:00:00"
    data["mainEntityOfPage"] = BASE
    data["headline"], data["description"] = "a & b", "Plain lead."  # one raw character: '&'
    page.write_text(text[:start] + json.dumps(data) + text[end:], encoding="utf-8")
    where = f"{HOSTILE_URL}index.html: JSON-LD"
    assert check_site(copy, BASE) == sorted([
        f"{where} dateModified '2024-01-05T18:00:00' is not a date and time with its offset",
        f"{where} has a raw '&' (write it as \\u0026)",
        f"{where} has no inLanguage",
        f"{where} isAccessibleForFree is not true or false",
        f"{where} mainEntityOfPage is '{BASE}', expected {BASE}{HOSTILE_URL}",
        f"{where} publisher is not an Organization with a name",
    ])


@pytest.mark.parametrize("value, message", [
    ("/logo.png", "publisher_logo: expected an absolute http(s) URL or a path inside the site "
                  "(like static/logo.png), got '/logo.png'"),
])
def test_bad_new_config_keys(tmp_path, monkeypatch, value, message):
    key = message.split(":")[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(f"title: x\n{key}: {value}\nsources: [{{name: Wire}}]\n")
    with pytest.raises(Rejected) as e:
        load_config(tmp_path / "config.yaml")
    assert [str(x) for x in e.value.errors] == [f"config.yaml:2: {message}"]


def test_publisher_logo_url(tmp_path):
    (tmp_path / "config.yaml").write_text("title: Morning Wire\nbase_url: https://x.example/sub/\n"
                                          "publisher_logo: https://cdn.example/logo.png\nsources: [{name: Wire}]\n")
    config = load_config(tmp_path / "config.yaml")
    assert config.publisher_logo == "https://cdn.example/logo.png"
