"""Incremental builds must give exactly the bytes of a cold build of the same input.

Each test builds a project, changes one thing (an article's body, title, tags; an added or
deleted article; a layout; the stylesheet; config.yaml), builds again with the cache, then
compares site/ with a cold build of the changed project in a fresh folder.
"""
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsdigest.config import load_config
from newsdigest.content import front_matter_text
from newsdigest.errors import Rejected
from newsdigest.build import build

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)
TAGS = ["Japan", "South Korea", "Economy", "Defense", "Culture", "Weather"]


def write_article(content: Path, i: int, title=None, tags=None, body=None, day_offset=None):
    when = datetime(2024, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=9))) + timedelta(
        hours=7 * i if day_offset is None else day_offset)
    meta = {
        "title": title or f"Story number {i}",
        "date": when.isoformat(),
        "source": "Sample Wire",
        "reporters": [f"Reporter {i % 4}"],
        "tags": tags if tags is not None else [TAGS[i % 6], TAGS[(i * 5 + 1) % 6]][: 1 + i % 2],
        "summary": f"Lead of story {i}.",
        "slug": f"story-{i}",
        "id": f"id{i:04d}",
        "seed": f"{i:03d}.txt",
    }
    path = content / f"{when:%Y/%m}/story-{i}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(front_matter_text(meta, body or f"First paragraph of {i}.\n\nSecond paragraph of {i}.\n"),
                    encoding="utf-8")
    return path


def make_project(root: Path, count=80) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "layouts", root / "layouts")
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    config = config.replace("articles_per_page: 20", "articles_per_page: 5").replace("feed_items: 20", "feed_items: 6")
    (root / "config.yaml").write_text(config, encoding="utf-8")
    for i in range(count):
        write_article(root / "content", i)
    return root


def run(root: Path, jobs=1, now=NOW):
    return build(load_config(root / "config.yaml"), now=now, jobs=jobs)


def page(project: Path, i: int) -> Path:
    return next((project / "site").glob(f"2024/*/*/story-{i}/index.html"))


def tree(site: Path) -> dict:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def cold_tree(project: Path, tmp_path: Path, now=NOW) -> dict:
    fresh = tmp_path / "cold"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(project, fresh, ignore=shutil.ignore_patterns("site", ".cache", "site.*"))
    run(fresh, now=now)
    return tree(fresh / "site")


def assert_same_as_cold(project: Path, tmp_path: Path, now=NOW):
    incremental = tree(project / "site")
    cold = cold_tree(project, tmp_path, now)
    assert sorted(incremental) == sorted(cold), "different sets of files"
    different = [p for p in cold if cold[p] != incremental[p]]
    assert different == []


@pytest.fixture
def project(tmp_path):
    root = make_project(tmp_path / "project")
    report = run(root)
    assert report.written > 0
    return root


def touch_later(path: Path):
    """A new mtime even on filesystems with coarse timestamps."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_no_change_rebuild_writes_nothing(project, tmp_path):
    before = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    assert run(project).written == 0
    after = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    assert before == after
    assert_same_as_cold(project, tmp_path)


def test_edited_body(project, tmp_path):
    path = write_article(project / "content", 40, body="A corrected first paragraph.\n\nSecond.\n")
    touch_later(path)
    report = run(project)
    assert 0 < report.written < 40  # a handful of pages, not the site
    assert b"A corrected first paragraph." in page(project, 40).read_bytes()
    assert_same_as_cold(project, tmp_path)


def test_edited_title_reaches_neighbours_days_tags_and_feeds(project, tmp_path):
    touch_later(write_article(project / "content", 79, title="A brand new headline"))
    run(project)
    site = project / "site"
    assert b"A brand new headline" in (site / "index.html").read_bytes()
    assert b"A brand new headline" in (site / "feed.xml").read_bytes()
    assert_same_as_cold(project, tmp_path)


def test_added_article(project, tmp_path):
    write_article(project / "content", 80)
    run(project)
    assert page(project, 80).exists()
    assert_same_as_cold(project, tmp_path)


def test_deleted_article(project, tmp_path):
    gone = page(project, 30)
    (project / "content/2024/03/story-30.md").unlink()
    run(project)
    assert not gone.exists()
    assert_same_as_cold(project, tmp_path)


def test_retagged_article_adds_and_removes_tag_pages(project, tmp_path):
    # story-5 is the only one to get the new tag; Weather loses nothing else.
    touch_later(write_article(project / "content", 5, tags=["Brand New Tag"]))
    run(project)
    assert (project / "site/tags/brand-new-tag/index.html").exists()
    assert_same_as_cold(project, tmp_path)
    touch_later(write_article(project / "content", 5))
    run(project)
    assert not (project / "site/tags/brand-new-tag").exists()
    assert_same_as_cold(project, tmp_path)


def test_changed_layout(project, tmp_path):
    layout = project / "layouts/article.html"
    layout.write_text(layout.read_text(encoding="utf-8").replace("min read", "minutes to read"), encoding="utf-8")
    run(project)
    assert b"minutes to read" in page(project, 40).read_bytes()
    assert_same_as_cold(project, tmp_path)


def test_changed_stylesheet(project, tmp_path):
    css = project / "layouts/static/style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* changed */\n", encoding="utf-8")
    assert run(project).written == 1
    assert_same_as_cold(project, tmp_path)


def test_changed_config(project, tmp_path):
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: Newsdigest", "title: Morning Edition"),
                      encoding="utf-8")
    run(project)
    assert b"Morning Edition" in (project / "site/index.html").read_bytes()
    assert_same_as_cold(project, tmp_path)


def test_failed_build_then_fix(project, tmp_path):
    before = tree(project / "site")
    bad = project / "content/2024/03/story-12.md"
    good = bad.read_text(encoding="utf-8")
    bad.write_text(good.replace("title:", "titel:"), encoding="utf-8")
    with pytest.raises(Rejected):
        run(project)
    assert tree(project / "site") == before
    bad.write_text(good.replace("Lead of story 12.", "Lead, corrected."), encoding="utf-8")
    touch_later(bad)
    run(project)
    assert_same_as_cold(project, tmp_path)


def test_lost_site_is_written_again(project, tmp_path):
    shutil.rmtree(project / "site")
    run(project)
    assert_same_as_cold(project, tmp_path)


def test_parallel_cold_build_equals_serial(tmp_path):
    serial = make_project(tmp_path / "serial", count=450)
    parallel = make_project(tmp_path / "parallel", count=450)
    run(serial, jobs=1)
    run(parallel, jobs=2)  # above PARALLEL_MIN: forked workers parse, render and write
    assert tree(serial / "site") == tree(parallel / "site")


def test_changed_base_url_reaches_every_link(project, tmp_path):
    # Compiled templates are cached on disk; none may keep the old sub-path.
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "https://example.github.io/newsdigest/", "https://example.github.io/moved/"), encoding="utf-8")
    run(project)
    index = (project / "site/index.html").read_text(encoding="utf-8")
    assert 'href="/moved/static/style.css"' in index and "/newsdigest/" not in index
    assert_same_as_cold(project, tmp_path)


def test_build_after_ingest_in_one_run_equals_build_from_files(tmp_path):
    """`python build.py` hands ingest's freshly written files and its listing of content/
    to the build without re-parsing or re-listing them; the result must be what reading
    them from disk gives."""
    from newsdigest.ingest import ingest
    from newsdigest.content import Source, parse_article

    project = tmp_path / "p"
    project.mkdir()
    shutil.copytree(REPO / "layouts", project / "layouts")
    shutil.copytree(REPO / "seeds", project / "seeds")
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    config = load_config(project / "config.yaml")
    report = ingest(config)
    assert len(report.fresh) == len(list((REPO / "seeds").iterdir()))
    for path, (sha, text, meta) in report.fresh.items():
        assert report.fresh.handed_over(path)[0] == sha  # the hash ingest recorded is the file's
        assert parse_article(Source("x.md", text, sha, meta), config) == parse_article(Source("x.md", text, sha), config)
    from newsdigest.files import scan_tree
    assert report.listing == scan_tree(project / "content", ".md")  # stats of what is there now
    build(config, now=NOW, fresh=report.fresh, listing=report.listing)
    handed_over = tree(project / "site")
    shutil.rmtree(project / "site")
    shutil.rmtree(project / ".cache")
    build(config, now=NOW)
    assert tree(project / "site") == handed_over


def _cli(project: Path, *args):
    import subprocess
    import sys
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH="1893456000")
    return subprocess.run([sys.executable, str(REPO / "build.py"), "--config", str(project / "config.yaml"), *args],
                          capture_output=True, text=True, timeout=180, env=env, cwd=project)


def test_problems_found_in_worker_processes_are_reported(tmp_path):
    """Above PARALLEL_MIN files the parse and render run in forked workers; their errors
    must come back as lines (an unpicklable error used to hang the pool)."""
    project = make_project(tmp_path / "p", count=450)
    bad = project / "content/2024/03/story-7.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("title:", "titel:"), encoding="utf-8")
    result = _cli(project, "build", "--jobs", "2")
    assert result.returncode == 1
    assert "content/2024/03/story-7.md:2: titel: unknown front matter key" in result.stderr
    assert "Traceback" not in result.stderr

    bad.write_text(bad.read_text(encoding="utf-8").replace("titel:", "title:"), encoding="utf-8")
    layout = project / "layouts/article.html"
    layout.write_text(layout.read_text(encoding="utf-8").replace("{{ article.title }}", "{{ article.no_such }}", 1),
                      encoding="utf-8")
    result = _cli(project, "build", "--jobs", "2")
    assert result.returncode == 1
    assert "layouts/article.html:" in result.stderr and "no_such" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_seed_among_many_is_reported_by_parallel_ingest(tmp_path):
    project = make_project(tmp_path / "p", count=0)
    seeds = project / "seeds"
    seeds.mkdir()
    for i in range(260):  # above ingest's parallel threshold
        (seeds / f"{i:03d}.txt").write_text(
            f"sample wire (newsdigest sample)\n\nStory {i} about Seoul\nUpdated: 2024-03-{1 + i % 28:02d} 09:{i % 60:02d}:00 KST\n\n"
            f"Paragraph one of story {i}.\nKim Min-ji, Sample Wire.\nReporter :\n", encoding="utf-8")
    (seeds / "999_bad.txt").write_bytes(b"")
    result = _cli(project, "ingest", "--jobs", "2")
    assert result.returncode == 1
    assert "seeds/999_bad.txt: empty file: no article text" in result.stderr
    assert len(list((project / "content").rglob("*.md"))) == 260


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_equal_cold_builds(tmp_path, seed, monkeypatch):
    """Sequences of random edits, additions, deletions, re-datings and retaggings, each
    built incrementally and compared with a cold build, file by file over every planned
    output: the page keys (by what each page read) must miss nothing. "Now" moves among
    the articles' dates, so the news sitemap (the last two days) and the monthly feed
    archives come and go as well. Every kind of planned file (each layout that is a page,
    each writer) must have been built, so a new kind of page is covered once it is
    planned, without naming it here."""
    import random

    from newsdigest import build as recipe, render

    planned_kinds = set()

    def plan_and_note(*args, **kwargs):
        outputs = plan_site(*args, **kwargs)
        planned_kinds.update(p.template for p in outputs)
        return outputs

    plan_site = recipe.plan_site
    monkeypatch.setattr(recipe, "plan_site", plan_and_note)
    rng = random.Random(seed)
    root = make_project(tmp_path / "project", count=0)
    live: dict[int, dict] = {}  # article number -> its write_article arguments

    def write(i, **kw):
        if i in live:
            old = live[i]
            (root / "content").joinpath(*old["path"]).unlink()
        args = dict(live.get(i, {}), **kw)
        args.pop("path", None)
        path = write_article(root / "content", i, **args)
        touch_later(path)
        live[i] = dict(args, path=path.relative_to(root / "content").parts)

    def random_tags():
        return rng.sample(TAGS, rng.randint(0, 3))

    for i in range(60):
        write(i, day_offset=i * 9, tags=random_tags())
    run(root)
    next_id = 60
    for step in range(8):
        for _ in range(rng.randint(1, 3)):
            op = rng.choice(["add", "delete", "redate", "retag", "title", "body"])
            i = rng.choice(sorted(live))
            if op == "add":
                # sometimes in another month: a new oldest or newest month archive
                write(next_id, day_offset=rng.choice([rng.randint(-100, 700), rng.randint(-2000, 3000)]),
                      tags=random_tags())
                next_id += 1
            elif op == "delete" and len(live) > 10:
                (root / "content").joinpath(*live.pop(i)["path"]).unlink()
            elif op == "redate":
                write(i, day_offset=rng.choice([rng.randint(0, 540), rng.randint(-2000, 3000)]))
            elif op == "retag":
                write(i, tags=random_tags())
            elif op == "title":
                write(i, title=f"Headline {rng.randint(0, 10**6)}")
            else:
                write(i, body=f"Paragraph {rng.randint(0, 10**6)}.\n")
        now = datetime(2024, 3, 1, tzinfo=timezone.utc) + timedelta(hours=rng.choice([rng.randint(0, 700), 6000]))
        run(root, now=now)
        assert_same_as_cold(root, tmp_path, now)
    every_kind = set(render.WRITERS) | set(render.TEMPLATES) - {"base.html"}
    assert planned_kinds == every_kind


def test_build_cache_delta_reloads_exactly_what_was_saved(tmp_path):
    """The build cache is a base file plus a delta of changes since; across many saves
    (small ones go to the delta, large ones rewrite the base) a reload must give exactly
    the data last saved."""
    import random

    from newsdigest.incremental.store import BuildCache

    config = load_config(make_project(tmp_path / "p", count=0) / "config.yaml")
    rng = random.Random(7)
    data = {"salt": ("a", "b"), "files": {f"f{i}": (f"k{i}", f"s{i}") for i in range(300)},
            "deps": {f"f{i}": tuple(f"a{j}" for j in range(i % 4)) for i in range(300)}}
    base_file = tmp_path / "p/.cache/build.marshal"
    inodes = []
    for step in range(40):
        cache = BuildCache(config)
        loaded = {k: v for k, v in cache.data.items() if k not in ("id", "version")}
        assert loaded == (data if step else {})
        data = {"salt": data["salt"], "files": dict(data["files"]), "deps": dict(data["deps"])}
        for _ in range(rng.choice([1, 5, 40, 200])):
            table = data[rng.choice(["files", "deps"])]
            key = f"f{rng.randint(0, 400)}"
            if rng.random() < 0.3:
                table.pop(key, None)
            else:
                table[key] = (f"k{rng.random()}",)
        cache.save(data)
        inodes.append(base_file.stat().st_ino)
    rewrites = sum(a != b for a, b in zip(inodes, inodes[1:]))
    assert 1 <= rewrites < len(inodes) - 10  # both kinds of save happened, deltas more often


@pytest.mark.parametrize("old, new, changed", [
    ({"a": (1, 2)}, {"a": (1, 2)}, {}),                      # an equal value, another object
    ({"a": (1, 2)}, {"a": (1, 3)}, {"a": (1, 3)}),           # a changed value
    ({}, {"a": None}, {"a": None}),                          # a new key holding None
    ({"a": None}, {"a": None, "b": 0}, {"b": 0}),            # None kept, a new key added
    ({"a": 0}, {"a": False}, {}),                            # equal by value across types
    ({"a": (1,), "b": (2,)}, {"b": (2,)}, {}),               # a removed key is not a change
])
def test_cache_delta_entries_are_the_ones_that_differ(old, new, changed):
    from newsdigest.incremental.store import changed_entries
    assert changed_entries(new, old) == changed
    shared = {"k": old.get("a", ("x",))}  # the very object loaded
    assert changed_entries(dict(shared), shared) == {}


def test_adding_an_article_writes_a_cache_delta_not_a_new_base(project, tmp_path):
    """An added article changes its tags' related lists: kept as tables in the build
    cache, they go to its small delta. (Kept as one value, any change to them rewrote the
    whole base file: 10 MB and 0.15 s at 10,000 articles, in every add, delete and batch.)"""
    base, delta = project / ".cache/build.marshal", project / ".cache/build-delta.marshal"
    before = (base.stat().st_ino, base.stat().st_mtime_ns, delta.read_bytes())
    write_article(project / "content", 80)
    run(project)
    assert (base.stat().st_ino, base.stat().st_mtime_ns) == before[:2] and delta.read_bytes() != before[2]
    assert_same_as_cold(project, tmp_path)


@pytest.mark.parametrize("change", ["slug", "id", "tag"])
def test_a_collision_introduced_by_an_edit_is_rejected_as_in_a_cold_build(project, tmp_path, change):
    """The build skips the collision check when no article's id, URL or tags changed;
    an edit that makes one collide must still be caught."""
    path = project / "content/2024/03/story-7.md"
    text = path.read_text(encoding="utf-8")
    other = (project / "content/2024/03/story-8.md").read_text(encoding="utf-8")
    if change == "slug":
        text = text.replace("slug: story-7", "slug: story-8")
        path.write_text(text, encoding="utf-8")
        # same day as story-8, so the same URL
        text = text.replace(text.split("date: ")[1].split("\n")[0], other.split("date: ")[1].split("\n")[0])
    elif change == "id":
        text = text.replace("id: id0007", "id: id0008")
    else:
        text = text.replace("tags:\n", "tags:\n- JAPAN\n", 1)  # slug japan, as Japan's
    path.write_text(text, encoding="utf-8")
    touch_later(path)
    with pytest.raises(Rejected) as incremental:
        run(project)
    shutil.rmtree(project / ".cache")
    with pytest.raises(Rejected) as cold:
        run(project)
    assert [str(e) for e in incremental.value.errors] == [str(e) for e in cold.value.errors]


def test_forked_ingest_gives_what_one_process_gives(tmp_path):
    """`python build.py` ingests in a forked child while the parent preloads; with
    --jobs 1 everything runs in one process. Same seeds, same content/ and site/."""
    trees = []
    for name, args in (("forked", ()), ("one", ("--jobs", "1"))):
        project = tmp_path / name
        project.mkdir()
        shutil.copytree(REPO / "layouts", project / "layouts")
        shutil.copytree(REPO / "seeds", project / "seeds")
        shutil.copy(REPO / "config.yaml", project / "config.yaml")
        result = _cli(project, *args)
        assert result.returncode == 0, result.stderr
        assert "ingested 15 new or changed" in result.stdout and "built 15 articles" in result.stdout
        trees.append((tree(project / "content"), tree(project / "site")))
    assert trees[0] == trees[1]
