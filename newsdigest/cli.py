"""Command line: `python build.py [ingest|build|serve|check] [options]`."""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from .errors import DigestError, Rejected, print_errors, shown

COMMANDS = ("all", "ingest", "build", "serve", "check", "ping")
HERE = Path(__file__).resolve().parent.parent


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="config file (default: config.yaml beside build.py)")
    common.add_argument("--base-url", metavar="URL", default=argparse.SUPPRESS,
                        help="override base_url for this run, e.g. https://user.github.io/repo/")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="print only problems")
    common.add_argument("--drafts", action="store_true", default=argparse.SUPPRESS,
                        help="include articles with draft: true")
    common.add_argument("--future", action="store_true", default=argparse.SUPPRESS,
                        help="include articles dated in the future")
    common.add_argument("--jobs", type=int, metavar="N", default=argparse.SUPPRESS,
                        help="processes to use (default: all cores; 1: everything in one process)")
    p = argparse.ArgumentParser(
        prog="build.py", parents=[common],
        description="newsdigest: seeds/ -> content/ -> site/. Without a command: ingest, then build.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("ingest", parents=[common], help="convert seeds/ into content/")
    sub.add_parser("build", parents=[common], help="render content/ into site/")
    serve = sub.add_parser("serve", parents=[common], help="ingest, build, and preview with live reload")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=8000, help="port (default 8000; 0: any free one)")
    serve.add_argument("--open", action="store_true", help="open the browser")
    sub.add_parser("check", parents=[common], help="verify the built site/ for GitHub Pages and feed readers")
    sub.add_parser("ping", parents=[common], help="notify the WebSub hub (websub_hub) of the feeds changed since the last ping")
    return p


def port_number(text: str) -> int:
    """A TCP port for --port: 0 to 65535 (argparse reports anything else, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return value


def options(argv) -> argparse.Namespace:
    args = parser().parse_args(argv)
    defaults = dict(config=str(HERE / "config.yaml"), base_url=None, debug=False, quiet=False,
                    drafts=False, future=False, jobs=None, command=None)
    for key, value in defaults.items():
        if not hasattr(args, key):
            setattr(args, key, value)
    args.command = args.command or "all"
    return args


def now_from_env() -> datetime | None:
    """SOURCE_DATE_EPOCH, when set, stands in for the clock (reproducible builds, tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else None


def say(args, message: str) -> None:
    if not args.quiet:
        print(message, flush=True)


def run_ingest(config, args) -> int:
    from .files import exclusive_lock
    from .ingest import ingest
    started = time.perf_counter()
    with exclusive_lock(config.cache_dir, "ingest.lock", f"ingest into {shown(config.content_dir)}/"):
        report = ingest(config, jobs=args.jobs or os.cpu_count() or 1)
    if args.debug:
        print(f"[debug] ingest: {time.perf_counter() - started:.3f} s", file=sys.stderr)
    for line in report.notices + report.kept_edits:
        print(line)
    print_errors(report.errors)
    say(args, f"ingested {len(report.written)} new or changed, {report.unchanged} unchanged, "
              f"{len(report.kept_edits)} hand edits kept, {len(report.errors)} rejected -> {shown(config.content_dir)}/")
    args.fresh = report.fresh
    args.listing = report.listing
    return 1 if report.errors else 0


def run_build(config, args, preloaded=None) -> int:
    from .pipeline import build
    # Handed over, not shared: the build drops ingest's texts once it has read them.
    report = build(config, drafts=args.drafts, future=args.future, now=now_from_env(), jobs=args.jobs,
                   fresh=vars(args).pop("fresh", None), listing=vars(args).pop("listing", None),
                   preloaded=preloaded)
    for line in report.notices:
        print(line, file=sys.stderr)
    say(args, f"built {report.articles} articles, {report.tags} tags, {report.pages} pages "
              f"({report.written} files written) in {report.seconds:.2f} s -> {shown(report.output)}/")
    if args.debug:
        print("[debug] build: " + ", ".join(f"{name} {s:.3f}" for name, s in report.stages), file=sys.stderr)
    return 0


def run_all(config, args) -> int:
    """Ingest, then build. On two cores or more, ingest runs in a forked child while this
    process loads what the build needs whatever content/ holds (the caches and Jinja2,
    see pipeline.preload); the child hands its report over a pipe."""
    # Not on macOS, where forking a process that may have touched system frameworks is
    # unsafe (Python's own multiprocessing spawns there).
    if (args.jobs or os.cpu_count() or 1) < 2 or not hasattr(os, "fork") or sys.platform == "darwin":
        status = run_ingest(config, args)
        return max(status, run_build(config, args))
    import pickle

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: ingest, report, and leave without running anything else
        code = 0
        try:
            os.close(read_end)
            try:
                result = ("done", run_ingest(config, args), args.fresh, args.listing)  # fresh: see run_build
            except (DigestError, Rejected) as e:
                result = ("rejected", e, None, None)
            except BaseException as e:  # noqa: BLE001 - reported by the parent, like main does
                result = ("failed", f"{type(e).__name__}: {e}", traceback.format_exc(), None)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write_end)
    pipe = os.fdopen(read_end, "rb")
    try:
        from .pipeline import preload
        preloaded = preload(config)
        try:
            kind, status, detail, listing = pickle.load(pipe)
        except EOFError:
            kind, status, detail, listing = "failed", "ingest stopped unexpectedly", "", None
    finally:
        pipe.close()  # before waiting: a child still writing then stops instead of blocking
        os.waitpid(pid, 0)
    if kind == "rejected":
        raise status
    if kind == "failed":
        if args.debug:
            print(detail, file=sys.stderr, end="")
        print(f"error: {status} (run with --debug for the traceback)", file=sys.stderr)
        return 1
    args.fresh, args.listing = detail, listing
    return max(status, run_build(config, args, preloaded))


def run_check(config, args) -> int:
    from .check import main as check_main
    return check_main(config.output_dir, config.base_url, config.cname,
                      config.page_size_budget_kb * 1024, quiet=args.quiet, websub_hub=config.websub_hub)


def run_ping(config, args) -> int:
    """Notify the hub of the changed feeds: one status line per feed, then a summary (a
    failure: one line on stderr, exit 1)."""
    hub = config.websub_hub
    if not hub:
        say(args, f"websub_hub is not set in {shown(config.path)}: nothing to ping")
        return 0
    from .websub import ping, remember
    report = ping(config)
    results, unchanged, error = report.results, report.unchanged, report.error
    for r in results:
        if r.ok:
            say(args, f"{r.path}: {r.status}")
        else:
            print(f"{r.path}: {r.status}", flush=True)
    remember(config, report)
    if error:
        print(f"ping failed: cannot reach the hub {hub}: {error}", file=sys.stderr)
        return 1
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"ping failed: {len(failed)} of {len(results)} changed feeds not accepted by {hub}", file=sys.stderr)
        return 1
    say(args, f"pinged {hub}: {len(results)} changed feeds accepted, {unchanged} unchanged")
    return 0


def main(argv=None) -> int:
    # A run builds hundreds of thousands of objects that form no cycles (articles, page
    # contexts); with the default thresholds the collector walks them all again and again
    # (about a tenth of a build). Collect rarely instead.
    gc.set_threshold(100_000, 50, 1000)
    args = options(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    try:
        from .config import load_config
        config = load_config(Path(args.config), base_url=args.base_url)
        if args.command == "serve":
            from .serve import serve
            return serve(config, args)
        if args.command == "check":
            return run_check(config, args)
        if args.command == "ping":
            return run_ping(config, args)
        if args.command == "all":
            return run_all(config, args)
        if args.command == "ingest":
            return run_ingest(config, args)
        return run_build(config, args)
    except Rejected as e:
        print_errors(e.errors)
        print(f"failed: {len(e.errors)} problem(s); nothing was written", file=sys.stderr)
        return e.exit_code
    except DigestError as e:
        print_errors([e])
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # anything unexpected: one line, the traceback only with --debug
        if args.debug:
            traceback.print_exc()
        else:
            print(f"error: {type(e).__name__}: {e} (run with --debug for the traceback)", file=sys.stderr)
        return 1
    finally:
        if args.debug:
            print(f"[debug] {time.perf_counter() - started:.3f} s", file=sys.stderr)
