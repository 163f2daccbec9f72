"""Content files are written by a YAML emitter and Markdown escaper, so whatever a scraped
headline or paragraph says comes back exactly: as front matter, and as the text a reader sees."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsdigest.content import front_matter_text, split_front_matter
from newsdigest.markup import escape_markdown, html_to_text, paragraphs_to_markdown, render_markdown

META = {
    "date": "2019-11-18T16:28:08+09:00", "source": "Arirang News", "reporters": ["Kim Ji-yeon"],
    "tags": ["Japan"], "summary": "Lead.", "slug": "a-slug", "id": "36d7a00d75527e5d", "seed": "000.txt",
}

# Anything a scraper could hand over, control characters and lone surrogates included
# (YAML must escape what it cannot print, not drop it). Surrogates cannot be UTF-8 encoded
# in a file at all, so they are left out.
any_text = st.text(st.characters(blacklist_categories=("Cs",)))


@settings(max_examples=300, deadline=None)
@given(title=any_text)
@example(title="--- !!python/object: x")
@example(title="U.S. pressured Seoul: S. Korea's \"Defense\" # Minister")
@example(title="'글자의 숲' exhibition celebrates 한글")
@example(title="  leading and trailing  ")
@example(title="a\n---\nb")
@example(title="yes")
@example(title="null")
@example(title="2019-11-18")
@example(title="0x1F")
@example(title="- item")
@example(title="? key")
@example(title="&anchor *alias |")
@example(title="line\u2028sep\x85nel\ufeffbom")
@example(title="")
def test_any_title_round_trips_through_front_matter(title):
    text = front_matter_text(dict(META, title=title), "Body.\n")
    meta, body, _ = split_front_matter(text, "content/x.md")
    assert meta["title"] == title
    assert {k: meta[k] for k in META} == META
    assert body.strip() == "Body."


@settings(max_examples=100, deadline=None)
@given(names=st.lists(any_text, max_size=4))
def test_any_reporter_names_round_trip(names):
    text = front_matter_text(dict(META, title="t", reporters=names), "Body.\n")
    meta, _, _ = split_front_matter(text, "content/x.md")
    assert meta["reporters"] == names


def test_front_matter_keys_are_in_a_fixed_order():
    shuffled = dict(reversed(list(dict(META, title="Title").items())))
    text = front_matter_text(shuffled, "Body.\n")
    head = text.split("\n---\n")[0]
    keys = [line.split(":")[0] for line in head.splitlines()[1:] if line[:1].isalpha()]
    assert keys == ["title", "date", "source", "reporters", "tags", "summary", "slug", "id", "seed"]


def normalised(text):
    return " ".join(text.split())


# One line of printable text: what a seed paragraph is after ingest has cleaned it. Half
# the examples are dense in the characters Markdown and HTML give a meaning to.
paragraph = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1),
    st.text(st.sampled_from(list("`*_[]()<>&#;!-+.|\\=~{}:/\"' 1aé한")), min_size=1, max_size=40),
)


@settings(max_examples=500, deadline=None)
@given(text=paragraph)
@example(text="``")
@example(text="`code` and ``double``")
@example(text="~~~")
@example(text="```python")
@example(text="1) first")
@example(text="1. first")
@example(text="2019. A year")
@example(text="* * *")
@example(text="- - -")
@example(text="___")
@example(text="+ plus")
@example(text="# not a heading")
@example(text="> not a quote")
@example(text="<http://x>")
@example(text="<b>bold</b> <script>alert(1)</script>")
@example(text="&amp; &lt; &#65; &copy")
@example(text="trailing backslash \\")
@example(text="| a | b |")
@example(text="two trailing spaces  ")
@example(text="    four leading spaces")
@example(text="[link](http://x) ![img](y.png) [ref][1]")
@example(text="*em* **strong** _u_ __uu__")
@example(text="a\\*b \\\\ c")
@example(text="= equals")
@example(text="<!-- comment -->")
@example(text="{: .class }")
@example(text="\\")
@example(text="http://example.com/a_b_c")
def test_escaped_paragraph_renders_as_exactly_its_text(text):
    html = render_markdown(escape_markdown(text))
    assert normalised(html_to_text(html)) == normalised(text)


def test_escaped_paragraph_is_one_plain_paragraph():
    for text in ("1. first", "* * *", "# heading", "> quote", "    code", "| a | b |", "<div>x</div>"):
        html = render_markdown(escape_markdown(text)).strip()
        assert html.startswith("<p>") and html.endswith("</p>") and html.count("<") == 2, (text, html)


def test_paragraphs_stay_separate_paragraphs():
    html = render_markdown(paragraphs_to_markdown(["One *a*.", "Two <b>.", "Three"]))
    assert html.count("<p>") == 3
    assert [normalised(html_to_text(p)) for p in html.split("</p>") if p.strip()] == ["One *a*.", "Two <b>.", "Three"]


def test_html_like_text_is_shown_escaped_not_run():
    html = render_markdown(escape_markdown("<script>alert(1)</script> & <b>x</b>"))
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html or "&lt;script>" in html


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", " ", "\n", "\r", "\t", "\x00", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85",
                                 "\ufffe", "\uffff", "\ud800", "é", "한", "~"]), max_size=30).map("".join))
def test_xml_illegal_character_fast_path_finds_what_the_search_finds(text):
    """The first character XML 1.0 forbids (its Char production, written out here rather
    than taken from the code), with its line; none when there is none."""
    from newsdigest.content import xml_illegal_character

    def allowed(ch):
        c = ord(ch)
        return c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF

    found = xml_illegal_character(text, "content/x.md")
    first = next((i for i, ch in enumerate(text) if not allowed(ch)), None)
    assert (found is None) == (first is None)
    if first is not None:
        assert f"U+{ord(text[first]):04X}" in found.message and found.line == text.count("\n", 0, first) + 1
