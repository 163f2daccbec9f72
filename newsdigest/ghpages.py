"""How GitHub Pages answers a URL of a project site: the one resolver that `serve` (the
preview) and `check` (the pre-flight check of site/) share.

For a path under the base path (`/repo/`) GitHub Pages serves a folder's index.html when
the path ends in `/`, the file itself, a permanent redirect to `x/` for a folder `x` asked
without its trailing slash, `x.html` for `x`, and otherwise a 404 that shows 404.html.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

NOT_FOUND_PAGE = "404.html"


@dataclass(frozen=True)
class Answer:
    """What GitHub Pages sends for one path under the base path."""

    status: int  # 200, 301 (to `location`) or 404
    file: str | None = None  # the site file sent (relative, with /): on a 404, 404.html when there is one
    location: str = ""  # on a 301: the same path with its trailing slash


def answer(rel: str, is_file, is_dir) -> Answer:
    """The answer for `rel`, a decoded path below the base path, in a site whose files and
    folders (relative, with /) `is_file` and `is_dir` recognise."""
    if rel == "" or rel.endswith("/"):
        if is_file(rel + "index.html"):
            return Answer(200, rel + "index.html")
    elif is_file(rel):
        return Answer(200, rel)
    elif is_dir(rel):
        return Answer(301, location=rel + "/")
    elif is_file(rel + ".html"):
        return Answer(200, rel + ".html")
    return not_found(is_file)


def not_found(is_file) -> Answer:
    """GitHub Pages' 404: the site's 404.html when it has one."""
    return Answer(404, NOT_FOUND_PAGE if is_file(NOT_FOUND_PAGE) else None)


def served_file(rel: str, is_file, is_dir) -> str | None:
    """The site file a visitor ends up reading at `rel` (a redirect followed), or None for
    a 404."""
    found = answer(rel, is_file, is_dir)
    if found.status == 301:
        found = answer(found.location, is_file, is_dir)
    return found.file if found.status == 200 else None


def answer_from_folder(site_dir, rel: str | None) -> Answer:
    """`answer` for a site on disk; `rel` None: a path outside the base path (a 404).
    Nothing outside the folder is ever answered: a `.` or `..` segment, a backslash or a
    NUL is a 404, and a file's real path (symlinks followed) must lie inside the folder."""
    root = os.path.realpath(site_dir)

    def inside(path: str) -> str | None:
        target = os.path.realpath(os.path.join(root, path))
        return target if target.startswith(root + os.sep) or target == root else None

    def is_file(path: str) -> bool:
        target = inside(path)
        return target is not None and target != root and os.path.isfile(target)

    def is_dir(path: str) -> bool:
        target = inside(path)
        return target is not None and os.path.isdir(target)

    parts = rel.split("/") if rel is not None else []
    if rel is None or any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
        return not_found(is_file)
    # Empty segments (`a//b`) are dropped, as web servers do.
    rel = "/".join(p for p in parts if p) + ("/" if rel.endswith("/") and any(parts) else "")
    return answer(rel, is_file, is_dir)
