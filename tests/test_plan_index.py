"""The plan's dependency index (newsdigest/incremental/depends.py): a build plans only the
units that read a site-table entry that changed, keeps the others' files, and plans
everything when the index is lost, damaged or made for other inputs. Every result is
compared with a cold build of the same content."""
import random

import pytest

from newsdigest import build as recipe
from newsdigest.config import load_config
from newsdigest.incremental.depends import PlanReads, PlanSite, changed_cells, whole
from newsdigest.incremental.store import BuildCache, cache_file, save_cache_marshal
from test_incremental import NOW, TAGS, assert_same_as_cold, make_project, run, touch_later, write_article


@pytest.fixture
def planned(monkeypatch):
    """The pages each build planned (a list per build)."""
    builds = []
    plan_site = recipe.plan_site

    def plan_and_note(*args, **kwargs):
        pages = plan_site(*args, **kwargs)
        builds.append(pages)
        return pages

    monkeypatch.setattr(recipe, "plan_site", plan_and_note)
    return builds


def article_pages(pages) -> list[str]:
    return [p.output for p in pages if p.template == "article.html"]


def edit_title(root, i, title):
    touch_later(write_article(root / "content", i, title=title))


def rewrite_cache(root, change) -> None:
    """The build cache with `change` applied to its data, written as a new base."""
    config = load_config(root / "config.yaml")
    data = dict(BuildCache(config).data)
    change(data)
    data["id"] = "rewritten"
    save_cache_marshal(config, "build-delta.marshal", {"base": "rewritten"})
    save_cache_marshal(config, "build.marshal", data)


def test_an_edit_plans_only_the_units_that_read_the_article(tmp_path, planned):
    root = make_project(tmp_path / "project")
    run(root)
    assert len(article_pages(planned[-1])) == 80  # cold: everything
    touch_later(write_article(root / "content", 40, body="A new first paragraph.\n"))
    run(root)
    # its page and the pages whose keys counted its content: its neighbours, its related
    # articles' pages; the other 70-odd article pages are not planned at all
    replanned = article_pages(planned[-1])
    assert any("story-40/" in p for p in replanned)
    assert 1 <= len(replanned) <= 12
    assert_same_as_cold(root, tmp_path)


def test_a_new_article_plans_its_neighbours_and_new_pages(tmp_path, planned):
    root = make_project(tmp_path / "project")
    run(root)
    touch_later(write_article(root / "content", 200, day_offset=7 * 40 + 3, tags=["Japan"]))
    run(root)
    replanned = article_pages(planned[-1])
    assert any("story-200/" in p for p in replanned) and len(replanned) < 40
    assert_same_as_cold(root, tmp_path)


def spoil_lost(data):
    data.pop("plan_index")


def spoil_units(data):
    for name in data:
        if name.startswith("plan_units:"):
            data[name] = {}


def spoil_salt(data):
    data["plan_index"] = dict(data["plan_index"], salt=("another config", "other layouts", True))


def spoil_signatures(data):
    data.pop("signatures:neighbours")


@pytest.mark.parametrize("spoil", [spoil_lost, spoil_units, spoil_salt, spoil_signatures])
def test_an_index_lost_or_made_for_other_inputs_plans_everything(tmp_path, planned, spoil):
    root = make_project(tmp_path / "project")
    run(root)
    rewrite_cache(root, spoil)
    edit_title(root, 10, "A headline changed while the index was gone")
    run(root)
    assert len(article_pages(planned[-1])) == 80
    assert_same_as_cold(root, tmp_path)
    edit_title(root, 11, "The next build has an index again")
    run(root)
    assert len(article_pages(planned[-1])) < 12


def test_a_damaged_cache_file_is_a_notice_and_a_full_plan(tmp_path, planned):
    root = make_project(tmp_path / "project")
    run(root)
    config = load_config(root / "config.yaml")
    path = cache_file(config, "build.marshal")
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    edit_title(root, 12, "Edited beside a damaged cache")
    report = run(root)
    assert any("build.marshal: damaged" in n for n in report.notices)
    assert len(article_pages(planned[-1])) == 80
    assert_same_as_cold(root, tmp_path)


def test_a_page_changed_by_hand_is_planned_and_written_again(tmp_path, planned):
    root = make_project(tmp_path / "project")
    run(root)
    page = next((root / "site").glob("2024/*/*/story-30/index.html"))
    page.write_text("vandalised", encoding="utf-8")
    edit_title(root, 70, "Something else changed too")
    run(root)
    assert any("story-30/" in p for p in article_pages(planned[-1]))
    assert_same_as_cold(root, tmp_path)


@pytest.mark.parametrize("seed", [4, 5])
def test_random_changes_with_the_index_spoiled_at_random_equal_cold_builds(tmp_path, seed):
    """Random edits, additions, deletions, re-datings and retaggings; before some builds
    the index is lost, emptied, made for other inputs or missing a table, or one of its
    units is dropped. Every result equals a cold build."""
    rng = random.Random(seed)
    root = make_project(tmp_path / "project", count=0)
    live: dict[int, dict] = {}

    def write(i, **kw):
        if i in live:
            (root / "content").joinpath(*live[i]["path"]).unlink()
        args = dict(live.get(i, {}), **kw)
        args.pop("path", None)
        path = write_article(root / "content", i, **args)
        touch_later(path)
        live[i] = dict(args, path=path.relative_to(root / "content").parts)

    def drop_one_unit(data):
        name = rng.choice(sorted(n for n in data if n.startswith("plan_units:") and data[n]))
        units = dict(data[name])
        units.pop(rng.choice(sorted(units)))
        data[name] = units

    for i in range(40):
        write(i, day_offset=i * 11, tags=rng.sample(TAGS, rng.randint(0, 3)))
    run(root)
    next_id = 40
    for _ in range(6):
        op = rng.choice(["add", "delete", "redate", "retag", "title", "body"])
        i = rng.choice(sorted(live))
        if op == "add":
            write(next_id, day_offset=rng.randint(-50, 500), tags=rng.sample(TAGS, rng.randint(0, 3)))
            next_id += 1
        elif op == "delete":
            (root / "content").joinpath(*live.pop(i)["path"]).unlink()
        elif op == "redate":
            write(i, day_offset=rng.randint(0, 500))
        elif op == "retag":
            write(i, tags=rng.sample(TAGS, rng.randint(0, 3)))
        elif op == "title":
            write(i, title=f"Headline {rng.randint(0, 10**6)}")
        else:
            write(i, body=f"Paragraph {rng.randint(0, 10**6)}.\n")
        spoil = rng.choice([None, None, spoil_lost, spoil_units, spoil_salt, spoil_signatures, drop_one_unit])
        if spoil:
            rewrite_cache(root, spoil)
        run(root)
        assert_same_as_cold(root, tmp_path, NOW)


@pytest.mark.parametrize("old, new, changed", [
    ({}, {}, set()),
    ({"articles": {"a": "h1"}}, {"articles": {"a": "h1"}}, set()),
    ({"articles": {"a": "h1"}}, {"articles": {"a": "h2"}}, {"a", whole("articles")}),  # edited
    ({"articles": {"a": "h1"}}, {"articles": {"a": "h1", "b": "h3"}}, {"b", whole("articles")}),  # added
    ({"articles": {"a": "h1", "b": "h3"}}, {"articles": {"a": "h1"}}, {"b", whole("articles")}),  # removed
    ({"days": {"u": ("a",)}}, {"days": {"u": ("a", "b")}}, {"u", whole("days")}),
    ({"days": {"u": ("a",)}}, {}, {"u", whole("days")}),  # a table gone
    ({"days": {"u": ("a",)}, "tags": {"t": (1,)}}, {"days": {"u": ("a",)}, "tags": {"t": (2,)}},
     {"t", whole("tags")}),
])
def test_changed_cells(old, new, changed):
    assert changed_cells(old, new) == changed


def test_a_plan_entry_reads_the_site_only_through_tables():
    from newsdigest.collect import collect_facts
    site = collect_facts({}, lambda i: None)
    view = PlanSite(site, {"days": {}}, PlanReads(None))
    with pytest.raises(AttributeError, match="entry"):
        view.previous  # noqa: B018 - a Site method reading positions would escape the index
    assert view.days == ()
