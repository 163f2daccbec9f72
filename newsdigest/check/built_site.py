"""One built site as the checks see it: its files, the URL each is served at, the file a
URL leads to (GitHub Pages' rules, from ghpages), and the problems found so far.

Every check module takes a BuiltSite, reads the site through it and reports through
`problem`; nothing here decides what is right for a page, a feed or a sitemap.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ..config import base_url_problem
from ..errors import DigestError, brief
from ..files import walk_files
from ..ghpages import served_file
from .html import PageParser, parse_html

SKIP_SCHEMES = ("mailto:", "tel:", "data:", "javascript:", "sms:", "about:", "blob:")


def is_absolute_http(url: str) -> bool:
    return bool(re.match(r"https?://[^/]", url))


class BuiltSite:
    """The files of one built site (read once), the base URL it is served under, and the
    problems found in it (each a DigestError naming a site path), with the counts the
    summary line gives."""

    def __init__(self, site_dir, base_url: str):
        problem = base_url_problem(base_url)
        if problem:  # the CLI's config has checked it already; this is for direct callers
            raise ValueError(f"base_url: {problem}, got {brief(base_url)}")
        self.site_dir = Path(site_dir)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        parts = urlsplit(self.base_url)
        self.host = parts.netloc.lower()
        self.base_path = parts.path
        self._problems: dict[tuple, DigestError] = {}  # one of each (path, line, message)
        self._parsed: dict[str, PageParser] = {}
        unreadable: list[DigestError] = []
        # Every file, dot-files too (.nojekyll, a build's temp files); a folder that
        # cannot be read is a problem, not an empty folder.
        self.files = {rel for rel, _ in walk_files(self.site_dir, keep=lambda name: True, problems=unreadable)}
        for e in unreadable:
            self.problem(e.path, e.message)
        # The folders that hold a file: an empty one is not deployed (git keeps none).
        self.dirs = {rel[:i] for rel in self.files for i in range(len(rel)) if rel[i] == "/"}
        self.html_files = sorted(f for f in self.files if f.endswith((".html", ".htm")))
        self.pages = self.feeds = self.links = 0  # for the summary line

    def problem(self, where: str, message: str, line: int | None = None) -> None:
        self._problems.setdefault((where, line, message), DigestError(where, message, line))

    def problems(self) -> list[DigestError]:
        return sorted(self._problems.values(), key=DigestError.sort_key)

    def public_url(self, rel: str) -> str:
        """The URL a visitor uses for a site file (folders for index.html)."""
        if rel == "index.html" or rel.endswith("/index.html"):
            rel = rel[:-len("index.html")]
        return self.base_url + rel

    def read_text(self, rel: str) -> str:
        try:
            return (self.site_dir / rel).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problem(rel, "is not valid UTF-8")
            return (self.site_dir / rel).read_text(encoding="utf-8", errors="replace")

    def page(self, rel: str) -> PageParser:
        if rel not in self._parsed:
            self._parsed[rel] = parse_html(self.read_text(rel))
        return self._parsed[rel]

    def parse_xml(self, rel: str):
        try:
            return ET.fromstring((self.site_dir / rel).read_bytes())
        except ET.ParseError as e:
            self.problem(rel, f"not well-formed XML: {e}")
            return None

    def served_file(self, url_path: str) -> str | None:
        """The site file GitHub Pages serves for a URL path under the base path, or None (a 404)."""
        return served_file(unquote(url_path[len(self.base_path):]), self.files.__contains__, self.dirs.__contains__)

    def file_at(self, url: str) -> str | None:
        """The site file an absolute URL of this site leads to, or None (not this site's, or a 404)."""
        return self.served_file(urlsplit(url).path) if url.startswith(self.base_url) else None

    def check_ref(self, where: str, raw: str, base: str, nav: bool = False, note: str = "") -> str | None:
        """Check one URL found in `where` (a site path), resolved against `base`.

        Returns the site file it leads to when it is a working internal link, else None."""
        ref = raw.strip()
        if not ref or ref.lower().startswith(SKIP_SCHEMES):
            return None
        parts = urlsplit(urljoin(base, ref))
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != self.host:
            return None     # another site: never fetched
        if not (parts.path + "/").startswith(self.base_path):
            self.problem(where, f"link {ref}{note} leaves the sub-path {self.base_path} (→ {parts.path})")
            return None
        self.links += 1
        target = self.served_file(parts.path)
        if target is None:
            self.problem(where, f"broken link {ref}{note} (→ {parts.path})")
            return None
        fragment = unquote(parts.fragment)
        if nav and fragment and fragment != "top" and target.endswith((".html", ".htm")):
            if fragment not in self.page(target).ids:
                self.problem(where, f'broken anchor {ref}{note} (no id="{fragment}" in {target})')
        return target
