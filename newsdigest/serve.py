"""`build.py serve`: build, serve site/ under base_url's sub-path, rebuild on change, live reload.

How a save becomes a reload:
1. One watcher polls a snapshot of every input (seeds/, content/, layouts/, config.yaml).
2. A change starts a quiet period; more changes restart it, so a burst of saves builds once.
3. The build (config reload, ingest, incremental build) runs in a worker thread while the
   last good site keeps being served. A change that lands during the build is seen when
   the build ends and gets one follow-up build; nothing is lost.
4. When no change is pending, every connected browser is told to reload, once. We call
   livereload's `LiveReloadHandler.reload_waiters` ourselves: its own poller drops reloads
   within 3 s of the previous one, which would lose quick successive saves.

A failed build leaves site/ as it was; its errors are printed and shown over every page
until a good build clears them. base_url may change while serving: the site moves to the
new sub-path at the next good build; host and port stay as started.
"""
from __future__ import annotations

import asyncio
import gc
import html
import json
import mimetypes
import os
import signal
import sys
import threading
import time
import traceback
import webbrowser
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.watcher import Watcher
from tornado import netutil, web
from tornado.httpserver import HTTPServer

from .config import Config, load_config
from .errors import DigestError, Rejected, print_errors, shown
from .files import walk_files
from .ghpages import answer_from_folder
from .workflow import Ingested, Options, run

if TYPE_CHECKING:
    from .build import BuildReport

QUIET_SECONDS = 0.15  # a burst of saves ends when nothing changed for this long
MIN_POLL_SECONDS = 0.05  # the demo snapshots in well under 1 ms
STATUS_PATH = "/__newsdigest/status"  # JSON for tests and tools: build counter, errors

# livereload.js finds the websocket from its own URL; the page's host and port keep it
# working whatever address the browser used. (The same snippet livereload's Server injects.)
LIVE_SCRIPT = (
    '<script>(function(){var s=document.createElement("script");'
    'var port=window.location.port||(window.location.protocol=="https:"?443:80);'
    's.src="//"+window.location.hostname+":"+port+"/livereload.js?port="+port;'
    'document.head.appendChild(s);})();</script>'
).encode()


# ------------------------------------------------------------------ watching
def _ignored(name: str) -> bool:
    """Editor and tool scratch files: dotfiles (also ingest's temp files and record), backups."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx")) or name == "4913"


def snapshot(config: Config) -> dict[str, tuple[int, int, int]]:
    """(mtime, size, inode) of every input file; two equal snapshots mean nothing changed."""
    files = {}
    for root in (config.seeds_dir, config.content_dir, config.layouts_dir):
        # Bounded and without recursion: a folder too deep or unreadable is the build's to report.
        for _, entry in walk_files(root, keep=lambda name: not _ignored(name)):
            _stat_into(files, entry.path)
    _stat_into(files, str(config.path))
    return files


def _stat_into(files: dict, path: str) -> None:
    try:
        st = os.stat(path)
    except OSError:  # deleted between listing and stat: the next snapshot shows it gone
        return
    files[path] = (st.st_mtime_ns, st.st_size, st.st_ino)


def _watched_dirs(config: Config) -> tuple:
    return (config.seeds_dir, config.content_dir, config.layouts_dir, config.path)


# ------------------------------------------------------------------ building
@dataclass
class Outcome:
    """One build attempt, made in the worker thread and applied in the server thread."""

    config: Config | None            # None: config.yaml did not load
    errors: list[DigestError] = field(default_factory=list)
    ingest_wrote: set[str] = field(default_factory=set)  # our own writes, not edits to react to
    lines: list[str] = field(default_factory=list)       # for the terminal
    report: BuildReport | None = None  # the build's, once it built
    seconds: float = 0.0

    @property
    def built(self) -> bool:
        """site/ is the output of this config."""
        return self.report is not None

    def take_ingest(self, ingested: Ingested) -> None:
        """What an ingest of this attempt wrote, noticed and rejected (the build still runs)."""
        report = ingested.report
        self.ingest_wrote = {os.path.abspath(p) for p in report.written}
        self.errors += report.errors
        self.lines += report.notices
        if report.written:
            self.lines.append(f"ingested {len(report.written)} new or changed seed(s)")


def rebuild(options: Options) -> Outcome:
    """Re-read config.yaml, ingest, build. Never raises: problems end up in Outcome.errors."""
    started = time.perf_counter()
    try:
        config = load_config(options.config, base_url=options.base_url)
    except Rejected as e:
        return Outcome(None, e.errors, seconds=time.perf_counter() - started)
    outcome = Outcome(config)
    try:
        # Not forked: this runs in a thread of the server, and a fork copies only this thread.
        _, built = run(config, options, on_ingested=outcome.take_ingest, fork=False)
        outcome.lines += built.notices
        outcome.report = built
    except Rejected as e:
        outcome.errors += e.errors
    except DigestError as e:
        outcome.errors.append(e)
    except Exception as e:  # a bug must not stop the preview; show it like an input problem
        if options.debug:
            traceback.print_exc()
        outcome.errors.append(DigestError("build", f"{type(e).__name__}: {e} (run with --debug for the traceback)"))
    # A build keeps what it loads out of the collector (files.uncollected); a server lives
    # on, so what was frozen goes back to it (any cycle frozen with it is collected then).
    gc.unfreeze()
    outcome.seconds = time.perf_counter() - started
    return outcome


# ------------------------------------------------------------------ the preview state
class Preview:
    """What the server shows and the watcher knows. Touched only from the event loop thread."""

    def __init__(self, config: Config, options: Options, port: int):
        self.options = options
        self.host, self.port = options.host, port
        self.site_config = config    # of the last good build: where site/ is and its sub-path
        self.watch_config = config   # the newest config that loaded: which folders to watch
        self.errors: list[DigestError] = []
        self.builds = 0              # finished build attempts, good or failed
        self.reloads = 0
        self.building = False
        self.pending = True          # a change seen and not yet built (the first build too)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdigest-build")
        self.first_build_done = asyncio.Event()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.site_config.base_path}"

    def say(self, message: str) -> None:
        if not self.options.quiet:
            print(message, flush=True)

    def status(self) -> dict:
        return {
            "builds": self.builds, "reloads": self.reloads, "browsers": len(LiveReloadHandler.waiters),
            "ok": not self.errors,
            "building": self.building, "pending": self.pending,
            "errors": [{"path": e.path, "line": e.line, "message": e.message, "text": str(e)} for e in self.errors],
            "base_path": self.site_config.base_path, "url": self.url,
        }

    async def watch(self) -> None:
        """Poll the inputs forever; build once per burst of changes; reload after each build."""
        loop = asyncio.get_running_loop()
        seen = await loop.run_in_executor(None, snapshot, self.watch_config)
        changed_at = 0.0  # the first build starts at once
        poll = MIN_POLL_SECONDS
        while True:
            if not self.pending:
                await asyncio.sleep(poll)
                started = time.perf_counter()
                current = await loop.run_in_executor(None, snapshot, self.watch_config)
                # Keep polling cheap on big sites: at most ~10% of the time spent walking.
                poll = max(MIN_POLL_SECONDS, 10 * (time.perf_counter() - started))
                if current != seen:
                    seen, changed_at, self.pending = current, time.monotonic(), True
                continue
            quiet_left = changed_at + QUIET_SECONDS - time.monotonic()
            if quiet_left > 0:
                await asyncio.sleep(min(quiet_left, poll))
                current = await loop.run_in_executor(None, snapshot, self.watch_config)
                if current != seen:
                    seen, changed_at = current, time.monotonic()
                continue

            before, before_dirs = seen, _watched_dirs(self.watch_config)
            self.pending, self.building = False, True
            outcome = await loop.run_in_executor(self.executor, rebuild, self.options)
            self.building = False
            self.apply(outcome)
            seen = await loop.run_in_executor(None, snapshot, self.watch_config)
            if _watched_dirs(self.watch_config) == before_dirs:
                edited = {p for p in before.keys() | seen.keys() if before.get(p) != seen.get(p)}
                if edited - outcome.ingest_wrote:
                    # Saved while we were building: build again; the browser reloads after that one.
                    changed_at, self.pending = time.monotonic(), True
            if not self.pending:
                self.reload()
            self.first_build_done.set()

    def apply(self, outcome: Outcome) -> None:
        """Take a finished build into the server: print it, keep or clear the errors."""
        self.builds += 1
        first = self.builds == 1
        if outcome.config is not None:
            self.watch_config = outcome.config
        for line in outcome.lines:
            self.say(line)
        old_base = self.site_config.base_path
        if outcome.built:
            self.site_config = outcome.config
        if outcome.errors:
            print_errors(outcome.errors)
            kept = "the site built from the rest" if outcome.built else "the last good site"
            print(f"{'build' if first else 'rebuild'} failed: {len(outcome.errors)} problem(s); "
                  f"serving {kept}, with the errors shown over every page", file=sys.stderr, flush=True)
        elif first:
            self.say(outcome.report.line(outcome.seconds))
        else:
            self.say(f"rebuilt in {outcome.seconds:.2f} s ({outcome.report.written} files written)")
        if self.errors and not outcome.errors:
            self.say("fixed: the errors are cleared")
        self.errors = outcome.errors
        if not first and self.site_config.base_path != old_base:
            self.say(f"base_url changed: now serving at {self.url}")

    def reload(self) -> None:
        """Tell every open page to reload, now (bypassing livereload's 3-second throttle)."""
        self.reloads += 1
        LiveReloadHandler.reload_waiters(path="*")


# ------------------------------------------------------------------ HTTP
def error_overlay(errors: list[DigestError]) -> bytes:
    items = "\n".join(html.escape(str(e)) for e in errors)
    return (
        '<div id="newsdigest-errors" role="alert" style="position:fixed;inset:0;z-index:2147483647;'
        'overflow:auto;margin:0;padding:2rem;background:rgba(40,0,0,.94);color:#fff;'
        'font:15px/1.5 ui-monospace,monospace;text-align:left">'
        f'<h1 style="font-size:1.3rem;margin:0 0 1rem">Build failed: {len(errors)} problem(s)</h1>'
        f'<pre style="white-space:pre-wrap;margin:0 0 1rem">{items}</pre>'
        '<p style="margin:0">Showing the last good site underneath. Fix the file and save; '
        'this page reloads when the build succeeds.</p></div>'
    ).encode()


def decorate(page: bytes, errors: list[DigestError]) -> bytes:
    """Add the live-reload script, and the error overlay when the last build failed."""
    lower = page.lower()
    at = lower.find(b"</head>")
    if at < 0:
        at = lower.find(b"<body")
    page = page + LIVE_SCRIPT if at < 0 else page[:at] + LIVE_SCRIPT + page[at:]
    if errors:
        at = page.lower().rfind(b"</body>")
        overlay = error_overlay(errors)
        page = page + overlay if at < 0 else page[:at] + overlay + page[at:]
    return page


# The search bundles' data (site/pagefind/ and site/pagefind-delta/): gzipped binary that
# pagefind.js fetches and unpacks itself, as GitHub Pages serves it (wasm.*.pagefind is
# compressed, not raw wasm).
PAGEFIND_DATA = (".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter", ".pagefind")


def content_type(path: Path) -> str:
    if path.suffix in PAGEFIND_DATA:
        return "application/octet-stream"
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/json", "application/xml", "application/javascript"):
        kind += "; charset=utf-8"
    return kind


def same_origin(location: str) -> str:
    """A redirect target on this server: a path with one leading slash, since a browser
    reads `//tags/` (or `/\\tags/`) as the host `tags`: an open redirect."""
    return "/" + location.lstrip("/\\")


LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
ANY_ADDRESS = {"", "0.0.0.0", "::"}


def host_allowed(host_header: str, bound_host: str) -> bool:
    """Whether a request's Host names this server: a loopback name or --host itself.

    A web page elsewhere can point its own DNS name at 127.0.0.1 (DNS rebinding) and read
    the preview; it cannot make the browser send Host: 127.0.0.1. With --host 0.0.0.0 (or
    ::) the preview is served to the network on purpose, under any name."""
    if bound_host in ANY_ADDRESS:
        return True
    name = host_header.strip().lower()
    if name.startswith("["):
        name = name[1:name.find("]")] if "]" in name else ""
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    return name in LOOPBACK_NAMES | {bound_host.lower().strip("[]")}


class CheckedHost:
    """A handler that answers only requests whose Host names this server (see host_allowed)."""

    def prepare(self) -> None:
        if not host_allowed(self.request.host, self.application.settings["bound_host"]):
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish("403: unknown Host; the preview answers only its own address (see serve --host)\n")


class SiteHandler(CheckedHost, web.RequestHandler):
    """Files of site/ under the sub-path of base_url, read at request time (site/ is swapped)."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def compute_etag(self):
        return None  # always send the current bytes: the file may have changed a moment ago

    def get(self) -> None:
        self._respond(body=True)

    def head(self) -> None:
        self._respond(body=False)

    def _respond(self, body: bool) -> None:
        preview = self.preview
        config = preview.site_config
        base = config.base_path
        path = unquote(self.request.path)
        self.set_header("Cache-Control", "no-store")
        if base != "/" and path in ("/", base.rstrip("/")):
            self.redirect(same_origin(base))  # the sub-path is the site's root; be kind to a bare address
            return
        found = answer_from_folder(config.output_dir, path[len(base):] if path.startswith(base) else None)
        if found.status == 301:
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(same_origin(self.request.path + "/" + query), permanent=True)
            return
        self.set_status(found.status)
        file = config.output_dir / found.file if found.file else None
        if file is None:
            data, kind = b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>", "text/html; charset=utf-8"
            if not preview.errors and preview.builds == 0:
                data += b"<p>The first build is still running.</p>"
        else:
            try:
                data, kind = file.read_bytes(), content_type(file)
            except OSError:  # swapped away mid-request: the browser will reload anyway
                self.set_status(404)
                data, kind = b"not found", "text/plain; charset=utf-8"
        if kind.startswith("text/html"):
            data = decorate(data, preview.errors)
        self.set_header("Content-Type", kind)
        self.set_header("Content-Length", str(len(data)))
        if body:
            self.write(data)


class StatusHandler(CheckedHost, web.RequestHandler):
    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps(self.preview.status()))


class ReloadSocket(CheckedHost, LiveReloadHandler):
    """livereload's websocket, for pages of this server only (livereload accepts any
    origin), and without a traceback for a message that is not its protocol."""

    def check_origin(self, origin: str) -> bool:
        origin_host = urlsplit(origin).netloc
        return origin_host.lower() == self.request.host.lower() and \
            host_allowed(origin_host, self.application.settings["bound_host"])

    def on_message(self, message):
        try:
            super().on_message(message)
        except Exception:  # noqa: BLE001 - a bad message from one client ends only its connection
            print("livereload: closed a connection that sent a message that is not livereload's protocol",
                  file=sys.stderr, flush=True)
            self.close()


class ReloadScript(CheckedHost, LiveReloadJSHandler):
    pass


def make_app(preview: Preview) -> web.Application:
    # livereload's websocket and script, then our own files: we control what is served.
    LiveReloadHandler.watcher = Watcher()  # reload_waiters() logs watcher.filepath; we poll ourselves
    LiveReloadHandler.live_css = False     # reload the whole page: a rebuild changes more than CSS
    # Tornado logs every 404 as a warning; the terminal is for build results (--debug shows them).
    settings = {} if preview.options.debug else {"log_function": lambda handler: None}
    settings["bound_host"] = preview.host
    return web.Application([
        (r"/livereload", ReloadSocket),
        (r"/livereload\.js", ReloadScript),
        (STATUS_PATH, StatusHandler, {"preview": preview}),
        (r"/.*", SiteHandler, {"preview": preview}),
    ], **settings)


# ------------------------------------------------------------------ the command
def serve(config: Config, options: Options) -> int:
    """Build, serve, rebuild until Ctrl-C (or SIGTERM). Exit 0 when stopped, 2 if it cannot listen."""
    try:
        sockets = netutil.bind_sockets(options.port, address=options.host)
    except OSError as e:
        print(f"error: cannot listen on {options.host}:{options.port}: {e.strerror or e} (try --port)",
              file=sys.stderr)
        return 2
    port = sockets[0].getsockname()[1]  # the real one when --port 0 asks for any free port
    return asyncio.run(_serve(config, options, sockets, port))


async def _serve(config: Config, options: Options, sockets, port: int) -> int:
    preview = Preview(config, options, port)
    server = HTTPServer(make_app(preview))
    server.add_sockets(sockets)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(preview.watch())
    stopped = asyncio.create_task(stop.wait())

    await asyncio.wait([asyncio.create_task(preview.first_build_done.wait()), stopped],
                       return_when=asyncio.FIRST_COMPLETED)
    if not stop.is_set():
        print(f"serving {shown(preview.site_config.output_dir)}/ at {preview.url} (Ctrl-C to stop)", flush=True)
        if options.open_browser:
            threading.Thread(target=webbrowser.open, args=(preview.url,), daemon=True).start()
    await asyncio.wait([watcher, stopped], return_when=asyncio.FIRST_COMPLETED)
    if watcher.done() and watcher.exception():  # the watcher died: a bug; report it like cli does
        raise watcher.exception()

    preview.say("stopping")
    watcher.cancel()
    server.stop()
    for waiter in list(LiveReloadHandler.waiters):
        waiter.close()
    preview.executor.shutdown(wait=True, cancel_futures=True)  # a running build finishes its swap
    return 0
