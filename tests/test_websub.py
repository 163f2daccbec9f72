"""WebSub: with `websub_hub` set every feed names the hub beside its self link, and
`python build.py ping` notifies a real HTTP hub on 127.0.0.1 of the feeds changed since
the last successful ping, one form POST per feed, reporting each status."""

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.parse

import pytest
from lxml import etree

from buildkit import make_project, run_build, tree
from newsdigest.check import check_site
from newsdigest.config import load_config
from newsdigest.errors import Rejected
from sitekit import REPO

BASE = "https://example.github.io/repo/"
ATOM = "{http://www.w3.org/2005/Atom}"
FEED_KINDS = ("feed.xml", "atom.xml", "feed.json")


class Hub:
    """A WebSub hub on 127.0.0.1 that records every request and answers `status`."""

    def __init__(self):
        self.requests, self.status = [], 204
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hub.requests.append((self.path, self.headers["Content-Type"], urllib.parse.parse_qs(body.decode())))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def topics(self):
        return sorted(form["hub.url"][0] for _, _, form in self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    h = Hub()
    yield h
    h.close()


def project_with_hub(tmp_path, hub_url):
    project = make_project(tmp_path / "p")
    with open(project / "config.yaml", "a", encoding="utf-8") as f:
        f.write(f"websub_hub: {hub_url}\n")
    proc = run_build(project)
    assert proc.returncode == 0, proc.stderr
    return project


def run_ping(project, *args):
    """`build.py ping` inside the project, as a user (or the Pages workflow) runs it."""
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
    return subprocess.run([sys.executable, str(REPO / "build.py"), "ping", "--config", "config.yaml", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=60)


def feed_files(site):
    return sorted(rel for rel in tree(site) if rel.rsplit("/", 1)[-1] in FEED_KINDS or rel.startswith("feeds/"))


def test_every_feed_names_the_hub_and_itself(tmp_path, hub):
    project = project_with_hub(tmp_path, hub.url)
    site = project / "site"
    feeds = feed_files(site)
    assert {"feed.xml", "atom.xml", "feed.json", "tags/economy/feed.xml", "feeds/2024/01.xml"} <= set(feeds)
    for rel in feeds:
        if rel.endswith(".json"):
            feed = json.loads((site / rel).read_text(encoding="utf-8"))
            assert feed["hubs"] == [{"type": "WebSub", "url": hub.url}]
            assert feed["feed_url"] == BASE + rel
            continue
        root = etree.parse(str(site / rel)).getroot()
        links = root.findall("channel/" + ATOM + "link") if root.tag == "rss" else root.findall(ATOM + "link")
        rels = {link.get("rel"): link.get("href") for link in links}
        assert rels["hub"] == hub.url and rels["self"] == BASE + rel, rel
    assert check_site(site, BASE) == []


def test_ping_sends_changed_feeds_only(tmp_path, hub):
    project = project_with_hub(tmp_path, hub.url)
    site = project / "site"
    first = run_ping(project)
    assert first.returncode == 0, first.stderr
    feeds = feed_files(site)
    assert hub.topics() == sorted(BASE + rel for rel in feeds)
    assert {(path, ctype) for path, ctype, _ in hub.requests} == {("/hub", "application/x-www-form-urlencoded")}
    assert all(form["hub.mode"] == ["publish"] for _, _, form in hub.requests)
    assert "feed.xml: 204 No Content" in first.stdout.splitlines()
    assert first.stdout.splitlines()[-1] == f"pinged {hub.url}: {len(feeds)} changed feeds accepted, 0 unchanged"

    hub.requests.clear()
    again = run_ping(project)
    assert again.returncode == 0 and hub.requests == []
    assert again.stdout.splitlines() == [f"pinged {hub.url}: 0 changed feeds accepted, {len(feeds)} unchanged"]

    before = tree(site)
    story = project / "content/2024/01/exports.md"
    story.write_text(story.read_text(encoding="utf-8").replace("Exports rise for a third month",
                                                               "Exports rise for a fourth month"), encoding="utf-8")
    assert run_build(project).returncode == 0
    after = tree(site)
    changed = sorted(BASE + rel for rel in feed_files(site) if before.get(rel) != after[rel])
    assert BASE + "feed.xml" in changed and BASE + "feeds/2023/12.xml" not in changed
    assert run_ping(project).returncode == 0
    assert hub.topics() == changed


def test_a_refused_ping_fails_and_is_sent_again(tmp_path, hub):
    project = project_with_hub(tmp_path, hub.url)
    hub.status = 500
    failed = run_ping(project)
    assert failed.returncode == 1
    assert "feed.xml: HTTP 500 Internal Server Error" in failed.stdout.splitlines()
    count = len(feed_files(project / "site"))
    assert failed.stderr.splitlines() == [f"ping failed: {count} of {count} changed feeds not accepted by {hub.url}"]
    assert "Traceback" not in failed.stderr
    hub.status, hub.requests = 204, []
    assert run_ping(project).returncode == 0
    assert len(hub.requests) == count  # none was remembered as sent


def test_an_unreachable_hub_fails_with_one_line(tmp_path, hub):
    url = hub.url
    hub.close()  # nothing listens on that port now
    project = project_with_hub(tmp_path, url)
    result = run_ping(project)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"ping failed: cannot reach the hub {url}: ") and "refused" in line.lower()


def test_without_a_hub_feeds_name_none_and_ping_does_nothing(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_build(project).returncode == 0
    site = project / "site"
    assert b'rel="hub"' not in (site / "feed.xml").read_bytes() + (site / "atom.xml").read_bytes()
    assert "hubs" not in json.loads((site / "feed.json").read_text(encoding="utf-8"))
    result = run_ping(project)
    assert (result.returncode, result.stdout) == (0, "websub_hub is not set in config.yaml: nothing to ping\n")


def test_bad_hub_url_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text("title: x\nwebsub_hub: ftp://hub.example/\nsources: [{name: Wire}]\n")
    with pytest.raises(Rejected) as e:
        load_config(tmp_path / "config.yaml")
    assert [str(x) for x in e.value.errors] == [
        "config.yaml:2: websub_hub: expected an absolute http(s) URL or empty, got 'ftp://hub.example/'"]


def test_check_reports_a_feed_without_the_hub(tmp_path, hub):
    project = project_with_hub(tmp_path, hub.url)
    site = project / "site"
    assert check_site(site, BASE, websub_hub=hub.url) == []
    tag_feed = site / "tags/economy/feed.xml"
    tag_feed.write_text(tag_feed.read_text(encoding="utf-8").replace(f'<atom:link href="{hub.url}" rel="hub"/>\n', ""),
                        encoding="utf-8")
    problem = f"tags/economy/feed.xml: names the WebSub hub(s) none, expected {hub.url}"
    assert check_site(site, BASE, websub_hub=hub.url) == [problem]
    assert check_site(site, BASE) == [problem]  # the hub feed.xml names
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "check", "--config", "config.yaml"],
                            cwd=project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and problem in result.stdout.splitlines()


def test_ping_before_any_build_says_so(tmp_path, hub):
    project = make_project(tmp_path / "p")
    with open(project / "config.yaml", "a", encoding="utf-8") as f:
        f.write(f"websub_hub: {hub.url}\n")
    result = run_ping(project)
    assert (result.returncode, result.stderr) == (1, "site: no built site here; run `python build.py` first\n")
    assert hub.requests == []


def test_a_cache_that_cannot_be_written_is_one_line_and_the_next_ping_resends(tmp_path, hub):
    project = project_with_hub(tmp_path, hub.url)
    config = load_config(project / "config.yaml")
    shutil.rmtree(config.cache_dir)
    config.cache_dir.write_text("not a folder")  # a real fault: the cache folder cannot be made
    result = run_ping(project)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        ".cache/websub.json: cannot remember the feeds pinged (File exists); the next ping sends them again"]
    assert "feed.xml: 204 No Content" in result.stdout.splitlines()  # the statuses came first
    count = len(hub.requests)
    config.cache_dir.unlink()
    assert run_ping(project).returncode == 0
    assert len(hub.requests) == 2 * count
