"""Page keys: a fingerprint of what each output reads (template, config, its context),
so that a page whose key is unchanged keeps its file and is not rendered again.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from ..config import Config
from ..files import scan_tree, sha1_hex
from ..model import Article, Articles, PageInfo, Tag


class Fingerprints:
    """Hashable summaries of page contexts, computed once per object per build.

    An Article stands for the hash of its content file (it is a pure function of that file
    and the config, which salts every page key); any other dataclass (a Day, a Month, a
    TagGroup) is summarised once and shared by every page that shows it. `page_key` also
    returns the ids of every article the page's context reaches: the next build, if no
    article was added, removed, re-dated, moved or retagged, recomputes only the pages
    that reach an article whose file changed.
    """

    def __init__(self, article_keys: dict):
        self.article_keys = article_keys
        self.memo: dict[int, tuple] = {}
        self.deps: set = set()

    def page_key(self, salt, page) -> tuple[str, set]:
        self.deps = set()
        key = sha1_hex(repr((salt, page.template, self.of(page.context))).encode())
        return key, self.deps

    def of(self, value):
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None or kind is float:
            return value
        if kind is Article:
            self.deps.add(value.id)
            return self.article_keys[value.id]
        if kind is Articles:  # ids in hand: no article is loaded to fingerprint a list of them
            keys = self.article_keys
            self.deps.update(value.ids)
            return tuple([keys[i] for i in value.ids])
        if kind is tuple or kind is list:
            return tuple([self.of(v) for v in value])
        if kind is dict:
            return tuple([(k, self.of(v)) for k, v in sorted(value.items())])
        if kind is PageInfo:  # one per page, all strings: summarised inline, not memoised
            return tuple(value.__dict__.values())
        if kind is Tag:
            return ("T", value.name, value.slug)
        if kind is datetime or kind is date:
            return value.isoformat()
        if hasattr(kind, "__dataclass_fields__"):
            key = id(value)
            hit = self.memo.get(key)
            if hit is None:
                outer, self.deps = self.deps, set()
                summary = (kind.__name__,) + tuple([self.of(getattr(value, f)) for f in kind.__dataclass_fields__])
                # value kept alive so that ids stay unique while the memo lives
                hit = self.memo[key] = (sha1_hex(repr(summary).encode()), value, frozenset(self.deps))
                self.deps = outer
            self.deps.update(hit[2])
            return hit[0]
        raise TypeError(f"cannot fingerprint {kind.__name__}")


def layouts_digest(config: Config) -> tuple[str, dict[str, bytes]]:
    """Hash of every template, and the static files to copy into the site (those are
    compared by their own bytes: a new stylesheet re-renders no page)."""
    h = hashlib.sha1()
    static = {}
    root = config.layouts_dir
    for rel in sorted(scan_tree(root)):
        data = (root / rel).read_bytes()
        if rel.startswith("static/"):
            static[rel] = data
        else:
            h.update(rel.encode() + b"\0" + data + b"\0")
    return h.hexdigest(), static
