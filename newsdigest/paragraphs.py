"""A fast path for the commonest body: plain paragraphs, as ingest writes them.

Python-Markdown costs about 1.6 ms per 600-word article, most of the cost of a cold
build. A body made only of single-line paragraphs of ordinary text (with the escapes
ingest writes) renders to `<p>` elements whose text is known without parsing. Anything
else -- a list, a link, emphasis, an HTML tag, a line break -- goes to Python-Markdown.
tests/test_paragraphs.py checks that both give the same bytes.
"""
from __future__ import annotations

import re

from .markup import render_markdown

# A body qualifies when its paragraphs are single lines separated by one blank line and,
# with the escapes ingest writes taken out, nothing is left that Markdown interprets: no
# emphasis, code, link, HTML, table or line break, and no block marker (heading, quote,
# list item, rule, setext line) or white space at a paragraph's start or end. The marks
# are looked for with `in` over the whole body (a C scan each): a regular expression tried
# at every character cost more than the rest of the fast path.
_ESCAPES = re.compile(r"\\[\\`*_\[\]#>+\-.!()]|&amp;|&lt;")
_MARKS = ("\\", "`", "*", "_", "[", "]", "<", "&", "|", "\t", "\u00a0", "  ")  # the sanitiser writes U+00A0 as &nbsp;
_BLOCK_START = re.compile(r"[#>+=\-]|\d+[.)](?:\s|$)")
_UNESCAPE = re.compile(r"\\([\\`*_\[\]#>+\-.!()])")


def render_paragraphs(text: str) -> str | None:
    """HTML for a body of plain paragraphs, or None when it needs a Markdown parser."""
    body = text.strip("\n")
    if not body:
        return None
    escaped = "\\" in body or "&" in body
    unmarked = _ESCAPES.sub("x", body) if escaped else body
    if any(mark in unmarked for mark in _MARKS):
        return None
    for paragraph in body.split("\n\n"):
        # Empty, or with a "\n" left in it: three or more line ends in a row, or a line break.
        if not paragraph or "\n" in paragraph or paragraph != paragraph.strip() or _BLOCK_START.match(paragraph):
            return None
    text_only = _UNESCAPE.sub(r"\1", body) if escaped else body
    paragraphs = text_only.replace(">", "&gt;").replace("\n\n", "</p>\n<p>")
    return f"<p>{paragraphs}</p>"


def render_body(text: str) -> str:
    """Sanitised HTML for an article body, through the fast path when it applies."""
    if text.strip():
        fast = render_paragraphs(text)
        if fast is not None:
            return fast
    return render_markdown(text)
