"""The two rules that say what a change can affect (newsdigest/incremental/changes.py), as
tables: each row a change and what the rule must answer. The randomized incremental test
(test_incremental.py) checks them end to end; these pin each case down."""

import pytest

from newsdigest.collect import Facts
from newsdigest.incremental.changes import RelatedMemo, changed_span, collisions_possible, stale_related


def facts(path="content/a.md", id="a1", url="2024/03/01/a/", tags=(("seoul", "Seoul"),), title="A"):
    return Facts(id, path, "a", False, 1709251200.0, url, "2024/03/01/", tags, title, "Summary.", ())


A = facts()


@pytest.mark.parametrize("old, new, expected", [
    (None, {}, True),  # no last build: look
    (None, {"content/a.md": A}, True),
    ({}, {}, False),  # nothing parsed
    ({"content/a.md": A}, {"content/a.md": A}, False),  # parsed again, the same
    ({"content/a.md": A}, {"content/a.md": A._replace(title="B", summary="Other.")}, False),  # text only
    ({"content/a.md": A}, {"content/a.md": A._replace(stamp=0.0)}, False),  # re-dated, same URL
    ({"content/a.md": A}, {"content/a.md": A._replace(url="2024/03/02/a/")}, True),
    ({"content/a.md": A}, {"content/a.md": A._replace(id="a2")}, True),
    ({"content/a.md": A}, {"content/a.md": A._replace(tags=(("tokyo", "Tokyo"),))}, True),
    ({"content/a.md": A}, {"content/a.md": A._replace(tags=(("seoul", "SEOUL"),))}, True),  # a tag's name
    ({"content/a.md": A}, {"content/a.md": A, "content/b.md": facts("content/b.md", "b1", "b/")}, True),  # new
], ids=["cold", "cold-one", "nothing", "same", "title", "date", "url", "id", "tags", "tag-name", "new-file"])
def test_collisions_are_looked_for_when_a_placement_changed(old, new, expected):
    assert collisions_possible(old, new) is expected


def lists(*ids):
    """A tag list (ids, stamps) with one stamp per id, newest first."""
    return tuple(ids), tuple(float(100 - ord(i[0])) for i in ids)


@pytest.mark.parametrize("old, new, span", [
    (lists("a", "b", "c"), lists("a", "b", "c"), (3, 0)),
    (lists("a", "b", "c"), lists("n", "a", "b", "c"), (0, 3)),  # added at the front
    (lists("a", "b", "c"), lists("a", "c"), (1, 1)),  # deleted in the middle
    (lists("a", "b", "c"), lists("a", "b"), (2, 0)),  # deleted at the end
    (lists("a", "b", "c"), lists("a", "x", "c"), (1, 1)),  # replaced
    (lists(), lists("a"), (0, 0)),
    (lists("a", "b"), (("a", "b"), (3.0, 0.0)), (1, 0)),  # same ids, the second re-dated
])
def test_changed_span_is_what_two_lists_share_at_either_end(old, new, span):
    assert changed_span(old, new) == span


IDS = tuple(f"{c}" for c in "abcdefghijklmnop")  # 16 articles of one tag, newest first


@pytest.mark.parametrize("change, window, redo", [
    (lambda ids: ids, 2, set()),  # nothing changed
    (lambda ids: ids[:8] + ids[9:], 2, set("ghijk")),  # "i" deleted: two on each side, and itself
    (lambda ids: ("N",) + ids, 2, set("Nab")),  # a new newest article
    (lambda ids: ids[:-1], 2, set("nop")),  # the oldest deleted
    (lambda ids: ids[:8] + ids[9:], 0, {"i"}),  # window 0: only the one that left
], ids=["none", "delete-middle", "add-newest", "delete-oldest", "window-0"])
def test_related_lists_are_redone_within_the_window_of_a_change(change, window, redo):
    stamps = {i: float(1000 - n) for n, i in enumerate(("N",) + IDS)}

    def tag(ids):
        return {"seoul": (tuple(ids), tuple(stamps[i] for i in ids))}

    last = RelatedMemo(tag(IDS), {})
    assert stale_related(last, tag(change(IDS)), window) == redo


def test_a_tag_that_appears_or_goes_redoes_its_articles():
    last = RelatedMemo({"seoul": (("a", "b"), (2.0, 1.0))}, {})
    assert stale_related(last, {"seoul": (("a", "b"), (2.0, 1.0)), "tokyo": (("c",), (0.5,))}, 3) == {"c"}
    assert stale_related(last, {}, 3) == {"a", "b"}
