"""Test helpers for whole sites: a small hand-written correct site, the demo build in a
temporary project copy, and a local server that answers like GitHub Pages under a sub-path."""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
DEMO_BASE_URL = "https://example.github.io/newsdigest/"
FIXTURE_BASE_URL = "https://example.github.io/repo/"


# ------------------------------------------------------------------ a small correct site
def html_page(title, body, root):
    """A complete page; `root` is the relative path from the page to the site root."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{root}static/style.css">
<link rel="alternate" type="application/rss+xml" title="Feed" href="{root}feed.xml">
</head>
<body>
<a href="#main">Skip to content</a>
<nav><a href="{root or './'}">Home</a> <a href="{root}tags/">Tags</a></nav>
<main id="main">
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"""


RSS_ITEMS = """\
<item>
<title>Second story</title>
<link>https://example.github.io/repo/2024/01/03/second-story/</link>
<guid>https://example.github.io/repo/2024/01/03/second-story/</guid>
<pubDate>Wed, 03 Jan 2024 09:00:00 +0900</pubDate>
<description>&lt;p&gt;Two. &lt;a href="https://example.github.io/repo/tags/japan/"&gt;Japan&lt;/a&gt;&lt;/p&gt;</description>
</item>
<item>
<title>First story</title>
<link>https://example.github.io/repo/2024/01/02/first-story/</link>
<guid>https://example.github.io/repo/2024/01/02/first-story/</guid>
<pubDate>Tue, 02 Jan 2024 10:30:00 +0900</pubDate>
<description><![CDATA[<p>One.</p><img src="https://example.github.io/repo/static/bg.svg" alt="">]]></description>
</item>
"""


def rss_feed(rel, title, link):
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{title}</title>
<link>{link}</link>
<description>Test digest</description>
<language>en</language>
<atom:link href="https://example.github.io/repo/{rel}" rel="self" type="application/rss+xml"/>
<lastBuildDate>Wed, 03 Jan 2024 09:00:00 +0900</lastBuildDate>
{RSS_ITEMS}</channel>
</rss>
"""


ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>https://example.github.io/repo/</id>
<title>Test digest</title>
<updated>2024-01-03T09:00:00+09:00</updated>
<author><name>Test</name></author>
<link rel="self" href="https://example.github.io/repo/atom.xml"/>
<link href="https://example.github.io/repo/"/>
<entry>
<id>https://example.github.io/repo/2024/01/03/second-story/</id>
<title>Second story</title>
<updated>2024-01-03T09:00:00+09:00</updated>
<link href="https://example.github.io/repo/2024/01/03/second-story/"/>
<content type="html">&lt;p&gt;Two.&lt;/p&gt;</content>
</entry>
<entry>
<id>https://example.github.io/repo/2024/01/02/first-story/</id>
<title>First story</title>
<updated>2024-01-02T10:30:00+09:00</updated>
<link rel="alternate" href="https://example.github.io/repo/2024/01/02/first-story/"/>
<content type="html">&lt;p&gt;One.&lt;/p&gt;</content>
</entry>
</feed>
"""

JSON_FEED = """{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Test digest",
  "home_page_url": "https://example.github.io/repo/",
  "feed_url": "https://example.github.io/repo/feed.json",
  "items": [
    {"id": "https://example.github.io/repo/2024/01/03/second-story/",
     "url": "https://example.github.io/repo/2024/01/03/second-story/",
     "title": "Second story", "content_html": "<p>Two.</p>", "date_published": "2024-01-03T09:00:00+09:00"},
    {"id": "https://example.github.io/repo/2024/01/02/first-story/",
     "url": "https://example.github.io/repo/2024/01/02/first-story/",
     "title": "First story", "content_html": "<p>One.</p>", "date_published": "2024-01-02T10:30:00+09:00"}
  ]
}
"""

SITEMAP_PAGES = ["", "2024/01/02/first-story/", "2024/01/03/second-story/", "about.html", "tags/", "tags/japan/"]


def sitemap(pages):
    locs = "".join(f"<url><loc>{FIXTURE_BASE_URL}{p}</loc></url>\n" for p in pages)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{locs}</urlset>\n')


def make_site(root):
    """Write a small site, correct for FIXTURE_BASE_URL, into `root`; returns root.

    It uses each GitHub Pages rule the checker models: folder URLs, `about` -> about.html,
    a folder link without its slash, an absolute link under the base URL, cross-page
    anchors, a CSS url(), srcset, and a 404 page with root-relative links."""
    files = {
        "index.html": html_page("Test digest", """
<article><h2><a href="2024/01/03/second-story/">Second story</a></h2></article>
<article><h2><a href="https://example.github.io/repo/2024/01/02/first-story/">First story</a></h2></article>
<p><a href="about">About</a> <a href="tags/japan">Japan</a> <a href="https://example.org/x">elsewhere</a>
<a href="mailto:desk@example.org">mail</a></p>""", ""),
        "2024/01/02/first-story/index.html": html_page("First story", """
<p>One. <a href="../../../../tags/#japan">Japan in the tag list</a>.</p>
<img src="../../../../static/bg.svg" srcset="../../../../static/bg.svg 1x, ../../../../static/bg.svg 2x" alt="">""",
                                                       "../../../../"),
        "2024/01/03/second-story/index.html": html_page("Second story", """
<p id="top-story">Two. <a href="#top-story">Permalink</a> <a href="../../02/first-story/">Previous</a></p>""",
                                                        "../../../../"),
        "about.html": html_page("About", "<p>About this digest.</p>", ""),
        "tags/index.html": html_page("Tags", '<ul><li id="japan"><a href="japan/">Japan</a></li></ul>', "../"),
        "tags/japan/index.html": html_page("Japan", """
<ul><li><a href="../../2024/01/03/second-story/">Second story</a></li>
<li><a href="../../2024/01/02/first-story/">First story</a></li></ul>
<p><a href="feed.xml">Japan feed</a></p>""", "../../"),
        "404.html": html_page("Page not found", '<p><a href="/repo/">Front page</a></p>', "/repo/"),
        "static/style.css": 'body { background: url("bg.svg") no-repeat; }\n',
        "static/bg.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
        "feed.xml": rss_feed("feed.xml", "Test digest", FIXTURE_BASE_URL),
        "tags/japan/feed.xml": rss_feed("tags/japan/feed.xml", "Japan", FIXTURE_BASE_URL + "tags/japan/"),
        "atom.xml": ATOM_FEED,
        "feed.json": JSON_FEED,
        "sitemap.xml": sitemap(SITEMAP_PAGES),
        "robots.txt": f"User-agent: *\nAllow: /\nSitemap: {FIXTURE_BASE_URL}sitemap.xml\n",
        ".nojekyll": "",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def replace_in(site, rel, old, new):
    """Edit one site file; fails when `old` is not there, so a fixture change cannot make a
    defect test pass without planting its defect."""
    path = site / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------ the demo build
def build_demo(project, base_url=DEMO_BASE_URL):
    """Copy the repo's config, seeds, content and layouts into `project` and build the demo
    site there with the real CLI; returns (completed process, site folder)."""
    for name in ("seeds", "content", "layouts"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), "--config", str(project / "config.yaml"),
                           "--base-url", base_url],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)
    return proc, project / "site"


def build_cli_missing_reason():
    """Why the demo cannot be built yet, or '' when build.py is there."""
    if not (REPO / "build.py").is_file():
        return "build.py does not exist yet, so the demo site cannot be built"
    return ""


# ------------------------------------------------------------------ GitHub Pages-like server
class GitHubPagesHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` under `base_path` the way GitHub Pages does: folder -> index.html,
    `x` -> `x.html`, folder without slash -> 301, anything else -> 404 with 404.html."""

    base_path = "/"

    def log_message(self, *args):
        pass

    def send_head(self):
        path = urlsplit(self.path).path
        if path + "/" == self.base_path:
            return self.redirect(self.base_path)
        if not path.startswith(self.base_path):
            return self.not_found()
        rel = unquote(path[len(self.base_path):])
        root = Path(self.directory).resolve()
        target = (root / rel).resolve()
        if target != root and root not in target.parents:
            return self.not_found()
        if target.is_dir():
            if not path.endswith("/"):
                return self.redirect(path + "/")
            target = target / "index.html"
        elif not target.is_file() and not path.endswith("/") and target.with_name(target.name + ".html").is_file():
            target = target.with_name(target.name + ".html")
        if not target.is_file() or (path.endswith("/") and target.name != "index.html"):
            return self.not_found()
        return self.open_file(target, 200)

    def redirect(self, location):
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    def not_found(self):
        page = Path(self.directory) / "404.html"
        if page.is_file():
            return self.open_file(page, 404)
        self.send_error(404)
        return None

    def open_file(self, path, status):
        f = open(path, "rb")
        self.send_response(status)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
        self.end_headers()
        return f


class GitHubPagesServer:
    """`with GitHubPagesServer(site, "/repo/") as base:` serves site at base (http://127.0.0.1:PORT/repo/)."""

    def __init__(self, site_dir, base_path):
        handler = functools.partial(type("Handler", (GitHubPagesHandler,), {"base_path": base_path}),
                                    directory=str(site_dir))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}{base_path}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self.base

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def page_paths(site_dir):
    """URL paths (relative to the base) of every HTML page: folders for index.html."""
    paths = []
    for path in sorted(Path(site_dir).rglob("*.html")):
        rel = path.relative_to(site_dir).as_posix()
        paths.append(rel[:-len("index.html")] if rel == "index.html" or rel.endswith("/index.html") else rel)
    return paths
