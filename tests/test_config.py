"""config.yaml is checked in one pass: every problem listed with its line, exit status 2."""

import pytest
import yaml

from conftest import run_cli
from newsdigest.config import load_config
from newsdigest.errors import Rejected

BROKEN = """\
title: Test
colour: blue
articles_per_page: twenty
timezone: Asia/Nowhere
tagging:
  body_hits: 0
  max_tag: 3
sources:
  - name: Broken
    detect: '^broken('
    date_line: '^Updated: (?P<when>.*)$'
    timezone: Mars/Olympus
    header: 'yes'
  - detect: x
tags:
  Japan: [Japan]
  Nippon: [Japan]
"""


def test_every_problem_is_listed_with_its_line_and_exit_status_2(project):
    (project / "config.yaml").write_text(BROKEN)
    result = run_cli(project, "ingest")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "config.yaml:2: colour: unknown key (known: title, description, base_url, language, timezone, paths, "
        "articles_per_page, feed_items, article_path, cname, page_size_budget_kb, max_seed_kb, max_html_kb, "
        "max_content_kb, tagging, sources, tags, publisher_logo, websub_hub, search)",
        "config.yaml:3: articles_per_page: expected an integer, got str 'twenty'",
        "config.yaml:4: timezone: unknown IANA time zone 'Asia/Nowhere' (e.g. Asia/Seoul, UTC)",
        "config.yaml:6: tagging.body_hits: expected a positive integer, got 0",
        "config.yaml:7: tagging.max_tag: unknown key (known: title_hits, body_hits, max_tags)",
        "config.yaml:10: sources.0.detect: bad regular expression: missing ), unterminated subpattern at position 7",
        "config.yaml:11: sources.0.date_line: the pattern needs a named group (?P<date>...)",
        "config.yaml:12: sources.0.timezone: unknown IANA time zone 'Mars/Olympus' (e.g. Asia/Seoul, UTC)",
        "config.yaml:13: sources.0.header: expected true or false, got 'yes'",
        "config.yaml:14: sources.1: name: required (the outlet's name, e.g. Arirang News)",
        "config.yaml:17: tags.Nippon: alias 'Japan' is also an alias of 'Japan'",
        "failed: 11 problem(s); nothing was written",
    ]
    assert "Traceback" not in result.stderr
    assert list((project / "content").iterdir()) == []


@pytest.mark.parametrize("text, message", [
    ("title: [unclosed\n", "config.yaml:2: invalid YAML: did not find expected ',' or ']'"),
    ("- just\n- a list\n", "config.yaml:1: expected a mapping of settings at the top level"),
    ("title: A\ntitle: B\nsources: []\n", "config.yaml:2: title: duplicate key (also on line 1)"),
    ("paths:\n  seeds: 3\nsources: []\n", "config.yaml:2: paths.seeds: expected a folder name, got 3"),
    ("max_seed_kb: true\nsources: []\n", "config.yaml:1: max_seed_kb: expected an integer, got bool True"),
    ("tags:\n  Japan: [Japan, 5]\nsources: []\n", "config.yaml:2: tags.Japan: expected a list of aliases (strings), got ['Japan', 5]"),
    ("title: x\n", "config.yaml:1: sources: missing: at least one source profile is needed to read seeds"),
])
def test_single_problems(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(text)
    with pytest.raises(Rejected) as e:
        load_config(tmp_path / "config.yaml")
    assert e.value.exit_code == 2
    assert [str(x) for x in e.value.errors] == [message]


@pytest.mark.parametrize("paths, problems", [
    ("  output: layouts/static\n", ["paths.output: {p}/layouts/static lies inside paths.layouts ({p}/layouts)"]),
    ("  output: content/site\n", ["paths.output: {p}/content/site lies inside paths.content ({p}/content)"]),
    ("  output: .\n", ["paths.cache: {p}/.cache lies inside paths.output ({p})",
                       "paths.output: {p} is the project folder ({p})",
                       "paths.output: {p} would hold paths.content ({p}/content)",
                       "paths.output: {p} would hold paths.layouts ({p}/layouts)",
                       "paths.output: {p} would hold paths.seeds ({p}/seeds)"]),
    ("  cache: site\n", ["paths.cache: {p}/site is paths.output ({p}/site)"]),
    ("  cache: seeds/.cache\n", ["paths.cache: {p}/seeds/.cache lies inside paths.seeds ({p}/seeds)"]),
    ("  content: seeds\n", ["paths.content: {p}/seeds is paths.seeds ({p}/seeds)"]),
    ("  content: layouts/content\n", ["paths.content: {p}/layouts/content lies inside paths.layouts ({p}/layouts)"]),
    ("  output: public\n  cache: public/.cache\n",
     ["paths.cache: {p}/public/.cache lies inside paths.output ({p}/public)"]),
])
def test_folders_a_run_writes_stay_apart_from_the_others(tmp_path, monkeypatch, paths, problems):
    """The output folder (replaced whole by a full build), the cache and content/ (ingest
    writes it) may not be, hold, or lie inside a folder they must leave alone: a site
    built into layouts/static/ copied itself into itself at every build."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text("title: x\npaths:\n" + paths + "sources: []\n")
    with pytest.raises(Rejected) as e:
        load_config(tmp_path / "config.yaml")
    assert e.value.exit_code == 2
    p = tmp_path.resolve()
    assert [x.message for x in e.value.errors] == [m.format(p=p) + "; choose a folder of its own" for m in problems]


@pytest.mark.parametrize("text, message", [
    ("title: \"News\\0digest\"\nsources: []\n",
     "config.yaml:1: title: character U+0000 is not allowed (feeds must be well-formed XML); remove it"),
    ("base_url: \"https://example.com/\\n/\"\nsources: []\n",
     "config.yaml:1: base_url: expected no spaces or control characters, got 'https://example.com/\\n/'"),
    ("article_path: \"{year:>300}/{slug}/\"\nsources: []\n",
     "config.yaml:1: article_path: placeholders take no format or conversion: write {year} as it is"),
    ("language: '\"><script>'\nsources: []\n",
     "config.yaml:1: language: expected a language tag like en, ko or pt-BR, got '\"><script>'"),
    ("language: en_US\nsources: []\n",
     "config.yaml:1: language: expected a language tag like en, ko or pt-BR, got 'en_US'"),
])
def test_settings_that_would_break_feeds_urls_or_writes_fail_when_read(tmp_path, monkeypatch, text, message):
    """Settings that passed validation, then made every feed ill-formed, every URL wrong or
    every write fail: each is a config problem with its line."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(text)
    with pytest.raises(Rejected) as e:
        load_config(tmp_path / "config.yaml")
    assert [str(x) for x in e.value.errors] == [message]


def test_the_repo_config_is_valid_and_complete(project):
    config = load_config(project / "config.yaml")
    assert [s.name for s in config.sources] == ["Arirang News", "Sample Wire", "Plain text"]
    assert (config.title_hits, config.body_hits, config.max_tags) == (1, 2, 5)
    assert config.seeds_dir == project / "seeds" and config.content_dir == project / "content"
    raw = yaml.safe_load((project / "config.yaml").read_text())
    assert len(config.tags) == len(raw["tags"])
