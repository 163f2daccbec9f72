"""Reading one seed (metadata vs body), tag assignment and slugs, as pure functions."""

import re
import shutil
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import REFERENCE_SEED
from newsdigest.config import load_config
from newsdigest.content import article_id, make_summary
from newsdigest.errors import DigestError
from newsdigest.ingest.seeds import read_seed
from newsdigest.slugs import MAX_SLUG, article_slug
from newsdigest.ingest.tagging import build_matcher

KST = timezone(timedelta(hours=9))
REFERENCE_TITLE = "U.S. pressured both Seoul, Tokyo to renew GSOMIA: S. Korea's Defense Minister"


@pytest.fixture
def config(project):
    return load_config(project / "config.yaml")


def seed_file(project, name, text, encoding="utf-8"):
    path = project / "seeds" / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def arirang(title="A headline", body=("First paragraph.", "Second paragraph."),
            signoff="Kim Ji-yeon, Arirang News.", reporter="Reporter :", date="2019-11-18 16:28:08"):
    lines = ["arirang mobile", "", title, f"Updated: {date} KST", "", *body]
    lines += [x for x in (signoff, reporter) if x is not None]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the reference seed
@pytest.fixture
def reference(project, config):
    path = project / "seeds" / REFERENCE_SEED.name
    shutil.copy(REFERENCE_SEED, path)
    return read_seed(path, config)


def test_reference_metadata(reference):
    assert reference.title == REFERENCE_TITLE
    assert reference.date.isoformat() == "2019-11-18T16:28:08+09:00"
    assert reference.source == "Arirang News"
    assert reference.reporters == ("Kim Ji-yeon",)
    assert reference.name == "000_d15a1ff814625232.txt"


def test_reference_body_is_the_ten_paragraphs_and_nothing_else(reference):
    assert len(reference.paragraphs) == 10
    assert reference.paragraphs[0].startswith("The U.S. has been pressuring both South Korea and Japan")
    assert reference.paragraphs[-1].startswith("The incident could have been reminiscent")
    for p in reference.paragraphs:
        assert not re.search(r"arirang mobile|^Updated:|Arirang News\.$|^Reporter\s*:", p), p
        assert p != REFERENCE_TITLE


def test_reference_tags_summary_and_id(reference, config):
    tags = build_matcher(config).assign(reference.title, reference.paragraphs)
    assert {"GSOMIA", "Japan", "South Korea", "United States", "Defense"} <= set(tags)
    assert make_summary(reference.paragraphs) == reference.paragraphs[0]
    # The id is stored in content files and feeds; changing how it is computed would
    # orphan every existing content file, so its value is pinned.
    assert article_id(reference.source, reference.date, reference.title) == "36d7a00d75527e5d"


def test_reference_slug_is_url_safe_and_bounded(reference):
    slug = article_slug(reference.title, "fallback")
    assert slug == "us-pressured-both-seoul-tokyo-to-renew-gsomia-s-koreas-defense-minister"


# ------------------------------------------------------------------ sign-off and reporter lines
def test_two_reporters_in_the_signoff(project, config):
    seed = read_seed(seed_file(project, "a.txt", arirang(signoff="Kim Ji-yeon and Park Jun-ho, Arirang News.")), config)
    assert seed.reporters == ("Kim Ji-yeon", "Park Jun-ho")
    assert seed.paragraphs == ("First paragraph.", "Second paragraph.")


def test_missing_signoff_means_no_reporters_and_keeps_the_last_paragraph(project, config):
    seed = read_seed(seed_file(project, "a.txt", arirang(signoff=None, reporter=None)), config)
    assert seed.reporters == ()
    assert seed.paragraphs == ("First paragraph.", "Second paragraph.")


def test_reporter_email_line_is_never_body(project, config):
    seed = read_seed(seed_file(project, "a.txt", arirang(signoff=None, reporter="Reporter : x@example.com")), config)
    assert seed.paragraphs == ("First paragraph.", "Second paragraph.")
    assert seed.reporters == ()
    assert not any("example.com" in p for p in seed.paragraphs)


def test_reporter_line_with_a_name_gives_the_reporter(project, config):
    seed = read_seed(seed_file(project, "a.txt", arirang(signoff=None, reporter="Reporter : Lee Min-ho")), config)
    assert seed.reporters == ("Lee Min-ho",)
    assert seed.paragraphs == ("First paragraph.", "Second paragraph.")


def test_title_is_trimmed_but_otherwise_as_written(project, config):
    seed = read_seed(seed_file(project, "a.txt", arirang(title=" \t 'Quoted' title: with #hash & <b>tag</b>  \t")), config)
    assert seed.title == "'Quoted' title: with #hash & <b>tag</b>"


def test_plain_text_date_from_the_file_name(project, config):
    text = "European climate target\nSource: Sample Plain Text\n\nOne paragraph.\n"
    seed = read_seed(seed_file(project, "014_plain-2019-11-16.txt", text), config)
    assert (seed.title, seed.source, seed.date) == ("European climate target", "Sample Plain Text",
                                                    datetime(2019, 11, 16, tzinfo=KST))


def test_unknown_outlet_is_reported_not_guessed(project, config):
    text = "Yonhap News\n\nA headline\nUpdated: 2019-11-18 16:28:08 KST\n\nBody.\nKim, Yonhap News.\n"
    with pytest.raises(DigestError) as e:
        read_seed(seed_file(project, "y.txt", text), config)
    assert str(e.value) == ("seeds/y.txt:1: no source profile recognises this file (first line 'Yonhap News'; "
                            "as Plain text: missing date); add a profile under `sources:` in config.yaml")


# ------------------------------------------------------------------ tags
TAG_CONFIG = """\
sources:
  - name: Plain text
    detect: null
    date_line: '^Date:\\s*(?P<date>\\d{4}-\\d{2}-\\d{2})$'
tagging: {title_hits: 1, body_hits: %(body_hits)d, max_tags: %(max_tags)d}
tags:
  Japan: [Japan, Tokyo]
  South Korea: [South Korea, Korea, Seoul]
  North Korea: [North Korea]
  United States: [U.S., Washington]
  China: [China, Beijing]
  Defense: [missile, missiles, military]
  Courts: [court, Constitutional Court]
"""


def matcher(tmp_path, body_hits=2, max_tags=5):
    path = tmp_path / "tags.yaml"
    path.write_text(TAG_CONFIG % {"body_hits": body_hits, "max_tags": max_tags})
    return build_matcher(load_config(path))


def test_aliases_match_whole_words_only(tmp_path):
    m = matcher(tmp_path)
    # "Japanese" is not "Japan" (it would be if listed as an alias); plurals and
    # demonyms must be listed too: "Koreans" is not "Korea".
    assert m.assign("Japanese and Koreans in Tokyoite bars", ["Japanese food.", "Japanese art.", "Koreans. Koreans."]) == ()
    assert m.assign("Japan's move", []) == ("Japan",)


def test_capitalised_aliases_are_case_sensitive_lower_case_ones_are_not(tmp_path):
    m = matcher(tmp_path)
    assert m.assign("let us go", ["us and us", "us"]) == ()  # `U.S.` is not `us`
    assert m.assign("Missile test", []) == ("Defense",)


def test_longer_alias_wins_over_the_alias_inside_it(tmp_path):
    m = matcher(tmp_path)
    assert m.assign("North Korea fires", []) == ("North Korea",)
    # "Constitutional Court" is one hit for Courts, not two.
    assert m.assign("x", ["The Constitutional Court ruled.", "Nothing else."]) == ()


def test_body_needs_body_hits_mentions(tmp_path):
    m = matcher(tmp_path)
    assert m.assign("Headline", ["Beijing said."]) == ()
    assert m.assign("Headline", ["Beijing said.", "China agreed."]) == ("China",)
    assert matcher(tmp_path, body_hits=3).assign("Headline", ["Beijing said.", "China agreed."]) == ()


def test_a_title_hit_counts_once(tmp_path):
    m = matcher(tmp_path)
    # Japan three times in the title is one title hit (1); China in the title and once
    # in the body is 2, so China is the stronger tag.
    assert m.assign("Japan, Japan, Japan and China", ["China spoke."]) == ("China", "Japan")


def test_strongest_first_and_max_tags(tmp_path):
    body = ["Seoul and Korea.", "Korea again.", "Missile, missiles, military.", "Military.",
            "China and Beijing.", "Washington, U.S."]
    assert matcher(tmp_path).assign("Headline", body) == ("Defense", "South Korea", "China", "United States")
    assert matcher(tmp_path, max_tags=2).assign("Headline", body) == ("Defense", "South Korea")
    # Title tags come before body-only ones, however often those are mentioned.
    assert matcher(tmp_path, max_tags=2).assign("Tokyo", body) == ("Japan", "Defense")


# ------------------------------------------------------------------ slugs
@settings(max_examples=300, deadline=None)
@given(title=st.text())
@example(title="../../x")
@example(title="C++ & C# -- 100%")
@example(title="한글 날")
@example(title="x" * 300)
@example(title="word " * 60)
@example(title="Ünïcödé façade – naïve")
def test_article_slug_is_url_safe_and_bounded(title):
    slug = article_slug(title, "fallback-1")
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
    assert len(slug) <= MAX_SLUG


def test_slug_cuts_at_a_word_boundary():
    slug = article_slug("word " * 60, "f")
    assert len(slug) <= MAX_SLUG and slug.endswith("-word")
    assert article_slug("Ünïcödé façade", "f") == "unicode-facade"
    assert article_slug("한글 날", "article-1234") == "article-1234"


# What normalise_lines promises, written out here rather than taken from the code: each run
# of these spaces becomes one space, then these control characters (and what XML forbids)
# go; line ends become \n, the text NFC, and each line is stripped.
SPACES = set(" \t\u00a0\u3000\u200b\ufeff\f\v")
CONTROLS = {chr(c) for c in [*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0), 0xfffe, 0xffff]}


def _normalised_by_the_searches(text):
    """normalise_lines by its definition, character by character."""
    import unicodedata
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    out = []
    for ch in text:
        if ch in SPACES:
            if not (out and out[-1] == " "):
                out.append(" ")
        else:
            out.append(ch)
    text = "".join(ch for ch in "".join(out) if ch not in CONTROLS)
    return [(number, line.strip()) for number, line in enumerate(text.split("\n"), start=1)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "Z", " ", "  ", "\n", "\r", "\r\n", "\t", "\f", "\v", "\x00", "\x07",
                                 "\x1b", "\x7f", "\x85", "\u00a0", "\u3000", "\u200b", "\ufeff", "\ufffe",
                                 "e\u0301", "\u00e9", "한", "~", "."]), max_size=40).map("".join))
def test_normalise_lines_fast_path_changes_nothing(text):
    from newsdigest.ingest.seeds import normalise_lines
    assert normalise_lines(text) == _normalised_by_the_searches(text)
    assert normalise_lines(text.encode("ascii", "ignore").decode()) == \
        _normalised_by_the_searches(text.encode("ascii", "ignore").decode())


def test_the_seeds_folder_lists_its_files_by_name_with_their_stats(tmp_path):
    """Files and links to files, in name order, each with (size, mtime, inode) of what it
    names; no dot-files, folders or broken links; no folder: nothing; a file where the
    folder should be: an error for the caller to report."""
    import os

    from newsdigest.ingest.pending import scan_seeds

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "b.txt").write_text("bb")
    (seeds / "a.json").write_text("a")
    (seeds / ".hidden.txt").write_text("x")
    (seeds / "folder.txt").mkdir()
    (tmp_path / "outside.txt").write_text("ccc")
    (seeds / "c-link.txt").symlink_to(tmp_path / "outside.txt")
    (seeds / "d-broken.txt").symlink_to(tmp_path / "gone.txt")
    listed = scan_seeds(seeds)
    assert list(listed) == ["a.json", "b.txt", "c-link.txt"]
    for name, stat in listed.items():
        st = os.stat(seeds / name)
        assert stat == (st.st_size, st.st_mtime_ns, st.st_ino)
    assert listed["c-link.txt"][0] == 3  # the stat of the file linked to
    assert scan_seeds(tmp_path / "none") == {}
    with pytest.raises(OSError):
        scan_seeds(seeds / "b.txt")
