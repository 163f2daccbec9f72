"""Content files and config that cannot harm (issue 14): unsafe ids, YAML alias bombs,
duplicate keys, impossible dates, oversized or pathologically slow bodies, characters XML
forbids, HTML in an RSS summary, and base_url / --port that would break every URL."""

import html
import re

import feedparser
import pytest

from buildkit import set_config
from conftest import REPO, run_cli

GOOD = "---\ntitle: A good article\ndate: '2019-11-18T10:00:00+09:00'\n---\n\nBody text.\n"


def article(head: str, body: str = "Body text.\n") -> str:
    return f"---\n{head}---\n\n{body}"


def put(project, rel, text):
    path = project / "content" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def add_config(project, lines: str):
    with open(project / "config.yaml", "a", encoding="utf-8") as f:
        f.write(lines)


def problems(result):
    return [line for line in result.stderr.splitlines() if not line.startswith("failed: ")]


BOMB = "".join(["lol: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"] +
               [f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                for p, c in zip("abcdefgh", "bcdefghi")])


# ------------------------------------------------------------------ item 1: id / slug
def test_an_id_that_would_leave_the_site_is_refused(project):
    set_config(project, "article_path", '"a/{id}/"')
    layout = (project / "layouts" / "index.html").read_bytes()
    put(project, "2019/11/evil.md", article("title: Evil\ndate: '2019-11-18T10:00:00+09:00'\nid: ../../layouts\n"))
    put(project, "2019/11/evil-slug.md", article("title: Evil slug\ndate: '2019-11-18T10:00:00+09:00'\n"
                                                 "slug: ../../x\n"))
    put(project, "2019/11/good.md", GOOD)
    result = run_cli(project, "build")
    assert result.returncode == 1
    assert problems(result) == [
        "content/2019/11/evil-slug.md:4: slug: expected letters, digits, '-' and '_' only (at most 200 bytes), "
        "got '../../x'",
        "content/2019/11/evil.md:4: id: expected 1 to 64 ASCII letters, digits, '-' and '_', got '../../layouts'",
    ]
    assert (project / "layouts" / "index.html").read_bytes() == layout
    assert not (project / "site").exists()


# ------------------------------------------------------------------ item 13: alias bombs, long values
def test_a_yaml_alias_bomb_in_front_matter_is_one_short_line(project):
    put(project, "2019/11/bomb.md", article("title: Bomb\ndate: '2019-11-18T10:00:00+09:00'\n" + BOMB + "tags: *i\n"))
    result = run_cli(project, "build")
    assert result.returncode == 1
    (line,) = problems(result)
    assert re.fullmatch(r"content/2019/11/bomb\.md:\d+: invalid YAML in front matter: YAML aliases \(\*name\) "
                        r"are not allowed; write the value out \(the anchored value starts here\)", line), line


def test_a_yaml_alias_bomb_in_the_config_is_one_short_line(project):
    add_config(project, BOMB + "description: *i\n")
    result = run_cli(project, "build")
    assert result.returncode == 2
    (line,) = problems(result)
    assert re.fullmatch(r"config\.yaml:\d+: invalid YAML: YAML aliases \(\*name\) are not allowed; write the "
                        r"value out \(the anchored value starts here\)", line), line


def test_a_huge_value_is_cut_in_its_message(project):
    put(project, "2019/11/long.md", article(f"title: [{', '.join(['x' * 100] * 10_000)}]\n"
                                            "date: '2019-11-18T10:00:00+09:00'\n"))
    result = run_cli(project, "build")
    assert result.returncode == 1
    (line,) = problems(result)
    assert line.startswith("content/2019/11/long.md:2: title: expected a non-empty string, got ['xxx")
    assert line.endswith(" characters)") and len(line) < 400


def test_every_message_is_capped_in_digest_error_itself():
    from newsdigest.errors import DigestError

    text = str(DigestError("content/x.md", "y" * 5_000_000, 3))
    assert len(text) < 1100 and text.endswith("... (5,000,000 characters)")


# ------------------------------------------------------------------ item 14: dates
def test_impossible_and_out_of_range_dates_are_one_line_each(project):
    put(project, "2019/11/feb.md", article("title: Feb\ndate: 2019-02-30\n"))
    put(project, "2019/11/hour.md", article("title: Hour\ndate: 2019-11-18 25:61:00\n"))
    put(project, "2019/11/far.md", article("title: Far\ndate: '9999-12-31T23:00:00-12:00'\n"))
    put(project, "2019/11/notitle.md", article("date: '2019-11-18T10:00:00+09:00'\n"))
    put(project, "2019/11/good.md", GOOD)
    result = run_cli(project, "build")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr
    assert problems(result) == [
        "content/2019/11/far.md:3: date: date '9999-12-31T23:00:00-12:00' is out of range (it must be between "
        "the years 1 and 9999 in UTC and in the site's time zone)",
        "content/2019/11/feb.md:3: invalid YAML in front matter: impossible date '2019-02-30' "
        "(day is out of range for month)",
        "content/2019/11/hour.md:3: invalid YAML in front matter: impossible date '2019-11-18 25:61:00' "
        "(hour must be in 0..23)",
        "content/2019/11/notitle.md:1: title: missing",
    ]


# ------------------------------------------------------------------ item 15: size and slow Markdown
def test_a_content_file_over_max_content_kb_is_refused(project):
    add_config(project, "max_content_kb: 2\n")
    put(project, "2019/11/big.md", article("title: Big\ndate: '2019-11-18T10:00:00+09:00'\n",
                                           "word *em* [l](http://x) <b>\n" * 200))
    put(project, "2019/11/good.md", GOOD)
    result = run_cli(project, "build")
    assert result.returncode == 1
    assert problems(result) == ["content/2019/11/big.md: file is too large (6 KB; the limit is 2 KB, "
                                "max_content_kb in config.yaml)"]


def test_a_body_too_slow_for_markdown_is_cut_off_and_named(monkeypatch):
    from newsdigest import markup
    from newsdigest.config import load_config
    from newsdigest.errors import DigestError
    from newsdigest.content import Source, parse_article

    monkeypatch.setattr(markup, "MARKDOWN_SECONDS", 0.3)
    config = load_config(REPO / "config.yaml")
    text = article("title: Slow\ndate: '2019-11-18T10:00:00+09:00'\n", "word *em* [l](http://x) <b>\n" * 8000)
    with pytest.raises(DigestError) as caught:  # without the cut-off, it renders (after many seconds)
        parse_article(Source("content/2019/11/slow.md", text, "0" * 40), config)
    assert str(caught.value).startswith("content/2019/11/slow.md: the body took over 0.3 s to render as Markdown")
    # The next document renders normally on a fresh Markdown instance.
    assert markup.render_markdown("*x*") == "<p><em>x</em></p>"


# ------------------------------------------------------------------ item 17: duplicate keys
def test_a_duplicate_front_matter_key_is_an_error_with_its_line(project):
    put(project, "2019/11/dup.md", article("title: One\ndate: '2019-11-18T10:00:00+09:00'\ntitle: Two\n"))
    result = run_cli(project, "build")
    assert result.returncode == 1
    assert problems(result) == ["content/2019/11/dup.md:4: invalid YAML in front matter: duplicate key 'title' "
                                "(given 2 line(s) above too)"]


# ------------------------------------------------------------------ item 18: XML-illegal characters
@pytest.mark.parametrize("head, body, line, char", [
    ("title: \"Bad \\x01 title\"\n", "Body.\n", 2, "U+0001"),
    ("title: Fine\n", "Body \x00 with NUL.\n", 6, "U+0000"),
    ("title: Fine\nsummary: \"odd \\uFFFE\"\n", "Body.\n", 3, "U+FFFE"),
])
def test_characters_xml_forbids_are_refused_with_their_line(project, head, body, line, char):
    put(project, "2019/11/odd.md", article(head + "date: '2019-11-18T10:00:00+09:00'\n", body))
    put(project, "2019/11/good.md", GOOD)
    result = run_cli(project, "build")
    assert result.returncode == 1
    (problem,) = problems(result)
    assert re.fullmatch(rf"content/2019/11/odd\.md:{line}: (\w+: )?character {re.escape(char)} is not allowed \(feeds "
                        r"must be well-formed XML\); remove it", problem), problem


# ------------------------------------------------------------------ item 19: RSS description
def test_an_rss_summary_arrives_as_text_not_html(project):
    summary = "</script><script>alert('sum')</script> & more"
    put(project, "2019/11/x.md", article("title: Script\ndate: '2019-11-18T10:00:00+09:00'\n"
                                         f"summary: \"{summary}\"\n"))
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    feed = feedparser.parse(str(project / "site" / "feed.xml"), sanitize_html=False)
    assert not feed.bozo
    (entry,) = feed.entries
    assert "<script>" not in entry.summary  # no live markup for a reader to run
    assert html.unescape(entry.summary) == summary  # the text, shown as written


# ------------------------------------------------------------------ item 21: base_url and --port
@pytest.mark.parametrize("url, problem", [
    ("https://example.org/repo/?x=1", "expected no query (?...) or fragment (#...): every page URL is appended to it"),
    ("https://example.org/repo/#top", "expected no query (?...) or fragment (#...): every page URL is appended to it"),
    ("https://user:secret@example.org/", "expected no user name or password (user:pass@) in the URL"),
    ("https://example.org:99999/", "expected a port between 0 and 65535"),
])
def test_a_base_url_that_breaks_urls_is_refused(project, url, problem):
    text = (project / "config.yaml").read_text(encoding="utf-8")
    number = next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith("base_url:"))
    (project / "config.yaml").write_text(re.sub(r"(?m)^base_url:.*$", f"base_url: '{url}'", text), encoding="utf-8")
    result = run_cli(project, "build")
    assert result.returncode == 2
    assert problems(result) == [f"config.yaml:{number}: base_url: {problem}, got '{url}'"]


def test_a_bad_base_url_override_is_named_as_the_option(project):
    result = run_cli(project, "build", "--base-url", "https://example.org/?q")
    assert result.returncode == 2
    assert problems(result) == ["--base-url: expected no query (?...) or fragment (#...): every page URL is "
                                "appended to it, got 'https://example.org/?q'"]


def test_a_port_out_of_range_is_a_usage_error(project):
    result = run_cli(project, "serve", "--port", "99999")
    assert result.returncode == 2
    assert "argument --port: expected a port number from 0 to 65535, got '99999'" in result.stderr
