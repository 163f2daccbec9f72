"""Command line: `python build.py [ingest|build|serve|check] [options]`."""
from __future__ import annotations

import argparse
import gc
import sys
import time
import traceback
from pathlib import Path

from .errors import DigestError, Rejected, print_errors, shown
from .parallel import default_jobs
from .clock import now_from_env
from .workflow import IngestFailed, Ingested, Options, build_site, ingest_content, run

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


def parse_options(argv) -> tuple[str, Options]:
    """The command ("all" when none is given) and the frozen Options of this run."""
    given = vars(parser().parse_args(argv))
    options = Options(
        config=Path(given.get("config", HERE / "config.yaml")), base_url=given.get("base_url"),
        debug=given.get("debug", False), quiet=given.get("quiet", False), drafts=given.get("drafts", False),
        future=given.get("future", False), jobs=given.get("jobs") or default_jobs(), now=now_from_env(),
        host=given.get("host", "127.0.0.1"), port=given.get("port", 8000), open_browser=given.get("open", False))
    return given.get("command") or "all", options


def say(options: Options, message: str) -> None:
    if not options.quiet:
        print(message, flush=True)


def show_ingest(config, ingested: Ingested, options: Options) -> None:
    report = ingested.report
    if options.debug:
        print(f"[debug] ingest: {ingested.seconds:.3f} s", file=sys.stderr)
    for line in report.notices + report.kept_edits:
        print(line)
    print_errors(report.errors)
    say(options, f"ingested {len(report.written)} new or changed, {report.unchanged} unchanged, "
                 f"{len(report.kept_edits)} hand edits kept, {len(report.errors)} rejected "
                 f"-> {shown(config.content_dir)}/")


def show_build(report, options: Options) -> None:
    for line in report.notices:
        print(line, file=sys.stderr)
    say(options, report.line())
    if options.debug:
        print("[debug] build: " + ", ".join(f"{name} {s:.3f}" for name, s in report.stages), file=sys.stderr)


def ingest_status(ingested: Ingested) -> int:
    """Exit status of an ingest: 1 when a seed was rejected (the rest is still ingested)."""
    return 1 if ingested.report.errors else 0


def run_ingest(config, options: Options) -> int:
    ingested = ingest_content(config, options)
    show_ingest(config, ingested, options)
    return ingest_status(ingested)


def run_build(config, options: Options) -> int:
    show_build(build_site(config, options), options)
    return 0


def run_all(config, options: Options) -> int:
    """Ingest, then build (workflow.run)."""
    ingested, _ = run(config, options, on_ingested=lambda ingested: show_ingest(config, ingested, options),
                      on_built=lambda built: show_build(built, options))
    return ingest_status(ingested)


def run_check(config, options: Options) -> int:
    from .check import main as check_main
    return check_main(config.output_dir, config.base_url, config.cname,
                      config.page_size_budget_kb * 1024, quiet=options.quiet, websub_hub=config.websub_hub)


def run_ping(config, options: Options) -> int:
    """Notify the hub of the changed feeds: one status line per feed, then a summary (a
    failure: one line on stderr, exit 1)."""
    hub = config.websub_hub
    if not hub:
        say(options, f"websub_hub is not set in {shown(config.path)}: nothing to ping")
        return 0
    from .websub import ping, remember
    report = ping(config)
    results, unchanged, error = report.results, report.unchanged, report.error
    for r in results:
        if r.ok:
            say(options, f"{r.path}: {r.status}")
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
    say(options, f"pinged {hub}: {len(results)} changed feeds accepted, {unchanged} unchanged")
    return 0


def run_serve(config, options: Options) -> int:
    from .serve import serve
    return serve(config, options)


RUNS = {"all": run_all, "ingest": run_ingest, "build": run_build, "serve": run_serve, "check": run_check,
        "ping": run_ping}


def main(argv=None) -> int:
    # A run builds hundreds of thousands of objects that form no cycles (articles, page
    # contexts); with the default thresholds the collector walks them all again and again
    # (about a tenth of a build). Collect rarely instead: a build's stages leave the
    # collector what they made (build.Laps), and a pass every 300,000 objects made meets
    # no stage of an incremental build at 50,000 articles (every 100,000: two passes over
    # its new tables, 35-65 ms).
    gc.set_threshold(300_000, 50, 1000)
    command, options = parse_options(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    try:
        from .config import load_config
        config = load_config(options.config, base_url=options.base_url)
        return RUNS[command](config, options)
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
    except IngestFailed as e:  # in the forked ingest of `python build.py` (workflow.run)
        if options.debug:
            print(e.detail, file=sys.stderr, end="")
        print(f"error: {e.summary} (run with --debug for the traceback)", file=sys.stderr)
        return 1
    except Exception as e:  # anything unexpected: one line, the traceback only with --debug
        if options.debug:
            traceback.print_exc()
        else:
            print(f"error: {type(e).__name__}: {e} (run with --debug for the traceback)", file=sys.stderr)
        return 1
    finally:
        if options.debug:
            print(f"[debug] {time.perf_counter() - started:.3f} s", file=sys.stderr)
