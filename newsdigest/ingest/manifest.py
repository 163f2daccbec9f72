"""The ingest record (`content/.ingest.json`) is input like any other: a hand-edited,
merged or damaged record must never make ingest write outside content/ or stop it.

Every entry is checked before ingest uses it; an entry that fails is ignored with a
notice naming the file (ingest then treats its seed as new and finds its content file by
the file's `seed:` field), and the record is written without it next time ingest writes it.
"""
from __future__ import annotations

import re
from datetime import datetime

from ..content import is_id, is_slug
from ..errors import brief, printable

ENTRY_KEYS = ("seed_sha", "id", "slug", "content", "written_sha")
_CONTENT_PATH = re.compile(r"(\d{4})/(\d{2})/([^/]+)\.md")
_SHA = re.compile(r"[0-9a-f]{40}")
MAX_NOTICES = 10  # a record damaged throughout gives a few lines, not one per seed


def content_path_ok(rel) -> bool:
    """A content file path as ingest writes it: `YYYY/MM/<slug>.md`, inside content/."""
    m = _CONTENT_PATH.fullmatch(rel) if isinstance(rel, str) else None
    return bool(m) and 1 <= int(m.group(2)) <= 12 and is_slug(m.group(3))


def entry_problem(entry) -> str | None:
    """Why one record entry cannot be used, or None when it can."""
    if not isinstance(entry, dict):
        return f"expected a mapping, got {brief(entry)}"
    for key in ENTRY_KEYS:
        if not isinstance(entry.get(key), str):
            return f"{key}: expected a string, got {brief(entry.get(key))}"
    if not _SHA.fullmatch(entry["seed_sha"]):
        return f"seed_sha: expected a SHA-1 hex digest, got {brief(entry['seed_sha'])}"
    if entry["written_sha"] and not _SHA.fullmatch(entry["written_sha"]):
        return f"written_sha: expected a SHA-1 hex digest or '', got {brief(entry['written_sha'])}"
    if not is_id(entry["id"]):
        return f"id: expected 1 to 64 ASCII letters, digits, '-' and '_', got {brief(entry['id'])}"
    if not is_slug(entry["slug"]):
        return f"slug: expected letters, digits, '-' and '_', got {brief(entry['slug'])}"
    if not content_path_ok(entry["content"]):
        return f"content: expected a path like 2019/11/<slug>.md inside content/, got {brief(entry['content'])}"
    if "first_seen" in entry and not first_seen_ok(entry["first_seen"]):
        return f"first_seen: expected an ISO 8601 time with its offset, got {brief(entry['first_seen'])}"
    return None


def first_seen_ok(value) -> bool:
    """When ingest first saw an undated seed: an ISO 8601 time with its UTC offset."""
    try:
        return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def valid_entries(seeds: dict, shown: str) -> tuple[dict, list[str]]:
    """The usable entries of a record's `seeds` mapping, and a notice per ignored one."""
    valid, problems, claimed = {}, [], {}
    for name in sorted(seeds, key=str):
        entry = seeds[name]
        problem = entry_problem(entry) if isinstance(name, str) and name else f"bad seed name {brief(name)}"
        if problem is None and entry["content"] in claimed:
            problem = f"content: {entry['content']} is already the file of seeds/{claimed[entry['content']]}"
        if problem:
            problems.append(f"{shown}: entry {printable(brief(name))} ignored ({printable(problem)})")
            continue
        claimed[entry["content"]] = name
        valid[name] = entry
    if len(problems) > MAX_NOTICES:
        problems = problems[:MAX_NOTICES] + [f"{shown}: ... and {len(problems) - MAX_NOTICES:,} more entries ignored"]
    if problems:
        problems.append(f"{shown}: ignored entries are dropped when the record is next written")
    return valid, problems
