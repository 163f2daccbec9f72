"""The plain-paragraph fast path must give exactly what Python-Markdown + the sanitiser give."""
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdigest.markup import escape_markdown, render_markdown
from newsdigest.paragraphs import render_body, render_paragraphs

PIECES = list("ab Z9.,:;!?'\"()#>+-=_*`[]\\<&|~^{}/@%$한 \t\u00a0\u3000") + [
    "&amp;", "&lt;", "&copy;", "&#60;", "\\*", "\\\\", "\\>", "1. ", "2) ", "http://x.y", "\n", "\n\n", "  \n"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30).map("".join))
def test_fast_path_agrees_with_markdown_on_any_input(md):
    fast = render_paragraphs(md)
    if fast is not None:
        assert fast == render_markdown(md)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(PIECES[:42]), min_size=1, max_size=40), min_size=1, max_size=4))
def test_fast_path_agrees_on_escaped_scraped_text(paragraphs):
    md = "\n\n".join(escape_markdown(p) for p in paragraphs) + "\n"
    fast = render_paragraphs(md)
    if fast is not None:
        assert fast == render_markdown(md)


def test_fast_path_takes_ingested_prose_and_declines_markdown():
    prose = escape_markdown("Seoul's KOSPI rose 1.2% (to 2,100) as chips & <trade> jitters eased; see [note] *now*.")
    assert render_paragraphs(prose + "\n\nSecond paragraph.\n") is not None
    for markdown_text in ("A *b*", "# Heading", "- item", "1. item", "[x](http://e.com)", "a  \nb",
                          "<b>x</b>", "`code`", "a\nb", "> quote", "| a | b |"):
        assert render_paragraphs(markdown_text) is None, markdown_text
        assert render_body(markdown_text) == render_markdown(markdown_text)


def test_fast_path_takes_paragraphs_one_blank_line_apart_only():
    assert render_paragraphs("One.\n\nTwo.\n\nThree.\n") == "<p>One.</p>\n<p>Two.</p>\n<p>Three.</p>"
    for body in ("a\n\n\nb", "a\n\n\n\nb", "a\n\n\n\n\nb", "a\n\nb\nc", "a\n \nb"):
        assert render_paragraphs(body) is None, body
        assert render_body(body) == render_markdown(body)
