"""Reading the built HTML for the checks: the URLs, ids and head facts of a page (or of an
HTML fragment inside a feed), and the URLs inside CSS."""
from __future__ import annotations

import re
from html.parser import HTMLParser

URL_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href", "imagesrcset"), "img": ("src", "srcset"),
    "source": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "embed": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "track": ("src",), "object": ("data",),
    "input": ("src",), "form": ("action",), "blockquote": ("cite",), "q": ("cite",),
}
# Social-card metadata that crawlers fetch as absolute URLs.
META_URL_PROPERTIES = ("og:url", "og:image", "twitter:image")
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)


class PageParser(HTMLParser):
    """Collects the URLs, ids and head facts of one HTML document (or HTML fragment)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs = []          # (tag, url)
        self.ids = []
        self.css = []           # text of <style> blocks and style="" attributes
        self.base_href = None
        self.html_lang = None
        self.title = None
        self.charset = False
        self.viewport = False
        self.og_type = None
        self.json_ld = []       # text of each <script type="application/ld+json">
        self.search_bundle = None  # data-search-bundle: the Pagefind bundle the page loads
        self.search_delta = None   # data-search-delta: the delta bundle merged into it
        self.indexed = False       # data-pagefind-body: the page is in the search index
        self._in = None         # "title", "style" or "json_ld" while inside one

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.append(a["name"])
        if "style" in a:
            self.css.append(a["style"])
        if "data-search-bundle" in a:
            self.search_bundle = a["data-search-bundle"]
            self.search_delta = a.get("data-search-delta")
        if "data-pagefind-body" in a:
            self.indexed = True
        if tag == "html" and self.html_lang is None:
            self.html_lang = a.get("lang", "")
        elif tag == "base" and "href" in a and self.base_href is None:
            self.base_href = a["href"]
        elif tag == "title":
            self._in, self.title = "title", self.title or ""
        elif tag == "style":
            self._in = "style"
        elif tag == "script" and a.get("type", "").strip().lower() == "application/ld+json":
            self._in = "json_ld"
            self.json_ld.append("")
        elif tag == "meta":
            if a.get("property") == "og:type":
                self.og_type = a.get("content", "")
            self.charset = self.charset or "charset" in a
            self.viewport = self.viewport or a.get("name", "").lower() == "viewport"
            if a.get("property", a.get("name", "")).lower() in META_URL_PROPERTIES and a.get("content"):
                self.refs.append(("meta", a["content"]))
        for attr in URL_ATTRS.get(tag, ()):
            value = a.get(attr)
            if value is None:
                continue
            if attr.endswith("srcset"):
                self.refs.extend((tag, u) for u in srcset_urls(value))
            else:
                self.refs.append((tag, value))

    def handle_endtag(self, tag):
        if tag == self._in or (tag == "script" and self._in == "json_ld"):
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "style":
            self.css.append(data)
        elif self._in == "json_ld":
            self.json_ld[-1] += data


def srcset_urls(value):
    return [c.split()[0] for c in re.split(r",\s+", value.strip()) if c.strip()]


def css_urls(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    urls = (next((g for g in m.groups() if g is not None), "") for m in CSS_URL.finditer(text))
    return [u for u in urls if u and not u.startswith("#")]


def parse_html(text):
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser
