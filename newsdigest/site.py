"""Load content/ into Articles and collect the site: days, months, tags, neighbours.

Loading may fail per file (every problem is collected); collecting only reads.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from .config import Config
from .content import Article, Tag, article_id, key_line, make_summary, split_front_matter, validate_meta
from .errors import DigestError
from .markup import html_to_text
from .paragraphs import render_body
from .slugs import article_slug, tag_slug


class Source(NamedTuple):
    """One content file's text, read from disk; its hash keys the build cache.

    `meta`, when given, is the front matter ingest emitted into `text` moments ago: a YAML
    emitter's output loads back to the same mapping, so parsing it again is skipped.
    `text` is None when the file is unchanged since the last build (its Article is cached).
    (A named tuple: a build makes one per content file.)"""

    path: str  # relative to the project, for messages
    text: str | None
    sha: str
    meta: dict | None = None


class FrontMatterErrors(DigestError):
    """Several problems in one content file, each printed on its own `path:line: message` line.

    The build collects one exception per file; this one keeps every problem's own line.
    """

    def __init__(self, errors: list[DigestError]):
        errors = sorted(errors, key=DigestError.sort_key)
        super().__init__(errors[0].path, errors[0].message, errors[0].line)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(DigestError.__str__(e) for e in self.errors)

    def __reduce__(self):
        return (FrontMatterErrors, (self.errors,))


def parse_article(source: Source, config: Config) -> Article:
    """One content file to an Article; raises DigestError (every front-matter problem in one)."""
    if source.meta is not None:
        end = source.text.index("\n---\n", 3)
        meta, body = source.meta, source.text[end + 5:]
    else:
        meta, body, _ = split_front_matter(source.text, source.path)
    clean, errors = validate_meta(meta, source.path, source.text, config.timezone)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise FrontMatterErrors(errors)
    title = clean["title"]
    when = clean["date"].astimezone(config.timezone)
    src = clean.get("source") or config.title
    aid = clean.get("id") or article_id(src, clean["date"], title)
    slug = clean.get("slug") or article_slug(title, f"article-{aid[:8]}")
    body_html = render_body(body)
    text = html_to_text(body_html)
    summary = clean.get("summary") or make_summary(text.split("\n"))
    url = config.article_path.format(year=f"{when.year:04d}", month=f"{when.month:02d}",
                                     day=f"{when.day:02d}", slug=slug, id=aid)
    tags = []
    # NFC: the same Hangul name typed on two systems must be one tag, not a slug clash.
    for name in dict.fromkeys(unicodedata.normalize("NFC", n) for n in clean.get("tags", ())):
        s = tag_slug(name)
        tags.append(Tag(name, s, f"tags/{s}/"))
    attribution = next((p.attribution for p in config.sources if p.name == src), "")
    return Article(
        id=aid, title=title, date=when, source=src, reporters=clean.get("reporters", ()),
        tags=tuple(tags), summary=summary, slug=slug, body_html=body_html, url=url,
        path=source.path, seed=clean.get("seed", ""), attribution=attribution,
        draft=clean["draft"], words=len(text.split()),
    )


@dataclass(frozen=True)
class Day:
    date: date
    url: str  # YYYY/MM/DD/
    articles: tuple[Article, ...]  # newest first


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    url: str
    days: tuple[Day, ...]  # newest first

    @property
    def count(self) -> int:
        return sum(len(d.articles) for d in self.days)


@dataclass(frozen=True)
class TagGroup:
    tag: Tag
    articles: tuple[Article, ...]  # newest first


@dataclass(frozen=True)
class DayLink:
    """A link to a day's edition: what an article page (and the front page's "older")
    shows. No count: adding an article to a day does not change its other pages."""

    date: date
    url: str


@dataclass(frozen=True)
class MonthLink:
    """A link to a month, as a day page shows it."""

    year: int
    month: int
    url: str


@dataclass(frozen=True)
class DayCount:
    """A day in the archive's list: link and number of articles."""

    date: date
    url: str
    count: int


@dataclass(frozen=True)
class MonthCount:
    """A month in the archive's list, with its days."""

    year: int
    month: int
    url: str
    count: int
    days: tuple[DayCount, ...]  # newest first


@dataclass(frozen=True)
class TagLink:
    tag: Tag
    count: int


def day_link(d: Day) -> DayLink:
    return DayLink(d.date, d.url)


def month_link(m: Month) -> MonthLink:
    return MonthLink(m.year, m.month, m.url)


def month_count(m: Month) -> MonthCount:
    return MonthCount(m.year, m.month, m.url, m.count,
                      tuple(DayCount(d.date, d.url, len(d.articles)) for d in m.days))


@dataclass(frozen=True)
class Site:
    """Everything the render stage needs, collected once; nothing here changes later."""

    articles: tuple[Article, ...]  # newest first
    days: tuple[Day, ...]  # newest first
    months: tuple[Month, ...]
    tags: tuple[TagGroup, ...]  # by name
    previous: dict  # article id -> older Article or None
    next: dict  # article id -> newer Article or None
    related: dict  # article id -> tuple of Articles


def newest_first(a: Article):
    return (-a.date.timestamp(), a.id)


def select(articles, now: datetime, drafts: bool, future: bool):
    return [a for a in articles if (drafts or not a.draft) and (future or a.date <= now)]


def field_line(path: str, *keys: str) -> int | None:
    """The front-matter line of the first of `keys` the file has (only read on error)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n in (key_line(text, k) for k in keys) if n), None)


def _at(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def check_collisions(articles, config: Config) -> list[DigestError]:
    """Two articles at one URL, one id twice, two tags on one slug: each named with both files and lines."""
    errors = []
    by_url, by_id, by_tag = {}, {}, {}
    for a in articles:
        if a.url in by_url:
            # The slug comes from the `slug:` key, or else from the title.
            other = by_url[a.url].path
            errors.append(DigestError(a.path, f"slug: {a.slug!r} gives the same page /{a.url} as "
                                              f"{_at(other, field_line(other, 'slug', 'title'))}",
                                      field_line(a.path, "slug", "title")))
        else:
            by_url[a.url] = a
        if a.id in by_id:
            other = by_id[a.id].path
            errors.append(DigestError(a.path, f"id: {a.id} is also the id of {_at(other, field_line(other, 'id'))}",
                                      field_line(a.path, "id", "title")))
        else:
            by_id[a.id] = a
        for t in a.tags:
            other = by_tag.setdefault(t.slug, (t.name, a.path))
            if other[0] != t.name:
                errors.append(DigestError(a.path, f"tags: tag {t.name!r} and tag {other[0]!r} "
                                                  f"({_at(other[1], field_line(other[1], 'tags'))}) "
                                                  f"would share the page tags/{t.slug}/; rename one",
                                          field_line(a.path, "tags")))
    return errors


def collect(articles, related_count: int = 5, related_ids=None, stamps: dict | None = None) -> Site:
    """Days, months, tags, neighbours and related articles, all newest first.

    `related_ids`, when given, works out related articles instead of computing them all:
    a function (ordered articles, by_tag, stamps) -> {article id: related ids}, such as
    `update_related` with the previous build's result. `stamps` (article id -> POSIX
    time of its date) saves computing them when the caller has them."""
    if stamps is None:
        stamps = {a.id: a.date.timestamp() for a in articles}
    ordered = tuple(sorted(articles, key=lambda a: (-stamps[a.id], a.id)))  # = newest_first
    by_day: dict[date, list] = defaultdict(list)
    for a in ordered:
        by_day[a.date.date()].append(a)
    days = tuple(Day(d, f"{d.year:04d}/{d.month:02d}/{d.day:02d}/", tuple(items))
                 for d, items in sorted(by_day.items(), reverse=True))
    by_month = defaultdict(list)
    for d in days:
        by_month[(d.date.year, d.date.month)].append(d)
    months = tuple(Month(y, m, f"{y:04d}/{m:02d}/", tuple(ds)) for (y, m), ds in sorted(by_month.items(), reverse=True))
    by_tag: dict[str, list] = defaultdict(list)
    tag_of: dict[str, Tag] = {}
    for a in ordered:
        for t in a.tags:
            by_tag[t.slug].append(a)
            tag_of.setdefault(t.slug, t)
    tags = tuple(TagGroup(tag_of[s], tuple(items)) for s, items in
                 sorted(by_tag.items(), key=lambda kv: (tag_of[kv[0]].name.casefold(), kv[0])))
    previous, nxt = {}, {}
    for i, a in enumerate(ordered):
        nxt[a.id] = ordered[i - 1] if i > 0 else None
        previous[a.id] = ordered[i + 1] if i + 1 < len(ordered) else None
    if related_ids is None:
        related = related_articles(ordered, by_tag, related_count, stamps=stamps)
    else:
        related = related_ids(ordered, by_tag, stamps)
    by_id = {a.id: a for a in ordered}
    related = {a.id: tuple([by_id[i] for i in related[a.id]]) for a in ordered}
    return Site(ordered, days, months, tags, previous, nxt, related)


RELATED_WINDOW = 10


def related_articles(ordered, by_tag, count: int, window: int = RELATED_WINDOW, only=None,
                     stamps: dict | None = None) -> dict:
    """Article id -> ids of its related articles: most shared tags, then nearest in time,
    then id, among each of its tags' `window` nearest articles on either side.

    The window keeps this linear in the number of articles: a tag with 3,000 articles
    would otherwise make every one of them a candidate for every other. With `only` (a
    set of ids), just those articles' related ids are computed.
    """
    stamp = stamps if stamps is not None else {a.id: a.date.timestamp() for a in ordered}
    id_lists = {slug: [a.id for a in items] for slug, items in by_tag.items()}
    related = {}
    for a in ordered:
        me = a.id
        if only is not None and me not in only:
            continue
        shared: dict[str, int] = {}
        for t in a.tags:
            ids = id_lists[t.slug]
            i = _position(ids, me, stamp)
            for b in ids[max(0, i - window): i + window + 1]:
                shared[b] = shared.get(b, 0) + 1
        shared.pop(me, None)
        when = stamp[me]
        ranked = sorted(shared, key=lambda b: (-shared[b], abs(stamp[b] - when), b))
        related[me] = tuple(ranked[:count])
    return related


def _position(ids: list, me: str, stamp: dict) -> int:
    """Index of `me` in a tag's id list (sorted newest first, then by id): a binary search."""
    key = (-stamp[me], me)
    lo, hi = 0, len(ids)
    while lo < hi:
        mid = (lo + hi) // 2
        other = ids[mid]
        if (-stamp[other], other) < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


def update_related(previous: dict, old_shape: dict, new_shape: dict, moved: set, count: int,
                   window: int = RELATED_WINDOW):
    """A `related_ids` function for collect: the previous build's related ids, recomputed
    only for articles whose candidate windows can differ.

    `old_shape`/`new_shape` map article id -> (timestamp, tag slugs) for the previous and
    this build; `moved` holds the ids whose entry differs (added, removed, re-dated,
    retagged). An article's windows are unchanged unless a moved article lies within
    `window` places of it in one of its tags' lists, before or after the change; an
    article whose windows and tags are unchanged (and whose candidates kept their dates,
    else they would have moved) has the same related articles.
    """
    def compute(ordered, by_tag, stamps):
        redo = {i for i in moved if i in new_shape}
        touched = {slug for i in moved for shape in (old_shape.get(i), new_shape.get(i)) if shape
                   for slug in shape[1]}
        for slug in touched:
            new_ids = [a.id for a in by_tag.get(slug, ())]
            old_ids = sorted((i for i, shape in old_shape.items() if slug in shape[1]),
                             key=lambda i: (-old_shape[i][0], i))
            for ids in (new_ids, old_ids):
                for n, i in enumerate(ids):
                    if i in moved:
                        redo.update(ids[max(0, n - window): n + window + 1])
        redo &= new_shape.keys()
        redo.update(i for i in new_shape if i not in previous)
        related = {i: previous[i] for i in new_shape if i not in redo}
        related.update(related_articles(ordered, by_tag, count, window, only=redo, stamps=stamps))
        return related
    return compute
