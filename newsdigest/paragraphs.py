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

# One paragraph: no Markdown syntax except backslash escapes and the two entities
# ingest writes. `>` is allowed inside (Markdown shows it as &gt;), not at the start.
_SIMPLE = re.compile(
    r"(?![#>+=\-]|\d+[.)](?:\s|$))"  # not a heading, quote, list item, rule or setext line
    r"(?:[^\\`*_\[\]<>&|\n\t ]|(?<! ) (?! )|\\[\\`*_\[\]#>+\-.!()]|&amp;|&lt;|(?<=.)>)+"
)
_UNESCAPE = re.compile(r"\\([\\`*_\[\]#>+\-.!()])")


def render_paragraphs(text: str) -> str | None:
    """HTML for a body of plain paragraphs, or None when it needs a Markdown parser."""
    blocks = text.strip("\n").split("\n\n")
    out = []
    for block in blocks:
        if not _SIMPLE.fullmatch(block) or block != block.strip():
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
