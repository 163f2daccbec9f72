"""Page keys: a fingerprint of what each planned output reads (its template, the config,
the layouts and its context value). An output whose key is the one its file was made
from keeps that file and is not rendered again; nothing here knows a kind of page.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from ..config import Config
from ..files import scan_tree, sha1_hex
from ..model import Article, ArticleRef, Articles, PageInfo


class Fingerprints:
    """Page keys: a fingerprint of each output's salt (config and layouts), template and
    actual context value, computed for every planned output in every build.

    An Article (or an ArticleRef) stands for the hash of its content file: an Article is a
    pure function of that file and the config, which the salt covers. An Articles list
    stands for its ids' hashes (no article is loaded to key a page). Any other frozen
    value (a Day, a Month, a TagGroup, the SiteView) is summarised from its fields once
    per build and shared by every page that shows it.
    """

    def __init__(self, article_keys: dict):
        self.article_keys = article_keys
        self.memo: dict[int, tuple] = {}

    def page_key(self, salt, page) -> str:
        return sha1_hex(repr((salt, page.template, self.of(page.context))).encode())

    def of(self, value):
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None or kind is float:
            return value
        if kind is ArticleRef or kind is Article:
            return self.article_keys[value.id]
        if kind is Articles:  # ids in hand: no article is loaded to fingerprint a list of them
            keys = self.article_keys
            return tuple([keys[i] for i in value.ids])
        if kind is dict:
            return tuple([(k, self.of(v)) for k, v in sorted(value.items())])
        if kind is tuple or kind is list:
            return tuple([self.of(v) for v in value])
        if kind is PageInfo:  # one per page, all strings: summarised inline, not memoised
            return tuple(value.__dict__.values())
        if kind is bytes:
            return sha1_hex(value)
        if kind is datetime or kind is date:
            return value.isoformat()
        if hasattr(kind, "__dataclass_fields__"):
            hit = self.memo.get(id(value))
            if hit is None:
                summary = (kind.__name__,) + tuple([self.of(getattr(value, f)) for f in kind.__dataclass_fields__])
                # value kept alive so that ids stay unique while the memo lives
                hit = self.memo[id(value)] = (sha1_hex(repr(summary).encode()), value)
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
