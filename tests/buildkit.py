"""Helpers for whole-build tests: fixture projects, the real CLI in a subprocess, site trees,
and a link crawler that follows every page of a site served like GitHub Pages."""

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from calendar import timegm
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import lxml.html

from sitekit import REPO

PROJECTS = Path(__file__).resolve().parent / "fixtures" / "projects"
# "Now" for fixture builds: after every fixture article but the embargoed July one.
NOW_EPOCH = timegm((2024, 6, 1, 0, 0, 0))


def make_project(dest: Path, *overlays: str) -> Path:
    """The `basic` fixture project in `dest`, with the repo's layouts under its own files,
    then each overlay fixture (only the files that differ) copied on top."""
    shutil.copytree(REPO / "layouts", dest / "layouts")
    shutil.copytree(PROJECTS / "basic", dest, dirs_exist_ok=True)
    for name in overlays:
        apply_overlay(dest, name)
    return dest


def apply_overlay(project: Path, name: str) -> None:
    """Copy one overlay fixture's files over an existing project."""
    shutil.copytree(PROJECTS / name, project, dirs_exist_ok=True)


def set_config(project: Path, key: str, value: str) -> None:
    """Replace one top-level `key: ...` line of the project's config.yaml."""
    path = project / "config.yaml"
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(rf"(?m)^{re.escape(key)}:.*$", f"{key}: {value}", text)
    assert count == 1, f"{key} not in {path}"
    path.write_text(new, encoding="utf-8")


def pinned_env(epoch: int | None = NOW_EPOCH) -> dict:
    """This environment with time zone, locale and now (SOURCE_DATE_EPOCH; None: the
    real clock) pinned, as run_build runs the build."""
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    return env


def run_build(project: Path, *args: str, epoch: int | None = NOW_EPOCH) -> subprocess.CompletedProcess:
    """`build.py build` on the project, from inside it, with time zone, locale and now pinned."""
    return subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--config", "config.yaml", *args],
                          cwd=project, env=pinned_env(epoch), capture_output=True, text=True, timeout=120)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root: relative path -> bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def html(site: Path, rel: str):
    return lxml.html.fromstring((site / rel).read_bytes())


def problem_lines(stderr: str) -> list[str]:
    """The `path:line: message` lines of a rejected build (without the summary line)."""
    return [line for line in stderr.splitlines() if not line.startswith("failed: ")]


# ------------------------------------------------------------------ crawling a served site
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


def links_in(body: bytes, content_type: str) -> list[str]:
    """Every URL a browser would follow or load from an HTML page or a style sheet."""
    if content_type.startswith("text/css"):
        return _CSS_URL.findall(body.decode("utf-8"))
    if not content_type.startswith("text/html"):
        return []
    doc = lxml.html.fromstring(body)
    out = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("href", "src"):
            if el.get(attr) is not None:
                out.append(el.get(attr))
        if el.get("srcset"):
            out += [part.strip().split()[0] for part in el.get("srcset").split(",") if part.strip()]
        if el.tag == "style" and el.text:
            out += _CSS_URL.findall(el.text)
        if el.get("style"):
            out += _CSS_URL.findall(el.get("style"))
    return out


def fetch(url: str) -> tuple[int, str, bytes]:
    # Browsers percent-encode non-ASCII paths (Hangul tag slugs) before asking the server.
    parts = urlsplit(url)
    url = parts._replace(path=quote(parts.path, safe="/%:@!$&'()*+,;=-._~")).geturl()
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def crawl(local_base: str, public_base: str, starts=("",)) -> tuple[set[str], list[str]]:
    """Follow every link from `starts` (paths under the base) on the local server.

    Absolute links to the public base URL are followed on the local server too. Returns the
    URLs visited and the problems: broken links and links that leave the sub-path."""
    base_path = urlsplit(local_base).path
    local = urlsplit(local_base).netloc
    queue = [local_base + s for s in starts]
    seen, problems = set(queue), []
    while queue:
        url = queue.pop()
        status, ctype, body = fetch(url)
        if status != 200:
            problems.append(f"{url}: HTTP {status}")
            continue
        for link in links_in(body, ctype):
            if link.startswith(public_base):
                link = local_base + link[len(public_base):]
            target = urljoin(url, link).split("#")[0]
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or parts.netloc != local:
                continue  # another site, mailto:, ...
            if not parts.path.startswith(base_path):
                problems.append(f"{url}: {link} leaves the sub-path {base_path}")
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen, problems
