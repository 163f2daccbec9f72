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


# ------------------------------------------------------------------ deep, huge and half characters
def test_records_nested_too_deep_too_big_or_with_half_a_character_are_each_one_line(project):
    good = story(1)
    deep = "[" * 100_000 + "]" * 100_000
    huge = json.dumps(story(3, date=10 ** 400))
    half = json.dumps(story(4, headline="Half \ud800 a pair"))  # json.dumps writes the \ud800 escape
    (project / "seeds" / "x.jsonl").write_text("\n".join([json.dumps(good), deep, huge, half]) + "\n",
                                               encoding="utf-8")
    (project / "seeds" / "y.json").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    result = run_cli(project)
    no_traceback(result)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == ("seeds/x.jsonl:2: not a JSON record: nested too deeply to read (arrays or objects inside "
                        "one another a thousand times or more)")
    assert lines[1].startswith("seeds/x.jsonl:3: date: impossible timestamp 1000000") and len(lines[1]) < 300
    assert lines[2] == ("seeds/x.jsonl:4: title: holds half of a UTF-16 surrogate pair (a \\udXXX escape alone), "
                        "which is no character")
    assert lines[3].startswith("seeds/y.json:1: not a JSON record: nested too deeply")
    assert len(lines) == 4
    assert len(list((project / "content").rglob("*.md"))) == 1  # the good record
    assert (project / "site" / "index.html").is_file()


def test_a_number_longer_than_python_reads_is_a_yaml_problem_with_its_line(project):
    put(project, "2019/11/good.md", GOOD)
    put(project, "2019/11/big.md", "---\ntitle: Big\nweight: " + "9" * 5000 + "\ndate: '2019-11-18T10:00:00+09:00'\n"
                                   "---\n\nB.\n")
    result = run_cli(project, "build")
    no_traceback(result)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == ("content/2019/11/big.md:3: invalid YAML in front matter: number too "
                                             "long: 5,000 characters (Python reads at most 4,300 digits)")
    with open(project / "config.yaml", "a", encoding="utf-8") as f:
        f.write("feed_items: " + "9" * 5000 + "\n")
    result = run_cli(project, "build")
    no_traceback(result)
    assert result.returncode == 2
    assert "invalid YAML: number too long: 5,000 characters" in result.stderr.splitlines()[0]


def test_a_layout_that_is_not_utf8_is_one_line_naming_it(project):
    put(project, "2019/11/good.md", GOOD)
    macros = project / "layouts" / "_macros.html"
    macros.write_bytes(macros.read_bytes() + b"\xff\xfe")
    result = run_cli(project, "build")
    no_traceback(result)
    assert result.returncode == 1
    offset = len(macros.read_bytes()) - 2
    assert result.stderr.splitlines() == [f"layouts/_macros.html: not UTF-8 text (byte {offset}); save the file as "
                                          "UTF-8", "failed: 1 problem(s); nothing was written"]


# ------------------------------------------------------------------ what ingest took and the build refused
def test_what_the_build_would_refuse_ingest_refuses_with_the_seeds_name(project):
    """A seed ingest writes must build: a file name with a control character (it becomes
    the content file's `seed:`, which XML forbids) and a date that leaves the years 1-9999
    in UTC are refused by ingest, naming the seed; the rest builds."""
    (project / "seeds" / "ctrl\x01name.txt").write_text(
        "sample wire (newsdigest sample)\n\nA story with an odd file name\nUpdated: 2019-11-18 10:00:00 KST\n\n"
        "Body text.\nKim Min-ji, Sample Wire.\nReporter :\n", encoding="utf-8")
    (project / "seeds" / "x.jsonl").write_text(jsonl(story(1), story(2, date="0001-01-01T00:00:00+14:00")),
                                               encoding="utf-8")
    result = run_cli(project)
    no_traceback(result)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "seeds/ctrl\\x01name.txt: file name holds character U+0001, which feeds cannot carry; rename the file",
        "seeds/x.jsonl:2: date: 0001-01-01T00:00:00+14:00 is out of range (it must be between the years 1 and "
        "9999 in UTC and in the site's time zone)"]
    assert len(list((project / "content").rglob("*.md"))) == 1
    assert (project / "site" / "index.html").is_file()
    again = run_cli(project)  # and the next run is not blocked by what this one wrote
    assert again.returncode == 1 and "nothing was written" not in again.stderr


def test_a_csv_field_over_csvs_own_limit_is_read_when_the_file_is_within_max_seed_kb(project):
    body = "Exports rose again. " * 10_000  # 200 KB: over csv's default 128 KB field limit
    (project / "seeds" / "big.csv").write_text("title,date,text\nExports rise,2019-11-18T10:00:00+09:00,"
                                                f"\"{body}\"\n", encoding="utf-8")
    result = run_cli(project)
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    (content,) = (project / "content").rglob("*.md")
    body_text = content.read_text(encoding="utf-8").split("\n---\n", 1)[1]  # after the front matter
    assert body_text.count("Exports rose again.") == 10_000
