"""config.yaml: declared once, validated in one pass, frozen.

Every problem is collected and reported together as `config.yaml:LINE: key: expected ...`.
"""
from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import DigestError, Rejected, brief, shown
from .markup import url_parts, xml_forbidden, xml_forbidden_problem
from .yamlload import NoAliasLoader, SafeLoader


@dataclass(frozen=True)
class SourceProfile:
    """How to read one outlet's scraped text (see README, "Source profiles")."""

    name: str
    detect: re.Pattern | None
    header: bool
    date_line: re.Pattern | None
    timezone: ZoneInfo
    signoff: re.Pattern | None
    reporter_line: re.Pattern | None
    source_line: re.Pattern | None
    drop: tuple[re.Pattern, ...]
    attribution: str
    undated: str = "first-seen"  # what a seed with no date gets: one of UNDATED_POLICIES
    file_name: re.Pattern | None = None  # seeds whose file name matches are read with this profile
    fields: tuple[tuple[str, str], ...] = ()  # records files: (our field, the record's key)
    html: HtmlProfile | None = None


@dataclass(frozen=True)
class HtmlProfile:
    """How to read one outlet's HTML article pages (README, "HTML article pages").

    Selectors are kept as text (CSS, or XPath when they start with `/` or `(`): compiled
    selectors cannot be sent to the worker processes that read seeds."""

    url: re.Pattern  # chooses the profile: matched against the page's canonical URL and og:url
    title: str
    date: str | None
    body: str | None
    reporter: str | None
    drop: tuple[str, ...]


@dataclass(frozen=True)
class TagDef:
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    path: Path
    title: str
    description: str
    base_url: str
    language: str
    timezone: ZoneInfo
    seeds_dir: Path
    content_dir: Path
    layouts_dir: Path
    output_dir: Path
    cache_dir: Path
    articles_per_page: int
    feed_items: int
    article_path: str
    cname: str
    page_size_budget_kb: int
    max_seed_kb: int
    max_content_kb: int
    title_hits: int
    body_hits: int
    max_tags: int
    sources: tuple[SourceProfile, ...]
    tags: tuple[TagDef, ...]
    publisher_logo: str = ""  # absolute URL of the JSON-LD publisher logo, or ""
    websub_hub: str = ""  # WebSub hub URL, or "" for none
    search: bool = True
    digest: str = field(default="", compare=False)
    max_html_kb: int = 10240

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, e.g. `/repo/` (always starts and ends with `/`)."""
        return urlsplit(self.base_url).path or "/"

    @property
    def folders(self) -> dict[str, Path]:
        """The project's folders by name, as folder_overlaps takes them."""
        return {"project": self.path.parent, "seeds": self.seeds_dir, "content": self.content_dir,
                "layouts": self.layouts_dir, "output": self.output_dir, "cache": self.cache_dir}


# key: (type, default, meaning). The README's configuration table mirrors this.
TOP_KEYS = {
    "title": (str, "Newsdigest", "site title"),
    "description": (str, "", "site description (feeds, meta tags)"),
    "base_url": (str, "http://127.0.0.1:8000/", "public URL of the site, with sub-path"),
    "language": (str, "en", "language code of the pages and feeds"),
    "timezone": (str, "Asia/Seoul", "IANA time zone for day grouping and display"),
    "paths": (dict, {}, "folders, relative to config.yaml"),
    "articles_per_page": (int, 20, "articles on the front page and each tag page"),
    "feed_items": (int, 20, "newest items in each feed"),
    "article_path": (str, "{year}/{month}/{day}/{slug}/", "article URL pattern"),
    "cname": (str, "", "custom domain written to CNAME (empty: no CNAME)"),
    "page_size_budget_kb": (int, 512, "largest HTML page `check` accepts, in KB"),
    "max_seed_kb": (int, 1024, "largest seed file ingest accepts, in KB"),
    "max_html_kb": (int, 10240, "largest HTML seed (article page) ingest accepts, in KB"),
    "max_content_kb": (int, 1024, "largest content file the build accepts, in KB"),
    "tagging": (dict, {}, "tag assignment thresholds"),
    "sources": (list, None, "source profiles, tried in order"),
    "tags": (dict, {}, "tag vocabulary: display name -> aliases"),
    "publisher_logo": (str, "", "publisher logo in the articles' JSON-LD: URL or site path"),
    "websub_hub": (str, "", "WebSub hub the feeds name and `ping` notifies (empty: none)"),
    "search": (bool, True, "build the Pagefind search index and the /search/ page"),
}
PATH_KEYS = {"seeds": "seeds", "content": "content", "layouts": "layouts", "output": "site", "cache": ".cache"}
TAGGING_KEYS = {"title_hits": 1, "body_hits": 2, "max_tags": 5}
SOURCE_KEYS = {
    "name": str, "detect": (str, type(None)), "header": bool, "date_line": (str, type(None)),
    "timezone": str, "signoff": (str, type(None)), "reporter_line": (str, type(None)),
    "source_line": (str, type(None)), "drop": list, "attribution": str,
    "undated": str, "file_name": (str, type(None)), "fields": dict, "html": dict,
}
HTML_KEYS = {"url": str, "title": str, "date": str, "body": str, "reporter": str, "drop": list}
# A seed that states no date: `first-seen` takes a date in the file name, else the time
# ingest first saw the seed (kept in content/.ingest.json); `filename` only the file name;
# `reject` refuses it.
UNDATED_POLICIES = ("first-seen", "filename", "reject")
# The fields of a records file's record that `fields:` may map to the record's own keys.
RECORD_FIELDS = ("title", "date", "text", "url", "author", "source")
ARTICLE_PATH_FIELDS = {"year", "month", "day", "slug", "id"}


def _duplicate_keys(node, prefix=()) -> list[tuple[tuple, int, int]]:
    """(key path, line, first line) for each key given twice in one mapping.

    YAML loaders keep the last value silently; a setting written twice is a mistake
    whichever copy the author meant.
    """
    found = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                found.append((prefix + (name,), key.start_mark.line + 1, seen[name]))
            else:
                seen[name] = key.start_mark.line + 1
            found += _duplicate_keys(value, prefix + (name,))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, prefix + (i,))
    return found


def _line_index(node, prefix=()) -> dict[tuple, int]:
    """Map each key path in a composed YAML tree to its 1-based line (the first, if repeated)."""
    lines = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = prefix + (str(key.value),)
            if sub in lines:
                continue
            lines.update(_line_index(value, sub))
            lines[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, prefix + (i,)))
    return lines


def _type_name(t) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", dict: "a mapping",
             list: "a list", type(None): "null"}
    if isinstance(t, tuple):
        return " or ".join(names[x] for x in t)
    return names[t]


def _is(value, t) -> bool:
    if t is int or (isinstance(t, tuple) and int in t):
        if isinstance(value, bool):
            return False
    return isinstance(value, t)


class _Problems:
    """The problems found in one config file, each on the line of the key it is about
    (or of the nearest key above it): called as `err(keypath, message)`."""

    def __init__(self, where: str, lines: dict[tuple, int]):
        self.where, self.lines = where, lines
        self.errors: list[DigestError] = []

    def __call__(self, keypath: tuple, message: str) -> None:
        line = None
        for i in range(len(keypath), -1, -1):
            if keypath[:i] in self.lines:
                line = self.lines[keypath[:i]]
                break
        name = ".".join(str(k) for k in keypath)
        self.errors.append(DigestError(self.where, f"{name}: {message}" if name else message, line))


def load_config(path: Path, base_url: str | None = None) -> Config:
    """Read and validate config.yaml; raise Rejected(exit_code=2) listing every problem."""
    path = Path(path).resolve()
    where = shown(path)
    text, data, node = _read_yaml(path, where)
    err = _Problems(where, _line_index(node) if data is not None else {})
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise Rejected([DigestError(where, "expected a mapping of settings at the top level", 1)], exit_code=2)
    for keypath, line, first in _duplicate_keys(node):
        name = ".".join(str(k) for k in keypath)
        err.errors.append(DigestError(where, f"{name}: duplicate key (also on line {first})", line))
    values = _top_values(data, err)
    get = lambda k: values.get(k, TOP_KEYS[k][1])  # noqa: E731
    for keypath, char in _xml_forbidden_in(data):  # a site title, a tag name, ... goes into every feed
        err(keypath, xml_forbidden_problem(char))

    if base_url is not None:
        values["base_url"] = base_url
    url = _base_url(get("base_url"), base_url is not None, err)
    hub, logo = _hub_and_logo(get("websub_hub"), get("publisher_logo"), url, err)
    timezone = _zone(get("timezone"), ("timezone",), err)
    paths = _settings(get("paths"), PATH_KEYS, ("paths",), err, _folder_name_problem)
    tagging = _settings(get("tagging"), TAGGING_KEYS, ("tagging",), err, _positive_problem)
    for key in ("articles_per_page", "feed_items", "page_size_budget_kb", "max_seed_kb", "max_html_kb",
                "max_content_kb"):
        if key in values and _positive_problem(values[key]):
            err((key,), _positive_problem(values[key]))
    if all(isinstance(v, str) and v for v in paths.values()):
        for key, problem in folder_overlaps({"project": path.parent, **{k: path.parent / v for k, v in paths.items()}}):
            err(("paths", key), problem)
    if "language" in values and not _LANGUAGE_TAG.fullmatch(values["language"]):
        err(("language",), f"expected a language tag like en, ko or pt-BR, got {brief(values['language'])}")
    article_path = get("article_path")
    _check_article_path(article_path, err)
    sources = _sources(get("sources"), err)
    tags = _tags(get("tags"), err)
    if err.errors:
        raise Rejected(err.errors, exit_code=2)
    root = path.parent
    return Config(
        path=path,
        title=get("title"), description=get("description"), base_url=url,
        language=get("language"), timezone=timezone,
        seeds_dir=root / paths["seeds"], content_dir=root / paths["content"],
        layouts_dir=root / paths["layouts"], output_dir=root / paths["output"],
        cache_dir=root / paths["cache"],
        articles_per_page=get("articles_per_page"), feed_items=get("feed_items"),
        article_path=article_path, cname=get("cname").strip(),
        page_size_budget_kb=get("page_size_budget_kb"), max_seed_kb=get("max_seed_kb"),
        max_html_kb=get("max_html_kb"), max_content_kb=get("max_content_kb"),
        title_hits=tagging["title_hits"], body_hits=tagging["body_hits"], max_tags=tagging["max_tags"],
        sources=tuple(sources), tags=tuple(tags), search=get("search"),
        publisher_logo=logo, websub_hub=hub,
        digest=hashlib.sha1((text + "\0" + url).encode()).hexdigest(),
    )


def _read_yaml(path: Path, where: str):
    """The file's text, its data and its node tree; a file that cannot be read or parsed
    is one problem (Rejected, exit 2), with nothing else to check."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise Rejected([DigestError(where, f"cannot read config: {e.strerror}")], exit_code=2)
    except UnicodeDecodeError:
        raise Rejected([DigestError(where, "config is not UTF-8 text")], exit_code=2)
    try:
        data = yaml.load(text, Loader=NoAliasLoader)  # first: walking an alias bomb's nodes never ends
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(e, "problem", None) or str(e)
        raise Rejected([DigestError(where, f"invalid YAML: {problem}", line)], exit_code=2)
    return text, data, node


def _xml_forbidden_in(data, keypath: tuple = ()):
    """(keypath, character) for each string of the config, key or value, that holds a
    character XML forbids."""
    if isinstance(data, str):
        char = xml_forbidden(data)
        if char:
            yield keypath, char
    elif isinstance(data, dict):
        for key, value in data.items():
            char = xml_forbidden(key) if isinstance(key, str) else None
            if char:
                yield keypath + (key,), char
            yield from _xml_forbidden_in(value, keypath + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _xml_forbidden_in(value, keypath + (i,))


def _top_values(data: dict, err) -> dict:
    """The top-level settings that are known and of their declared type."""
    values = {}
    for key, value in data.items():
        if key not in TOP_KEYS:
            err((key,), f"unknown key (known: {', '.join(TOP_KEYS)})")
            continue
        t = TOP_KEYS[key][0]
        if not _is(value, t):
            err((key,), f"expected {_type_name(t)}, got {type(value).__name__} {brief(value)}")
            continue
        values[key] = value
    return values


def _base_url(url: str, overridden: bool, err) -> str:
    """base_url with its trailing slash; when --base-url gave it, a problem names that."""
    problem = base_url_problem(url)
    if problem and overridden:  # the override is what is wrong, not the file
        err.errors.append(DigestError("--base-url", f"{problem}, got {brief(url)}"))
    elif problem:
        err(("base_url",), f"{problem}, got {brief(url)}")
    elif not url.endswith("/"):
        url += "/"
    return url


def _hub_and_logo(hub: str, logo: str, url: str, err) -> tuple[str, str]:
    """websub_hub, and publisher_logo as an absolute URL (a site path is put under `url`)."""
    hub = hub.strip()
    if hub and not _is_http_url(hub):
        err(("websub_hub",), f"expected an absolute http(s) URL or empty, got {hub!r}")
    logo = logo.strip()
    if url_parts(logo).scheme or logo.startswith("/"):
        if not _is_http_url(logo):
            err(("publisher_logo",), f"expected an absolute http(s) URL or a path inside the site "
                                     f"(like static/logo.png), got {brief(logo)}")
    elif logo:
        logo = url + logo  # a path inside the site: absolute, under base_url
    return hub, logo


def _settings(given: dict, defaults: dict, keypath: tuple, err, problem) -> dict:
    """A mapping of settings over its defaults; `problem(value)`: why a value is wrong, or None."""
    settings = dict(defaults)
    for key, value in given.items():
        if key not in defaults:
            err(keypath + (key,), f"unknown key (known: {', '.join(defaults)})")
        elif problem(value):
            err(keypath + (key,), problem(value))
        else:
            settings[key] = value
    return settings


# The folders a run writes, and the folders each must keep apart from: the output folder
# is replaced whole by a full build, the cache holds pickles and lock files, and ingest
# writes content files.
FOLDERS_APART = (("output", ("project", "seeds", "content", "layouts")),
                 ("cache", ("project", "seeds", "content", "layouts", "output")),
                 ("content", ("project", "seeds", "layouts")))


def folder_overlaps(folders: dict) -> list[tuple[str, str]]:
    """(setting, problem) for each folder a run writes that is, holds, or lies inside a
    folder it must keep apart from (FOLDERS_APART). `folders`: name -> path, with
    "project" (config.yaml's folder, which may hold every other, but none of them it)."""
    where = {name: Path(path).resolve() for name, path in folders.items()}
    problems = []
    for mine, others in FOLDERS_APART:
        for other in others:
            a, b = where[mine], where[other]
            if a == b:
                relation = "is"
            elif a in b.parents:
                relation = "would hold"
            elif b in a.parents and other != "project":
                relation = "lies inside"
            else:
                continue
            name = "the project folder" if other == "project" else f"paths.{other}"
            problems.append((mine, f"{a} {relation} {name} ({b}); choose a folder of its own"))
    return problems


def _folder_name_problem(value) -> str | None:
    return None if isinstance(value, str) and value else f"expected a folder name, got {brief(value)}"


def _positive_problem(value) -> str | None:
    return None if _is(value, int) and value >= 1 else f"expected a positive integer, got {brief(value)}"


# A BCP 47 language tag's shape: the language, then subtags (script, region, variant).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")


def _check_article_path(article_path: str, err) -> None:
    try:
        parsed = [(f, spec, conversion) for _, f, spec, conversion in string.Formatter().parse(article_path)
                  if f is not None]
    except ValueError as e:
        parsed = []
        err(("article_path",), f"bad pattern: {e}")
    fields = {f for f, _, _ in parsed}
    formatted = [f for f, spec, conversion in parsed if spec or conversion]
    if formatted:  # `{year:>300}` makes folder names longer than any file system allows
        err(("article_path",), f"placeholders take no format or conversion: write {{{formatted[0]}}} "
                               f"as it is")
    elif fields - ARTICLE_PATH_FIELDS:
        err(("article_path",), f"unknown placeholder(s) {sorted(fields - ARTICLE_PATH_FIELDS)}; "
                               f"use {sorted(ARTICLE_PATH_FIELDS)}")
    elif "slug" not in fields and "id" not in fields:
        err(("article_path",), "must contain {slug} or {id} so that every article gets its own page")
    elif not article_path.endswith("/") or article_path.startswith("/"):
        err(("article_path",), "expected a relative folder pattern ending in '/', like '{year}/{month}/{day}/{slug}/'")
    elif "\\" in article_path or any(part in ("", ".", "..") for part in article_path[:-1].split("/")):
        err(("article_path",), f"{article_path!r} has an empty, '.' or '..' folder (or a backslash); "
                               "pages must stay inside the output folder")


def _sources(raw_sources, err) -> list[SourceProfile]:
    if raw_sources is None:
        err(("sources",), "missing: at least one source profile is needed to read seeds")
        raw_sources = []
    sources = []
    for i, raw in enumerate(raw_sources):
        profile = _source(raw, ("sources", i), err)
        if profile:
            sources.append(profile)
    return sources


def _tags(given: dict, err) -> list[TagDef]:
    """The tag vocabulary: each name with its aliases, no alias shared by two tags."""
    tags = []
    seen_alias: dict[str, str] = {}
    for name, aliases in given.items():
        if not isinstance(name, str) or not name.strip():
            err(("tags", name), "tag name must be a non-empty string")
            continue
        if aliases is None:
            aliases = [name]
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            err(("tags", name), f"expected a list of aliases (strings), got {brief(aliases)}")
            continue
        for alias in aliases:
            other = seen_alias.get(alias)
            if other and other != name:
                err(("tags", name), f"alias {alias!r} is also an alias of {other!r}")
            seen_alias[alias] = name
        tags.append(TagDef(name.strip(), tuple(a.strip() for a in aliases)))
    return tags


def base_url_problem(url: str) -> str | None:
    """Why a base_url cannot be the prefix of every URL of the site, or None."""
    if not _is_http_url(url):
        return "expected an absolute http(s) URL"
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return "expected no spaces or control characters"
    parts = url_parts(url)
    if "?" in url or "#" in url:
        return "expected no query (?...) or fragment (#...): every page URL is appended to it"
    if "@" in parts.netloc:
        return "expected no user name or password (user:pass@) in the URL"
    try:
        parts.port  # noqa: B018 - raises on a port out of range or not a number
    except ValueError:
        return "expected a port between 0 and 65535"
    if not parts.hostname:
        return "expected a host name"
    return None


def _is_http_url(url: str) -> bool:
    parts = url_parts(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _zone(name, keypath, err):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        err(keypath, f"unknown IANA time zone {name!r} (e.g. Asia/Seoul, UTC)")
        return ZoneInfo("UTC")


def _source(raw, keypath, err) -> SourceProfile | None:
    if not isinstance(raw, dict):
        err(keypath, f"expected a mapping (a source profile), got {brief(raw)}")
        return None
    # Bad keys are reported and set aside; the rest of the profile is still checked so
    # that one run lists every problem in it.
    raw, ok = _source_keys(raw, keypath, err)
    undated = raw.get("undated", "first-seen")
    if undated not in UNDATED_POLICIES:
        err(keypath + ("undated",), f"expected one of {', '.join(UNDATED_POLICIES)}, got {brief(undated)}")
        ok = False
    fields, fields_ok = _record_fields(raw.get("fields", {}), keypath, err)

    def pattern(key, groups=()):
        return _pattern(raw.get(key), keypath + (key,), err, groups)

    detect = pattern("detect")
    profile = SourceProfile(
        name=raw.get("name", "").strip(),
        detect=detect,
        header=raw.get("header", detect is not None),
        date_line=pattern("date_line", ("date",)),
        timezone=_zone(raw.get("timezone", "Asia/Seoul"), keypath + ("timezone",), err),
        signoff=pattern("signoff", ("reporters",)),
        reporter_line=pattern("reporter_line", ("reporter",)),
        source_line=pattern("source_line", ("source",)),
        drop=_drop_patterns(raw.get("drop", []), keypath, err),
        attribution=raw.get("attribution", "").strip(),
        undated=undated,
        file_name=pattern("file_name"),
        fields=fields,
        html=_html_profile(raw["html"], keypath + ("html",), err) if "html" in raw else None,
    )
    return profile if ok and fields_ok else None


def _source_keys(raw: dict, keypath, err) -> tuple[dict, bool]:
    """The profile's known keys of their declared types, and whether there were no others
    (and a name)."""
    ok = True
    good = {}
    for key, value in raw.items():
        if key not in SOURCE_KEYS:
            err(keypath + (key,), f"unknown key (known: {', '.join(SOURCE_KEYS)})")
            ok = False
        elif not _is(value, SOURCE_KEYS[key]):
            err(keypath + (key,), f"expected {_type_name(SOURCE_KEYS[key])}, got {brief(value)}")
            ok = False
        else:
            good[key] = value
    if not isinstance(good.get("name"), str) or not good.get("name", "").strip():
        err(keypath, "name: required (the outlet's name, e.g. Arirang News)")
        ok = False
    return good, ok


def _pattern(value, keypath, err, groups=()) -> re.Pattern | None:
    """A profile's regular expression (case-insensitive), with the named groups it needs."""
    if value is None:
        return None
    try:
        compiled = re.compile(value, re.IGNORECASE)
    except re.error as e:
        err(keypath, f"bad regular expression: {e}")
        return None
    for g in groups:
        if g not in compiled.groupindex:
            err(keypath, f"the pattern needs a named group (?P<{g}>...)")
    return compiled


def _drop_patterns(values: list, keypath, err) -> tuple[re.Pattern, ...]:
    drop = []
    for j, value in enumerate(values):
        if not isinstance(value, str):
            err(keypath + ("drop", j), f"expected a regular expression string, got {brief(value)}")
            continue
        try:
            drop.append(re.compile(value, re.IGNORECASE))
        except re.error as e:
            err(keypath + ("drop", j), f"bad regular expression: {e}")
    return tuple(drop)


def _record_fields(given: dict, keypath, err) -> tuple[tuple, bool]:
    """`fields:` of a records profile: (our field, the record's key) pairs, sorted, and
    whether every one was good."""
    ok = True
    fields = []
    for key, value in given.items():
        if key not in RECORD_FIELDS:
            err(keypath + ("fields", key), f"unknown record field (known: {', '.join(RECORD_FIELDS)})")
            ok = False
        elif not isinstance(value, str) or not value.strip():
            err(keypath + ("fields", key), f"expected the record's key name (a string), got {brief(value)}")
            ok = False
        else:
            fields.append((key, value.strip()))
    return tuple(sorted(fields)), ok


def _html_profile(raw: dict, keypath, err) -> HtmlProfile | None:
    ok = True
    for key, value in raw.items():
        if key not in HTML_KEYS:
            err(keypath + (key,), f"unknown key (known: {', '.join(HTML_KEYS)})")
            ok = False
        elif not _is(value, HTML_KEYS[key]) or (isinstance(value, str) and not value.strip()):
            err(keypath + (key,), f"expected {'a list of selectors' if HTML_KEYS[key] is list else 'a non-empty string'}, "
                                  f"got {value!r}")
            ok = False
    for key in ("url", "title"):
        if key not in raw:
            err(keypath, f"{key}: required (" + ("a regular expression matching the outlet's article URLs"
                                                 if key == "url" else "the selector of the headline") + ")")
            ok = False
    url = None
    if isinstance(raw.get("url"), str):
        try:
            url = re.compile(raw["url"], re.IGNORECASE)
        except re.error as e:
            err(keypath + ("url",), f"bad regular expression: {e}")
            ok = False
    selectors = [(key, raw[key]) for key in ("title", "date", "body", "reporter") if isinstance(raw.get(key), str)]
    drop = raw.get("drop") if isinstance(raw.get("drop"), list) else []
    selectors += [(("drop", i), value) for i, value in enumerate(drop)]
    from .selectors import selector_problem  # lxml: only for configs that use HTML profiles

    for key, value in selectors:
        problem = selector_problem(value) if isinstance(value, str) and value.strip() else \
            f"expected a selector string, got {value!r}"
        if problem:
            err(keypath + (key if isinstance(key, tuple) else (key,)), problem)
            ok = False
    if not ok:
        return None
    return HtmlProfile(url=url, title=raw["title"], date=raw.get("date"), body=raw.get("body"),
                       reporter=raw.get("reporter"), drop=tuple(drop))

