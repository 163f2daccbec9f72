"""HTML article pages: the generic chain (structured metadata, then trafilatura), source
profiles' selectors, wire fragments, <meta charset>, refusals; and whole-CLI ingest."""

import shutil
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from conftest import FIXTURES, content_files, run_cli
from newsdigest.config import load_config
from newsdigest.content import split_front_matter
from newsdigest.errors import DigestError, Rejected
from newsdigest.ingest.formats.html import read_html
from newsdigest.ingest.formats.wire import rejoin_wrapped_lines
from newsdigest.ingest.readers import read_seeds, seed_kind

FORMATS = FIXTURES / "formats"
KST = timezone(timedelta(hours=9))
# Text on the fixture pages that is not the story: menus, share bars, cookie banner,
# related links, footer, scripts and styles.
FURNITURE = ("MENU-ITEM", "SHARE-BAR", "COOKIE", "RELATED-LINK", "FOOTER-TEXT", "SCRIPT", "STYLE-TEXT",
             "Text Size", "top stories", "KOGL", "Mobile Menu")


@pytest.fixture
def config(project):
    return load_config(project / "config.yaml")


def read(config, project, name, data=None):
    path = project / "seeds" / name
    if data is None:
        shutil.copy(FORMATS / name, path)
    else:
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return read_seeds(path, config, path.read_bytes())


def assert_no_furniture(seed):
    text = "\n".join((seed.title, *seed.paragraphs))
    leaked = [word for word in FURNITURE if word.lower() in text.lower()]
    assert not leaked, f"page furniture in the article: {leaked}"


def test_generic_page_reads_from_structured_metadata_and_drops_the_furniture(config, project):
    [seed] = read(config, project, "generic-news.html")
    assert seed.title == "Harbour city opens floating library"
    # JSON-LD's date (with its zone) wins over the meta tag's UTC time of the same instant.
    assert seed.date == datetime(2024, 5, 1, 15, 0, tzinfo=KST) and seed.date.utcoffset() == timedelta(hours=9)
    assert seed.source == "The Daily Example"
    assert seed.reporters == ("Mina Park", "Tom Reyes")
    assert seed.url == "https://news.example.org/2024/05/01/floating-library"
    assert len(seed.paragraphs) == 4
    assert seed.paragraphs[0].startswith("A converted ferry moored at the old fish market")
    assert seed.paragraphs[-1].endswith("twice a week from June onwards.")
    assert_no_furniture(seed)


def test_generic_page_without_json_ld_uses_meta_tags_and_cuts_the_site_name_from_the_title(config, project):
    page = (FORMATS / "generic-news.html").read_text()
    start = page.index('<script type="application/ld+json">')
    page = page[:start] + page[page.index("</script>", start) + len("</script>"):]
    page = page.replace('<meta property="og:title" content="Harbour city opens floating library">', "")
    page = page.replace("<h1>Harbour city opens floating library</h1>", "<h1>Harbour city</h1><h1>Other</h1>")
    [seed] = read(config, project, "no-jsonld.html", page)
    assert seed.title == "Harbour city opens floating library"  # from `<title>... | The Daily Example`
    assert seed.date == datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)  # article:published_time
    assert seed.source == "The Daily Example" and seed.reporters == ()
    assert_no_furniture(seed)


def test_page_whose_only_title_is_the_site_name_is_refused_in_one_line(config, project):
    with pytest.raises(DigestError) as e:
        read(config, project, "no-headline.html")
    assert str(e.value) == ("seeds/no-headline.html: no headline: the page has no JSON-LD headline, og:title, "
                            "single <h1> or <title> other than the site's name (a source profile's html.title "
                            "can say where)")


def test_arirang_page_through_the_bundled_profile(config, project):
    [seed] = read(config, project, "arirang-news-view.html")
    # Not the <title> ("News View :: The World On Arirang") nor either og:title.
    assert seed.title == "Seoul subway fares to rise by 150 won next spring"
    assert seed.date == datetime(2019, 11, 19, 17, 5, 30, tzinfo=KST)
    assert (seed.source, seed.reporters) == ("Arirang News", ())  # the reporter line holds only an e-mail
    assert seed.url == "http://www.arirang.com/news/news_view.asp?nseq=250001"
    assert seed.paragraphs == (
        "Seoul City says basic subway fares will rise by 150 won from March next year, the first increase in four years.",
        "Officials said the operator's losses had grown with the number of elderly riders who travel for free.",
        "Bus fares are to stay the same until the end of next year, the city added.")
    assert_no_furniture(seed)


def test_without_the_profile_the_arirang_page_is_refused_not_titled_with_the_site_name(project):
    # Its og:title is given twice (the site's slogan first), its one <h1> is the logo, and
    # its <title> is "News View :: The World On Arirang": none of them is the headline.
    config = yaml.safe_load((project / "config.yaml").read_text())
    for source in config["sources"]:
        source.pop("html", None)
    (project / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    with pytest.raises(DigestError) as e:
        read(load_config(project / "config.yaml"), project, "arirang-news-view.html")
    assert e.value.message.startswith("no headline: ")


def test_profile_selector_that_matches_nothing_is_a_refusal_naming_the_key(config, project):
    page = (FORMATS / "arirang-news-view.html").read_bytes().replace(b'id="aNews_View"', b'id="elsewhere"')
    with pytest.raises(DigestError) as e:
        read(config, project, "moved.html", page)
    assert str(e.value) == ("seeds/moved.html: no headline: source 'Arirang News': html.title '#aNews_View h2' "
                            "matches nothing on this page")


def test_xpath_selectors_and_drop(project):
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["sources"].insert(0, {"name": "Example Times", "detect": "^example times$", "html": {
        "url": r"^https://times\.example/", "title": "//article/h1", "date": "(//time)[1]",
        "body": "//div[@class='text']", "reporter": "//p[@class='by']", "drop": [".ad", "//figure"]}})
    (project / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    page = """<html><head><link rel="canonical" href="https://times.example/a/1"></head><body><article>
      <h1>Bridge reopens after repairs</h1><time datetime="2019-11-18T08:00:00+00:00">Monday</time>
      <p class="by">By Ana Lee</p><div class="text"><p>The bridge reopened on Monday.</p>
      <div class="ad">Buy now</div><figure>A photo caption</figure><p>Traffic was light.</p></div>
      </article></body></html>"""
    [seed] = read(load_config(project / "config.yaml"), project, "times.html", page)
    assert (seed.title, seed.source, seed.reporters) == ("Bridge reopens after repairs", "Example Times", ("Ana Lee",))
    assert seed.date == datetime(2019, 11, 18, 8, 0, tzinfo=timezone.utc)
    assert seed.paragraphs == ("The bridge reopened on Monday.", "Traffic was light.")


def test_wire_fragment_is_rejoined_with_agency_from_the_dateline(config, project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1574208000")  # 2019-11-20: the year for "Nov. 19"
    [seed] = read(config, project, "wire-fragment.html")
    assert seed.title == "Seoul subway fares to rise next spring"
    assert seed.source == "Yonhap"
    assert seed.date == datetime(2019, 11, 19, tzinfo=config.timezone)
    assert seed.paragraphs == (
        "Seoul City will raise basic subway fares by 150 won from March next year, the first increase in four "
        "years, officials said Tuesday.",
        "The operator's losses have grown with the number of elderly riders, who travel for free, the city said "
        "in a statement.",
        "Bus fares are to stay the same until the end of next year.")


def test_rejoin_wrapped_lines():
    lines = ["   First line of a", "paragraph that wraps, with a Bavaria-", "based compound.", "",
             "\u00a0\u00a0 Second one", "   Third", "goes on."]
    assert rejoin_wrapped_lines(lines) == ["First line of a paragraph that wraps, with a Bavaria-based compound.",
                                           "Second one", "Third goes on."]


@pytest.mark.parametrize("name, title, phrase", [
    ("windows-1252.html", "Caf\u00e9 owners say \u201cno\u201d to new rules", "costs \u00a3120,000 a year"),
    ("euc-kr.html", "서울 지하철 요금 150원 인상", "서울시는 내년 3월부터"),
])
def test_meta_charset_decides_the_encoding(config, project, name, title, phrase):
    [seed] = read(config, project, name)
    assert seed.title == title and phrase in seed.paragraphs[-1] + seed.paragraphs[0]
    assert seed.source == "Example Times"  # og:site_name; the <title> suffix is cut off


def test_meta_charset_wins_over_the_detector(config, project):
    # Valid UTF-8 bytes, but the page says Windows-1252: the page's word is what it means.
    page = '<html><head><meta charset="windows-1252"><title>x</title><meta property="og:title" ' \
           'content="Caf\u00e9 news"></head><body><article><p>A caf\u00e9 opened.</p><p>More.</p></article></body></html>'
    [seed] = read(config, project, "says-1252.html", page.encode("utf-8"))
    assert seed.title == "Caf\u00c3\u00a9 news"


def test_content_that_is_an_html_document_is_html_whatever_its_name(tmp_path):
    assert seed_kind(tmp_path / "page.txt", b"\xef\xbb\xbf\n<!DOCTYPE html><html>") == "html"
    assert seed_kind(tmp_path / "page.htm", b"<div>fragment</div>") == "html"


def test_html_seeds_have_their_own_size_limit(config, project):
    assert (config.max_seed_kb, config.max_html_kb) == (1024, 10240)
    # ~2 MB, over max_seed_kb, the way real pages get big: inline data for the page's scripts.
    big = (FORMATS / "generic-news.html").read_text().replace(
        "</body>", '<script id="__DATA__" type="application/json">[' + '{"k": "filler"},' * 120_000 + '0]</script></body>')
    [seed] = read(config, project, "big.html", big)
    assert seed.title == "Harbour city opens floating library"
    (project / "config.yaml").write_text((project / "config.yaml").read_text() + "max_html_kb: 1\n")
    small = load_config(project / "config.yaml")
    with pytest.raises(DigestError) as e:
        read(small, project, "big.html", big)
    assert str(e.value) == (f"seeds/big.html: file is too large ({len(big.encode()) / 1024:,.0f} KB; the limit is "
                            "1 KB, max_html_kb in config.yaml)")


def test_html_profile_keys_are_validated_in_the_same_pass(project):
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["sources"][0]["html"] = {"url": "(", "title": "h2 >> x", "body": "//div[", "colour": "red",
                                    "drop": [3]}
    config["sources"][1]["html"] = {"title": "h1"}
    (project / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    with pytest.raises(Rejected) as e:
        load_config(project / "config.yaml")
    messages = [f"{err.line}: {err.message}" for err in e.value.errors]
    text = (project / "config.yaml").read_text().splitlines()
    line = lambda key, after=0: next(i for i, s in enumerate(text, 1) if i > after and s.strip().startswith(key))  # noqa
    first = line("html:")
    assert messages == sorted([
        f"{line('url:', first)}: sources.0.html.url: bad regular expression: missing ), unterminated subpattern at position 0",
        f"{line('title:', first)}: sources.0.html.title: bad CSS selector: Expected selector, got <DELIM '>' at 4> in 'h2 >> x'",
        f"{line('body:', first)}: sources.0.html.body: bad XPath: Invalid expression in '//div['",
        f"{line('colour:', first)}: sources.0.html.colour: unknown key (known: url, title, date, body, reporter, drop)",
        f"{line('- 3', first)}: sources.0.html.drop.0: expected a selector string, got 3",
        f"{line('html:', first + 1)}: sources.1.html: url: required (a regular expression matching the outlet's article URLs)",
    ], key=lambda m: int(m.split(":")[0]))


# ------------------------------------------------------------------ whole CLI
def test_cli_ingests_html_pages_into_content(project):
    for name in ("arirang-news-view.html", "generic-news.html", "no-headline.html"):
        shutil.copy(FORMATS / name, project / "seeds" / name)
    result = run_cli(project, "ingest")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "seeds/no-headline.html: no headline: the page has no JSON-LD headline, og:title, single <h1> or "
        "<title> other than the site's name (a source profile's html.title can say where)"]
    files = content_files(project)
    assert sorted(files) == ["2019/11/seoul-subway-fares-to-rise-by-150-won-next-spring.md",
                             "2024/05/harbour-city-opens-floating-library.md"]
    meta, body, _ = split_front_matter(files["2019/11/seoul-subway-fares-to-rise-by-150-won-next-spring.md"].decode(), "x")
    assert (meta["title"], meta["date"], meta["source"], meta["seed"]) == (
        "Seoul subway fares to rise by 150 won next spring", "2019-11-19T17:05:30+09:00", "Arirang News",
        "arirang-news-view.html")
    assert body.strip().split("\n\n")[0] == ("Seoul City says basic subway fares will rise by 150 won from March next year, "
                                     "the first increase in four years.")
    meta, body, _ = split_front_matter(files["2024/05/harbour-city-opens-floating-library.md"].decode(), "x")
    assert (meta["title"], meta["date"], meta["source"], meta["reporters"]) == (
        "Harbour city opens floating library", "2024-05-01T15:00:00+09:00", "The Daily Example",
        ["Mina Park", "Tom Reyes"])
    assert not any(word.lower() in body.lower() for word in FURNITURE)


def test_a_page_saved_without_its_url_is_chosen_by_file_name(project):
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["sources"][0]["file_name"] = r"^arirang-"
    (project / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    page = (FORMATS / "arirang-news-view.html").read_text()
    page = "\n".join(line for line in page.split("\n") if "og:url" not in line)
    [seed] = read(load_config(project / "config.yaml"), project, "arirang-saved.html", page)
    assert (seed.title, seed.source, seed.url) == ("Seoul subway fares to rise by 150 won next spring",
                                                    "Arirang News", "")


def test_the_sites_logo_heading_is_not_a_headline(config, project):
    page = """<html><head><title>Example Times</title></head><body>
      <header><h1><a href="/">Example Times</a></h1><nav><a href="/a">World</a></nav></header>
      <div class="content"><p>The bridge reopened on Monday after two years of repairs, the city said.</p>
      <p>Traffic was light in the morning.</p></div></body></html>"""
    with pytest.raises(DigestError) as e:
        read(config, project, "logo.html", page)
    assert e.value.message.startswith("no headline: ")


def test_a_page_saved_by_a_browser_is_html_and_its_saved_from_url_chooses_the_profile(config, project):
    page = (FORMATS / "arirang-news-view.html").read_text()
    page = "\n".join(line for line in page.split("\n") if "og:url" not in line)
    url = "http://www.arirang.com/news/news_view.asp?nseq=250001"
    page = f"<!-- saved from url=({len(url):04d}){url} -->\n" + page
    assert seed_kind(project / "seeds" / "saved.txt", page.encode()) == "html"
    [seed] = read(config, project, "saved.txt", page)
    assert (seed.title, seed.source, seed.url) == ("Seoul subway fares to rise by 150 won next spring",
                                                    "Arirang News", url)
