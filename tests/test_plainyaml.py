"""plainyaml's emitter and parser must give exactly what PyYAML gives, or decline."""
import re

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdigest import plainyaml
from newsdigest.content import front_matter_text, yaml_text
from newsdigest.markup import paragraphs_to_markdown
from newsdigest.yamlload import UniqueKeysLoader

# Characters and words that YAML treats specially somewhere: indicators, comment and key
# marks, quotes, spaces YAML does or does not trim, line breaks, BOM, non-ASCII letters,
# and words that unquoted read as booleans, nulls, numbers, dates or sexagesimals.
PIECES = list("aZ9 .,:;!?'\"()#-+=_*&|>%@`\\[]{}~<\t\n/") + [
    "\u00a0", "\u3000", "\u2028", "\u0085", "\ufeff", "\u200b", "한", "é", "\U0001f600", "\x07",
    "yes", "No", "on", "OFF", "null", "true", "y", "n", "12", "0x1F", "1_000", "1:20", ".5", "1e3",
    "2019-01-01", "2019-11-18T16:28:08+09:00", "---", "...", "<<", ": ", " #", "- ", "Seoul"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
KEYS = st.sampled_from(["title", "date", "source", "reporters", "tags", "summary", "slug", "id", "seed",
                        "url", "draft", "no", "Yes", "null", "a b", "1", "-k", "x:y", "_k9"])
DATES = st.datetimes().map(lambda d: d.isoformat(timespec=("seconds", "microseconds")[d.microsecond % 2]))
VALUES = st.one_of(TEXT, DATES, st.lists(TEXT, max_size=3), st.booleans(), st.none(), st.integers())
METAS = st.dictionaries(KEYS, VALUES, max_size=6)


@settings(max_examples=400, deadline=None)
@given(METAS)
def test_emit_writes_what_pyyaml_writes(meta):
    text = plainyaml.emit(meta)
    if text is not None:
        assert text == yaml_text(meta)


@settings(max_examples=400, deadline=None)
@given(METAS)
def test_parse_reads_what_pyyaml_reads_from_emitted_text(meta):
    text = yaml_text(meta)
    parsed = plainyaml.parse(text)
    if parsed is not None:
        assert parsed == yaml.load(text, Loader=UniqueKeysLoader)


LINES = st.one_of(
    st.tuples(KEYS, st.sampled_from([": ", ":", ":  ", " : ", ": '", ": - "]), TEXT).map("".join),
    st.tuples(st.sampled_from(["- ", "  - ", "-", "# "]), TEXT).map("".join),
    DATES.map(lambda d: f"date: '{d}'"), st.sampled_from(["tags: []", "tags:", "---", "", "  x"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=8).map(lambda lines: "\n".join(lines) + "\n"))
def test_parse_reads_what_pyyaml_reads_from_any_lines(text):
    parsed = plainyaml.parse(text)
    if parsed is not None:
        assert parsed == yaml.load(text, Loader=UniqueKeysLoader)


def test_ingested_front_matter_takes_both_fast_paths():
    meta = {"title": "Seoul's KOSPI rose 1.2% (to 2,100): chips & trade, #1 — 한국", "date": "2019-11-18T16:28:08+09:00",
            "source": "Yonhap", "reporters": ["Kim Min-ji", "Lee Joon"], "tags": [],
            "summary": "The lead, with \"quotes\" and a colon:here.", "slug": "seoul-kospi-rose", "id": "0a1b2c3d4e5f6a7b",
            "seed": "2019/kospi.txt", "url": "https://example.com/a?b=1#c"}
    head = plainyaml.emit(meta)
    assert head is not None and head == yaml_text(meta)
    assert plainyaml.parse(head) == meta
    text = front_matter_text(meta, paragraphs_to_markdown(["Body."]))
    assert text == f"---\n{yaml_text(meta)}---\n\nBody.\n"


def test_examples_read_alike_or_declined():
    for text in ("title: 'quoted'\n", "title: 'it''s: '' # x'\n", "tags:\n- ' a'\n- b\n", "tags: []\nid: x\n"):
        assert plainyaml.parse(text) == yaml.load(text, Loader=UniqueKeysLoader), text
    for text in ("title: yes\n", "title: 12\n", "title: a #b\n", "tags:\n", "title: a\ntitle: b\n",
                 "date: 2019-01-01\n", "title: 'it's'\n", 'title: "dq"\n', "title: a: b\n", "no: x\n", "tags:\n  - a\n"):
        assert plainyaml.parse(text) is None, text
    for meta in ({"title": "a\nb"}, {"title": "tab\t"}, {"title": "\u00a0nbsp"}, {"title": "(unsure)"},
                 {"title": "a: \tb"}, {"title": "#x\ny"}, {"title": "'\u0085'"}, {"title": "yes\ufeff"},
                 {"draft": True}, {"slug": None}, {"tags": [1]}, {"title": "x" * 20_000}):
        assert plainyaml.emit(meta) is None, meta
    for meta in ({"title": "yes"}, {"title": "1:20"}, {"title": " padded"}, {"title": "'q'"}, {"title": ""},
                 {"title": "a: b"}, {"title": "a #b"}, {"title": "- a"}, {"title": "#1"}):
        assert plainyaml.emit(meta) == yaml_text(meta), meta


def test_character_classes_written_as_exclusions_admit_the_printable_ones_exactly():
    """_ONE_LINE and _PLAIN's first character are written as the characters they exclude
    (quicker to compile); on every code point they agree with the classes as libyaml's
    printable set reads."""
    one_line = re.compile("[ -~\u00a1-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
    first = re.compile("[A-Za-z0-9\u00c0-\u2027\u202a-\ud7ff]")
    ours_one, ours_first = re.compile(plainyaml._ONE_LINE[:-1]), re.compile(plainyaml._FIRST_PLAIN)
    assert plainyaml._ONE_LINE.endswith("]*")
    differ = [hex(c) for c in range(0x110000)
              if bool(one_line.fullmatch(chr(c))) != bool(ours_one.fullmatch(chr(c)))
              or bool(first.fullmatch(chr(c))) != bool(ours_first.fullmatch(chr(c)))]
    assert differ == []
    assert plainyaml.is_plain("Seoul") and not plainyaml.is_plain("-x") and not plainyaml.is_plain("a\u2028b")
