"""Collect the site from the articles' Facts: days, months, tags, neighbours, related.

Facts are what a build needs to know of an article without loading it (where it goes,
when, under which tags); collecting reads them only and returns the frozen `Site`
(model.py), whose `Articles` sequences load an article when a page first shows it.
Collisions (two articles at one URL, one id twice, two tags on one slug) are found here.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from itertools import chain
from operator import attrgetter
from typing import NamedTuple

from .config import Config
from .content import key_line
from .errors import DigestError, shown
from .incremental.changes import RelatedMemo, stale_related, tag_lists
from .model import Article, Articles, Day, Month, Reporter, ReporterGroup, Site, Tag, TagGroup
from .slugs import tag_slug


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
    title: str  # for its page's <title> and description, planned without loading it
    summary: str
    reporters: tuple  # names, as the byline gives them


def article_facts(a: Article) -> Facts:
    d = a.date
    return Facts(a.id, a.path, a.slug, a.draft, d.timestamp(), a.url,
                 f"{d.year:04d}/{d.month:02d}/{d.day:02d}/", tuple([(t.slug, t.name) for t in a.tags]),
                 a.title, a.summary, tuple(a.reporters))



def shared_facts(facts: Facts, alike: dict) -> Facts:
    """`facts` with its day, tags and reporter names as the objects `alike` (a dict the
    caller keeps for all the Facts it makes) saw first: unpickled one by one, these
    repeated values were 25 MB of copies at 50,000 articles in the build process, and so
    in each render worker it forks."""
    return facts._replace(day=alike.setdefault(facts.day, facts.day),
                          tags=tuple([alike.setdefault(t, t) for t in facts.tags]),
                          reporters=tuple([alike.setdefault(r, r) for r in facts.reporters]))


def select_facts(facts, now: datetime, drafts: bool, future: bool):
    """The Facts a build shows: no drafts unless `drafts`, none dated after `now` unless
    `future` (timestamps order as dates do)."""
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
    facts = [a if type(a) is Facts else article_facts(a) for a in facts]
    if _none_collide(facts):
        return []
    errors = []
    by_url, by_id, by_tag = {}, {}, {}
    for a in facts:
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


_ID, _URL, _TAGS = attrgetter("id"), attrgetter("url"), attrgetter("tags")


def _none_collide(facts: list) -> bool:
    """No two Facts share a URL or an id, and no tag slug has two names: what the loop of
    check_collisions finds, in C loops (an added article at 50,000 checks them all)."""
    tags = set(chain.from_iterable(map(_TAGS, facts)))  # (slug, name) pairs
    return (len(set(map(_URL, facts))) == len(facts) and len(set(map(_ID, facts))) == len(facts)
            and len({slug for slug, _ in tags}) == len(tags))


def collect_facts(facts: dict, load, related_count: int = 5, last: RelatedMemo | None = None) -> Site:
    """Days, months, tags, neighbours and related articles, all newest first, from the
    articles' Facts (id -> Facts) alone; `load` (id -> Article) is called only for the
    articles a page or feed actually shows. `last`: the previous build's related lists
    and what they read (see related_articles)."""
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
    reporters = reporter_groups(order, facts, load)
    redo = None if last is None else stale_related(last, tag_lists(by_tag, facts), RELATED_WINDOW) | (
        facts.keys() - last.related.keys())
    related = related_articles(order, by_tag, facts, related_count, only=redo)
    if redo is not None:
        related = {i: related[i] if i in redo else last.related[i] for i in order}
    return Site(Articles(order, load), days, months, tags, related, facts, reporters)


def site_tables(site: Site) -> dict[str, dict]:
    """The Site as the tables a plan entry reads entry by entry (plan.py, through
    incremental.depends.PlanSite), each in the site's order: article id -> Facts, ->
    (newer id, older id) and -> related ids; day URL -> Day and -> (newer, older) day URLs;
    month URL -> Month and its neighbours; tag slug -> TagGroup; reporter slug -> ReporterGroup."""
    ids = site.articles.ids
    facts = site.facts
    return {
        "articles": {i: facts[i] for i in ids},
        "neighbours": _neighbours(ids),
        "related": site.related,
        "days": {d.url: d for d in site.days},
        "day_neighbours": _neighbour_urls(site.days),
        "months": {m.url: m for m in site.months},
        "month_neighbours": _neighbour_urls(site.months),
        "tags": {g.tag.slug: g for g in site.tags},
        "reporters": {g.reporter.slug: g for g in site.reporters},
    }


def _neighbours(keys: tuple) -> dict:
    """Key -> (the key before it, the key after it; None at either end)."""
    return dict(zip(keys, zip((None, *keys[:-1]), (*keys[1:], None))))


def _neighbour_urls(items) -> dict:
    """URL -> (newer URL, older URL) beside it in a newest-first sequence."""
    return _neighbours(tuple([x.url for x in items]))


def reporter_url(name: str) -> str:
    """A reporter's page: slugged like a tag, so names that differ only in case or
    punctuation share one page."""
    return f"reporters/{tag_slug(name)}/"


def reporter_groups(order, facts: dict, load) -> tuple:
    """Every reporter's articles (newest first), by name; a slug's first name names it."""
    by_slug: dict[str, list] = defaultdict(list)
    name_of: dict[str, str] = {}
    slug_of: dict[str, str] = {}  # a reporter signs hundreds of articles: slug each name once
    for i in order:
        for name in facts[i].reporters:
            slug = slug_of.get(name) or slug_of.setdefault(name, tag_slug(name))
            if not by_slug[slug] or by_slug[slug][-1] != i:  # one article, listed once
                by_slug[slug].append(i)
            name_of.setdefault(slug, name)
    return tuple(ReporterGroup(Reporter(name_of[s], s, reporter_url(name_of[s])), Articles(ids, load))
                 for s, ids in sorted(by_slug.items(), key=lambda kv: (name_of[kv[0]].casefold(), kv[0])))


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
        # Sort keys built in one comprehension: a key function would be a call per candidate.
        ranked = sorted([(-n, abs(facts[b].stamp - when), b) for b, n in shared.items()])
        related[me] = tuple([b for _, _, b in ranked[:count]])
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
