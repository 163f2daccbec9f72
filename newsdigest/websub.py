"""`python build.py ping`: tell the WebSub hub which feeds changed since the last ping.

With `websub_hub` set, every feed names the hub (`rel="hub"`) beside its `rel="self"`.
After a deploy, `ping` hashes every feed in site/, compares the hashes with those of the
last successful ping (kept in the cache folder, `websub.json`), and for each feed that
changed sends the hub a form POST `hub.mode=publish&hub.url=<the feed's URL>`. A feed
the hub did not accept (no 2xx answer) keeps its old hash, so the next ping sends it
again; after a network error the remaining feeds are not tried.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .check.feeds import feed_kind
from .config import Config
from .errors import DigestError, shown
from .files import write_atomic

STATE_FILE = "websub.json"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class PingResult:
    path: str  # the feed, in site/
    status: str  # "204 No Content", "HTTP 500 Internal Server Error", "not sent", ...
    ok: bool


def site_feeds(site_dir: Path) -> dict[str, str]:
    """Every feed in the built site: path -> SHA-256 of its bytes."""
    feeds = {}
    for dirpath, dirnames, filenames in os.walk(site_dir):
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(site_dir).as_posix()
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if feed_kind(rel):
                feeds[rel] = hashlib.sha256((Path(dirpath) / name).read_bytes()).hexdigest()
    return feeds


def _load_state(path: Path, hub: str) -> dict[str, str]:
    """Feed hashes of the last successful ping to this hub ({} if none or another hub)."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or state.get("hub") != hub or not isinstance(state.get("feeds"), dict):
        return {}
    return state["feeds"]


def publish(hub: str, topic: str) -> tuple[bool, str]:
    """One WebSub publish notification; (accepted, status text). Raises OSError when the
    hub cannot be reached at all."""
    import urllib.error
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": topic}).encode("ascii")
    request = urllib.request.Request(hub, data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "User-Agent": "newsdigest"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return 200 <= response.status < 300, f"{response.status} {response.reason}"
    except urllib.error.HTTPError as e:
        return False, f"HTTP {e.code} {e.reason}"
    except urllib.error.URLError as e:
        reason = e.reason.strerror if isinstance(e.reason, OSError) and e.reason.strerror else e.reason
        raise OSError(str(reason)) from e


@dataclass(frozen=True)
class PingReport:
    results: tuple  # PingResult per changed feed, in path order
    unchanged: int  # feeds whose bytes the hub was last told about
    error: str | None  # the network error that stopped the run, or None
    accepted: dict  # path -> hash of every feed the hub now knows (to remember)


def ping(config: Config) -> PingReport:
    """Notify the hub of the feeds changed since the last ping (see `remember`)."""
    hub = config.websub_hub
    site_dir = config.output_dir
    if not (site_dir / "index.html").is_file():
        raise DigestError(shown(site_dir), "no built site here; run `python build.py` first")
    feeds = site_feeds(site_dir)
    last = _load_state(config.cache_dir / STATE_FILE, hub)
    changed = [rel for rel, digest in feeds.items() if last.get(rel) != digest]
    results, error = [], None
    accepted = {rel: digest for rel, digest in last.items() if rel in feeds}  # feeds gone from the site: forgotten
    for rel in changed:
        if error:
            results.append(PingResult(rel, "not sent", False))
            continue
        try:
            ok, status = publish(hub, config.base_url + rel)  # the feed's rel="self" URL
        except OSError as e:  # the hub is down or unknown: the other feeds would fail alike
            error = str(e)
            results.append(PingResult(rel, f"cannot reach the hub: {error}", False))
            continue
        results.append(PingResult(rel, status, ok))
        if ok:
            accepted[rel] = feeds[rel]
    return PingReport(tuple(results), len(feeds) - len(changed), error, accepted)


def remember(config: Config, report: PingReport) -> None:
    """Keep the hashes of the feeds the hub accepted, for the next ping. If that fails,
    the next ping sends them again (the hub only fetches them once more)."""
    path = config.cache_dir / STATE_FILE
    if report.accepted == _load_state(path, config.websub_hub):
        return
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"hub": config.websub_hub, "feeds": report.accepted},
                                      indent=1, sort_keys=True).encode())
    except (OSError, DigestError) as e:
        reason = e.message if isinstance(e, DigestError) else (e.strerror or str(e))
        raise DigestError(shown(path), f"cannot remember the feeds pinged ({reason}); "
                                       "the next ping sends them again") from e
