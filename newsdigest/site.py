"""Load content/ into Articles and collect the site: days, months, tags, neighbours.

Loading may fail per file (every problem is collected); collecting only reads.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple
from collections.abc import Sequence

from .config import Config
from .content import (Article, Tag, article_id, key_line, make_summary, split_front_matter, validate_meta,
                      xml_illegal_character)
from .errors import DigestError, shown
from .markup import MarkdownTooSlow, html_to_text
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
    illegal = xml_illegal_character(source.text, source.path)
    if illegal:
        raise illegal
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
    try:
        body_html = render_body(body)
    except MarkdownTooSlow as e:
        raise DigestError(source.path, f"the body took over {e.args[0]:g} s to render as Markdown "
                                       "(Python-Markdown is slow on some input); simplify or shorten it")
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
        draft=clean["draft"], words=len(text.split()), source_url=clean.get("url", ""),
    )


class Articles(Sequence):
    """Articles by id, newest first, each loaded when first used: a sequence (iterate it,
    index it, slice it, take its length) that templates use like a tuple. An incremental
    build then loads only the articles of the pages it renders, not all 10,000."""

    __slots__ = ("ids", "load")

    def __init__(self, ids, load):
        self.ids = tuple(ids)
        self.load = load  # article id -> Article

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Articles(self.ids[i], self.load)
        return self.load(self.ids[i])

    def __iter__(self):
        return map(self.load, self.ids)

    def __eq__(self, other) -> bool:  # the same articles in the same order
        return self.ids == other.ids if isinstance(other, Articles) else NotImplemented

    def __hash__(self) -> int:  # Day, Month and TagGroup stay hashable
        return hash(self.ids)

    def __repr__(self) -> str:
        return f"Articles({list(self.ids)!r})"


@dataclass(frozen=True)
class Day:
    date: date
    url: str  # YYYY/MM/DD/
    articles: Articles  # newest first


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
    articles: Articles  # newest first


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
    """Everything the render stage needs, collected once; nothing here changes later.
    Articles are reached through `articles` (or a day's, month's or tag's) and loaded when
    first used."""

    articles: Articles  # newest first
    days: tuple[Day, ...]  # newest first
    months: tuple[Month, ...]
    tags: tuple[TagGroup, ...]  # by name
    related: dict  # article id -> ids of its related articles
    facts: dict  # article id -> Facts

    def previous(self, i: int):
        """The article after position i of `articles` (the next older one), or None."""
        return self.articles[i + 1] if i + 1 < len(self.articles) else None

    def next(self, i: int):
        """The article before position i of `articles` (the next newer one), or None."""
        return self.articles[i - 1] if i > 0 else None


class Facts(NamedTuple):
    """What a build needs to know of an article without loading it: where it goes, when,
    and under which tags. A function of its content file and the config, so the build
    cache keeps it by the file's hash."""

    id: str
    path: str
    slug: str
    draft: bool
    stamp: float  # POSIX time of its date
    url: str
    day: str  # the day's URL, YYYY/MM/DD/
    tags: tuple  # ((slug, name), ...)

    @property
    def shape(self) -> tuple:
        """What places it on pages: (stamp, url, day, tags). Equal shapes, equal places."""
        return self[4:]


def article_facts(a: Article) -> Facts:
    d = a.date
    return Facts(a.id, a.path, a.slug, a.draft, d.timestamp(), a.url,
                 f"{d.year:04d}/{d.month:02d}/{d.day:02d}/", tuple([(t.slug, t.name) for t in a.tags]))


def select(articles, now: datetime, drafts: bool, future: bool):
    return [a for a in articles if (drafts or not a.draft) and (future or a.date <= now)]


def select_facts(facts, now: datetime, drafts: bool, future: bool):
    """`select` for Facts: the same choice (timestamps order as dates do)."""
    limit = now.timestamp()
    return [f for f in facts if (drafts or not f.draft) and (future or f.stamp <= limit)]


def field_line(path: str, *keys: str) -> int | None:
    """The front-matter line of the first of `keys` the file has (only read on error)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n in (key_line(text, k) for k in keys) if n), None)


def check_collisions(facts, config: Config) -> list[DigestError]:
    """Two articles at one URL, one id twice, two tags on one slug: each named with both
    files and lines. `facts`: Facts (or Articles, through article_facts)."""
    errors = []
    by_url, by_id, by_tag = {}, {}, {}
    for a in facts:
        if type(a) is not Facts:
            a = article_facts(a)
        if a.url in by_url:
            # The slug comes from the `slug:` key, or else from the title.
            other = by_url[a.url].path
            errors.append(DigestError(a.path, f"slug: {a.slug!r} gives the same page /{a.url} as "
                                              f"{shown(other, field_line(other, 'slug', 'title'))}",
                                      field_line(a.path, "slug", "title")))
        else:
            by_url[a.url] = a
        if a.id in by_id:
            other = by_id[a.id].path
            errors.append(DigestError(a.path, f"id: {a.id} is also the id of {shown(other, field_line(other, 'id'))}",
                                      field_line(a.path, "id", "title")))
        else:
            by_id[a.id] = a
        for slug, name in a.tags:
            other = by_tag.setdefault(slug, (name, a.path))
            if other[0] != name:
                errors.append(DigestError(a.path, f"tags: tag {name!r} and tag {other[0]!r} "
                                                  f"({shown(other[1], field_line(other[1], 'tags'))}) "
                                                  f"would share the page tags/{slug}/; rename one",
                                          field_line(a.path, "tags")))
    return errors


def collect(articles, related_count: int = 5) -> Site:
    """The site of these Articles (all in memory): see collect_facts."""
    by_id = {a.id: a for a in articles}
    return collect_facts({a.id: article_facts(a) for a in articles}, by_id.__getitem__, related_count)


def collect_facts(facts: dict, load, related_count: int = 5, related_ids=None) -> Site:
    """Days, months, tags, neighbours and related articles, all newest first, from the
    articles' Facts (id -> Facts) alone; `load` (id -> Article) is called only for the
    articles a page or feed actually shows.

    `related_ids`, when given, works out related articles instead of computing them all:
    a function (ordered ids, by_tag, facts) -> {article id: related ids}, such as
    `update_related` with the previous build's result."""
    order = tuple(sorted(facts, key=lambda i: (-facts[i].stamp, i)))  # newest first, then by id
    by_day: dict[str, list] = defaultdict(list)
    by_tag: dict[str, list] = defaultdict(list)
    tag_name: dict[str, str] = {}
    for i in order:
        f = facts[i]
        by_day[f.day].append(i)
        for slug, name in f.tags:
            by_tag[slug].append(i)
            tag_name.setdefault(slug, name)
    days = tuple(Day(date(int(u[:4]), int(u[5:7]), int(u[8:10])), u, Articles(ids, load))
                 for u, ids in sorted(by_day.items(), reverse=True))
    by_month = defaultdict(list)
    for d in days:
        by_month[(d.date.year, d.date.month)].append(d)
    months = tuple(Month(y, m, f"{y:04d}/{m:02d}/", tuple(ds)) for (y, m), ds in sorted(by_month.items(), reverse=True))
    tags = tuple(TagGroup(Tag(tag_name[s], s, f"tags/{s}/"), Articles(ids, load)) for s, ids in
                 sorted(by_tag.items(), key=lambda kv: (tag_name[kv[0]].casefold(), kv[0])))
    if related_ids is None:
        related = related_articles(order, by_tag, facts, related_count)
    else:
        related = related_ids(order, by_tag, facts)
    return Site(Articles(order, load), days, months, tags, related, facts)


RELATED_WINDOW = 10


def related_articles(order, by_tag, facts, count: int, window: int = RELATED_WINDOW, only=None) -> dict:
    """Article id -> ids of its related articles: most shared tags, then nearest in time,
    then id, among each of its tags' `window` nearest articles on either side.

    `order` is every id newest first, `by_tag` tag slug -> ids newest first. The window
    keeps this linear in the number of articles: a tag with 3,000 articles would otherwise
    make every one of them a candidate for every other. With `only` (a set of ids), just
    those articles' related ids are computed.
    """
    related = {}
    for me in order:
        if only is not None and me not in only:
            continue
        shared: dict[str, int] = {}
        for slug, _ in facts[me].tags:
            ids = by_tag[slug]
            i = _position(ids, me, facts)
            for b in ids[max(0, i - window): i + window + 1]:
                shared[b] = shared.get(b, 0) + 1
        shared.pop(me, None)
        when = facts[me].stamp
        ranked = sorted(shared, key=lambda b: (-shared[b], abs(facts[b].stamp - when), b))
        related[me] = tuple(ranked[:count])
    return related


def _position(ids: list, me: str, facts: dict) -> int:
    """Index of `me` in a tag's id list (sorted newest first, then by id): a binary search."""
    key = (-facts[me].stamp, me)
    lo, hi = 0, len(ids)
    while lo < hi:
        mid = (lo + hi) // 2
        other = ids[mid]
        if (-facts[other].stamp, other) < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


def update_related(previous: dict, old_shape: dict, new_shape: dict, moved: set, count: int,
                   window: int = RELATED_WINDOW):
    """A `related_ids` function for collect_facts: the previous build's related ids,
    recomputed only for articles whose candidate windows can differ.

    `old_shape`/`new_shape` map article id -> Facts.shape (stamp, url, day, tags) for the
    previous and this build; `moved` holds the ids whose entry differs (added,
    removed, re-dated, retagged). An article's windows are unchanged unless a moved
    article lies within `window` places of it in one of its tags' lists, before or after
    the change; an article whose windows and tags are unchanged (and whose candidates kept
    their dates, else they would have moved) has the same related articles.
    """
    def compute(order, by_tag, facts):
        redo = {i for i in moved if i in new_shape}
        touched = {slug for i in moved for shape in (old_shape.get(i), new_shape.get(i)) if shape
                   for slug, _ in shape[3]}
        old_by_tag = defaultdict(list)
        for i, shape in old_shape.items():
            for slug, _ in shape[3]:
                if slug in touched:
                    old_by_tag[slug].append(i)
        for slug in touched:
            new_ids = by_tag.get(slug, ())
            old_ids = sorted(old_by_tag[slug], key=lambda i: (-old_shape[i][0], i))
            for ids in (new_ids, old_ids):
                for n, i in enumerate(ids):
                    if i in moved:
                        redo.update(ids[max(0, n - window): n + window + 1])
        redo &= new_shape.keys()
        redo.update(i for i in new_shape if i not in previous)
        related = {i: previous[i] for i in new_shape if i not in redo}
        related.update(related_articles(order, by_tag, facts, count, window, only=redo))
        return related
    return compute
