"""The article store is saved as the content is parsed, before the render, and the render
reads the articles it shows from it (issue 13: a cold build of 50,000 articles must peak
under 600 MB in every process; the build process no longer holds every parsed Article for
fork to share into each render worker)."""
import pytest

from newsdigest.config import load_config
from newsdigest.content import Source, parse_article, read_sources
from newsdigest.errors import Rejected
from newsdigest.files import scan_tree, sha1_hex
from newsdigest.incremental.store import LOADED_LIMIT, ArticleStore

from test_incremental import assert_same_as_cold, make_project, run

COUNT = 450  # above parallel.PARALLEL_MIN: forked workers parse and render


def test_a_build_whose_render_fails_has_stored_every_article_and_the_next_one_heals(tmp_path):
    """A template that fails on every tag page (in the render workers, after the parse):
    the build is rejected and writes no site, yet every article is in the store already,
    as its file parses; fixed, the next build gives a cold build's site."""
    project = make_project(tmp_path / "project", count=COUNT)
    layout = project / "layouts/tag.html"
    good = layout.read_text(encoding="utf-8")
    layout.write_text(good.replace("{% block main %}", "{% block main %}{{ no_such_variable }}", 1), encoding="utf-8")
    with pytest.raises(Rejected) as rejected:
        run(project, jobs=2)
    assert rejected.value.errors and all("'no_such_variable' is undefined (rendering tags/" in e.message
                                         for e in rejected.value.errors)
    assert not (project / "site").exists()

    config = load_config(project / "config.yaml")
    store = ArticleStore(config)
    files = sorted((project / "content").rglob("*.md"))
    assert len(files) == COUNT and len(store.index) == COUNT and store.delta == {}
    for path in files[::50]:
        raw = path.read_bytes()
        shown = path.relative_to(project).as_posix()
        assert store.get(sha1_hex(raw)) == parse_article(Source(shown, raw.decode("utf-8"), sha1_hex(raw)), config)

    layout.write_text(good, encoding="utf-8")
    run(project, jobs=2)
    assert_same_as_cold(project, tmp_path)


def test_loading_more_articles_than_a_process_keeps_gives_the_same_site(tmp_path, monkeypatch):
    """Each process keeps at most LOADED_LIMIT articles unpickled (and each list item at
    most ENTRIES_KEPT): a render that loads many times more, dropping and loading them
    again, writes the same bytes."""
    assert LOADED_LIMIT >= 1000
    few = make_project(tmp_path / "few", count=COUNT)
    monkeypatch.setattr("newsdigest.incremental.store.LOADED_LIMIT", 7)
    monkeypatch.setattr("newsdigest.render.ENTRIES_KEPT", 5)
    run(few, jobs=2)
    monkeypatch.undo()
    assert_same_as_cold(few, tmp_path)


def test_a_content_folder_without_a_cache_is_listed_by_hash_and_parsed_where_it_is_read(tmp_path):
    """A fresh clone: content/ committed, no .cache/. The build process reads each file to
    hash it and check it is UTF-8, then lets the text go; the parse worker reads it again.
    (Kept, the texts filled the build process and every parse worker forked from it: at
    50,000 articles 536 and 359 MB, against 398 and 84 MB without them.)"""
    project = make_project(tmp_path / "project", count=COUNT)
    (project / "content/not-utf8.md").write_bytes(b"---\ntitle: caf\xe9\n---\nBody.\n")
    config = load_config(project / "config.yaml")
    sources, stats, errors = read_sources(config, scan_tree(config.content_dir, ".md"), {})
    assert [e.message for e in errors] == ["not UTF-8 text (byte 14); save the file as UTF-8"]
    assert errors[0].path == "content/not-utf8.md"
    assert len(sources) == len(stats) == COUNT
    assert all(s.text is None and s.meta is None for s in sources)
    for s in sources:
        assert s.sha == sha1_hex((project / s.path).read_bytes()) == stats[s.path.removeprefix("content/")][1]

    (project / "content/not-utf8.md").unlink()
    run(project, jobs=2)
    store = ArticleStore(config)
    for s in sources[::40]:
        raw = (project / s.path).read_bytes()
        assert store.get(s.sha) == parse_article(Source(s.path, raw.decode("utf-8"), s.sha), config)
    assert_same_as_cold(project, tmp_path)
