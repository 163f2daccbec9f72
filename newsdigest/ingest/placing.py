"""Placing parsed articles in content/: which record entry (and so which file and slug)
each one continues, one content file per article, and a slug for each new one, unique
across content/ and decided in a fixed order so that runs agree."""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..content import split_front_matter
from ..errors import DigestError, printable
from .manifest import content_path_ok
from .parse import Parsed, shown_seed
from .write import cut_short, read_or_none


def match_records(parsed: list, manifest: dict, unchanged: dict, present: set, content_dir: Path,
                  existing) -> dict:
    """Seed key -> the record entry it continues.

    A seed renamed, or deleted and later restored, is still the same article: its record
    (under the old name) keeps the content file and slug, found by id. A key that now
    holds another article (a record moved to another line, and another record took its
    line) frees its entry for that article, found by id. Seeds the record does not know
    may find their file by its front matter (a lost record)."""
    ids_now = {p.id for p in parsed} | {e["id"] for e in unchanged.values()}
    claimed = {p.seed_name for p in parsed if p.seed_name in manifest
               and (manifest[p.seed_name]["id"] == p.id or manifest[p.seed_name]["id"] not in ids_now)}
    parsed_keys = {p.seed_name for p in parsed}
    parsed_ids = {p.id for p in parsed}  # only an entry with one of these ids can be taken over
    orphans = {e["id"]: name for name, e in sorted((name, e) for name, e in manifest.items() if e["id"] in parsed_ids)
               if name not in claimed and name not in unchanged and (name not in present or name in parsed_keys)}
    record_of = {}
    for p in parsed:
        if p.seed_name in claimed:
            record_of[p.seed_name] = manifest[p.seed_name]
        elif p.id in orphans:
            record_of[p.seed_name] = manifest[orphans.pop(p.id)]
    unmatched = [p for p in parsed if p.seed_name not in record_of]
    if unmatched:
        record_of.update(adopt_unrecorded(unmatched, content_dir, existing, manifest))
    return record_of


def one_per_article(parsed: list, unchanged: dict, seeds: str) -> tuple[list, list[str]]:
    """The same article from two seeds gives one content file: (the articles to place,
    a notice for each one dropped; `seeds`: the folder as messages show it)."""
    parsed_ids = {p.id for p in parsed}  # only these ids can have two owners
    owner: dict[str, str] = {e["id"]: name for name, e in sorted((name, e) for name, e in unchanged.items()
                                                                 if e["id"] in parsed_ids)}
    unique, notices = [], []
    for p in sorted(parsed, key=lambda p: p.seed_name):
        if p.id in owner and owner[p.id] != p.seed_name:
            notices.append(printable(f"{shown_seed(p.seed_name, seeds)}: same article as {shown_seed(owner[p.id], seeds)} "
                                     f"(id {p.id}); keeping one content file"))
            continue
        owner[p.id] = p.seed_name
        unique.append(p)
    return unique, notices


def assign_slugs(unique: list, manifest: dict, record_of: dict, existing, content_dir: Path) -> list:
    """(article, slug) for every article, by date then id."""
    taken: dict[str, str] = {}  # slug -> id
    for entry in list(manifest.values()) + list(record_of.values()):
        taken[entry["slug"]] = entry["id"]
    existing_files = {rel.rsplit("/", 1)[-1][:-3] for rel in existing}
    plans = []
    for p in sorted(unique, key=lambda p: (p.date, p.id)):
        entry = record_of.get(p.seed_name)
        if entry:
            # The same seed file is the same article even when its title was corrected
            # (which changes the id): keep its slug and file, so its URL stays put.
            slug = entry["slug"]
        else:
            slug = _free_slug(p, taken, existing_files, existing, content_dir)
        taken[slug] = p.id
        plans.append((p, slug))
    return plans


def _free_slug(p: Parsed, taken: dict, existing_files: set, existing, content_dir: Path) -> str:
    """The article's slug, or its first free `-2`, `-3`, ... form."""
    base = p.base_slug
    slug, n = base, 1
    while (taken.get(slug, p.id) != p.id) or (slug in existing_files and slug not in taken):
        rel = f"{p.year_month[0]}/{p.year_month[1]}/{slug}.md"
        if slug not in taken and rel in existing and _file_id(os.path.join(content_dir, rel)) == p.id:
            break  # this article's own file, whose record was lost: adopt it
        if slug not in taken and rel in existing and cut_short(read_or_none(os.path.join(content_dir, rel))):
            break  # a file cut short by a crash before it was recorded: see write.cut_short
        n += 1
        slug = f"{base}-{n}"
    return slug


_ID_LINE = re.compile(r"^id: *['\"]?([^'\"\n]*)", re.M)


def _file_id(path: str) -> str | None:
    """The `id:` of a content file's front matter, read cheaply (only for a lost record)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(8192)
    except OSError:
        return None
    m = _ID_LINE.search(head.split("\n---", 1)[0])
    return m.group(1).strip() if m else None


def adopt_unrecorded(unmatched: list[Parsed], content_dir: Path, existing, manifest: dict) -> dict:
    """Records for seeds the ingest record does not know, from content files it does not
    know either (a lost or damaged record): matched by the file's `seed:` field, then by
    its id, so that a seed retitled meanwhile does not get a second article. Such a file
    may hold edits, so it counts as edited (written_sha '')."""
    known = {e["content"] for e in manifest.values()}
    by_seed, by_id = {}, {}
    for rel in sorted(set(existing).difference(known)):
        if not content_path_ok(rel):
            continue
        meta = _front_matter(os.path.join(content_dir, rel))
        seed, aid = meta.get("seed"), meta.get("id")
        if isinstance(seed, str):
            by_seed.setdefault(seed, rel)
        if isinstance(aid, str):
            by_id.setdefault(aid, rel)
    adopted, used = {}, set()
    for p in sorted(unmatched, key=lambda p: p.seed_name):
        rel = by_seed.get(p.seed_name) or by_id.get(p.id)
        if rel and rel not in used:
            used.add(rel)
            slug = rel.rsplit("/", 1)[1][:-3]
            adopted[p.seed_name] = {"seed_sha": "", "id": p.id, "slug": slug, "content": rel, "written_sha": ""}
    return adopted


def _front_matter(path: str) -> dict:
    """A content file's front matter, or {} when it cannot be read (only for a lost record)."""
    try:
        with open(path, encoding="utf-8") as f:
            meta, _, _ = split_front_matter(f.read(), path)
        return meta
    except (OSError, UnicodeDecodeError, DigestError):
        return {}
