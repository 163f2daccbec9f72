"""Text to Markdown (escaping) and Markdown to safe HTML (render, sanitise, absolutise)."""
from __future__ import annotations

import html
import re
import signal
import threading
from contextlib import contextmanager
from urllib.parse import SplitResult, urljoin, urlsplit


# Characters that Markdown would interpret anywhere in a line. Each is in Python-Markdown's
# ESCAPED_CHARS, so a backslash before it is consumed; `&` and `<` become entities instead.
_INLINE = re.compile(r"([\\`*_\[\]])")
_INLINE_CHARS = ("\\", "`", "*", "_", "[", "]")  # the same, for `in` scans: most text has none
# ...and at the start of a line: headings, quotes, bullets, rules. A lone line cannot be a
# setext heading or a table, so `=` and `|` need nothing (and `\=` would show its backslash).
_LINE_START = re.compile(r"^(#|>|[-+]|\d+[.)](?=\s|$))")


_NO_URL = SplitResult("", "", "", "", "")


def url_parts(url: str) -> SplitResult:
    """urlsplit for a URL from an input: one Python cannot split (`http://[::1`) has no
    parts, as an empty string has, instead of raising ValueError. (Its `port` may still
    raise, on a port out of range: ask for it where a port matters.)"""
    try:
        return urlsplit(url)
    except ValueError:
        return _NO_URL


# Characters XML 1.0 forbids: one in a title or body (or the site's title) would make every
# feed ill-formed, and feed readers drop an ill-formed feed whole.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_forbidden(text: str) -> str | None:
    """The first character of `text` that XML 1.0 forbids, or None."""
    m = XML_FORBIDDEN.search(text)
    return m.group() if m else None


def xml_forbidden_problem(char: str) -> str:
    """The message for a character XML forbids in a content file or a setting."""
    return f"character U+{ord(char):04X} is not allowed (feeds must be well-formed XML); remove it"


def plain_ascii_lines(text: str) -> bool:
    """Whether `text` is ASCII without a control character but its line ends: then it has
    no odd space, no control character and nothing XML forbids. A copy and one C scan,
    cheaper than the regular expressions that look for those (0.10 against 0.15 s for
    10,000 content files, 0.08 against 0.33 s for the two searches of 10,000 seeds)."""
    return text.isascii() and text.replace("\n", "").isprintable()


def escape_markdown(text: str) -> str:
    """One paragraph of scraped text as Markdown that renders back to exactly that text.

    Leading and trailing whitespace goes: four leading spaces would make a code block, and
    a paragraph shows no edge whitespace anyway.
    """
    text = text.strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    if any(ch in text for ch in _INLINE_CHARS):  # six C scans cost a fifth of one substitution
        text = _INLINE.sub(r"\\\1", text)
    m = _LINE_START.match(text)
    if m:
        token = m.group(1)
        if token[0].isdigit():  # "1. x" would start a list: escape the dot / paren
            text = token[:-1] + "\\" + token[-1] + text[len(token):]
        else:
            text = "\\" + text
    return text


def paragraphs_to_markdown(paragraphs) -> str:
    return "\n\n".join(escape_markdown(p) for p in paragraphs) + "\n"


ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"}, "td": {"align"}, "th": {"align"}, "ol": {"start"},
}
_MD = None  # one Markdown instance, reset per document; imported on first use (0.1 s)


# Python-Markdown is superlinear on some input (200 KB of `word *em* [l](http://x) <b>`
# takes seconds, 2 MB minutes): one such file must not stall the build.
MARKDOWN_SECONDS = 10.0


class MarkdownTooSlow(Exception):
    """Rendering one body took longer than MARKDOWN_SECONDS."""


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML: no script, event handler or javascript: URL survives.
    Raises MarkdownTooSlow when the body takes over MARKDOWN_SECONDS to render."""
    global _MD
    if _MD is None:
        import markdown
        _MD = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    _MD.reset()
    try:
        with _time_limit(MARKDOWN_SECONDS):
            html_out = _MD.convert(text)
    except MarkdownTooSlow:
        _MD = None  # interrupted mid-document: start the next one from a fresh instance
        raise
    return without_unusable_urls(sanitise(html_out))


@contextmanager
def _time_limit(seconds: float):
    """Interrupt the block with MarkdownTooSlow after `seconds` (a SIGALRM timer; only in
    the main thread, where signals are delivered: elsewhere the block runs unbounded)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise MarkdownTooSlow(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def sanitise(fragment: str) -> str:
    import nh3

    return nh3.clean(
        fragment, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"}, link_rel="noopener",
    )


_URL_ATTR = re.compile(r'\b(href|src)="([^"]*)"')
_URL_ATTR_WITH_SPACE = re.compile(r' \b(href|src)="([^"]*)"')


def without_unusable_urls(fragment: str) -> str:
    """The fragment without href/src values that are no URL (`//[::1/x` passes the
    sanitiser): no browser can follow them, and neither feeds nor `check` can resolve them."""
    if 'href="' not in fragment and 'src="' not in fragment:
        return fragment
    return _URL_ATTR_WITH_SPACE.sub(lambda m: "" if url_parts(html.unescape(m.group(2))) is _NO_URL else m.group(),
                                    fragment)


def absolutise(fragment: str, page_url: str) -> str:
    """Make every href/src absolute against the page's public URL (for feeds)."""
    # Most bodies have no link at all: skip the regex scan, a second per 10,000 articles
    # in the month archives, which carry every article.
    if 'href="' not in fragment and 'src="' not in fragment:
        return fragment
    return _URL_ATTR.sub(lambda m: f'{m.group(1)}="{html.escape(urljoin(page_url, html.unescape(m.group(2))))}"',
                         fragment)


_TAG = re.compile(r"<[^>]+>")


def html_to_text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment))


def script_safe_json(text: str) -> str:
    """JSON text with `<`, `>` and `&` written as \\u003c, \\u003e, \\u0026 (as Go's and
    Hugo's encoders do): no string in it can close a <script> element or be read as
    markup by a consumer that pastes it into HTML, and it decodes to the same values.
    Outside strings JSON has none of these characters, so replacing them all is safe."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
