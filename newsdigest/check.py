"""Pre-flight check of a built site: would it work on GitHub Pages and in feed readers?

Offline and read-only. Every URL is resolved the way GitHub Pages serves a project site
under a sub-path (https://user.github.io/repo/): a folder URL serves its index.html, `x`
serves `x.html`, a folder without its trailing slash redirects, anything else is a 404
that shows 404.html. Problems come back as 'site-path: problem' lines, sorted.
Only the standard library is used, so the check runs wherever the build runs.
"""

import datetime as dt
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

REQUIRED_FILES = ("index.html", "404.html", ".nojekyll", "feed.xml", "sitemap.xml", "robots.txt")
# GitHub Pages answers every missing URL with 404.html, so its links are checked as if it
# were served at this (deep, missing) path below the base path.
DEEP_404_PATH = "no/such/page/"
SKIP_SCHEMES = ("mailto:", "tel:", "data:", "javascript:", "sms:", "about:", "blob:")
URL_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href", "imagesrcset"), "img": ("src", "srcset"),
    "source": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "embed": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "track": ("src",), "object": ("data",),
    "input": ("src",), "form": ("action",), "blockquote": ("cite",), "q": ("cite",),
}
NAV_TAGS = ("a", "area")
# Social-card metadata that crawlers fetch as absolute URLs.
META_URL_PROPERTIES = ("og:url", "og:image", "twitter:image")
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
NEWS_SITEMAP = "news-sitemap.xml"
ARCHIVE_FEED = re.compile(r"feeds/\d{4}/\d{2}\.xml")  # RFC 5005 month archives
FH_ARCHIVE = "{http://purl.org/syndication/history/1.0}archive"
NEWS_SITEMAP_LIMIT = 1000  # URLs Google News reads from one news sitemap
NEWS_LANGUAGE = re.compile(r"zh-cn|zh-tw|[a-z]{2,3}")
ATOM_NS = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# RFC 822 zones as the W3C feed validator accepts them (military letters are deprecated).
NAMED_ZONES = {"UT": 0, "GMT": 0, "Z": 0, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
               "MST": -420, "MDT": -360, "PST": -480, "PDT": -420}
RFC822_DATE = re.compile(r"(?:(?P<dow>[A-Za-z]{3}), )?(?P<day>\d{1,2}) (?P<mon>[A-Za-z]{3}) (?P<year>\d{4}) "
                         r"(?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}))? (?P<zone>\S+)")
RFC3339_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


@dataclass
class Report:
    """What a check found: problem lines plus counts for the summary."""
    problems: set = field(default_factory=set)
    pages: int = 0
    feeds: int = 0
    links: int = 0


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


def parse_rfc822(value):
    """Return (aware datetime, None), or (None, what is wrong with the date)."""
    m = RFC822_DATE.fullmatch(value.strip())
    if not m or m["mon"] not in MONTHS or (m["dow"] and m["dow"] not in DAYS):
        return None, "is not an RFC 822 date (like 'Tue, 02 Jan 2024 10:00:00 +0900')"
    zone = m["zone"]
    if re.fullmatch(r"[+-]\d{4}", zone) and int(zone[3:]) < 60:
        minutes = (int(zone[1:3]) * 60 + int(zone[3:])) * (-1 if zone[0] == "-" else 1)
    elif zone in NAMED_ZONES:
        minutes = NAMED_ZONES[zone]
    else:
        return None, f"has an invalid time zone {zone!r} (use +hhmm)"
    try:
        when = dt.datetime(int(m["year"]), MONTHS.index(m["mon"]) + 1, int(m["day"]), int(m["h"]), int(m["m"]),
                           int(m["s"] or 0), tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))
    except ValueError:
        return None, "is not a real date"
    if m["dow"] and DAYS[when.weekday()] != m["dow"]:
        return None, f"has the wrong weekday ({when:%Y-%m-%d} is a {DAYS[when.weekday()]})"
    return when, None


def parse_rfc3339(value):
    if not RFC3339_DATE.fullmatch(value.strip()):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def feed_kind(rel):
    """What a site file is as a feed: "rss", "atom", "json", "archive" (a month of feed.xml,
    RFC 5005) or None."""
    if ARCHIVE_FEED.fullmatch(rel):
        return "archive"
    return {"feed.xml": "rss", "atom.xml": "atom", "feed.json": "json"}.get(rel.rsplit("/", 1)[-1])


def rss_links(channel):
    """The channel's atom:link elements: rel -> href (the first of each rel)."""
    links = {}
    for link in channel.findall(ATOM_NS + "link"):
        links.setdefault(link.get("rel", "alternate"), link.get("href", ""))
    return links


def news_article_problems(text, canonical):
    """What a NewsArticle JSON-LD text lacks (Google's article properties), as phrases."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return [f"is not valid JSON: {e}"]
    if not isinstance(data, dict) or data.get("@type") != "NewsArticle":
        return ["is not a schema.org NewsArticle object"]
    problems = []
    if data.get("@context") not in ("https://schema.org", "http://schema.org"):
        problems.append(f"@context is {data.get('@context')!r}, expected 'https://schema.org'")
    if not isinstance(data.get("headline"), str) or not data["headline"].strip():
        problems.append("has no headline")
    for name in ("datePublished", "dateModified"):
        value = data.get(name)
        if not isinstance(value, str) or not parse_rfc3339(value) or parse_rfc3339(value).tzinfo is None:
            problems.append(f"{name} {value!r} is not a date and time with its offset")
    authors = data.get("author")
    authors = [authors] if isinstance(authors, dict) else authors
    if not isinstance(authors, list) or not authors:
        problems.append("has no author")
    else:
        for n, author in enumerate(authors, 1):
            if (not isinstance(author, dict) or author.get("@type") not in ("Person", "Organization")
                    or not isinstance(author.get("name"), str) or not author["name"].strip()):
                problems.append(f"author {n} is not a Person or Organization with a name")
    publisher = data.get("publisher")
    if (not isinstance(publisher, dict) or publisher.get("@type") != "Organization"
            or not isinstance(publisher.get("name"), str) or not publisher["name"].strip()):
        problems.append("publisher is not an Organization with a name")
    elif "logo" in publisher:
        logo = publisher["logo"]
        url = logo.get("url") if isinstance(logo, dict) else logo
        if not isinstance(url, str) or not is_absolute_http(url):
            problems.append(f"publisher logo {url!r} is not an absolute URL")
    page = data.get("mainEntityOfPage")
    page = page.get("@id") if isinstance(page, dict) else page
    if page != canonical:
        problems.append(f"mainEntityOfPage is {page!r}, expected {canonical}")
    if not isinstance(data.get("isAccessibleForFree"), bool):
        problems.append("isAccessibleForFree is not true or false")
    if not isinstance(data.get("inLanguage"), str) or not data["inLanguage"].strip():
        problems.append("has no inLanguage")
    return problems


def is_absolute_http(url):
    return bool(re.match(r"https?://[^/]", url))


TEMP_FILE = re.compile(r"^\..+\.tmp\d+$")  # files.write_temp's names


class SiteChecker:
    """Resolves URLs against the files of one built site and collects problems."""

    def __init__(self, site_dir, base_url, report, websub_hub=None):
        self.site_dir = Path(site_dir)
        self.websub_hub = websub_hub  # None: not known, the feeds must agree with feed.xml
        self.hubs = {}  # feed -> the WebSub hubs it names
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an absolute http(s) URL, not {base_url!r}")
        self.host = parts.netloc.lower()
        self.base_path = parts.path
        self.report = report
        self.files, self.dirs = set(), set()
        for dirpath, dirnames, filenames in os.walk(self.site_dir):
            rel_dir = Path(dirpath).relative_to(self.site_dir).as_posix()
            prefix = "" if rel_dir == "." else rel_dir + "/"
            self.dirs.update(prefix + d for d in dirnames)
            self.files.update(prefix + f for f in filenames)
        self.html_files = sorted(f for f in self.files if f.endswith((".html", ".htm")))
        self._parsed = {}

    def problem(self, where, message):
        self.report.problems.add(f"{where}: {message}")

    def public_url(self, rel):
        """The URL a visitor uses for a site file (folders for index.html)."""
        if rel == "index.html" or rel.endswith("/index.html"):
            rel = rel[:-len("index.html")]
        return self.base_url + rel

    def read_text(self, rel):
        try:
            return (self.site_dir / rel).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problem(rel, "is not valid UTF-8")
            return (self.site_dir / rel).read_text(encoding="utf-8", errors="replace")

    def page(self, rel):
        if rel not in self._parsed:
            self._parsed[rel] = parse_html(self.read_text(rel))
        return self._parsed[rel]

    def served_file(self, path):
        """The file GitHub Pages serves for a URL path under the base path, or None (a 404)."""
        rel = unquote(path[len(self.base_path):])
        if rel == "" or rel.endswith("/"):
            return rel + "index.html" if rel + "index.html" in self.files else None
        if rel in self.files:
            return rel
        if rel in self.dirs and rel + "/index.html" in self.files:   # answered by a redirect to rel/
            return rel + "/index.html"
        if rel + ".html" in self.files:
            return rel + ".html"
        return None

    def check_ref(self, where, raw, base, nav=False, note=""):
        """Check one URL found in `where` (a site path), resolved against `base`.

        Returns the site file it leads to when it is a working internal link, else None."""
        ref = raw.strip()
        if not ref or ref.lower().startswith(SKIP_SCHEMES):
            return None
        url = urljoin(base, ref)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != self.host:
            return None     # another site: never fetched
        if not (parts.path + "/").startswith(self.base_path):
            self.problem(where, f"link {ref}{note} leaves the sub-path {self.base_path} (→ {parts.path})")
            return None
        self.report.links += 1
        target = self.served_file(parts.path)
        if target is None:
            self.problem(where, f"broken link {ref}{note} (→ {parts.path})")
            return None
        fragment = unquote(parts.fragment)
        if nav and fragment and fragment != "top" and target.endswith((".html", ".htm")):
            if fragment not in self.page(target).ids:
                self.problem(where, f'broken anchor {ref}{note} (no id="{fragment}" in {target})')
        return target

    # ---------------------------------------------------------------- HTML and CSS
    def check_html_links(self, rel, url):
        """Check every URL of the page `rel` served at `url`; returns the pages its links lead to."""
        page = self.page(rel)
        base = urljoin(url, page.base_href) if page.base_href else url
        note = f" when served at {urlsplit(url).path}" if url != self.public_url(rel) else ""
        linked = set()
        for tag, raw in page.refs:
            if raw.strip().startswith("#"):
                # Same-document reference: nothing is fetched, even on the 404 page.
                fragment = unquote(raw.strip()[1:])
                if tag in NAV_TAGS and fragment not in ("", "top") and fragment not in page.ids:
                    self.problem(rel, f'broken anchor {raw.strip()} (no id="{fragment}" in {rel})')
                continue
            target = self.check_ref(rel, raw, base, nav=tag in NAV_TAGS, note=note)
            if target and tag in NAV_TAGS:
                linked.add(target)
        for css in page.css:
            for raw in css_urls(css):
                self.check_ref(rel, raw, base, note=note)
        return linked

    def check_page_basics(self, rel, page_budget_bytes):
        page = self.page(rel)
        if page.html_lang is None or not page.html_lang.strip():
            self.problem(rel, "no lang attribute on <html>")
        if page.title is None:
            self.problem(rel, "no <title>")
        elif not page.title.strip():
            self.problem(rel, "empty <title>")
        if not page.charset:
            self.problem(rel, 'no <meta charset="utf-8">')
        if not page.viewport:
            self.problem(rel, 'no <meta name="viewport">')
        duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
        if duplicates:
            self.problem(rel, "duplicate id " + ", ".join(f'"{i}"' for i in duplicates))
        size = (self.site_dir / rel).stat().st_size
        if size > page_budget_bytes:
            self.problem(rel, f"{size:,} bytes, over the {page_budget_bytes:,}-byte page budget")

    def check_article_json_ld(self, rel):
        """An article page (og:type article) carries one schema.org NewsArticle with the
        properties Google's article documentation asks for, escaped for a <script>."""
        page = self.page(rel)
        if page.og_type != "article":
            return
        if len(page.json_ld) != 1:
            self.problem(rel, f"article page has {len(page.json_ld)} JSON-LD scripts, expected one NewsArticle")
            return
        for wrong in sorted({c for c in page.json_ld[0] if c in "<>&"}):
            self.problem(rel, f"JSON-LD has a raw {wrong!r} (write it as \\u{ord(wrong):04x})")
        problems = news_article_problems(page.json_ld[0], self.public_url(rel))
        for problem in problems:
            self.problem(rel, f"JSON-LD {problem}")
        if not problems:  # a logo inside the site must be there
            logo = json.loads(page.json_ld[0])["publisher"].get("logo")
            url = logo.get("url") if isinstance(logo, dict) else logo
            if url:
                self.check_ref(rel, url, self.base_url, note=" (JSON-LD publisher logo)")

    def check_pages(self, page_budget_bytes):
        edges = {}
        for rel in self.html_files:
            self.check_page_basics(rel, page_budget_bytes)
            self.check_article_json_ld(rel)
            if rel == "404.html":
                self.check_html_links(rel, self.base_url + DEEP_404_PATH)
            else:
                edges[rel] = self.check_html_links(rel, self.public_url(rel))
        self.report.pages = len(self.html_files)
        if "index.html" in edges:
            reachable, todo = {"index.html"}, ["index.html"]
            while todo:
                for target in edges.get(todo.pop(), ()):
                    if target not in reachable:
                        reachable.add(target)
                        todo.append(target)
            for rel in sorted(set(edges) - reachable):
                self.problem(rel, "orphan page (no chain of links leads to it from the front page)")
        for rel in sorted(f for f in self.files if f.endswith(".css")):
            for raw in css_urls(self.read_text(rel)):
                self.check_ref(rel, raw, self.public_url(rel))

    # ---------------------------------------------------------------- search
    def check_search(self):
        """The Pagefind bundle a search page loads: under the sub-path, complete (every
        file its metadata names), and indexing every page marked data-pagefind-body."""
        from .pagefind_files import read_data_file
        for rel in self.html_files:
            bundle_url = self.page(rel).search_bundle
            if bundle_url is None:
                continue
            base = urljoin(self.public_url(rel), bundle_url)
            for name in ("pagefind.js", "pagefind-entry.json"):
                self.check_ref(rel, name, base, note=f" (search bundle {bundle_url})")
            bundle = urlsplit(base).path[len(self.base_path):]
            if not (urlsplit(base).path.startswith(self.base_path) and bundle + "pagefind-entry.json" in self.files):
                continue
            try:
                entry = json.loads(self.read_text(bundle + "pagefind-entry.json"))
                languages = entry["languages"]
            except (ValueError, KeyError, TypeError):
                self.problem(bundle + "pagefind-entry.json", "is not a Pagefind entry (no languages)")
                continue
            indexed = sum(1 for f in self.html_files if self.page(f).indexed)
            counted = 0
            for language in languages.values():
                meta_rel = f"{bundle}pagefind.{language.get('hash')}.pf_meta"
                wanted = [f"{bundle}pagefind-worker.js", f"{bundle}wasm.{language.get('wasm')}.pagefind", meta_rel]
                missing = [f for f in wanted if f not in self.files]
                if meta_rel in self.files:
                    try:
                        meta = read_data_file(self.site_dir / meta_rel)
                        pages, chunks, filters = meta[1], meta[2], meta[3]
                    except (ValueError, OSError, IndexError, TypeError, EOFError) as e:
                        self.problem(meta_rel, f"cannot be read as Pagefind metadata ({e})")
                        continue
                    counted += len(pages)
                    names = ([f"{bundle}fragment/{p[0]}.pf_fragment" for p in pages]
                             + [f"{bundle}index/{c[-1]}.pf_index" for c in chunks]
                             + [f"{bundle}filter/{f[-1]}.pf_filter" for f in filters])
                    missing += [f for f in names if f not in self.files]
                for f in missing:
                    self.problem(f, f"missing (the search index of {rel} needs it)")
            if counted != indexed:
                self.problem(bundle + "pagefind-entry.json",
                             f"indexes {counted:,} pages but {indexed:,} pages are marked data-pagefind-body "
                             "(the index is out of date: build again)")

    # ---------------------------------------------------------------- site files
    def check_required_files(self, cname):
        for rel in REQUIRED_FILES:
            if rel not in self.files:
                self.problem(rel, "missing")
        if "CNAME" in self.files:
            lines = [ln.strip() for ln in self.read_text("CNAME").splitlines() if ln.strip()]
            if cname and lines != [cname]:
                self.problem("CNAME", f"contains {' '.join(lines)!r}, expected {cname!r}")
            elif not cname and (len(lines) != 1 or lines[0].lower() != self.host):
                self.problem("CNAME", f"contains {' '.join(lines)!r} but no cname is configured "
                                      f"(GitHub Pages would serve the site there, not at {self.base_url})")
        elif cname:
            self.problem("CNAME", f"missing (cname is configured as {cname!r})")
        if cname and self.host != cname.lower():
            self.problem("CNAME", f"cname {cname!r} does not match the host of base_url {self.base_url}")

    def check_sitemap_and_robots(self):
        sitemap_url = self.base_url + "sitemap.xml"
        if "robots.txt" in self.files:
            lines = [ln.strip() for ln in self.read_text("robots.txt").splitlines()]
            listed = [ln.split(":", 1)[1].strip() for ln in lines if ln.lower().startswith("sitemap:")]
            if sitemap_url not in listed:
                self.problem("robots.txt", f"no 'Sitemap: {sitemap_url}' line")
            if NEWS_SITEMAP in self.files and self.base_url + NEWS_SITEMAP not in listed:
                self.problem("robots.txt", f"no 'Sitemap: {self.base_url}{NEWS_SITEMAP}' line")
        if "sitemap.xml" not in self.files:
            return
        root = self.parse_xml("sitemap.xml")
        if root is None:
            return
        # One urlset, or (for large sites) an index of urlsets in this site.
        sitemaps = [("sitemap.xml", root)]
        news_listed = False
        if root.tag == SITEMAP_NS + "sitemapindex":
            sitemaps = []
            for loc_element in root.iter(SITEMAP_NS + "loc"):
                loc = (loc_element.text or "").strip()
                target = self.served_file(urlsplit(loc).path) if loc.startswith(self.base_url) else None
                if target is None or not target.endswith(".xml"):
                    self.problem("sitemap.xml", f"<loc>{loc}</loc> is not a sitemap in this site")
                    continue
                if target == NEWS_SITEMAP:  # lists articles the other sitemaps list too
                    news_listed = True
                    continue
                child = self.parse_xml(target)
                if child is not None:
                    sitemaps.append((target, child))
        listed = set()
        for name, urlset in sitemaps:
            if urlset.tag != SITEMAP_NS + "urlset":
                expected = "urlset or sitemapindex" if name == "sitemap.xml" else "urlset"
                self.problem(name, f"root element is {urlset.tag}, expected {SITEMAP_NS}{expected}")
                continue
            locs = [(e.text or "").strip() for e in urlset.iter(SITEMAP_NS + "loc")]
            if len(locs) > 50_000:
                self.problem(name, f"lists {len(locs)} URLs; the sitemap protocol allows 50,000 per file")
            for loc in locs:
                if not loc.startswith(self.base_url):
                    self.problem(name, f"<loc>{loc}</loc> is not under {self.base_url}")
                    continue
                target = self.served_file(urlsplit(loc).path)
                if target is None or not target.endswith((".html", ".htm")) or target == "404.html":
                    self.problem(name, f"<loc>{loc}</loc> is not a page of the site")
                elif target in listed:
                    self.problem(name, f"{target} is listed twice")
                else:
                    listed.add(target)
        for rel in self.html_files:
            if rel != "404.html" and rel not in listed:
                self.problem("sitemap.xml", f"does not list {rel} ({self.public_url(rel)})")
        if NEWS_SITEMAP in self.files:
            if not news_listed:
                self.problem("sitemap.xml", f"does not list {self.base_url}{NEWS_SITEMAP}")
            self.check_news_sitemap()

    def check_news_sitemap(self):
        """Google's news sitemap rules (the schema's, and its 1,000-URL limit): every URL
        an article page of the site, once, with publication name and language,
        publication date with its offset, and title."""
        root = self.parse_xml(NEWS_SITEMAP)
        if root is None:
            return
        rel = NEWS_SITEMAP
        if root.tag != SITEMAP_NS + "urlset":
            self.problem(rel, f"root element is {root.tag}, expected {SITEMAP_NS}urlset")
            return
        urls = root.findall(SITEMAP_NS + "url")
        if not urls:
            self.problem(rel, "lists no URL (the sitemap schema wants at least one)")
        if len(urls) > NEWS_SITEMAP_LIMIT:
            self.problem(rel, f"lists {len(urls)} URLs; Google News reads at most {NEWS_SITEMAP_LIMIT:,}")
        seen = set()
        for n, url in enumerate(urls, 1):
            loc = (url.findtext(SITEMAP_NS + "loc") or "").strip()
            target = self.served_file(urlsplit(loc).path) if loc.startswith(self.base_url) else None
            if target is None or target == "404.html" or self.page(target).og_type != "article":
                self.problem(rel, f"<loc>{loc}</loc> is not an article page of the site")
            elif target in seen:
                self.problem(rel, f"{target} is listed twice")
            else:
                seen.add(target)
            news = url.find(NEWS_NS + "news")
            if news is None:
                self.problem(rel, f"url {n} has no <news:news>")
                continue
            name = (news.findtext(f"{NEWS_NS}publication/{NEWS_NS}name") or "").strip()
            language = (news.findtext(f"{NEWS_NS}publication/{NEWS_NS}language") or "").strip()
            if not name:
                self.problem(rel, f"url {n} has no <news:publication><news:name>")
            if not NEWS_LANGUAGE.fullmatch(language):
                self.problem(rel, f"url {n} news:language {language!r} is not an ISO 639 code (or zh-cn, zh-tw)")
            date = (news.findtext(NEWS_NS + "publication_date") or "").strip()
            if not parse_rfc3339(date):
                self.problem(rel, f"url {n} news:publication_date {date!r} is not a date and time with its offset")
            if not (news.findtext(NEWS_NS + "title") or "").strip():
                self.problem(rel, f"url {n} has no <news:title>")

    def parse_xml(self, rel):
        try:
            return ET.fromstring((self.site_dir / rel).read_bytes())
        except ET.ParseError as e:
            self.problem(rel, f"not well-formed XML: {e}")
            return None

    # ---------------------------------------------------------------- feeds
    def check_absolute_link(self, rel, what, url):
        """A link a feed reader follows: absolute, and working when it points into the site."""
        if not url:
            self.problem(rel, f"{what} is empty")
        elif not is_absolute_http(url):
            self.problem(rel, f"{what} {url} is not an absolute URL")
        else:
            self.check_ref(rel, url, self.base_url)

    def check_feed_html(self, rel, what, html_text):
        """Feed readers show item HTML away from the site, so every URL in it must be absolute."""
        for _tag, raw in parse_html(html_text).refs:
            url = raw.strip()
            if url.startswith("//"):
                self.problem(rel, f"{what} has protocol-relative URL {url}")
            elif url.startswith("#") or url.lower().startswith(SKIP_SCHEMES):
                continue
            elif not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url):
                self.problem(rel, f"{what} has relative URL {url}")
            else:
                self.check_ref(rel, url, self.base_url)

    def check_rss(self, rel):
        root = self.parse_xml(rel)
        if root is None:
            return
        channel = root.find("channel")
        if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
            self.problem(rel, "not an RSS 2.0 feed (<rss version=\"2.0\"><channel>)")
            return
        for name in ("title", "link", "description"):
            if not (channel.findtext(name) or "").strip():
                self.problem(rel, f"channel has no <{name}>")
        if (channel.findtext("link") or "").strip():
            self.check_absolute_link(rel, "channel link", channel.findtext("link").strip())
        self_links = [a.get("href", "") for a in channel.findall(ATOM_NS + "link") if a.get("rel") == "self"]
        self.check_self_link(rel, "atom:link rel=\"self\"", self_links)
        self.hubs[rel] = [a.get("href", "") for a in channel.findall(ATOM_NS + "link") if a.get("rel") == "hub"]
        guids, previous = {}, None
        for n, item in enumerate(channel.findall("item"), 1):
            label = f"item {n}"
            if not (item.findtext("title") or "").strip():
                self.problem(rel, f"{label} has no <title>")
            self.check_absolute_link(rel, f"{label} link", (item.findtext("link") or "").strip())
            guid_element = item.find("guid")
            guid = (guid_element.text or "").strip() if guid_element is not None else ""
            if not guid:
                self.problem(rel, f"{label} has no <guid>")
            elif guid in guids:
                self.problem(rel, f"{label} guid {guid} repeats item {guids[guid]}")
            else:
                guids[guid] = n
                if guid_element.get("isPermaLink", "true") == "true":
                    self.check_absolute_link(rel, f"{label} permalink guid", guid)
            pub_date = (item.findtext("pubDate") or "").strip()
            if not pub_date:
                self.problem(rel, f"{label} has no <pubDate>")
            else:
                when, wrong = parse_rfc822(pub_date)
                if wrong:
                    self.problem(rel, f"{label} pubDate {pub_date!r} {wrong}")
                elif previous and when > previous[1]:
                    self.problem(rel, f"items are not newest first: {label} is newer than item {previous[0]}")
                if when:
                    previous = (n, when)
            for element, name in ((item.find("description"), "description"),
                                  (item.find(CONTENT_ENCODED), "content:encoded")):
                if element is not None and element.text:
                    self.check_feed_html(rel, f"{label} {name}", element.text)
        last_build = (channel.findtext("lastBuildDate") or "").strip()
        if last_build and parse_rfc822(last_build)[1]:
            self.problem(rel, f"lastBuildDate {last_build!r} {parse_rfc822(last_build)[1]}")

    def check_self_link(self, rel, what, hrefs):
        expected = self.base_url + rel
        if not hrefs:
            self.problem(rel, f'no {what} (should be {expected})')
        elif hrefs[0] != expected:
            self.problem(rel, f"{what} is {hrefs[0]}, expected {expected}")

    def check_atom(self, rel):
        root = self.parse_xml(rel)
        if root is None:
            return
        if root.tag != ATOM_NS + "feed":
            self.problem(rel, f"not an Atom feed (root element {root.tag})")
            return
        for name in ("id", "title", "updated"):
            if not (root.findtext(ATOM_NS + name) or "").strip():
                self.problem(rel, f"feed has no <{name}>")
        updated = (root.findtext(ATOM_NS + "updated") or "").strip()
        if updated and not parse_rfc3339(updated):
            self.problem(rel, f"feed updated {updated!r} is not an RFC 3339 date")
        links = root.findall(ATOM_NS + "link")
        self.check_self_link(rel, 'link rel="self"', [a.get("href", "") for a in links if a.get("rel") == "self"])
        self.hubs[rel] = [a.get("href", "") for a in links if a.get("rel") == "hub"]
        feed_has_author = root.find(ATOM_NS + "author") is not None
        ids = {}
        for n, entry in enumerate(root.findall(ATOM_NS + "entry"), 1):
            label = f"entry {n}"
            entry_id = (entry.findtext(ATOM_NS + "id") or "").strip()
            if not entry_id:
                self.problem(rel, f"{label} has no <id>")
            elif entry_id in ids:
                self.problem(rel, f"{label} id {entry_id} repeats entry {ids[entry_id]}")
            else:
                ids[entry_id] = n
            if not (entry.findtext(ATOM_NS + "title") or "").strip():
                self.problem(rel, f"{label} has no <title>")
            entry_updated = (entry.findtext(ATOM_NS + "updated") or "").strip()
            if not entry_updated:
                self.problem(rel, f"{label} has no <updated>")
            elif not parse_rfc3339(entry_updated):
                self.problem(rel, f"{label} updated {entry_updated!r} is not an RFC 3339 date")
            alternates = [a.get("href", "") for a in entry.findall(ATOM_NS + "link")
                          if a.get("rel", "alternate") == "alternate"]
            if not alternates:
                self.problem(rel, f'{label} has no <link rel="alternate">')
            for href in alternates:
                self.check_absolute_link(rel, f"{label} link", href)
            if not feed_has_author and entry.find(ATOM_NS + "author") is None:
                self.problem(rel, f"{label} has no <author> and neither has the feed")
            for name in ("content", "summary"):
                element = entry.find(ATOM_NS + name)
                if element is not None and element.get("type") == "html" and element.text:
                    self.check_feed_html(rel, f"{label} {name}", element.text)

    def check_json_feed(self, rel):
        try:
            feed = json.loads(self.read_text(rel))
        except json.JSONDecodeError as e:
            self.problem(rel, f"not valid JSON: {e}")
            return
        if not isinstance(feed, dict):
            self.problem(rel, "not a JSON Feed (top level is not an object)")
            return
        if feed.get("version") != JSON_FEED_VERSION:
            self.problem(rel, f"version is {feed.get('version')!r}, expected {JSON_FEED_VERSION!r}")
        if not isinstance(feed.get("title"), str) or not feed["title"].strip():
            self.problem(rel, "no title")
        if "home_page_url" in feed:
            self.check_absolute_link(rel, "home_page_url", str(feed["home_page_url"]))
        hubs = feed.get("hubs", [])
        self.hubs[rel] = [h.get("url", "") for h in hubs if isinstance(h, dict)] if isinstance(hubs, list) else ["?"]
        if "feed_url" in feed and feed["feed_url"] != self.base_url + rel:
            self.problem(rel, f"feed_url is {feed['feed_url']}, expected {self.base_url + rel}")
        items = feed.get("items")
        if not isinstance(items, list):
            self.problem(rel, "no items list")
            return
        ids = {}
        for n, item in enumerate(items, 1):
            label = f"item {n}"
            if not isinstance(item, dict):
                self.problem(rel, f"{label} is not an object")
                continue
            item_id = item.get("id")
            if not isinstance(item_id, str) or not item_id:
                self.problem(rel, f"{label} has no id (a non-empty string)")
            elif item_id in ids:
                self.problem(rel, f"{label} id {item_id} repeats item {ids[item_id]}")
            else:
                ids[item_id] = n
            self.check_absolute_link(rel, f"{label} url", str(item.get("url") or ""))
            if "content_html" not in item and "content_text" not in item:
                self.problem(rel, f"{label} has neither content_html nor content_text")
            if isinstance(item.get("content_html"), str):
                self.check_feed_html(rel, f"{label} content_html", item["content_html"])
            for name in ("date_published", "date_modified"):
                if name in item and not parse_rfc3339(str(item[name])):
                    self.problem(rel, f"{label} {name} {item[name]!r} is not an RFC 3339 date")

    def check_feeds(self):
        checks = {"rss": self.check_rss, "atom": self.check_atom, "json": self.check_json_feed,
                  "archive": self.check_rss}
        for rel in sorted(self.files):
            kind = feed_kind(rel)
            if kind:
                self.report.feeds += kind != "archive"  # the summary counts subscription feeds
                checks[kind](rel)
        self.check_hub_links()
        self.check_archive_chain()

    def check_hub_links(self):
        """WebSub: every feed names the configured hub (or, when that is not known, the
        hub feed.xml names), once, beside its self link; or none, when there is none."""
        expected = self.websub_hub
        if expected is None:
            expected = (self.hubs.get("feed.xml") or [""])[0]
        for rel, hubs in sorted(self.hubs.items()):
            if hubs != ([expected] if expected else []):
                self.problem(rel, f'names the WebSub hub(s) {", ".join(hubs) or "none"}, expected {expected or "none"}')

    def check_archive_chain(self):
        """RFC 5005 archived feeds: prev-archive from feed.xml leads through every month
        document once, each marked fh:archive with rel="current" and a next-archive back
        to where the walk came from, and reaches every article page exactly once."""
        archives = sorted(f for f in self.files if ARCHIVE_FEED.fullmatch(f))
        root = self.parse_xml("feed.xml") if "feed.xml" in self.files else None
        channel = root.find("channel") if root is not None else None
        if channel is None:
            return
        start = rss_links(channel).get("prev-archive")
        if "atom.xml" in self.files:
            atom_root = self.parse_xml("atom.xml")
            atom_links = [a.get("href") for a in atom_root.findall(ATOM_NS + "link")
                          if a.get("rel") == "prev-archive"] if atom_root is not None else []
            if atom_links != ([start] if start else []):
                self.problem("atom.xml", f"prev-archive is {atom_links or 'missing'}, expected feed.xml's ({start})")
        if not start:
            if archives:
                self.problem("feed.xml", 'no atom:link rel="prev-archive" to the newest month archive')
            return
        where, seen, came_from, href = {}, [], None, start
        while href:
            here = seen[-1] if seen else "feed.xml"
            target = self.served_file(urlsplit(href).path) if href.startswith(self.base_url) else None
            if target is None or not ARCHIVE_FEED.fullmatch(target):
                self.problem(here, f"prev-archive {href} is not a month archive of this site")
                break
            if target in seen:
                self.problem(here, f"prev-archive {href} loops back to an archive already visited")
                break
            seen.append(target)
            doc = self.parse_xml(target)
            channel = doc.find("channel") if doc is not None else None
            if channel is None:
                break
            links = rss_links(channel)
            if channel.find(FH_ARCHIVE) is None:
                self.problem(target, "no <fh:archive/> (xmlns:fh=\"http://purl.org/syndication/history/1.0\")")
            if links.get("current") != self.base_url + "feed.xml":
                self.problem(target, f'rel="current" is {links.get("current")}, expected {self.base_url}feed.xml')
            if links.get("next-archive") != came_from:
                self.problem(target, f"next-archive is {links.get('next-archive')}, expected {came_from} "
                                     f"(the document whose prev-archive leads here)")
            for item in channel.findall("item"):
                link = (item.findtext("link") or "").strip()
                page = self.served_file(urlsplit(link).path) if link.startswith(self.base_url) else None
                if page in where:
                    self.problem(target, f"article {link} is also in {where[page]}")
                elif page:
                    where[page] = target
            came_from, href = self.base_url + target, links.get("prev-archive")
        for rel in archives:
            if rel not in seen:
                self.problem(rel, "not reached by following prev-archive from feed.xml")
        for rel in self.html_files:
            if self.page(rel).og_type == "article" and rel not in where:
                self.problem("feed.xml", f"following prev-archive does not reach the article {self.public_url(rel)}")

    def check_leftovers(self):
        """Temp files (`.name.tmpPID`) and a `site.new/` or `site.old/` beside the site are
        what an interrupted build leaves; the next build removes them."""
        for rel in sorted(self.files):
            if TEMP_FILE.match(rel.rsplit("/", 1)[-1]):
                self.problem(rel, "a temp file left by an interrupted build; build again")
        for suffix in (".new", ".old"):
            beside = self.site_dir.with_name(self.site_dir.name + suffix)
            if beside.exists():
                self.problem(beside.name, "a site folder left by an interrupted build; build again")

    def check_total_size(self, total_budget_bytes):
        total = sum((self.site_dir / rel).stat().st_size for rel in self.files)
        if total > total_budget_bytes:
            self.problem(".", f"the site is {total:,} bytes, over the {total_budget_bytes:,}-byte limit")


def run_checks(site_dir, base_url, cname="", page_budget_bytes=512 * 1024, total_budget_bytes=1024 ** 3,
               websub_hub=None):
    """All checks on one built site; returns the Report. `websub_hub`: the hub every feed
    must name ("" for none; None: whichever feed.xml names)."""
    report = Report()
    checker = SiteChecker(site_dir, base_url, report, websub_hub)
    checker.check_required_files(cname)
    checker.check_pages(page_budget_bytes)
    checker.check_sitemap_and_robots()
    checker.check_search()
    checker.check_feeds()
    checker.check_total_size(total_budget_bytes)
    checker.check_leftovers()
    return report


def check_site(site_dir: Path, base_url: str, cname: str = "", page_budget_bytes: int = 512 * 1024,
               total_budget_bytes: int = 1024 ** 3, websub_hub=None) -> list[str]:
    """Every problem as 'site-path: problem', sorted; empty list when the site is good."""
    return sorted(run_checks(site_dir, base_url, cname, page_budget_bytes, total_budget_bytes, websub_hub).problems)


def main(site_dir, base_url, cname, page_budget_bytes, quiet=False, websub_hub=None) -> int:
    """Print each problem, then a summary line; return 0 when the site is good, else 1.

    quiet drops the summary line of a passing check; problems are always printed."""
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        print(f"check FAILED: {site_dir}/index.html not found; run `python build.py build` first")
        return 1
    report = run_checks(site_dir, base_url, cname, page_budget_bytes, websub_hub=websub_hub)
    for line in sorted(report.problems):
        print(line)
    counts = (f"{report.pages:,} page{'s' * (report.pages != 1)}, {report.feeds:,} feed{'s' * (report.feeds != 1)}, "
              f"{report.links:,} link{'s' * (report.links != 1)}")
    if report.problems:
        n = len(report.problems)
        print(f"check FAILED: {n:,} problem{'s' * (n != 1)} ({counts})")
        return 1
    if not quiet:
        print(f"check ok: {counts}")
    return 0

