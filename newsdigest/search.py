"""Site search: the Pagefind index of the article pages, in site/pagefind/.

Pagefind (the `pagefind_bin` package ships its binary) reads the built article pages
(`data-pagefind-body` marks the headline and body, see layouts/article.html) and writes a
static bundle that the /search/ page queries in the browser. Pagefind cannot update an
index, only write a new one, so the build re-indexes only when an article page changed:
`index_state` summarises the article pages by their hashes and `.cache/search.json`
records the state the current bundle was made from.

The bundle is written beside the site (`site.pagefind/`) and swapped in whole with the old
one (renameat2), so a reader never meets half an index; a build that assembles a whole
new site (`site.new/`) writes the bundle into it before that tree is swapped in.

Pagefind's own output is not deterministic: the values of a filter (and the filters in
the index's metadata) come out in a different order on every run, which also changes the
hashed file names. `canonical_bundle` sorts them and renames the files by their new
content, so the same site gives the same bundle bytes on every build.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from .config import Config
from .errors import DigestError, shown
from .files import sync_file_system, write_atomic
from .output import _exchange, remove_tree
from .pagefind_files import data_file_bytes, read_data_file

BUNDLE_DIR = "pagefind"
STATE_FILE = "search.json"
# Written by Pagefind for its ready-made interfaces; the search page uses the JS API
# (pagefind.js and its worker, the WebAssembly and the index) and none of these.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


def index_state(article_files: dict[str, str]) -> str:
    """What the index depends on: every article page (site path -> hash of its bytes)."""
    return hashlib.sha1(repr(sorted(article_files.items())).encode()).hexdigest()


def article_glob(config: Config) -> str:
    """The article pages as a glob for Pagefind (other pages are not indexed, so not read)."""
    return re.sub(r"\{[^}]*\}", "*", config.article_path) + "index.html"


def pagefind_binary() -> str:
    try:
        from pagefind_bin import get_executable
        return str(get_executable())
    except (ImportError, FileNotFoundError):
        raise DigestError("pagefind", "the Pagefind binary is missing: install requirements.txt "
                                      "(pagefind-bin), or set `search: false` in config.yaml")


def run_pagefind(config: Config, site_dir: Path, out_dir: Path) -> None:
    """Index the article pages of site_dir into out_dir (which must not exist)."""
    cmd = [pagefind_binary(), "--site", str(site_dir), "--glob", article_glob(config),
           "--output-path", str(out_dir), "--silent"]
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    except OSError as e:
        raise DigestError("pagefind", f"cannot run Pagefind: {e.strerror or e}")
    if done.returncode != 0 or not (out_dir / "pagefind-entry.json").is_file():
        said = " ".join(done.stdout.decode("utf-8", "replace").split())[-300:] or f"exit status {done.returncode}"
        raise DigestError("pagefind", f"indexing {shown(site_dir)} failed: {said}")


# ---------------------------------------------------------------- canonical bundle bytes

def _hash_name(prefix: str, data: bytes, length: int) -> str:
    return f"{prefix}_{hashlib.sha256(data).hexdigest()[:length]}"


def canonical_bundle(bundle: Path) -> None:
    """Rewrite a fresh Pagefind bundle in place so that its bytes depend only on the site:
    filter values and filters sorted, filter and metadata files renamed by their content."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language in entry["languages"].values():
        old_hash = language["hash"]
        prefix = old_hash.rsplit("_", 1)[0]  # the language code, e.g. "en"
        meta_path = bundle / f"pagefind.{old_hash}.pf_meta"
        meta = read_data_file(meta_path)
        filters = meta[3]  # [[filter name, filter file hash], ...]
        renamed = []
        for name, file_hash in filters:
            old_file = bundle / "filter" / f"{file_hash}.pf_filter"
            filter_name, values = read_data_file(old_file)
            data = data_file_bytes([filter_name, sorted(values, key=lambda v: v[0])])
            new_hash = _hash_name(prefix, data, 7)
            old_file.unlink()
            (bundle / "filter" / f"{new_hash}.pf_filter").write_bytes(data)
            renamed.append([name, new_hash])
        meta[3] = sorted(renamed)
        data = data_file_bytes(meta)
        language["hash"] = _hash_name(prefix, data, 10)
        meta_path.unlink()
        (bundle / f"pagefind.{language['hash']}.pf_meta").write_bytes(data)
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)


# ---------------------------------------------------------------- the build step

def _read_state(config: Config) -> dict:
    """What the index was made from, or {} when unknown (a damaged file: index again)."""
    try:
        state = json.loads((config.cache_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _entry_digest(bundle: Path) -> str | None:
    try:
        return hashlib.sha1((bundle / "pagefind-entry.json").read_bytes()).hexdigest()
    except OSError:
        return None


def _link_tree(src: Path, dest: Path) -> None:
    """Share an unchanged bundle with a new site tree (hard links, copies where not possible)."""
    def link(a, b):
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)
    shutil.copytree(src, dest, copy_function=link)


def update_index(config: Config, site_dir: Path, article_files: dict[str, str]) -> bool:
    """Bring site_dir/pagefind/ up to date with the article pages; True when it re-indexed.

    site_dir is the live site (its bundle is then swapped in whole) or a new tree that is
    about to replace it (the current bundle is shared with it when nothing changed).
    With `search: false`, or no article to index, there is no bundle (and no search page)."""
    live = config.output_dir.resolve()
    site_dir = site_dir.resolve()
    if site_dir != live and site_dir.parent != live.parent:
        raise DigestError(shown(site_dir), f"not the output folder {shown(live)} or a tree beside it")
    bundle = site_dir / BUNDLE_DIR
    current = live / BUNDLE_DIR
    state_file = config.cache_dir / STATE_FILE
    if not config.search or not article_files:
        remove_tree(bundle)
        state_file.unlink(missing_ok=True)
        return False
    state = index_state(article_files)
    last = _read_state(config)
    up_to_date = last.get("state") == state and last.get("entry") == _entry_digest(current) is not None
    if up_to_date:
        if site_dir != live:
            _link_tree(current, bundle)
        return False
    scratch = live.with_name(live.name + ".pagefind")  # beside site/: same file system, not served
    remove_tree(scratch)
    try:
        run_pagefind(config, site_dir, scratch)
        canonical_bundle(scratch)
        if site_dir != live or not bundle.exists():
            remove_tree(bundle)  # a new tree has none; the live one lost it
            sync_file_system(scratch)
            os.rename(scratch, bundle)
        else:
            sync_file_system(scratch)  # every file on disk before the bundle is swapped in
            if not _exchange(scratch, bundle):  # no renameat2: two renames, a moment without a bundle
                old = live.with_name(live.name + ".pagefind-old")
                remove_tree(old)
                os.rename(bundle, old)
                os.rename(scratch, bundle)
                scratch = old
    finally:
        remove_tree(scratch)  # after the swap: the old bundle
    # The entry is recorded as written: the next build checks the live bundle against it.
    write_atomic(state_file, json.dumps({"state": state, "entry": _entry_digest(bundle)}).encode())
    return True
