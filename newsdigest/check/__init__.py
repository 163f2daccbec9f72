"""`python build.py check`: would the built site work on GitHub Pages and in feed readers?

Offline and read-only. Every URL is resolved the way GitHub Pages serves a project site
under a sub-path (https://user.github.io/repo/), by the resolver `serve` uses too
(newsdigest.ghpages). Each problem is a DigestError naming the site path it is in,
printed like the build's errors; the modules here are split by what they check:
site_files (required files, CNAME, size, leftovers), pages (HTML and CSS, links,
orphans), jsonld, sitemaps (and robots.txt), search (the Pagefind bundle), feeds (RSS,
Atom, JSON Feed, WebSub hubs) and archives (RFC 5005 month archives).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import DigestError, print_errors, shown
from .archives import check_archive_chain
from .built_site import BuiltSite
from .dates import parse_rfc822, parse_rfc3339
from .feeds import check_feeds
from .pages import check_pages
from .search import check_search
from .site_files import check_leftovers, check_required_files, check_total_size
from .sitemaps import check_sitemap_and_robots

__all__ = ["Report", "check_site", "main", "parse_rfc822", "parse_rfc3339", "run_checks"]


@dataclass(frozen=True)
class Report:
    """What a check found: the problems, sorted, and counts for the summary."""
    problems: tuple[DigestError, ...]
    pages: int
    feeds: int
    links: int


def run_checks(site_dir, base_url, cname="", page_budget_bytes=512 * 1024, total_budget_bytes=1024 ** 3,
               websub_hub=None) -> Report:
    """All checks on one built site. `websub_hub`: the hub every feed must name ("" for
    none; None: whichever feed.xml names)."""
    site = BuiltSite(site_dir, base_url)
    check_required_files(site, cname)
    check_pages(site, page_budget_bytes)
    check_sitemap_and_robots(site)
    check_search(site)
    check_feeds(site, websub_hub)
    check_archive_chain(site)
    check_total_size(site, total_budget_bytes)
    check_leftovers(site)
    return Report(tuple(site.problems()), site.pages, site.feeds, site.links)


def check_site(site_dir: Path, base_url: str, cname: str = "", page_budget_bytes: int = 512 * 1024,
               total_budget_bytes: int = 1024 ** 3, websub_hub=None) -> list[str]:
    """Every problem as the line `check` prints for it ('site-path: problem'), sorted;
    empty when the site is good."""
    report = run_checks(site_dir, base_url, cname, page_budget_bytes, total_budget_bytes, websub_hub)
    return [str(e) for e in report.problems]


def main(site_dir, base_url, cname, page_budget_bytes, quiet=False, websub_hub=None) -> int:
    """Print each problem, then a summary line; return 0 when the site is good, else 1.

    quiet drops the summary line of a passing check; problems are always printed (on
    stdout: they are the report asked for, not a failure of the command)."""
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        print_errors([DigestError(shown(site_dir / "index.html"), "not found: no site to check; run "
                                                                  "`python build.py build` first")], sys.stdout)
        return 1
    report = run_checks(site_dir, base_url, cname, page_budget_bytes, websub_hub=websub_hub)
    print_errors(report.problems, sys.stdout)
    counts = (f"{report.pages:,} page{'s' * (report.pages != 1)}, {report.feeds:,} feed{'s' * (report.feeds != 1)}, "
              f"{report.links:,} link{'s' * (report.links != 1)}")
    if report.problems:
        n = len(report.problems)
        print(f"check FAILED: {n:,} problem{'s' * (n != 1)} ({counts})")
        return 1
    if not quiet:
        print(f"check ok: {counts}")
    return 0
