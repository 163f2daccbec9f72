"""The article store is saved as the content is parsed, before the render, and the render
reads the articles it shows from it (issue 13: a cold build of 50,000 articles must peak
under 600 MB in every process; the build process no longer holds every parsed Article for
fork to share into each render worker)."""
import pytest

from newsdigest.config import load_config
from newsdigest.content import Source, parse_article
from newsdigest.errors import Rejected
from newsdigest.files import sha1_hex
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
    assert all("'no_such_variable' is undefined (rendering tags/" in e.message for e in rejected.value.errors)
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
