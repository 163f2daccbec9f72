"""HTML article pages (and wire-system HTML fragments) to a Seed.

Each fact is found by a chain of strategies, the cheap and certain ones first:
a source profile's selectors (`html:` in config.yaml) for the outlets that need them, then
the page's structured metadata (JSON-LD NewsArticle, og:/article: meta tags, <time>, the
canonical link), then heuristics (the page's single <h1>, its <title> without the site
name, trafilatura for the body). A page whose headline none of them finds is refused:
a wrong headline (the site's name) is worse than a refusal.
"""
from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import lxml.html
from lxml import etree

from ...config import Config, SourceProfile
from ...errors import DigestError, shown as shown_path
from ...markup import url_parts
from ...selectors import select
from ..seeds import (_DATE, _EMAIL, NO_HEADLINE, Seed, _split_names, headline_problem, ingest_now,
                     parse_date, profile_for_file)
from .datelines import parse_dateline, strip_signoffs
from .encoding import check_size, decode_html
from .wire import rejoin_wrapped_lines

# Elements whose text is never article text (scripts, forms, embedded media).
_NO_TEXT = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "button",
            "select", "input", "textarea", "head", "title", "meta", "link", "canvas", "video", "audio"}
# Removed before trafilatura runs: a subset of what its tree cleaning removes
# (trafilatura.settings.MANUALLY_CLEANED), plus styles and templates.
_NEVER_STORY = ("script", "style", "noscript", "template", "aside", "footer", "nav", "menu", "iframe",
                "object", "embed", "svg", "canvas", "video", "audio", "map", "picture", "button")
# Elements that begin a new line of text.
_BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section",
           "article", "header", "footer", "table", "tr", "td", "th", "dd", "dt", "dl", "pre", "figure",
           "figcaption", "main", "aside", "nav", "form", "body", "html", "hr", "address", "center"}
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")  # collapsible in HTML; a no-break space is not
_ANY_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|\u2013|\u2014|::|:|\u00b7|\u2022|/)\s+")
_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                  "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "report", "liveblogposting"}
_DATE_META = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
              "publish-date", "date", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date",
              "parsely-pub-date", "article.published", "original-publish-date")
_AGENCY_CREDIT = re.compile(r"^\((?P<agency>[A-Za-z][\w&.' -]{0,30})\)$")  # `(Yonhap)` alone on a line
_SAVED_FROM = re.compile(r"saved from url=\(\d+\)(\S+)")
_REPORTER_LABEL = re.compile(r"^(?:(?:reporters?|written by|authors?)\s*:|by\s)\s*", re.IGNORECASE)


def read_html(path: Path, config: Config, raw: bytes) -> Seed:
    """One HTML page (or wire fragment) to a Seed, or a DigestError naming the file."""
    shown = shown_path(path, start=config.path.parent)
    check_size(raw, shown, config.max_html_kb * 1024, "max_html_kb")
    text = decode_html(raw, shown)
    root = _parse(text, shown)
    page = _Page(root)
    profile, url = _choose_profile(page, config.sources, path.name)
    if profile is not None:
        return _read_with_profile(path, shown, page, profile, url)
    if page.is_fragment():
        return _read_fragment(path, shown, page, config)
    return _read_generic(path, shown, page, config)


class _Page:
    """A parsed page and its metadata, each looked up once."""

    def __init__(self, root):
        self.root = root
        self.meta: dict[str, list[str]] = {}
        for el in root.iter("meta"):
            key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
            value = el.get("content")
            if key and value and value.strip():
                self.meta.setdefault(key, []).append(_clean(value))
        self.jsonld = _jsonld_articles(root)
        self.canonical = [_clean(el.get("href", "")) for el in root.iter("link")
                          if "canonical" in (el.get("rel") or "").lower().split() and el.get("href")]
        # `<!-- saved from url=(0052)https://... -->`, which browsers write into a saved page.
        self.saved_from = [m.group(1) for c in root.itersiblings(etree.Comment, preceding=True)
                           if (m := _SAVED_FROM.search(c.text or ""))]

    def first_meta(self, *keys) -> str:
        for key in keys:
            for value in self.meta.get(key, ()):
                return value
        return ""

    def urls(self) -> list[str]:
        """The page's own URLs, the most specific first (canonical link, JSON-LD, og:url)."""
        found = list(self.canonical)
        for item in self.jsonld:
            for key in ("url", "mainEntityOfPage"):
                value = item.get(key)
                if isinstance(value, dict):
                    value = value.get("@id") or value.get("url")
                if isinstance(value, str):
                    found.append(value.strip())
        found += self.meta.get("og:url", []) + self.meta.get("twitter:url", [])
        found += self.saved_from
        return [u for u in dict.fromkeys(found) if url_parts(u).scheme in ("http", "https")]

    def url(self) -> str:
        """The article's URL: the first of the page's URLs with a path (a page that gives
        the site's home as og:url and the article's lower down is common)."""
        urls = self.urls()
        return next((u for u in urls if url_parts(u).path.strip("/")), urls[0] if urls else "")

    def site_name(self) -> str:
        for item in self.jsonld:
            publisher = item.get("publisher")
            if isinstance(publisher, list):
                publisher = publisher[0] if publisher else None
            if isinstance(publisher, dict) and isinstance(publisher.get("name"), str) and publisher["name"].strip():
                return _clean(publisher["name"])
        return self.first_meta("og:site_name", "application-name", "publisher")

    def is_fragment(self) -> bool:
        """A piece of HTML from a wire or content system rather than a page: no head, no
        metadata, no headings; its lines are split by <br>."""
        return not (self.meta or self.jsonld or self.canonical or self.root.find(".//title") is not None
                    or any(True for _ in self.root.iter("h1", "h2", "h3"))) \
            and any(True for _ in self.root.iter("br"))


def fragment_lines(fragment: str) -> list[str]:
    """The text of an HTML fragment (a records file's body) as lines, split at <br> and
    block elements; scripts, styles and forms give no text."""
    if not fragment.strip():
        return []
    return _lines(lxml.html.fragment_fromstring(fragment, create_parent="div", parser=_parser()))


def _parse(text: str, shown: str):
    # lxml refuses a str that declares its encoding; the bytes were decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if not text.strip():
        raise DigestError(shown, "empty file: no article text")
    try:
        return lxml.html.document_fromstring(text, parser=_parser())
    except (etree.ParserError, ValueError) as e:
        raise DigestError(shown, f"unreadable HTML: {e}")


@lru_cache(maxsize=1)
def _parser() -> etree.HTMLParser:
    """lxml.html's parser, with every element an HtmlElement by a lookup in C: lxml.html's
    own lookup is a Python call for each element touched (form controls get their own
    classes), which cost trafilatura's passes over a large page a third of their time."""
    parser = etree.HTMLParser(remove_blank_text=False)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


def _choose_profile(page: _Page, sources, file_name: str) -> tuple[SourceProfile | None, str]:
    """The first profile whose `html.url` matches one of the page's URLs, and that URL;
    else the first profile with an `html:` part whose `file_name` matches (a page saved
    without its URL)."""
    urls = page.urls()
    for profile in sources:
        if profile.html is not None:
            for url in urls:
                if profile.html.url.search(url):
                    return profile, url
    return profile_for_file(file_name, [p for p in sources if p.html is not None]), page.url()


# ------------------------------------------------------------------ profile selectors
def _read_with_profile(path: Path, shown: str, page: _Page, profile: SourceProfile, url: str):
    html = profile.html
    root = page.root
    for selector in html.drop:
        for el in select(root, selector):
            _remove(el)
    where = f"source {profile.name!r}: html."
    titles = select(root, html.title)
    if not titles:
        raise DigestError(shown, f"no headline: {where}title {html.title!r} matches nothing on this page")
    dates = select(root, html.date) if html.date else []
    reporters_el = select(root, html.reporter) if html.reporter else []
    inner = set(dates[:1] + reporters_el[:1])
    title = _clean(" ".join(_lines(titles[0], skip=inner)))
    if not any(ch.isalnum() for ch in title):
        raise DigestError(shown, f"no headline: {where}title {html.title!r} holds no text")

    date = None
    if html.date:
        if not dates:
            raise DigestError(shown, f"missing date: {where}date {html.date!r} matches nothing on this page")
        stamp = dates[0].get("datetime") or dates[0].get("content") or ""
        date = _iso_date(stamp, profile.timezone) if stamp else None
        if date is None:
            date = parse_date(_clean(" ".join(_lines(dates[0]))), profile.timezone, shown, dates[0].sourceline)
    else:
        date = _structured_date(page, profile.timezone)

    reporters: list[str] = []
    if reporters_el:
        who = _clean(" ".join(_lines(reporters_el[0])))
        if profile.reporter_line and (m := profile.reporter_line.search(who)):
            who = m.group("reporter")
        who = _REPORTER_LABEL.sub("", _EMAIL.sub("", who).strip()).strip(" ,;")
        reporters = _split_names(who) if who else []
    else:
        reporters = _structured_authors(page)

    if html.body:
        bodies = select(root, html.body)
        if not bodies:
            raise DigestError(shown, f"no article text: {where}body {html.body!r} matches nothing on this page")
        skip = set(titles[:1] + dates[:1] + reporters_el[:1])
        paragraphs = [p for p in (_clean(line) for body in bodies for line in _lines(body, skip=skip)) if p]
    else:
        paragraphs = _extracted_body(root, title)
    paragraphs = strip_signoffs(paragraphs)
    if not paragraphs:
        raise DigestError(shown, "no article text after the title")
    return Seed(name=path.name, title=title, date=date, source=profile.name, reporters=tuple(reporters),
                paragraphs=tuple(paragraphs), attribution=profile.attribution, url=url)


# ------------------------------------------------------------------ generic pages
def _read_generic(path: Path, shown: str, page: _Page, config: Config):
    site = page.site_name()
    title = _headline(page, site)
    if not title:
        raise DigestError(shown, "no headline: the page has no JSON-LD headline, og:title, single <h1> or "
                                 "<title> other than the site's name (a source profile's html.title can say where)")
    paragraphs = strip_signoffs(_jsonld_body(page, title) or _extracted_body(page.root, title))
    if not paragraphs:
        raise DigestError(shown, "no article text: nothing on the page reads as the story's body")
    url = page.url()
    source = site or (url_parts(url).hostname or "").removeprefix("www.") or config.title
    return Seed(name=path.name, title=title, date=_structured_date(page, config.timezone), source=source,
                reporters=tuple(_structured_authors(page)), paragraphs=tuple(paragraphs), attribution="",
                url=url)


def _headline(page: _Page, site: str) -> str:
    """The first headline candidate that is not the site's name, most trusted first:
    JSON-LD, og:title (unless the page gives two different ones), the article's single
    <h1>, the <title> with the site's name cut off."""
    host = _host_label(page)

    def usable(candidate: str, heuristic: bool) -> str:
        candidate = _clean(candidate)
        key = _key(candidate)
        if not key or key in (_key(site), _key(page.first_meta("og:site_name"))):
            return ""
        if heuristic and host and host in key:
            return ""  # a heading naming the site is its logo or slogan, not the story
        if key == _key(_title_tag(page)) and _TITLE_SEPARATORS.search(candidate):
            return ""  # `Story | Site` copied into og:title: let the <title> rule cut the name off
        return candidate

    for item in page.jsonld:
        for key in ("headline", "name"):
            if isinstance(item.get(key), str) and (found := usable(item[key], False)):
                return found
    for key in ("og:title", "twitter:title"):
        values = set(page.meta.get(key, ()))
        if len(values) == 1 and (found := usable(values.pop(), False)):
            return found
    h1s = {_clean(" ".join(_lines(h))) for h in _main_scope(page.root).iter("h1") if not _in_site_chrome(h)} - {""}
    if len(h1s) == 1 and (found := usable(h1s.pop(), True)):
        return found
    return _title_without_site(page, site, host)


def _in_site_chrome(el) -> bool:
    """In the site's own header, menu or footer (where its logo is an <h1>), not an article's."""
    for ancestor in el.iterancestors():
        if ancestor.tag in ("article", "main"):
            return False
        if ancestor.tag in ("header", "nav", "footer"):
            return True
    return False


def _host_label(page: _Page) -> str:
    """`arirang` for www.arirang.com: the name a site's logo and <title> carry."""
    labels = (url_parts(page.url()).hostname or "").removeprefix("www.").split(".")
    return _key(labels[0]) if labels and len(labels[0]) >= 3 else ""


def _title_tag(page: _Page) -> str:
    el = page.root.find(".//title")
    return _clean(el.text_content()) if el is not None else ""


def _title_without_site(page: _Page, site: str, host: str) -> str:
    """<title> with the site's name cut off (`Story | Site`); nothing when no part of it
    names the site (which part would be the story?) or what is left is too short to be a
    headline (`News View :: The World On Arirang`)."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(_title_tag(page)) if p.strip()]
    names = {n for n in (_key(site), host) if n}
    rest = [p for p in parts if not any(n in _key(p) for n in names)]
    if not rest or len(rest) == len(parts) and (len(parts) > 1 or not names):
        return ""
    found = max(rest, key=len)
    return found if len(found.split()) >= 3 or len(found) >= 20 else ""


def _main_scope(root):
    """The page's <article> (or <main>) if it has exactly one, else the whole page."""
    for tag in ("article", "main"):
        found = list(root.iter(tag))
        if len(found) == 1:
            return found[0]
    return root


def _story_scope(root):
    """Where trafilatura looks: the page's single <article> (or <main>) when it holds most
    of the page's paragraph text, else the whole page. A cheap cut first: trafilatura's
    passes cost in proportion to the tree, and most of a large page is around the story."""
    scope = _main_scope(root)
    if scope is root:
        return root
    inside = sum(len(p.text_content()) for p in scope.iter("p"))
    total = sum(len(p.text_content()) for p in root.iter("p"))
    return scope if inside and inside >= 0.5 * total else root


def _structured_date(page: _Page, tz) -> datetime | None:
    """Publication date from JSON-LD, then meta tags, then a <time datetime> in the article."""
    for item in page.jsonld:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            if isinstance(item.get(key), str) and (date := _iso_date(item[key], tz)):
                return date
    for key in _DATE_META:
        for value in page.meta.get(key, ()):
            if date := _iso_date(value, tz):
                return date
    scope = _main_scope(page.root)
    times = [t for t in scope.iter("time") if t.get("datetime")]
    times.sort(key=lambda t: not (t.get("pubdate") is not None or t.get("itemprop") == "datePublished"))
    for t in times:
        if date := _iso_date(t.get("datetime"), tz):
            return date
    return None


def _iso_date(text: str, tz) -> datetime | None:
    """An ISO 8601 date or date-time; one without an offset is in `tz`."""
    text = text.strip()
    if not text:
        return None
    try:
        date = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        m = _DATE.match(text)
        if not m:
            return None
        try:
            date = datetime(*(int(g) if g else 0 for g in m.groups()))
        except ValueError:
            return None
    return date if date.tzinfo else date.replace(tzinfo=tz)


def _structured_authors(page: _Page) -> list[str]:
    names: list[str] = []
    for item in page.jsonld:
        authors = item.get("author")
        for author in authors if isinstance(authors, list) else [authors]:
            name = author.get("name") if isinstance(author, dict) else author
            if isinstance(name, str) and name.strip() and not (isinstance(author, dict)
                                                               and author.get("@type") == "Organization"):
                names.append(_clean(name))
        if names:
            return list(dict.fromkeys(names))
    for key in ("author", "article:author", "byl", "parsely-author", "dc.creator"):
        for value in page.meta.get(key, ()):
            if not url_parts(value).scheme:
                names.append(_REPORTER_LABEL.sub("", value).strip())
        if names:
            return list(dict.fromkeys(n for n in names if n))
    return []


def _jsonld_articles(root) -> list[dict]:
    """The article objects in the page's JSON-LD (also inside @graph and lists)."""
    found = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue  # broken (or absurdly nested) JSON-LD is common; the other strategies still run
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kinds = item.get("@type")
                kinds = kinds if isinstance(kinds, list) else [kinds]
                if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
                    found.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return found


def _jsonld_body(page: _Page, title: str) -> list[str]:
    for item in page.jsonld:
        body = item.get("articleBody")
        if isinstance(body, str) and body.strip():
            paragraphs = [_clean(p) for p in re.split(r"\n\s*", body) if _clean(p)]
            if len(paragraphs) > 1:  # one run-on string loses the paragraphs: let the extractor have it
                return [p for p in paragraphs if p != title]
    return []


def _extracted_body(root, title: str) -> list[str]:
    """The story's paragraphs as trafilatura finds them (boilerplate, menus, share bars,
    related links and comments left out)."""
    import trafilatura

    root = _story_scope(root)
    # What trafilatura would clean away anyway goes first, in one cheap pass (tail text
    # kept, as trafilatura keeps it): its pruning runs several XPath passes over the whole
    # tree, and the bulk of a large page is scripts, data, menus and asides.
    etree.strip_elements(root, *_NEVER_STORY, etree.Comment, with_tail=False)
    document = trafilatura.bare_extraction(
        root, fast=True, favor_precision=True, with_metadata=False, include_comments=False, include_tables=False,
        include_images=False, include_links=False, include_formatting=False, deduplicate=False)
    text = getattr(document, "text", None) if document is not None else None
    if not text:
        return []
    paragraphs = [p for p in (_clean(line) for line in text.split("\n")) if p]
    title_key = _key(title)
    return [p for p in paragraphs if len(p) > 2 * len(title) or _key(p) != title_key]


# ------------------------------------------------------------------ wire fragments
def _read_fragment(path: Path, shown: str, page: _Page, config: Config):
    """A wire system's HTML fragment: the headline line, then hard-wrapped lines whose
    paragraphs start indented, a dateline naming the agency, sign-offs at the end."""
    lines = _lines(page.root)
    start = next((i for i, line in enumerate(lines) if _clean(line)), None)
    if start is None:
        raise DigestError(shown, "empty file: no article text")
    title = _clean(lines[start])
    # In a fragment each line ends at a <br>: a line break is not "prose without a break".
    if problem := headline_problem(title, followed_by_prose=False):
        raise DigestError(shown, f"{NO_HEADLINE} ({problem})")
    body = [line for line in lines[start + 1:]]
    while body and not _clean(body[-1]):
        body.pop()
    agency = None
    if body and (m := _AGENCY_CREDIT.match(_clean(body[-1]))):
        agency = m.group("agency")  # `(Yonhap)` after the story: the agency's credit line
        body.pop()
    # Sign-offs and e-mail lines go while the lines are still lines: `(END)` is not
    # indented, so rejoining would glue it to the line before.
    while body and not _clean(body[-1]):
        body.pop()
    paragraphs = rejoin_wrapped_lines(strip_signoffs(body))
    date = None
    if paragraphs:
        dateline_agency, date, rest = parse_dateline(paragraphs[0], ingest_now(), config.timezone)
        if dateline_agency:
            agency = dateline_agency
            paragraphs[0] = rest.strip()
            paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise DigestError(shown, "no article text after the title")
    return Seed(name=path.name, title=title, date=date, source=agency or config.title, reporters=(),
                paragraphs=tuple(paragraphs), attribution="")


# ------------------------------------------------------------------ text of elements
def _lines(el, skip=frozenset()) -> list[str]:
    """The element's text as lines, split at <br> and block elements, HTML white space
    collapsed (no-break spaces kept: in wire copy they mark an indented line).
    Elements in `skip`, scripts, styles and forms give no text."""
    parts: list[str] = []
    stack = [(el, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""  # comments and processing instructions
        tag = tag.lower().rsplit("}", 1)[-1]
        if closing:
            if tag in _BLOCKS:
                parts.append("\n")
            if node is not el and node.tail:
                parts.append(_HTML_SPACE.sub(" ", node.tail))
            continue
        if not tag or node in skip or tag in _NO_TEXT:
            if node is not el and node.tail:
                parts.append(_HTML_SPACE.sub(" ", node.tail))
            continue
        if tag == "br":
            parts.append("\n")
        elif tag in _BLOCKS:
            parts.append("\n")
        if node.text and tag != "br":
            parts.append(_HTML_SPACE.sub(" ", node.text))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(parts).split("\n")


def _remove(el) -> None:
    """Take an element out of the tree, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", _ANY_SPACE.sub(" ", text)).strip()


def _key(text: str) -> str:
    """A comparison key: case, spaces and punctuation ignored."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())
