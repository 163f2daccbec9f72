"""The dependency index: which entries of the site's tables each unit of the page plan
read, so that a build plans (and keys) only the units that read an entry that changed
since the last build, and the units new to the plan.

A plan entry (plan.py) names its units with `out.units(table)`: one unit per key of a
site table (an article page per article id, a tag's pages per tag slug), and reads the
Site through `PlanSite`, which notes every entry a unit reads (`site.entry("days", url)`)
and every table it reads whole (`site.days`). The unit's page keys add the articles
whose content they counted (keys.Fingerprints.key_and_articles). Every table entry has a
signature (its plain value, or a digest of it; an article's is its content hash), kept
in the build cache; a build compares each table's signatures with the last build's and
plans again exactly the units that read an entry whose signature differs. A unit that
read only entries that are as they were would plan the same pages with the same keys
(planning is a function of what it reads), so its files are kept without planning it.

Nothing here knows a kind of page or a kind of change. The index is valid only for the
salt it was made with (config, layouts, the site view); without it, or with any doubt,
the build plans everything.
"""
from __future__ import annotations

import marshal
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from itertools import chain

from ..model import ArticleRef, Articles

ARTICLES = "articles"  # the table whose entries are articles: their signature is their content hash


def whole(table: str) -> str:
    """The cell of a read of a whole table. An entry's cell is its key alone, whatever its
    table (an article id stands for the article's row in every table keyed by ids): a key
    changed in one table then counts as changed in all, which only plans more, and the
    index holds the keys themselves, the same strings as the rest of the cache."""
    return "\0" + table


class PlanReads:
    """What one plan noted: per unit the entries it read and the files it planned, per
    kind of page what it read outside its units, and the units it kept from the last
    build (`reuse`) without planning them."""

    def __init__(self, reuse: Reuse | None):
        self.reuse = reuse
        self.kind = ""
        self.record: tuple | None = None  # (cells, outputs, templates) of the unit being planned
        self.cells: set = set()  # what the unit being planned (or the kind, outside units) read
        self.units: dict[str, dict] = {}  # kind -> unit key -> (cells, outputs, templates)
        self.kinds: dict[str, set] = {}  # kind -> cells read outside its units
        self.kept: dict[str, list] = {}  # kind -> keys of its units kept as the last build left them
        self._kept_files: dict | None = None
        self._templates: dict = {}  # one tuple per list of templates

    def begin_kind(self, kind: str) -> None:
        self.kind, self.record = kind, None
        self.cells = self.kinds[kind] = set()

    def each(self, keys):
        """The keys whose units are to be planned, each while its unit is the current one:
        a unit is kept instead when the last build planned it, everything it read is
        unchanged and its files are still as that build wrote them; never when its kind
        read anything outside its units that changed."""
        kind, kind_cells = self.kind, self.cells
        reuse = self.reuse if self.reuse is not None and self.reuse.kind_holds(kind) else None
        last, changed, missing = (reuse.units.get(kind, {}), reuse.changed, reuse.missing) if reuse else ({}, (), ())
        planned, kept = self.units.setdefault(kind, {}), self.kept.setdefault(kind, [])
        for key in keys:
            record = last.get(key)  # (written out: this runs once per article)
            if (record is not None and changed.isdisjoint(record[0])
                    and (not missing or missing.isdisjoint(record[1]))):
                kept.append(key)
                continue
            self.cells = set()
            self.record = planned[key] = (self.cells, [], [])
            yield key
            planned[key] = self._settled(self.record)
        self.record, self.cells = None, kind_cells

    def _settled(self, record: tuple) -> tuple:
        """A unit's record once it is planned, as tuples: a set and two lists per unit were
        35 MB at 50,000 articles, held through the render (and by every render worker)."""
        cells, outputs, templates = record
        templates = tuple(templates)
        return tuple(cells), tuple(outputs), self._templates.setdefault(templates, templates)

    def planned(self, output: str, template: str) -> None:
        if self.record is not None:
            self.record[1].append(output)
            self.record[2].append(template)

    def kept_files(self) -> dict[str, str]:
        """Output -> template of every file of the units kept from the last build."""
        if self._kept_files is None:
            units = self.reuse.units if self.reuse is not None else {}
            records = [units[kind][key] for kind, keys in self.kept.items() for key in keys]
            self._kept_files = dict(zip(chain.from_iterable(r[1] for r in records),
                                        chain.from_iterable(r[2] for r in records)))
        return self._kept_files


class PlanSite:
    """The Site as a plan entry reads it: entries of its tables (collect.site_tables) and
    whole tables, each read noted for the unit being planned (PlanReads)."""

    # A Site field read whole, and the tables it is made of.
    WHOLE_TABLES = {"articles": (ARTICLES, "neighbours"), "facts": (ARTICLES,), "related": ("related",),
                    "days": ("days",), "months": ("months",), "tags": ("tags",), "reporters": ("reporters",)}

    def __init__(self, site, tables: dict, reads: PlanReads):
        self._site, self._tables, self._reads = site, tables, reads
        self.load = site.articles.load  # article id -> Article: a function, not something read

    def entry(self, table: str, key: str):
        self._reads.cells.add(key)
        return self._tables[table][key]

    def ref(self, article_id: str | None) -> ArticleRef | None:
        """An article named without loading it (a page key counts its content hash)."""
        return None if article_id is None else ArticleRef(article_id, self.load)

    def articles_of(self, ids) -> Articles:
        return Articles(ids, self.load)

    def __getattr__(self, name: str):
        if name not in self.WHOLE_TABLES:
            raise AttributeError(f"a plan entry reads the Site through entry() or a whole table "
                                 f"({', '.join(self.WHOLE_TABLES)}), not {name!r}")
        self._reads.cells.update(map(whole, self.WHOLE_TABLES[name]))
        return getattr(self._site, name)


def plain(value):
    """A table entry as plain data: what its signature is made of (an Articles sequence
    counts as its ids; each article's content is counted where a page key reads it)."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is Articles:
        return value.ids
    if kind is ArticleRef:
        return value.id
    if isinstance(value, tuple):
        return tuple([plain(v) for v in value])
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value):
        return (kind.__name__,) + tuple([plain(getattr(value, f.name)) for f in fields(value)])
    raise TypeError(f"no signature for {kind.__name__}")


def signatures(tables: dict, article_keys: dict) -> dict[str, dict]:
    """Per table, each entry's signature: an article's content hash (`article_keys`, id ->
    hash, has exactly the site's articles); any other entry as plain data."""
    out = {}
    for name, table in tables.items():
        if name == ARTICLES:
            out[name] = article_keys
            continue
        try:
            marshal.dumps(tuple(table.values()))  # plain already (tuples of ids): the table is its signature
            out[name] = table
        except ValueError:
            out[name] = {k: plain(v) for k, v in table.items()}
    return out


def changed_cells(old: dict, new: dict) -> set[str]:
    """The entries whose signature differs between two builds' tables (added and removed
    ones too), and the whole-table cell of every table with any of them."""
    changed = set()
    for name in old.keys() | new.keys():
        before, after = old.get(name, {}), new.get(name, {})
        if before == after:
            continue
        changed.add(whole(name))
        changed.update(k for k, _ in before.items() ^ after.items())
    return changed


@dataclass(frozen=True)
class Reuse:
    """The last build's index, as this build may use it."""

    units: dict  # kind -> unit key -> (cells, outputs, templates) as the last build planned it
    kinds: dict  # kind of page -> cells it read outside its units
    changed: set  # cells whose signature changed since (changed_cells)
    missing: set  # outputs of the units that are not among the last build's usable files

    def kind_holds(self, kind: str) -> bool:
        cells = self.kinds.get(kind)
        return cells is not None and self.changed.isdisjoint(cells)


def last_reuse(cache: dict, salt, tables: dict, files: dict) -> Reuse | None:
    """The last build's index, when it was made with this salt and its tables and files
    are there; None: plan everything."""
    index = cache.get("plan_index")
    if not files or not isinstance(index, dict) or index.get("salt") != salt:
        return None
    kinds = index.get("kinds")
    units = {kind: cache.get(f"plan_units:{kind}") for kind in kinds} if isinstance(kinds, dict) else {}
    old = {name: cache.get(f"signatures:{name}") for name in index.get("tables", ())}
    if not kinds or any(type(u) is not dict for u in units.values()) or any(v is None for v in old.values()):
        return None
    outputs = chain.from_iterable(record[1] for table in units.values() for record in table.values())
    return Reuse(units, kinds, changed_cells(old, tables), set(outputs).difference(files))


def index_data(salt, reads: PlanReads, reuse: Reuse | None, tables: dict, article_reads: dict) -> dict:
    """The index for the next build, as build-cache tables: the units kept as the last
    build recorded them, and each unit planned now with what it read (the entries its
    plan read, and the articles its pages' keys counted: `article_reads`, output -> ids)."""
    data = {"plan_index": {"salt": salt, "tables": tuple(sorted(tables)),
                           "kinds": {k: tuple(sorted(c)) for k, c in reads.kinds.items()}}}
    for kind in reads.kinds:
        last = reuse.units.get(kind, {}) if reuse is not None else {}
        units = {key: last[key] for key in reads.kept.get(kind, ())}  # a table per kind: ids as keys
        # Each planned unit's record is settled (PlanReads._settled): its outputs and its
        # shared templates are tuples already; its cells gain the ids of the articles its
        # pages' keys counted.
        for key, (cells, outputs, templates) in reads.units.get(kind, {}).items():
            cells = {*cells, *chain.from_iterable([article_reads.get(output, ()) for output in outputs])}
            units[key] = (tuple(cells), outputs, templates)
        data[f"plan_units:{kind}"] = units
    for name, table in tables.items():
        data[f"signatures:{name}"] = table
    return data


