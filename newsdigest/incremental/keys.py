"""Page keys: a fingerprint of what each planned output reads (its template, the config,
the layouts and its context value). An output whose key is the one its file was made
from keeps that file and is not rendered again; nothing here knows a kind of page.
"""
from __future__ import annotations

import functools
import hashlib
import marshal
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
        self.plans: dict[tuple, dict] = {}  # reads -> {context name: rests}, shared by pages that read alike
        self.projections: dict[tuple, tuple] = {}  # (id(value), rests) -> (projection, value, article ids)
        self.seen: list = []  # ids of the articles the key being computed counts (see key_and_articles)

    def key_and_articles(self, salt, page, reads: tuple | None = None) -> tuple[str, list]:
        """The key of a planned output, and the ids of the articles whose content hash it
        counted: what the dependency index records the key read of the articles
        (incremental/depends.py). `reads`: the paths its template read in the context
        when it was last rendered (see Recorder); a frozen value or a tuple of them then
        counts by those paths only. None: the whole context counts."""
        self.seen = seen = []
        if reads is None:
            return digest((salt, page.template, self.of(page.context))), seen
        by_name = self.plans.get(reads)
        if by_name is None:
            by_name = self.plans[reads] = _split_reads(reads)
        # The context's names in plan order (the same for every build of the same code),
        # each with its value's summary: a flat tuple, hashed once per page (12,000 to
        # 60,000 pages a build, so this loop is written for speed).
        summary = [salt, page.template]
        keys, project = self.article_keys, self.project
        for name, value in page.context.items():
            kind = type(value)
            if kind is str or value is None:
                summary += (name, value)
            elif kind is ArticleRef:
                summary += (name, keys[value.id])
                seen.append(value.id)
            elif kind is Articles:
                summary += (name, tuple([keys[i] for i in value.ids]))
                seen += value.ids
            elif kind is PageInfo:
                summary += (name, tuple(value.__dict__.values()))
            elif kind is tuple or narrowable(value):
                summary += (name, project(value, by_name.get(name, ())))
            else:
                summary += (name, self.of(value))
        return digest(tuple(summary)), seen

    def project(self, value, rests: tuple):
        """What a template read of `value`, by the rest of each path it read: `.field...`
        of a frozen value, `#` (the length) and `[]...` (every element) of a tuple.
        Computed once per value and paths in a build (a Day's date and URL, for the 30
        article pages of that day), as a digest: a page's key then hashes 40 characters
        for it, not the whole summary again."""
        key = (id(value), rests)
        hit = self.projections.get(key)
        if hit is None:
            start = len(self.seen)
            # value kept alive so that ids stay unique while the memo lives
            hit = self.projections[key] = (digest(self._project(value, rests)), value, self.seen[start:])
        else:
            self.seen += hit[2]
        return hit[0]

    def _project(self, value, rests: tuple):
        if narrowable(value) and all(r[:1] == "." for r in rests):
            fields = _fields(rests)
            return (type(value).__name__,) + tuple([(f, self.project(getattr(value, f), sub)) for f, sub in fields])
        if type(value) is tuple and rests and all(r[:1] in ("#", "[") for r in rests):
            inner = tuple(sorted({r[2:] for r in rests if r[:1] == "["}))
            return (len(value), tuple([self.project(v, inner) for v in value]) if inner else ())
        return self.of(value)  # read whole, or not as before: all of it counts

    def of(self, value):
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None or kind is float:
            return value
        if kind is ArticleRef or kind is Article:
            self.seen.append(value.id)
            return self.article_keys[value.id]
        if kind is Articles:  # ids in hand: no article is loaded to fingerprint a list of them
            keys = self.article_keys
            self.seen += value.ids
            return tuple([keys[i] for i in value.ids])
        if kind is dict:
            if _ATOMS.issuperset(map(type, value.values())):  # each (k, v) is its own summary (a sitemap's dates)
                return tuple(sorted(value.items()))
            return tuple([(k, self.of(v)) for k, v in sorted(value.items())])
        if kind is tuple or kind is list:
            if _ATOMS.issuperset(map(type, value)):  # its own summary, checked in C (a sitemap's 1,000 URLs)
                return tuple(value)
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
                start = len(self.seen)
                summary = (kind.__name__,) + tuple([self.of(getattr(value, f)) for f in kind.__dataclass_fields__])
                # value kept alive so that ids stay unique while the memo lives
                hit = self.memo[id(value)] = (digest(summary), value, self.seen[start:])
            else:
                self.seen += hit[2]
            return hit[0]
        raise TypeError(f"cannot fingerprint {kind.__name__}")


_ATOMS = frozenset((str, int, bool, float, type(None)))  # values that `of` returns as they are


def digest(summary) -> str:
    """The hash of a summary (nested tuples of str, int, float, bool and None).

    marshal's format 2 is exact and fast: every string as its length and UTF-8 bytes
    (format 3 and later add back-references that depend on which objects happen to be
    shared or interned, so equal values could give different bytes)."""
    return sha1_hex(marshal.dumps(summary, 2))


def narrowable(value) -> bool:
    """A frozen model value other than an Article (which counts as its content hash) and
    a page's own PageInfo: a page that only reads some of its fields depends on those
    fields only."""
    return _narrowable_type(type(value))


@functools.cache
def _narrowable_type(kind: type) -> bool:
    return kind is not Article and kind is not PageInfo and hasattr(kind, "__dataclass_fields__")


def _end_of_name(path: str, start: int = 0) -> int:
    ends = [i for i in (path.find(".", start), path.find("[", start), path.find("#", start)) if i >= 0]
    return min(ends) if ends else len(path)


def _split_reads(reads: tuple) -> dict:
    """Recorded paths by context name: `day.url` -> {"day": (".url",)}."""
    by_name: dict[str, set] = {}
    for r in reads:
        end = _end_of_name(r)
        by_name.setdefault(r[:end], set()).add(r[end:])
    return {name: tuple(sorted(rests)) for name, rests in by_name.items()}


@functools.cache
def _fields(rests: tuple) -> tuple:
    """`.field...` paths by field: ((field, rests after it), ...), sorted."""
    fields: dict[str, set] = {}
    for r in rests:
        end = _end_of_name(r, 1)
        fields.setdefault(r[1:end], set()).add(r[end:])
    return tuple((f, tuple(sorted(sub))) for f, sub in sorted(fields.items()))


class Recorder:
    """Stands in for one frozen value of a page's context while its template renders,
    noting the path of each field the template reads (`day.url`, `months[].days[].count`).
    The next build keys the page by those paths only (Salsa's idea: a derived value
    depends on what it read): an article page that shows its day's date and URL is not
    rendered again when another article of that day changes."""

    __slots__ = ("_value", "_path", "_reads")

    def __init__(self, value, path: str, reads: set):
        self._value, self._path, self._reads = value, path, reads

    def __getattr__(self, field: str):
        value = getattr(self._value, field)  # AttributeError as the value itself gives it
        return _wrap(value, f"{self._path}.{field}", self._reads)


class RecordedTuple:
    """A tuple of a page's context behind a recorder: its length (`#`) and its elements
    (`[]`) are read through it."""

    __slots__ = ("_value", "_path", "_reads")

    def __init__(self, value: tuple, path: str, reads: set):
        self._value, self._path, self._reads = value, path, reads

    def __len__(self) -> int:
        self._reads.add(self._path + "#")
        return len(self._value)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self):
        self._reads.add(self._path + "#")
        return (_wrap(v, self._path + "[]", self._reads) for v in self._value)

    def __getitem__(self, i):
        self._reads.add(self._path + "#")
        if isinstance(i, slice):
            return RecordedTuple(self._value[i], self._path, self._reads)
        return _wrap(self._value[i], self._path + "[]", self._reads)


@functools.cache
def _recorder_for(kind: type) -> type:
    """A Recorder named like the class it stands in for: a template's mistyped field then
    reads "'newsdigest.model.Day object' has no attribute ..." as without it."""
    return type(kind.__name__, (Recorder,), {"__slots__": (), "__module__": kind.__module__,
                                             "__qualname__": kind.__qualname__})


def _wrap(value, path: str, reads: set):
    if narrowable(value):
        return _recorder_for(type(value))(value, path, reads)
    if type(value) is tuple:
        return RecordedTuple(value, path, reads)
    reads.add(path)  # anything else is read whole
    return value


def recording(context: dict) -> tuple[dict, set]:
    """The context with its frozen values and tuples behind recorders, and the set of
    paths they fill as the template reads them."""
    reads: set = set()
    return {k: _wrap(v, k, reads) if narrowable(v) or type(v) is tuple else v for k, v in context.items()}, reads


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
