"""Content files: Markdown with YAML front matter, the editable source of truth.

`front_matter_text` writes them (always through a YAML emitter: plainyaml's for the usual
shape, PyYAML's for the rest); `read_sources` lists content/ as `Source`s (each file's
hash; its text is read where it is parsed) and `parse_article` turns one into the frozen
`Article` (model.py) that later stages and templates see.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from datetime import datetime, timezone
from typing import NamedTuple

import yaml

from . import plainyaml
from .config import Config
from .errors import DigestError, brief, in_project
from .files import sha1_hex
from .markup import (XML_FORBIDDEN, MarkdownTooSlow, html_to_text, plain_ascii_lines, url_parts, xml_forbidden,
                     xml_forbidden_problem)
from .model import Article, Tag
from .paragraphs import render_body
from .slugs import article_slug, tag_slug
from .yamlload import load_front_matter

SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

FIELDS = ("title", "date", "source", "reporters", "tags", "summary", "slug", "id", "seed", "url")
OPTIONAL = ("draft",)
# Front-matter values that become parts of paths (article_path, content/ file names): only
# these characters, so that no `../` or `/` ever reaches a path.
_SLUG_OK = re.compile(r"\w[\w-]*")  # letters (any script), digits, `_` and `-`
_ID_OK = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_SLUG_BYTES = 200  # a folder name must stay under the usual 255-byte limit
SUMMARY_LIMIT = 300


def is_slug(text) -> bool:
    return isinstance(text, str) and bool(_SLUG_OK.fullmatch(text)) and len(text.encode()) <= MAX_SLUG_BYTES


def is_id(text) -> bool:
    return isinstance(text, str) and bool(_ID_OK.fullmatch(text))


def article_id(source: str, date: datetime, title: str) -> str:
    """Stable identity: survives later slug and title edits because it is stored, not derived."""
    key = f"{source}\n{date.isoformat()}\n{title}".encode()
    return hashlib.sha256(key).hexdigest()[:16]


def make_summary(paragraphs) -> str:
    """The lead: the first paragraph, cut to its first sentence(s) when long."""
    first = next((p for p in paragraphs if p.strip()), "").strip()
    if len(first) <= SUMMARY_LIMIT:
        return first
    sentences = re.split(r"(?<=[.!?])\s+", first)
    out = sentences[0]
    for s in sentences[1:]:
        if len(out) + 1 + len(s) > SUMMARY_LIMIT:
            break
        out += " " + s
    if len(out) > SUMMARY_LIMIT:
        out = out[:SUMMARY_LIMIT].rsplit(" ", 1)[0] + "\u2026"
    return out


def is_web_url(value) -> bool:
    """An absolute http(s) URL with a host and no whitespace: one a reader can follow."""
    if not isinstance(value, str) or any(ch.isspace() for ch in value.strip()):
        return False
    parts = url_parts(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def yaml_text(mapping: dict) -> str:
    """`mapping` as block-style YAML through PyYAML's emitter (libyaml's when present)."""
    return yaml.dump(mapping, Dumper=SafeDumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=10**6)


def front_matter_text(meta: dict, body_markdown: str) -> str:
    """A whole content file. YAML is emitted, never formatted by hand, so any title
    round-trips: plainyaml writes the usual shape (the same bytes, tested), PyYAML the rest."""
    ordered = {k: meta[k] for k in FIELDS if k in meta}
    ordered.update({k: meta[k] for k in OPTIONAL if k in meta})
    head = plainyaml.emit(ordered)
    if head is None:
        head = yaml_text(ordered)
    return f"---\n{head}---\n\n{body_markdown}"


def split_front_matter(text: str, shown: str) -> tuple[dict, str, int]:
    """(meta, body, line where the body starts). Raises DigestError with the YAML line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.startswith("---\n"):
        raise DigestError(shown, "missing front matter: the file must start with a '---' line", 1)
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            raise DigestError(shown, "front matter is not closed by a '---' line", 1)
    head = text[4:end + 1]
    body = text[end + 5:]
    try:
        meta = load_front_matter(head)  # no aliases, no key twice
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise DigestError(shown, f"invalid YAML in front matter: {getattr(e, 'problem', None) or e}", line)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise DigestError(shown, "front matter must be a mapping of keys to values", 2)
    return meta, body, head.count("\n") + 3


def key_line(text: str, key: str) -> int | None:
    """The line of a front-matter key, for error messages (only computed on error)."""
    for number, line in enumerate(text.splitlines()[1:], start=2):
        if line == "---":
            return None
        if line.startswith(f"{key}:"):
            return number
    return None


def parse_date_value(value, tz):
    """A front-matter date: ISO 8601 string or YAML timestamp; naive means the site's zone."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        from datetime import date as _date
        if isinstance(value, _date):
            dt = datetime(value.year, value.month, value.day)
        else:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt


OUT_OF_RANGE = "is out of range (it must be between the years 1 and 9999 in UTC and in the site's time zone)"


def in_range(dt: datetime, tz) -> bool:
    """Whether the date converts to UTC and the site's zone (9999-12-31T23:00-12:00 does not)."""
    try:
        dt.astimezone(timezone.utc)
        dt.astimezone(tz)
        return True
    except (OverflowError, ValueError):
        return False


def xml_illegal_character(text: str, shown: str) -> DigestError | None:
    """A problem naming the first character XML forbids in a content file, with its line."""
    m = None if plain_ascii_lines(text) else XML_FORBIDDEN.search(text)
    if not m:
        return None
    return DigestError(shown, xml_forbidden_problem(m.group()), text.count("\n", 0, m.start()) + 1)


def validate_meta(meta: dict, shown: str, text: str, tz) -> tuple[dict, list[DigestError]]:
    """Check types of every key at once; returns cleaned values and all problems found."""
    errors = []

    def bad(key, message):
        errors.append(DigestError(shown, f"{key}: {message}", key_line(text, key) if key else 1))

    clean = {}
    for key in meta:
        if key not in FIELDS and key not in OPTIONAL:
            bad(key, f"unknown front matter key (known: {', '.join(FIELDS + OPTIONAL)})")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        if "title" in meta:
            bad("title", f"expected a non-empty string, got {brief(title)}")
        else:
            errors.append(DigestError(shown, "title: missing", 1))
    else:
        clean["title"] = title.strip()
    if "date" not in meta:
        errors.append(DigestError(shown, "date: missing (ISO 8601, e.g. 2019-11-18T16:28:08+09:00)", 1))
    else:
        dt = parse_date_value(meta["date"], tz)
        if dt is None:
            bad("date", f"unparsable date {brief(meta['date'])} (expected ISO 8601, e.g. 2019-11-18T16:28:08+09:00)")
        elif not in_range(dt, tz):
            bad("date", f"date {brief(meta['date'])} {OUT_OF_RANGE}")
        else:
            clean["date"] = dt
    for key, value in meta.items():  # a YAML escape ("\x01") gets past the check of the file's text
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, str) and (char := xml_forbidden(item)):
                bad(key, xml_forbidden_problem(char))
                break
    for key in ("source", "summary", "slug", "id", "seed"):
        if key in meta and meta[key] is not None:
            if not isinstance(meta[key], str):
                bad(key, f"expected a string, got {type(meta[key]).__name__} {brief(meta[key])}")
            else:
                clean[key] = meta[key].strip()
    for key in ("reporters", "tags"):
        value = meta.get(key)
        if value is None:
            clean[key] = ()
        elif isinstance(value, str):
            clean[key] = (value.strip(),) if value.strip() else ()
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            clean[key] = tuple(v.strip() for v in value if v.strip())
        else:
            bad(key, f"expected a list of strings, got {brief(value)}")
    if "draft" in meta and not isinstance(meta["draft"], bool):
        bad("draft", f"expected true or false, got {brief(meta['draft'])}")
    else:
        clean["draft"] = bool(meta.get("draft", False))
    if "url" in meta and meta["url"] is not None:
        if not is_web_url(meta["url"]):
            bad("url", f"expected an absolute http(s) URL of the original article, got {brief(meta['url'])}")
        else:
            clean["url"] = meta["url"].strip()
    if clean.get("slug") is not None and not is_slug(clean["slug"]):
        bad("slug", f"expected letters, digits, '-' and '_' only (at most {MAX_SLUG_BYTES} bytes), "
                    f"got {brief(clean['slug'])}")
    if clean.get("id") and not is_id(clean["id"]):  # empty: the default id
        bad("id", f"expected 1 to 64 ASCII letters, digits, '-' and '_', got {brief(clean['id'])}")
    return clean, errors


class Source(NamedTuple):
    """One content file's text, read from disk; its hash keys the build cache.

    `meta`, when given, is the front matter ingest emitted into `text` moments ago: a YAML
    emitter's output loads back to the same mapping, so parsing it again is skipped.
    `text` is None when the file is unchanged since the last build (its Article is cached),
    ingest just wrote it (`meta` given) or read_sources hashed it: `reread` reads it where
    it is parsed.
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


def read_sources(config: Config, listing: dict, known: dict, fresh: dict | None = None):
    """Content files as Sources. A file whose stat matches `known` keeps its hash and is
    not read: its Article comes from the cache; one that ingest wrote in this run (`fresh`,
    a WrittenFiles) comes with its hash and front matter, its text read by the process
    that parses it. Returns (sources, stat cache, errors)."""
    sources, errors, stats = [], [], {}
    fresh = fresh or {}
    # Relative to the project (config.yaml's folder), wherever the build runs from: messages
    # read `content/...` and the cache stays valid from any working directory.
    prefix = in_project(config.content_dir, config.path.parent)
    root = str(config.content_dir)
    for rel in sorted(listing):
        shown = prefix + rel
        signature = listing[rel]
        hit = known.get(rel)
        if hit and hit[0] == signature:
            sources.append(Source(shown, None, hit[1]))
            stats[rel] = hit
            continue
        path = os.path.join(root, rel)
        if path in fresh:  # its text is read where it is parsed (see reread)
            digest, meta = fresh.handed_over(path)
            sources.append(Source(shown, None, digest, meta))
            stats[rel] = (signature, digest)
            continue
        if signature[0] > config.max_content_kb * 1024:  # like seeds: no input is too big to refuse
            errors.append(DigestError(shown, f"file is too large ({signature[0] / 1024:,.0f} KB; the limit is "
                                             f"{config.max_content_kb:,} KB, max_content_kb in config.yaml)"))
            continue
        try:
            source = read_source(path, shown)
        except DigestError as e:
            errors.append(e)
            continue
        # Hashed and checked here, parsed by a worker that reads it again (see reread): a
        # build of a content/ without a cache (a fresh clone) never holds every text at once.
        sources.append(source._replace(text=None))
        stats[rel] = (signature, source.sha)
    return sources, stats, errors


def read_source(path: str, shown: str) -> Source:
    """A content file's text and hash; raises DigestError naming it (`shown`)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        return Source(shown, raw.decode("utf-8"), sha1_hex(raw))
    except UnicodeDecodeError as e:
        raise DigestError(shown, f"not UTF-8 text (byte {e.start}); save the file as UTF-8") from None
    except OSError as e:
        raise DigestError(shown, f"cannot read: {e.strerror}") from None


def reread(source: Source, config: Config) -> Source:
    """A source read from disk that was listed without its text: its cached Article was
    lost or damaged, or ingest wrote it in this run and kept only its hash and front
    matter (which stay when the file still has that hash). Raises DigestError."""
    # source.path is relative to the project (see read_sources), not to the working directory
    read = read_source(os.path.join(config.path.parent, source.path), source.path)
    return read._replace(meta=source.meta) if read.sha == source.sha else read
