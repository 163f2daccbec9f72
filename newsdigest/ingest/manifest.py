"""The ingest record, `content/.ingest.json`: reading it, checking it, merging this run's
entries into it, writing it.

Committed with content/, it records per seed (a file name, or `name#line` for a record of
a records file) the hash of the seed and of the content file ingest last wrote, with the
article's id, slug and path: a content file whose bytes still match what ingest wrote
follows its seed; one that differs was edited by hand and is kept.

It is input like any other: a hand-edited, merged or damaged record must never make
ingest write outside content/ or stop it.

Every entry is checked before ingest uses it; an entry that fails is ignored with a
notice naming the file (ingest then treats its seed as new and finds its content file by
the file's `seed:` field), and the record is written without it next time ingest writes it.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from ..content import is_id, is_slug
from ..errors import brief, printable, shown
from ..files import sha1_hex, uncollected, write_atomic
from .parse import is_records_file

MANIFEST = ".ingest.json"
_JSON_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # what json.dumps leaves as it is

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


_HEAD, _TAIL = '{"version": 1, "seeds": {\n', "\n}}\n"  # around the lines of manifest_text


def load_manifest(content_dir: Path, trusted: str | None = None) -> tuple[dict, dict, list[str], str]:
    """The ingest record: seed name -> entry, seed name -> its line in the file (when the
    file has the one-seed-a-line form `manifest_text` writes, for reuse; RecordLines for
    a trusted record), notices, and the SHA-1 of the file when every entry in it is
    valid and it has that form ("" otherwise).

    `trusted`: the SHA-1 of a record found so before (what the last run read or wrote).
    A file with exactly those bytes is not checked again entry by entry (50 ms at 10,000
    seeds) nor line by line; any other is."""
    path = content_dir / MANIFEST
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        data = uncollected(json.loads, text)
        if not (isinstance(data, dict) and isinstance(data.get("seeds"), dict)):
            raise ValueError
    except FileNotFoundError:
        return {}, {}, [], ""
    except (ValueError, OSError):
        return {}, {}, [f"{shown(path)}: unreadable ingest record; treating every existing content file as edited"], ""
    digest = sha1_hex(raw)
    if trusted and digest == trusted:
        return data["seeds"], RecordLines(data["seeds"], text), [], digest
    lines = _lines(text)
    seeds, problems = valid_entries(data["seeds"], shown(path))
    if problems:
        return seeds, {}, problems, ""
    if len(lines) != len(seeds):
        return seeds, {}, [], ""
    by_name = {}
    for name, line in zip(sorted(seeds), lines):
        quoted = f'"{name}"' if _JSON_PLAIN.fullmatch(name) else json.dumps(name)
        if not line.startswith(quoted + ": {"):
            return seeds, {}, [], ""
        by_name[name] = line
    return seeds, by_name, [], digest


def _lines(text: str) -> list[str]:
    """The lines of a record of the form manifest_text writes, one a seed; [] for another form."""
    body = text[len(_HEAD):-len(_TAIL)] if text.startswith(_HEAD) and text.endswith(_TAIL) else ""
    return body.split(",\n") if body else []  # JSON strings hold no raw newline: ",\n" ends a line


class RecordLines(Mapping):
    """Seed name -> its line in a trusted record (see load_manifest), split out of the
    file's text when first asked: by save_manifest, which runs once the build has the
    report, so adding a seed to 50,000 does not wait the 30 ms for it."""

    def __init__(self, seeds: dict, text: str):
        self._names, self._text, self._lines = tuple(seeds), text, None  # the file's order

    def _split(self) -> dict:
        if self._lines is None:
            self._lines = dict(zip(self._names, _lines(self._text)))
            self._text = ""
        return self._lines

    def __getitem__(self, name: str) -> str:
        return self._split()[name]

    def __iter__(self):
        return iter(self._split())

    def __len__(self) -> int:
        return len(self._split())


def manifest_text(manifest: dict, old: dict, old_lines: dict) -> str:
    """One seed a line: readable in a diff. Lines of unchanged entries are reused (20,000
    json.dumps calls were a third of adding one seed to 10,000); an entry this run took
    over as it was is that very object, which spares comparing it."""
    lines = _spliced_lines(manifest, old, old_lines)
    if lines is None:
        lines = [old_lines[name] if name in old_lines and ((was := old.get(name)) is entry or was == entry)
                 else _line(name, entry) for name, entry in sorted(manifest.items())]
    return _HEAD + ",\n".join(lines) + _TAIL


SPLICE_LIMIT = 1000  # more changed entries than this: every line is laid out again


def _spliced_lines(manifest: dict, old: dict, old_lines: dict) -> list | None:
    """The old record's lines with those of the entries that changed put in, taken out or
    replaced, when `old_lines` has every old entry's line (in name order, as load_manifest
    gives them) and few changed: adding a seed to 50,000 then lays out one line, not
    sorts and walks 50,000 (0.1 s). None otherwise."""
    if not old_lines or len(old_lines) != len(old):
        return None
    changed = [name for name, entry in manifest.items() if old.get(name) is not entry]
    removed = old.keys() - manifest.keys()
    if len(changed) + len(removed) > SPLICE_LIMIT:
        return None
    names, lines = list(old_lines), list(old_lines.values())
    for name in removed:
        at = bisect_left(names, name)
        del names[at], lines[at]
    for name in changed:
        entry, at = manifest[name], bisect_left(names, name)
        if at < len(names) and names[at] == name:
            if old[name] != entry:
                lines[at] = _line(name, entry)
        else:
            names.insert(at, name)
            lines.insert(at, _line(name, entry))
    return lines


def _line(name: str, entry: dict) -> str:
    return f"{json.dumps(name)}: {json.dumps(entry, sort_keys=True)}"


def records_by_file(manifest: dict) -> dict:
    """The ingest record's entries of records files: file name -> {`name#line`: entry}."""
    out: dict = {}
    for key, entry in manifest.items():
        name, _, line = key.rpartition("#")
        if line.isdigit() and is_records_file(name):
            out.setdefault(name, {})[key] = entry
    return out


def merged_manifest(manifest: dict, unchanged: dict, written: dict, taken_over: list) -> dict:
    """The record after this run: the unchanged seeds' entries, this run's `written`
    entries, and every other entry of the old record except those `taken_over` (moved to
    another key). Seeds that failed to parse keep their entry; so do deleted seeds, whose
    content stays (content/ is the source of truth) and whose file a restored seed finds
    again."""
    new = {name: manifest[name] for name in unchanged}
    new.update(written)
    moved = {id(e) for e in taken_over}
    for name, entry in manifest.items():
        if name not in new and id(entry) not in moved:
            new[name] = entry
    return new


def save_manifest(content_dir: Path, new: dict, old: dict, old_lines: dict, old_digest: str = "") -> str:
    """Write the record when it changed (or is missing), reusing the old file's lines.
    Returns the SHA-1 of the valid record now on disk (`old_digest` when it was kept)."""
    path = content_dir / MANIFEST
    if new != old or (new and not path.exists()):
        data = manifest_text(new, old, old_lines).encode()
        write_atomic(path, data)
        return sha1_hex(data)
    return old_digest
