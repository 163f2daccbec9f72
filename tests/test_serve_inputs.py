"""The preview server against hostile requests (issue 14): no open redirect, no answer to
a foreign Host name (DNS rebinding), no cross-origin websocket, no traceback for a bad
websocket message or a Ctrl-C while workers render. Real HTTP on 127.0.0.1."""

import asyncio
import http.client
import os
import re
import signal
import subprocess
import sys

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from test_serve import ENV, REPO, demo, project, wait_for  # noqa: F401 - fixtures

ROOT_URL = "http://127.0.0.1:8000/"  # base_url without a sub-path: `//x` is what a browser sees


class Preview:
    """`build.py serve --port 0 ARGS` in its own process group (as a terminal runs it)."""

    def __init__(self, project, *args):
        self.out, self.err = project.parent / "out.txt", project.parent / "err.txt"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, str(REPO / "build.py"), "serve", "--config", "config.yaml", "--port", "0", *args],
                cwd=project, env=ENV, stdout=out, stderr=err, start_new_session=True)
        url = wait_for(self._url, "the server prints its URL", timeout=60)
        self.port = int(re.match(r"http://127\.0\.0\.1:(\d+)/", url).group(1))

    def _url(self):
        if self.process.poll() is not None:
            pytest.fail(f"serve exited: {self.err.read_text()}")
        m = re.search(r"^serving site/ at (http://\S+) ", self.out.read_text(), re.M)
        return m and m.group(1)

    def request(self, path, host=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest("GET", path, skip_host=host is not None)
            if host is not None:
                conn.putheader("Host", host)
            conn.endheaders()
            r = conn.getresponse()
            return r.status, r.getheader("Location"), r.read()
        finally:
            conn.close()

    def websocket(self, origin=None, message=None):
        """Connect to the livereload socket (with an Origin, as a browser sends it); returns
        None when refused, else what the server answered to `message` (None: it closed)."""
        async def go():
            headers = {"Origin": origin} if origin else {}
            request = HTTPRequest(f"ws://127.0.0.1:{self.port}/livereload", headers=headers)
            try:
                conn = await websocket_connect(request)
            except HTTPClientError as e:
                return ("refused", e.code)
            await conn.write_message(message or '{"command": "hello", "protocols": []}')
            answer = await asyncio.wait_for(conn.read_message(), 10)
            conn.close()
            return ("answered", answer)
        return asyncio.run(go())

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def preview(project):
    servers = []

    def start(*args):
        servers.append(Preview(project, *args))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_a_folder_redirect_never_leaves_the_server(preview):
    server = preview("--base-url", ROOT_URL)
    status, location, _ = server.request("/tags")
    assert (status, location) == (301, "/tags/")
    for path in ("//tags", "///tags", "//tags?x=1"):
        status, location, _ = server.request(path)
        assert status == 301
        assert location.startswith("/tags/") and not location.startswith("//"), location


def test_only_this_servers_own_host_names_are_answered(preview):
    server = preview()
    for host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1.evil.example", "[::2]"):
        status, _, body = server.request("/newsdigest/", host=host)
        assert status == 403, host
        assert b"Newsdigest" not in body
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", "localhost", f"[::1]:{server.port}"):
        assert server.request("/newsdigest/", host=host)[0] == 200, host
    assert server.request("/__newsdigest/status", host="evil.example")[0] == 403


def test_a_websocket_from_another_origin_is_refused(preview):
    server = preview()
    assert server.websocket(origin="http://evil.example") == ("refused", 403)
    assert server.websocket(origin=f"http://localhost:{server.port}")[0] == "refused"  # not the Host used
    kind, answer = server.websocket(origin=f"http://127.0.0.1:{server.port}")
    assert kind == "answered" and '"command": "hello"' in answer


def test_a_bad_websocket_message_closes_quietly(preview):
    server = preview()
    assert server.websocket(message="this is not JSON") == ("answered", None)
    assert server.websocket(message='{"no": "command"}') == ("answered", None)
    assert server.websocket()[0] == "answered"  # still serving
    assert server.stop(signal.SIGINT) == 0
    err = server.err.read_text()
    assert "Traceback" not in err
    assert err.count("livereload: closed a connection") == 2


def test_ctrl_c_while_workers_render_prints_no_traceback(preview, project):
    # Enough articles for the build to fork its render workers (parallel.PARALLEL_MIN).
    src = next((project / "content").rglob("*.md")).read_text()
    for i in range(450):
        folder = project / "content" / "2019" / "10"
        folder.mkdir(parents=True, exist_ok=True)
        text = re.sub(r"(?m)^(title: .*)$", rf"\1 {i}", src)
        text = re.sub(r"(?m)^slug: .*$", f"slug: copy-{i}", text)
        text = re.sub(r"(?m)^id: .*$", f"id: copy{i:04d}", text)
        (folder / f"copy-{i}.md").write_text(text)
    server = preview("--jobs", "2")
    # The first build forked workers too: the server must still be running after it.
    assert server.request("/newsdigest/")[0] == 200 and server.process.poll() is None
    # A template change re-renders everything in workers; Ctrl-C lands while they run.
    base = project / "layouts" / "base.html"
    base.write_text(base.read_text().replace("</body>", "<!-- changed --></body>"))
    wait_for(lambda: b'"building": true' in server.request("/__newsdigest/status")[2], "the rebuild starts")
    assert server.stop(signal.SIGINT) == 0
    err = server.err.read_text()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
