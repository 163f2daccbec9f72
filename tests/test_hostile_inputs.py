"""Inputs that once stopped the whole run with an exception (a fuzzing session's finds):
each is now one line naming its file (and line or record), and the rest still builds."""
import json

import feedparser

from conftest import run_cli
from test_records import jsonl, story

GOOD = "---\ntitle: A good article\ndate: '2019-11-18T10:00:00+09:00'\n---\n\nBody text.\n"


def put(project, rel, text):
    path = project / "content" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def no_traceback(result):
    assert "Traceback" not in result.stderr and "run with --debug" not in result.stderr, result.stderr


# ------------------------------------------------------------------ URLs Python cannot split
def test_a_record_url_python_cannot_split_is_that_records_problem(project):
    (project / "seeds" / "x.jsonl").write_text(jsonl(story(1), story(2, link="http://[::1")), encoding="utf-8")
    result = run_cli(project)
    no_traceback(result)
    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines()] == [
        "seeds/x.jsonl:2: url: expected an absolute http(s) URL, got 'http://[::1'"]
    assert len(list((project / "content").rglob("*.md"))) == 1
    assert (project / "site" / "index.html").is_file()


def test_a_content_url_python_cannot_split_is_that_files_problem(project):
    put(project, "2019/11/good.md", GOOD)
    put(project, "2019/11/odd.md", "---\ntitle: Odd\ndate: '2019-11-18T10:00:00+09:00'\nurl: http://[::1\n---\n\nB.\n")
    result = run_cli(project, "build")
    no_traceback(result)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == ("content/2019/11/odd.md:4: url: expected an absolute http(s) URL of "
                                             "the original article, got 'http://[::1'")


def test_a_body_link_that_is_no_url_loses_its_href_and_the_feeds_still_build(project):
    put(project, "2019/11/links.md", "---\ntitle: Links\ndate: '2019-11-18T10:00:00+09:00'\n---\n\n"
                                     "See [this](//[::1/x) and [that](https://example.org/a).\n")
    result = run_cli(project, "build")
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    page = (project / "site/2019/11/18/links/index.html").read_text(encoding="utf-8")
    assert '<a rel="noopener">this</a>' in page and 'href="https://example.org/a"' in page
    feed = feedparser.parse((project / "site" / "feed.xml").read_bytes())
    assert not feed.bozo and 'href="https://example.org/a"' in feed.entries[0].content[0].value


def test_a_base_url_python_cannot_split_is_a_config_problem(project):
    config = project / "config.yaml"
    text = config.read_text(encoding="utf-8")
    line = next(n for n, l in enumerate(text.splitlines(), 1) if l.startswith("base_url:"))
    lines = text.splitlines()
    lines[line - 1] = "base_url: 'http://[::1/'"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli(project, "build")
    no_traceback(result)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"config.yaml:{line}: base_url: expected an absolute http(s) URL, got 'http://[::1/'"
