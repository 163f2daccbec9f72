"""Load content/ into Articles and collect the site: days, months, tags, neighbours.

Loading may fail per file (every problem is collected); collecting only reads.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from .config import Config
from .content import Article, Tag, article_id, key_line, make_summary, split_front_matter, validate_meta
from .errors import DigestError
from .markup import html_to_text
from .paragraphs import render_body
from .slugs import article_slug, tag_slug


@dataclass(frozen=True)
class Source:
    """One content file's text, read from disk; its hash keys the build cache.

    `meta`, when given, is the front matter ingest emitted into `text` moments ago: a YAML
    emitter's output loads back to the same mapping, so parsing it again is skipped."""

    path: str  # relative to the project, for messages
    text: str
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
    """A day as other pages link to it. Pages that only link to a day get this rather than
    the Day, so editing one of its articles does not re-render them."""

    date: date
    url: str
    count: int


@dataclass(frozen=True)
class MonthLink:
    year: int
    month: int
    url: str
    count: int
    days: tuple[DayLink, ...]  # newest first


@dataclass(frozen=True)
class TagLink:
    tag: Tag
    count: int


def day_link(d: Day) -> DayLink:
    return DayLink(d.date, d.url, len(d.articles))


def month_link(m: Month) -> MonthLink:
    return MonthLink(m.year, m.month, m.url, m.count, tuple(day_link(d) for d in m.days))


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


def collect(articles, related_count: int = 5, related_ids: dict | None = None) -> Site:
    """Days, months, tags, neighbours and related articles, all newest first.

    `related_ids` (article id -> ids), when given, is a previous result for the same
    ids, dates and tags (the build cache keys it so), and saves recomputing it."""
    ordered = tuple(sorted(articles, key=newest_first))
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
        related_ids = related_articles(ordered, by_tag, related_count)
    by_id = {a.id: a for a in ordered}
    related = {a.id: tuple([by_id[i] for i in related_ids[a.id]]) for a in ordered}
    return Site(ordered, days, months, tags, previous, nxt, related)


def related_articles(ordered, by_tag, count: int, window: int = 10) -> dict:
    """Article id -> ids of its related articles: most shared tags, then nearest in time,
    then id, among each of its tags' `window` nearest articles on either side.

    The window keeps this linear in the number of articles: a tag with 3,000 articles
    would otherwise make every one of them a candidate for every other.
    """
    stamp = {a.id: a.date.timestamp() for a in ordered}
    position = {}
    id_lists = {}
    for slug, items in by_tag.items():
        ids = [a.id for a in items]
        id_lists[slug] = ids
        for i, aid in enumerate(ids):
            position[(slug, aid)] = i
    related = {}
    for a in ordered:
        me = a.id
        shared: dict[str, int] = {}
        for t in a.tags:
            ids = id_lists[t.slug]
            i = position[(t.slug, me)]
            for b in ids[max(0, i - window): i + window + 1]:
                shared[b] = shared.get(b, 0) + 1
        shared.pop(me, None)
        when = stamp[me]
        ranked = sorted(shared, key=lambda b: (-shared[b], abs(stamp[b] - when), b))
        related[me] = tuple(ranked[:count])
    return related
