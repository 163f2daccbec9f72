"""The model: the frozen values templates see, and the Site they are collected into.

Templates get these and nothing mutable: an `Article` (one content file), its `Tag`s,
`Day`s, `Month`s and `TagGroup`s (each holding an `Articles` sequence, loaded lazily),
the `SiteView` and each page's `PageInfo`. Which template sees which of them is the page
plan's contract, documented in plan.py and in README ("Layouts and template context").
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime  # noqa: F401  (in annotations)
from typing import NamedTuple


@dataclass(frozen=True)
class Tag:
    """A tag as templates see it: display name, URL slug, site-relative URL."""

    name: str
    slug: str
    url: str


@dataclass(frozen=True)
class Article:
    """One article, as read from content/ and as templates see it.

    url is site-relative (`2019/11/18/some-slug/`); templates join it to `site.base_path`
    (links) or `site.base_url` (canonical, feeds). body_html is sanitised HTML.
    """

    id: str
    title: str
    date: datetime  # aware, in the site's time zone
    source: str
    reporters: tuple[str, ...]
    tags: tuple[Tag, ...]
    summary: str
    slug: str
    body_html: str
    url: str
    path: str  # the content file, relative to the project
    seed: str
    attribution: str
    draft: bool
    words: int
    source_url: str = ""  # where the article was first published (front matter `url:`), or ""

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.words / 200))


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


class ArticleRef(NamedTuple):
    """One article named by the plan without loading it; the render stage hands templates
    the Article itself (see render.render_page), and a page key counts it as its content hash."""

    id: str
    load: Callable  # article id -> Article


@dataclass(frozen=True)
class Day:
    date: date
    url: str  # YYYY/MM/DD/
    articles: Articles  # newest first

    @property
    def count(self) -> int:
        return len(self.articles)


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

    @property
    def count(self) -> int:
        return len(self.articles)


@dataclass(frozen=True)
class Reporter:
    """A reporter as templates see it: name (as bylines give it), URL slug, site-relative URL."""

    name: str
    slug: str
    url: str  # reporters/<slug>/


@dataclass(frozen=True)
class ReporterGroup:
    reporter: Reporter
    articles: Articles  # newest first

    @property
    def count(self) -> int:
        return len(self.articles)


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
    reporters: tuple[ReporterGroup, ...] = ()  # by name

    def previous(self, i: int):
        """The article after position i of `articles` (the next older one), or None."""
        return self.articles[i + 1] if i + 1 < len(self.articles) else None

    def next(self, i: int):
        """The article before position i of `articles` (the next newer one), or None."""
        return self.articles[i - 1] if i > 0 else None


@dataclass(frozen=True)
class NavLink:
    title: str
    url: str


@dataclass(frozen=True)
class SiteView:
    title: str
    description: str
    language: str
    base_url: str
    base_path: str
    feed_url: str  # site-relative
    atom_url: str
    json_feed_url: str
    nav: tuple[NavLink, ...]
    timezone: str
    search_url: str | None  # site-relative search page, None when `search: false`


@dataclass(frozen=True)
class PageInfo:
    title: str
    url: str  # site-relative, "" for the front page
    canonical: str
    description: str
    feed: str | None  # site-relative feed for this page, if any

