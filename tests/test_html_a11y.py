"""Built pages are valid HTML (Nu HTML Checker, vnu.jar) and pass axe-core's WCAG 2.x A/AA
rules in headless Chromium, served under the GitHub Pages sub-path.

The tools come from tools/install-test-tools.sh (run by `make test`). Without them the
tests skip, except under CI=true, where a missing tool is a failure: CI must run them."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sitekit import (DEMO_BASE_URL, FIXTURE_BASE_URL, REPO, GitHubPagesServer, build_cli_missing_reason, build_demo,
                     make_site, page_paths, replace_in)

TOOLS = REPO / "tools"
VNU_JAR = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_RUNNER = TOOLS / "a11y.mjs"
CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = "run tools/install-test-tools.sh"


def need(reason):
    """Skip (or under CI fail) when a tool is missing; `reason` is '' when all is there."""
    if not reason:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the HTML and accessibility checks ({INSTALL_HINT})")
    pytest.skip(f"{reason} ({INSTALL_HINT})")


def vnu_missing_reason():
    java = shutil.which("java")
    if not java:
        return "java not found"
    version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    major = re.search(r'version "(\d+)', version)
    if not major or int(major.group(1)) < 17:
        return f"vnu.jar needs Java 17 or newer, found: {version.splitlines()[0] if version else 'nothing'}"
    if not VNU_JAR.is_file():
        return f"{VNU_JAR.relative_to(REPO)} not installed"
    return ""


def axe_missing_reason():
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} not found"
    if not shutil.which("node"):
        return "node not found"
    for package in ("axe-core", "playwright-core"):
        if not (TOOLS / "node_modules" / package).is_dir():
            return f"tools/node_modules/{package} not installed"
    return ""


def vnu_errors(site_dir):
    """Every vnu error in the site's HTML files, as 'site-path:line: message'."""
    need(vnu_missing_reason())
    proc = subprocess.run(["java", "-Xss8m", "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--exit-zero-always",
                           "--skip-non-html", str(site_dir)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"vnu did not run: {proc.stderr}"
    errors = []
    root = Path(site_dir).resolve()
    for message in json.loads(proc.stdout)["messages"]:
        if message["type"] in ("error", "non-document-error"):
            path = Path(urlsplit(message.get("url", "")).path)
            where = path.relative_to(root).as_posix() if root in path.parents else str(path)
            errors.append(f"{where}:{message.get('lastLine', '?')}: {message['message']}")
    return sorted(errors)


def axe_violations(site_dir, base_path, extra_paths=()):
    """axe violations on every HTML page of the site served under base_path, as readable lines."""
    need(axe_missing_reason())
    with GitHubPagesServer(site_dir, base_path) as base:
        urls = [base + path for path in [*page_paths(site_dir), *extra_paths]]
        proc = subprocess.run(["node", str(AXE_RUNNER), *urls], cwd=TOOLS, capture_output=True, text=True,
                              timeout=900, env=dict(os.environ, CHROMIUM=CHROMIUM))
    assert proc.returncode == 0, f"tools/a11y.mjs failed:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(proc.stdout)
    assert result["pages"] == len(urls)
    lines = []
    for v in result["violations"]:
        shown = urlsplit(v["url"]).path
        lines.append(f"{shown}: [{v['impact']}] {v['id']}: {v['help']} {v['helpUrl']}")
        lines.extend(f"    at {target}" for target in v["targets"][:5])
    return lines


# ------------------------------------------------------------------ the checkers catch what they should
@pytest.fixture
def fixture_site(tmp_path):
    return make_site(tmp_path / "site")


def test_vnu_passes_a_valid_site_and_reports_an_invalid_page(fixture_site):
    assert vnu_errors(fixture_site) == []
    replace_in(fixture_site, "about.html", "<p>About this digest.</p>", '<p>About <img src="static/bg.svg"></p>')
    errors = vnu_errors(fixture_site)
    assert len(errors) == 1 and re.fullmatch(r"about\.html:\d+: An .img. element must have an .alt. attribute.*",
                                             errors[0]), errors


def test_axe_passes_an_accessible_site_and_reports_a_missing_alt(fixture_site):
    assert axe_violations(fixture_site, urlsplit(FIXTURE_BASE_URL).path) == []
    replace_in(fixture_site, "about.html", "<p>About this digest.</p>", '<p>About <img src="static/bg.svg"></p>')
    lines = axe_violations(fixture_site, urlsplit(FIXTURE_BASE_URL).path)
    # about.html answers at /repo/about and /repo/about.html; page_paths lists the file once
    headlines = [line for line in lines if not line.startswith("    ")]
    assert len(headlines) == 1 and re.fullmatch(
        r"/repo/about\.html: \[critical\] image-alt: Images must have alternative text \S+/image-alt",
        headlines[0]), lines


# ------------------------------------------------------------------ the demo site
@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    reason = build_cli_missing_reason()
    if reason:
        pytest.skip(reason)
    proc, site_dir = build_demo(tmp_path_factory.mktemp("demo"))
    assert proc.returncode == 0, f"build failed:\n{proc.stdout}\n{proc.stderr}"
    return site_dir


def test_demo_pages_are_valid_html(demo_site):
    errors = vnu_errors(demo_site)
    assert not errors, "vnu errors:\n" + "\n".join(errors)


def test_demo_pages_pass_axe_wcag_a_and_aa(demo_site):
    # the missing-page URL shows 404.html the way GitHub Pages does, deep below the sub-path
    lines = axe_violations(demo_site, urlsplit(DEMO_BASE_URL).path, extra_paths=["no/such/page/"])
    assert not lines, "axe violations (WCAG 2.x A/AA):\n" + "\n".join(lines)
