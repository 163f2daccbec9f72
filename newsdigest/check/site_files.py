"""The site as a whole on GitHub Pages: the files it must have, its CNAME, its total size,
and nothing an interrupted build left behind."""
from __future__ import annotations

import re

from ..ghpages import NOT_FOUND_PAGE
from .built_site import BuiltSite

REQUIRED_FILES = ("index.html", NOT_FOUND_PAGE, ".nojekyll", "feed.xml", "sitemap.xml", "robots.txt")
TEMP_FILE = re.compile(r"^\..+\.tmp\d+$")  # files.write_temp's names


def check_required_files(site: BuiltSite, cname: str) -> None:
    """Every file GitHub Pages and feed readers look for, and a CNAME that agrees with the
    configured cname (none when none is configured, unless it names base_url's host)."""
    for rel in REQUIRED_FILES:
        if rel not in site.files:
            site.problem(rel, "missing")
    if "CNAME" in site.files:
        lines = [ln.strip() for ln in site.read_text("CNAME").splitlines() if ln.strip()]
        if cname and lines != [cname]:
            site.problem("CNAME", f"contains {' '.join(lines)!r}, expected {cname!r}")
        elif not cname and (len(lines) != 1 or lines[0].lower() != site.host):
            site.problem("CNAME", f"contains {' '.join(lines)!r} but no cname is configured "
                                  f"(GitHub Pages would serve the site there, not at {site.base_url})")
    elif cname:
        site.problem("CNAME", f"missing (cname is configured as {cname!r})")
    if cname and site.host != cname.lower():
        site.problem("CNAME", f"cname {cname!r} does not match the host of base_url {site.base_url}")


def check_leftovers(site: BuiltSite) -> None:
    """Temp files (`.name.tmpPID`) and a `site.new/` or `site.old/` beside the site are
    what an interrupted build leaves; the next build removes them."""
    for rel in sorted(site.files):
        if TEMP_FILE.match(rel.rsplit("/", 1)[-1]):
            site.problem(rel, "a temp file left by an interrupted build; build again")
    for suffix in (".new", ".old"):
        beside = site.site_dir.with_name(site.site_dir.name + suffix)
        if beside.exists():
            site.problem(beside.name, "a site folder left by an interrupted build; build again")


def check_total_size(site: BuiltSite, total_budget_bytes: int) -> None:
    total = sum((site.site_dir / rel).stat().st_size for rel in site.files)
    if total > total_budget_bytes:
        site.problem(".", f"the site is {total:,} bytes, over the {total_budget_bytes:,}-byte limit")
