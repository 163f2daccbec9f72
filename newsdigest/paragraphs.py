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

# One paragraph qualifies when, with the escapes ingest writes taken out, nothing is
# left that Markdown interprets: no emphasis, code, link, HTML, table or line break,
# and no block marker (heading, quote, list item, rule, setext line) at its start.
_ESCAPES = re.compile(r"\\[\\`*_\[\]#>+\-.!()]|&amp;|&lt;")
_SYNTAX = re.compile(r"[\\`*_\[\]<&|\t\n\u00a0]|  ")  # the sanitiser writes U+00A0 as &nbsp;
_BLOCK_START = re.compile(r"[#>+=\-]|\d+[.)](?:\s|$)")
_UNESCAPE = re.compile(r"\\([\\`*_\[\]#>+\-.!()])")


def render_paragraphs(text: str) -> str | None:
    """HTML for a body of plain paragraphs, or None when it needs a Markdown parser."""
    blocks = text.strip("\n").split("\n\n")
    out = []
    for block in blocks:
        if (not block or block != block.strip() or _BLOCK_START.match(block)
                or _SYNTAX.search(_ESCAPES.sub("x", block))):
            return None
        out.append("<p>" + _UNESCAPE.sub(r"\1", block).replace(">", "&gt;") + "</p>")
    return "\n".join(out)


def render_body(text: str) -> str:
    """Sanitised HTML for an article body, through the fast path when it applies."""
    if text.strip():
        fast = render_paragraphs(text)
        if fast is not None:
            return fast
    return render_markdown(text)
