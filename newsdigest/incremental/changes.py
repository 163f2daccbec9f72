"""The two rules left that say what a change can affect, each a pure function with a
table test (tests/test_change_rules.py). Every page's key is what it read
(incremental.keys); these two spare a build whole passes instead:

- collisions_possible: whether this build's articles can collide (two at one URL, one
  id twice, two tags on one slug) when the last build's did not: only an article that is
  new, or whose id, URL or tags changed, can make a collision;
- stale_related: which articles' related lists can differ from the last build's (see
  collect.related_articles): those near a change in one of their tags' lists.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..model import Site


def placement(facts) -> tuple | None:
    """What a collision is made of: id, URL, tags (of a Facts, or None)."""
    return None if facts is None else (facts.id, facts.url, facts.tags)


def collisions_possible(old: dict | None, new: dict) -> bool:
    """Whether the build must look for collisions: `new` maps each content file parsed in
    this build to its Facts, `old` the same files to the Facts the last build had for them
    (a file it did not have is absent), or is None without a last build. The last build
    had no collision, so one now needs a file whose placement changed."""
    if old is None:
        return True
    return any(placement(old.get(path)) != placement(facts) for path, facts in new.items())


class RelatedMemo(NamedTuple):
    """A build's related lists and what they read: per tag, its articles' ids and dates
    (newest first). The next build reuses the list of every article whose windows in
    these lists are unchanged."""

    lists: dict  # tag slug -> (ids, stamps)
    related: dict  # article id -> ids of its related articles


def tag_lists(by_tag: dict, facts: dict) -> dict:
    """Tag slug -> (ids, stamps), newest first: what related_articles reads of each tag."""
    stamp = {i: f.stamp for i, f in facts.items()}  # one attribute read per article, not per tag it has
    return {slug: (tuple(ids), tuple(map(stamp.__getitem__, ids))) for slug, ids in by_tag.items()}


def related_memo(site: Site) -> RelatedMemo:
    by_tag = {g.tag.slug: g.articles.ids for g in site.tags}
    return RelatedMemo(tag_lists(by_tag, site.facts), site.related)


def _common_prefix(a, b) -> int:
    """Length of the longest common prefix of two sequences (a binary search of C-speed
    slice comparisons: a 3,000-article tag costs a dozen of them)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def changed_span(old: tuple, new: tuple) -> tuple[int, int]:
    """(common prefix, common suffix) of two tag lists (ids, stamps): outside them, the
    lists hold the same articles at the same dates in the same order."""
    (old_ids, old_stamps), (new_ids, new_stamps) = old, new
    prefix = min(_common_prefix(old_ids, new_ids), _common_prefix(old_stamps, new_stamps))
    suffix = min(_common_prefix(old_ids[::-1], new_ids[::-1]), _common_prefix(old_stamps[::-1], new_stamps[::-1]))
    return prefix, min(suffix, min(len(old_ids), len(new_ids)) - prefix)


def stale_related(last: RelatedMemo, lists: dict, window: int) -> set:
    """The articles whose related lists can differ from `last`: those within `window`
    places of a tag list's changed span, in the old list or the new. Every other
    article reads the same windows (same ids, same dates) as before, so its list is the same."""
    redo = set()
    empty = ((), ())
    for slug in last.lists.keys() | lists.keys():
        old, new = last.lists.get(slug, empty), lists.get(slug, empty)
        if old == new:
            continue
        prefix, suffix = changed_span(old, new)
        for ids in (old[0], new[0]):
            redo.update(ids[max(0, prefix - window): len(ids) - suffix + window])
    return redo
