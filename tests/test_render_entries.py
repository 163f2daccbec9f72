"""The `entry` list item, rendered once per article and arguments in a build, is the
macro's own HTML for that very article object, and never another article's."""
import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newsdigest.config import load_config
from newsdigest.content import Article, Tag
from newsdigest.render import make_env

ROOT = Path(__file__).resolve().parent.parent
KST = timezone(timedelta(hours=9))


def article(title, tags=("Economy",)):
    return Article(id="a1", title=title, date=datetime(2024, 1, 5, 18, 0, tzinfo=KST), source="Yonhap",
                   reporters=("Kim Min-ji",), tags=tuple(Tag(t, t.lower(), f"tags/{t.lower()}/") for t in tags),
                   summary="A lead & <more>.", slug="s", body_html="<p>b</p>", url="2024/01/05/s/",
                   path="content/2024/01/s.md", seed="s.txt", attribution="", draft=False, words=10)


def test_entry_is_the_macro_html_for_each_article_and_arguments():
    env = make_env(load_config(ROOT / "config.yaml"))
    entry, macro = env.globals["entry"], env.get_template("_macros.html").module.entry
    first = article("Markets rally")
    edited = dataclasses.replace(first, title="Markets fall", tags=(Tag("Courts", "courts", "tags/courts/"),))
    for args in ((), (2,), (2, True)):
        assert entry(first, *args) == macro(first, *args)
        assert entry(edited, *args) == macro(edited, *args)  # same id, other content: its own HTML
        assert entry(first, *args) == macro(first, *args)
    assert "Markets fall" in entry(edited, 2, True) and "Markets rally" not in entry(edited, 2, True)
    assert entry(first, 2, True) != entry(first, 2) != entry(first)


def test_a_list_item_kept_does_not_keep_its_article_alive():
    """The cache of list items keeps their HTML, not their articles: a render worker holds
    only the articles the store keeps (at 50,000, 10,000 more were kept alive here)."""
    import gc
    import weakref
    env = make_env(load_config(ROOT / "config.yaml"))
    entry = env.globals["entry"]
    shown = article("Markets rally")
    html = entry(shown, 2, True)
    gone = weakref.ref(shown)
    del shown
    gc.collect()
    assert gone() is None
    assert entry(article("Markets rally"), 2, True) == html  # loaded again: the same item
