"""`build.py serve`, black-box: the real server on a free loopback port, over HTTP and its websocket.

Each test runs the server on its own copy of the demo project and edits files there the way
an editor saves them. Waits are deadlines ("within N seconds"), never fixed sleeps.
"""
import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

REPO = Path(__file__).resolve().parent.parent
BASE_PATH = "/newsdigest/"  # the sub-path of base_url in config.yaml
ENV = dict(os.environ, PYTHONUNBUFFERED="1", SOURCE_DATE_EPOCH="1704067200", TZ="UTC", LC_ALL="C.UTF-8")
DEADLINE = 15  # seconds; generous for slow CI machines, the demo rebuilds in well under one


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo project (config, seeds, layouts) ingested and built once; tests copy it."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(REPO / "config.yaml", root)
    shutil.copytree(REPO / "seeds", root / "seeds")
    shutil.copytree(REPO / "layouts", root / "layouts")
    subprocess.run([sys.executable, str(REPO / "build.py"), "--config", "config.yaml", "-q"],
                   cwd=root, env=ENV, check=True, timeout=120)
    return root


def wait_for(check, what, timeout=DEADLINE):
    """Poll `check` until it returns something truthy; fail naming `what` after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(0.03)


class Server:
    """A running `build.py serve` on a project folder."""

    def __init__(self, project: Path, prepare=None):
        self.project = project
        self.stdout_path = project.parent / "stdout.txt"
        self.stderr_path = project.parent / "stderr.txt"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, str(REPO / "build.py"), "serve", "--config", "config.yaml", "--port", "0"],
                cwd=project, env=ENV, stdout=out, stderr=err)
        self.url = wait_for(self._printed_url, "the server prints the URL to open", timeout=60)
        self.origin = self.url[: -len(BASE_PATH)]
        self.port = int(self.origin.rsplit(":", 1)[1])

    def _printed_url(self):
        if self.process.poll() is not None:
            pytest.fail(f"serve exited with {self.process.returncode}:\n{self.stderr()}")
        match = re.search(r"^serving site/ at (http://\S+) \(Ctrl-C to stop\)$", self.stdout(), re.M)
        return match and match.group(1)

    def stdout(self) -> str:
        return self.stdout_path.read_text()

    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def status(self) -> dict:
        with urllib.request.urlopen(self.origin + "/__newsdigest/status", timeout=5) as r:
            return json.load(r)

    def get(self, path: str) -> tuple[int, str]:
        """GET a path under the site's sub-path (or an absolute path), following redirects."""
        url = self.origin + path if path.startswith("/") else self.url + path
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8")

    def raw_get(self, raw_path: str) -> tuple[int, str]:
        """GET exactly this request target: no client-side normalising of `..`."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", raw_path)
            r = conn.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def idle_after(self, builds: int) -> dict:
        """Wait until more than `builds` builds finished and no change is waiting."""
        def done():
            s = self.status()
            return s if s["builds"] > builds and not s["building"] and not s["pending"] else None
        return wait_for(done, f"a build after build {builds} finishes")

    def stop(self, sig=signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


class Browser:
    """A livereload client, as livereload.js speaks it: counts the reload commands it gets."""

    def __init__(self, server: Server):
        self.server = server
        self.reloads = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._conn = asyncio.run_coroutine_threadsafe(self._connect(), self._loop).result(timeout=10)
        wait_for(lambda: server.status()["browsers"] >= 1, "the browser is registered for reloads")

    async def _connect(self):
        conn = await websocket_connect(f"ws://127.0.0.1:{self.server.port}/livereload")
        await conn.write_message(json.dumps({"command": "hello",
                                             "protocols": ["http://livereload.com/protocols/official-7"]}))
        await conn.write_message(json.dumps({"command": "info", "url": self.server.url, "plugins": {}}))
        asyncio.ensure_future(self._read(conn))
        return conn

    async def _read(self, conn):
        while (message := await conn.read_message()) is not None:
            data = json.loads(message)
            if data.get("command") == "reload":
                self.reloads.append(data)

    def close(self):
        self._loop.call_soon_threadsafe(self._conn.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


@pytest.fixture
def project(demo, tmp_path):
    target = tmp_path / "project"
    shutil.copytree(demo, target)
    return target


@pytest.fixture
def start(project):
    """Start the server (after the test changed the project, if it wants); stopped at the end."""
    servers = []

    def starter():
        servers.append(Server(project))
        return servers[-1]

    yield starter
    for server in servers:
        server.stop()


def article_files(project: Path) -> list[Path]:
    return sorted((project / "content").rglob("*.md"))


def article_path(project: Path, content_file: Path) -> str:
    """The URL path (below the sub-path) of the article a content file makes."""
    slug = re.search(r"^slug: (\S+)$", content_file.read_text(), re.M).group(1)
    page = next((project / "site").glob(f"*/*/*/{slug}/index.html"))
    return page.parent.relative_to(project / "site").as_posix() + "/"


def add_paragraph(content_file: Path, text: str) -> None:
    content_file.write_text(content_file.read_text() + f"\n{text}\n")


def test_serves_the_front_page_under_the_sub_path_and_stops_cleanly_on_ctrl_c(start):
    server = start()
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith(BASE_PATH)

    status, page = server.get("")
    assert status == 200
    assert "<h1>Newsdigest</h1>" in page
    assert 'href="/newsdigest/static/style.css"' in page  # links work as on GitHub Pages
    assert "/livereload.js" in page and page.index("livereload.js") < page.index("</head>")
    assert 'id="newsdigest-errors"' not in page

    assert server.get("/") == (status, page)  # the bare address leads to the site
    assert server.get("tags")[0] == 200       # a folder without its slash is redirected to it
    assert server.get("404")[0] == 200        # /x serves x.html, like GitHub Pages
    status, missing = server.get("no/such/page/")
    assert status == 404 and "Page not found" in missing and "/livereload.js" in missing
    status, feed = server.get("feed.xml")
    assert status == 200 and feed.startswith("<?xml") and "livereload" not in feed

    assert server.stop(signal.SIGINT) == 0
    assert "Traceback" not in server.stderr()
    assert server.stderr() == ""


def test_an_edited_article_is_rebuilt_and_served(start, project):
    server = start()
    content = article_files(project)[0]
    path = article_path(project, content)
    assert "Edited by the test" not in server.get(path)[1]

    add_paragraph(content, "Edited by the test, first save.")

    wait_for(lambda: "Edited by the test, first save." in server.get(path)[1], "the edit is served")
    wait_for(lambda: re.search(r"^rebuilt in \d+\.\d\d s \([1-9]\d* files written\)$", server.stdout(), re.M),
             "the terminal says it rebuilt")


def test_a_burst_of_saves_builds_once_and_reloads_once_and_a_quick_next_save_is_not_lost(start, project):
    server = start()
    builds = server.idle_after(0)["builds"]
    browser = Browser(server)
    try:
        files = article_files(project)[:8]
        paths = [article_path(project, f) for f in files]
        css = project / "layouts" / "static" / "style.css"
        # Like "save all" in an editor, across two watched folders, spread over more than
        # one poll of the watcher (the pauses pace the burst; they do not wait for anything).
        for i, f in enumerate(files):
            add_paragraph(f, f"Burst edit number {i}.")
            time.sleep(0.015)
        css.write_text(css.read_text() + "\n.burst-edit { color: red; }\n")

        after = server.idle_after(builds)
        assert after["builds"] == builds + 1
        for i, path in enumerate(paths):
            assert f"Burst edit number {i}." in server.get(path)[1]
        assert ".burst-edit" in server.get("static/style.css")[1]
        wait_for(lambda: len(browser.reloads) >= 1, "the browser is told to reload")
        assert len(browser.reloads) == 1

        # livereload itself drops a reload within 3 s of the last one; this save must still show.
        add_paragraph(files[0], "Saved right after the reload.")
        wait_for(lambda: len(browser.reloads) >= 2, "a second reload soon after the first")
        assert "Saved right after the reload." in server.get(paths[0])[1]
        assert server.idle_after(builds + 1)["builds"] == builds + 2
        assert len(browser.reloads) == 2
    finally:
        browser.close()


def test_a_save_during_a_build_gets_one_more_build_and_the_reload_comes_after_it(start, project):
    # Make every page slow to render (about 7 ms each), so that a full rebuild takes long
    # enough for the test to save a file while it runs.
    base = project / "layouts" / "base.html"
    base.write_text(base.read_text().replace("<body>", "<body>{% for i in range(50000) %}{% endfor %}", 1))
    server = start()
    builds = server.idle_after(0)["builds"]
    browser = Browser(server)
    try:
        config = project / "config.yaml"
        config.write_text(config.read_text().replace(  # a config change re-renders every page
            "description: A daily digest", "description: Freshly configured. A daily digest"))
        wait_for(lambda: server.status()["building"], "the rebuild for config.yaml starts", timeout=DEADLINE)
        content = article_files(project)[0]
        add_paragraph(content, "Saved while the site was building.")

        final = server.idle_after(builds + 1)
        assert final["builds"] == builds + 2 and final["ok"]
        page = server.get(article_path(project, content))[1]
        assert "Saved while the site was building." in page
        assert "Freshly configured." in page  # config.yaml was re-read without a restart
        wait_for(lambda: browser.reloads, "the browser is told to reload")
        assert len(browser.reloads) == 1  # not after the first build: it was already stale
    finally:
        browser.close()


def test_a_broken_layout_shows_the_error_over_the_last_good_site_until_it_is_fixed(start, project):
    server = start()
    builds = server.idle_after(0)["builds"]
    layout = project / "layouts" / "article.html"
    good = layout.read_text()
    lines = good.splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines, 1) if "{% block main %}" in text)
    layout.write_text("".join(lines[: line - 1]) + "{% block main %}{% if %}\n" + "".join(lines[line:]))

    failed = server.idle_after(builds)
    assert not failed["ok"]
    assert [(e["path"], e["line"]) for e in failed["errors"]] == [("layouts/article.html", line)]
    status, page = server.get("")
    assert status == 200 and "<h1>Newsdigest</h1>" in page  # the last good site
    overlay = page[page.index('id="newsdigest-errors"'):]
    assert f"layouts/article.html:{line}: template syntax error" in overlay
    assert f"layouts/article.html:{line}: template syntax error" in server.stderr()

    layout.write_text(good)
    fixed = server.idle_after(failed["builds"])
    assert fixed["ok"] and fixed["errors"] == []
    status, page = server.get("")
    assert status == 200 and 'id="newsdigest-errors"' not in page


def test_a_new_base_url_moves_the_site_to_its_sub_path(start, project):
    server = start()
    builds = server.idle_after(0)["builds"]
    config = project / "config.yaml"
    config.write_text(config.read_text().replace("https://example.github.io/newsdigest/",
                                                 "https://example.github.io/moved/"))
    server.idle_after(builds)
    status, page = server.get("/moved/")
    assert status == 200 and 'href="/moved/static/style.css"' in page
    assert server.get("/newsdigest/")[0] == 404
    assert f"now serving at {server.origin}/moved/" in server.stdout()


def test_nothing_outside_site_is_served(start, project):
    server = start()
    server.idle_after(0)
    (project / "site" / "escape").symlink_to(project)  # a link inside site/ that points outside it
    for raw_path in [
        "/newsdigest/../config.yaml",
        "/newsdigest/%2e%2e/config.yaml",
        "/newsdigest/..%2fconfig.yaml",
        "/newsdigest/static/../../config.yaml",
        "/../newsdigest/../config.yaml",
        "/newsdigest/..\\config.yaml",
        "/config.yaml",
        "/newsdigest/escape/config.yaml",
    ]:
        status, body = server.raw_get(raw_path)
        assert (raw_path, status) == (raw_path, 404)
        assert "base_url" not in body  # config.yaml's text
    assert server.raw_get("/newsdigest/static/style.css")[0] == 200
