"""Jinja2 rendering: the environment (StrictUndefined, autoescape), every template filter
(dates from dates.py, links, JSON-LD), and errors that name the template and line."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import traceback
import weakref
from pathlib import Path

import jinja2
from markupsafe import Markup

from .config import Config
from .errors import DigestError, shown
from .files import seal, unseal, write_atomic
from . import feeds
from .archives import MonthArchive, archive_feed
from .collect import reporter_url
from .dates import clock, longdate, monthname, rfc822, shortdate
from .markup import script_safe_json, url_parts
from .incremental.keys import recording
from .model import ArticleRef
from .news_sitemap import news_sitemap

TEMPLATES = ("base.html", "index.html", "article.html", "tag.html", "tags.html", "reporter.html", "day.html",
             "month.html", "archive.html", "404.html", "search.html")


class SealedBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates in sealed files (files.seal): Jinja's own loader unpickles a
    file's header and fails on a damaged one; here a file that fails its seal is only a
    miss, compiled again and rewritten."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self._get_cache_filename(bucket)
        try:
            with open(path, "rb") as f:
                payload = unseal(os.path.basename(path), f.read())
        except OSError:
            return
        if payload is not None:
            bucket.bytecode_from_string(bytes(payload))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self._get_cache_filename(bucket)
        try:
            write_atomic(path, seal(os.path.basename(path), bucket.bytecode_to_string()))
        except DigestError:
            pass  # only a cache: the next build compiles the template again


def make_env(config: Config, bytecode_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment; with `bytecode_dir`, compiled templates are kept there (keyed
    by the template's source checksum), which saves ~0.1 s per build."""
    cache = None
    if bytecode_dir is not None:
        # Compiled code depends on how the filters below are defined (and on Jinja), not
        # only on the template source that Jinja keys it by: one folder per definition.
        code = hashlib.sha1(Path(__file__).read_bytes() + jinja2.__version__.encode()).hexdigest()[:12]
        bytecode_dir = bytecode_dir / code
        try:
            bytecode_dir.mkdir(parents=True, exist_ok=True)
            cache = SealedBytecodeCache(str(bytecode_dir))
        except OSError:
            cache = None
    env = jinja2.Environment(
        bytecode_cache=cache,
        loader=jinja2.FileSystemLoader(str(config.layouts_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    base_path, base_url = config.base_path, config.base_url

    # pass_context keeps Jinja from folding `'static/style.css'|link` into a constant at
    # compile time: compiled templates are cached on disk and must not carry a base URL.
    @jinja2.pass_context
    def link(context, url):
        return base_path + url

    @jinja2.pass_context
    def absolute(context, url):
        return base_url + url

    env.globals["entry"] = _entries_once(env)
    env.filters.update(
        reporter_url=reporter_url,
        link=link,
        absolute=absolute,
        longdate=longdate, shortdate=shortdate, clock=clock, monthname=monthname,
        isodate=lambda d: d.isoformat(), rfc822=rfc822,
        news_jsonld=functools.partial(news_jsonld, language=config.language, logo=config.publisher_logo),
        host=lambda url: url_parts(url).hostname or url,
    )
    return env


ENTRIES_KEPT = 10_000  # list items _entries_once keeps


def _entries_once(env: jinja2.Environment):
    """The `entry` macro of _macros.html (an article as a list item), rendered once per
    article and arguments in a build: the pages of each of an article's tags list it alike,
    and the macro was a sixth of a cold build's rendering. Its HTML depends only on the
    article and the arguments (the macro reads no page variable). At most ENTRIES_KEPT,
    the oldest dropped first. An entry does not keep its article alive: a render worker
    keeps the articles the store keeps (store.LOADED_LIMIT), not as many again here (at
    50,000 articles, 100 MB more in the worker rendering the tag pages)."""
    rendered: dict = {}  # (id of the article, level, show_date) -> (weak reference to the article, its HTML)

    def entry(a, level=3, show_date=False) -> Markup:
        key = (id(a), level, show_date)  # an Article is frozen; hashing its fields costs a third of a render
        hit = rendered.get(key)
        if hit is None or hit[0]() is not a:  # an id is another article's only once this one is gone
            if hit is None and len(rendered) >= ENTRIES_KEPT:
                del rendered[next(iter(rendered))]
            hit = rendered[key] = (weakref.ref(a), env.get_template("_macros.html").module.entry(a, level, show_date))
        return hit[1]

    return entry


def news_jsonld(article, canonical: str, site_title: str, language: str = "", logo: str = "") -> Markup:
    """schema.org NewsArticle as JSON that is safe inside a <script> element, with the
    properties Google's article documentation lists: dates with their offsets, authors as
    Persons (the source as an Organization when no reporter is named), the publisher
    (with its logo when `publisher_logo` is set), language and free access."""
    publisher = {"@type": "Organization", "name": site_title}
    if logo:
        publisher["logo"] = {"@type": "ImageObject", "url": logo}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.date.isoformat(),
        "dateModified": article.date.isoformat(),
        "description": article.summary,
        "mainEntityOfPage": canonical,
        "url": canonical,
        "author": [{"@type": "Person", "name": r} for r in article.reporters]
        or [{"@type": "Organization", "name": article.source}],
        "publisher": publisher,
        "isAccessibleForFree": True,
        "inLanguage": language,
        "keywords": [t.name for t in article.tags],
    }
    if article.source_url:
        data["isBasedOn"] = article.source_url
    return Markup(script_safe_json(json.dumps(data, ensure_ascii=False, sort_keys=True)))


def check_templates(env: jinja2.Environment, config: Config) -> list[DigestError]:
    """Compile every layout up front, the required ones and any other template in layouts/
    (_macros.html, a user's partials), so a syntax error or a file that is not UTF-8 is
    reported once, before anything renders, not by every page that uses it."""
    errors = []
    try:
        others = sorted(n for n in env.list_templates(extensions=["html"])
                        if not n.startswith("static/") and n not in TEMPLATES)
    except OSError:
        others = []  # an unreadable layouts/ is reported where it is read (layouts_digest)
    for name in TEMPLATES + tuple(others):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as e:
            errors.append(DigestError(shown(config.layouts_dir / (e.filename or name)), f"template syntax error: {e.message}",
                                      e.lineno))
        except jinja2.TemplateNotFound as e:
            errors.append(DigestError(shown(config.layouts_dir / name), f"missing layout (needed: {e.name})"))
        except UnicodeDecodeError as e:
            errors.append(DigestError(shown(config.layouts_dir / name), f"not UTF-8 text (byte {e.start}); save the "
                                                                        "file as UTF-8"))
    return errors


def _archive_feed(config: Config, **doc) -> str:
    return archive_feed(MonthArchive(**doc), config)


# The writers of the planned files that are not HTML pages: Page.template -> function
# (config, **context) -> text or bytes.
WRITERS = {
    "rss": feeds.rss_file,
    "atom": feeds.atom_file,
    "json_feed": lambda config, articles: feeds.json_feed(articles, config),
    "archive_feed": _archive_feed,
    "news_sitemap": lambda config, articles: news_sitemap(articles, config),
    "sitemap": lambda config, urls, lastmod: feeds.sitemap(urls, lastmod, config),
    "sitemap_index": lambda config, paths: feeds.sitemap_index(paths, config),
    "robots": lambda config, more_sitemaps: feeds.robots(config, more_sitemaps),
    "copy": lambda config, data: data,
    "static": lambda config, data: data,  # a file of layouts/static/
}


def render_output(env: jinja2.Environment, page, config: Config) -> tuple[bytes, tuple | None]:
    """One planned file (plan.Page) as bytes, and what it read of its context: an HTML
    page's reads of the context's frozen values (incremental.keys.Recorder), None for
    a file made by a writer (its whole context counts)."""
    if page.template.endswith(".html"):
        text, reads = render_page(env, page, config)
        return text.encode("utf-8"), reads
    out = WRITERS[page.template](config, **page.context)
    return (out if type(out) is bytes else out.encode("utf-8")), None


def render_page(env: jinja2.Environment, page, config: Config) -> tuple[str, tuple]:
    """One planned HTML page as text, and the fields of its context's frozen values that
    its template read (sorted). An ArticleRef in the context reaches the template as the
    Article itself."""
    context, reads = recording({k: v.load(v.id) if type(v) is ArticleRef else v for k, v in page.context.items()})
    try:
        return env.get_template(page.template).render(**context), tuple(sorted(reads))
    except jinja2.TemplateSyntaxError as e:
        raise DigestError(shown(config.layouts_dir / (e.filename or page.template)), f"template syntax error: {e.message}",
                          e.lineno)
    except Exception as e:  # an error inside a template: point at the template line
        path, line = page.template, None
        for frame in reversed(traceback.extract_tb(e.__traceback__)):
            if frame.filename.endswith(".html") and os.path.exists(frame.filename):
                path, line = frame.filename, frame.lineno
                break
        message = e.message if isinstance(e, jinja2.TemplateError) and e.message else f"{type(e).__name__}: {e}"
        raise DigestError(shown(config.layouts_dir / path), f"{message} (rendering {page.output})", line) from e

