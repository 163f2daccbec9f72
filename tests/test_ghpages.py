"""The one GitHub Pages resolver (newsdigest.ghpages) that `serve` and `check` share: its
rules as a table, and what it refuses on disk."""

import os

import pytest

from newsdigest.ghpages import Answer, answer, answer_from_folder, served_file

FILES = {"index.html", "404.html", "about.html", "tags/index.html", "tags/japan/index.html", "feed.xml",
         "static/site.css", "empty/.keep"}
DIRS = {"tags", "tags/japan", "static", "empty"}


def lookup(rel):
    return answer(rel, FILES.__contains__, DIRS.__contains__)


@pytest.mark.parametrize("rel, expected", [
    ("", Answer(200, "index.html")),
    ("tags/", Answer(200, "tags/index.html")),
    ("tags", Answer(301, location="tags/")),                  # a folder without its slash redirects
    ("tags/japan", Answer(301, location="tags/japan/")),
    ("about", Answer(200, "about.html")),                     # x is served from x.html
    ("about.html", Answer(200, "about.html")),
    ("feed.xml", Answer(200, "feed.xml")),
    ("feed.xml/", Answer(404, "404.html")),                   # a file is no folder
    ("static/", Answer(404, "404.html")),                     # a folder without index.html
    ("empty", Answer(301, location="empty/")),
    ("nope", Answer(404, "404.html")),
    ("tags/nope/", Answer(404, "404.html")),
])
def test_github_pages_rules(rel, expected):
    assert lookup(rel) == expected


def test_a_site_without_404_html_answers_a_bare_404():
    assert answer("nope", {"index.html"}.__contains__, set().__contains__) == Answer(404, None)


@pytest.mark.parametrize("rel, expected", [
    ("tags", "tags/index.html"),     # the redirect followed
    ("static", None),                # redirected to a folder with no index.html
    ("nope", None),                  # a 404 is no file, even though it shows 404.html
    ("about", "about.html"),
])
def test_served_file_follows_the_redirect(rel, expected):
    assert served_file(rel, FILES.__contains__, DIRS.__contains__) == expected


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    for rel in FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    (tmp_path / "secret.html").write_text("outside")
    os.symlink(tmp_path / "secret.html", root / "leak.html")
    os.symlink(tmp_path, root / "up")
    return root


@pytest.mark.parametrize("rel", ["", "tags", "tags/", "tags/japan", "about", "feed.xml", "feed.xml/", "static/",
                                 "empty", "nope", "tags/nope/"])
def test_a_folder_on_disk_is_answered_by_the_same_rules(site, rel):
    assert answer_from_folder(site, rel) == lookup(rel)


@pytest.mark.parametrize("rel", ["../secret.html", "tags/../../secret.html", "./index.html", "leak.html", "leak",
                                 "up/secret.html", "tags\\..\\index.html", "index.html\0"])
def test_nothing_outside_the_folder_is_answered(site, rel):
    assert answer_from_folder(site, rel) == Answer(404, "404.html")


def test_a_path_outside_the_base_path_is_a_404(site):
    assert answer_from_folder(site, None) == Answer(404, "404.html")


def test_empty_segments_are_dropped(site):
    assert answer_from_folder(site, "tags//japan/") == Answer(200, "tags/japan/index.html")
    assert answer_from_folder(site, "/about") == Answer(200, "about.html")
