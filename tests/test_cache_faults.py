"""A damaged build cache heals (issue 14: item 9).

The cache is an optimisation: any cache file truncated, flipped, emptied, swapped for
another or replaced by wrong-shaped data is discarded with a one-line notice (none ever
reaches pickle or marshal unchecked) and the build gives exactly a clean build's site.
"""
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from buildkit import tree
from conftest import SOURCE_DATE_EPOCH, copy_sample, run_cli
from newsdigest.config import load_config
from newsdigest.ingest import ingest
from newsdigest.build import build

NOW = datetime.fromtimestamp(int(SOURCE_DATE_EPOCH), timezone.utc)


def damage(path: Path, how: str, other: Path) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":  # one bit in the middle, and one near the end (an article pickle)
        flipped = bytearray(data)
        for at in (len(data) // 2, len(data) - 3):
            flipped[at] ^= 0x10
        path.write_bytes(bytes(flipped))
    elif how == "wrong shape":
        path.write_bytes(b"[]")
    elif how == "swapped":  # another cache file's bytes, each valid in its own place
        path.write_bytes(other.read_bytes())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The bundled sample ingested and built (cache and site), and the site a clean build of
    it with one article edited gives."""
    root = tmp_path_factory.mktemp("cache") / "sample"
    root.mkdir()
    copy_sample(root)
    assert run_cli(root).returncode == 0
    edited = root.parent / "edited"
    shutil.copytree(root, edited, ignore=shutil.ignore_patterns(".cache", "site"))
    article = sorted((edited / "content/2019/11").glob("*.md"))[3]
    article.write_text(article.read_text() + "\nAn added closing paragraph.\n")
    assert run_cli(edited, "build").returncode == 0
    return root, tree(root / "site"), article.relative_to(edited), article.read_bytes(), tree(edited / "site")


def cache_files(project: Path) -> list[Path]:
    files = sorted(p for p in (project / ".cache").rglob("*") if p.is_file() and not p.name.endswith(".lock"))
    jinja = [p for p in files if "jinja" in p.parts]
    return [p for p in files if "jinja" not in p.parts] + jinja[:2]


def build_once(project: Path):
    config = load_config(project / "config.yaml")
    ingest(config)
    return build(config, now=NOW, jobs=1)


def test_every_cache_file_damaged_in_every_way_heals(built, tmp_path):
    """One project, damaged again and again in place: after each heal its site and cache
    are consistent again, so every run tests one damaged file (a copied project would
    have every output file's inode changed, and rewrite them all)."""
    pristine, clean_site, article, edited_bytes, edited_site = built
    project = tmp_path / "p"
    shutil.copytree(pristine, project, symlinks=True)
    build_once(project)  # the copy's site gets recorded again
    original = (project / article).read_bytes()
    names = [p.relative_to(project) for p in cache_files(project)]
    assert len(names) >= 10  # the build and ingest caches, the stamp, the output record, compiled templates
    seen_notice = set()
    for n, name in enumerate(names):
        for how in ("truncated", "flipped", ("wrong shape", "swapped")[n % 2]):
            if not (project / name).exists():
                continue  # a delta file that the last healing build had no reason to write
            damage(project / name, how, project / names[(n + 1) % len(names)])
            edit = how != "truncated"  # with an edit the build goes past the stamp
            (project / article).write_bytes(edited_bytes if edit else original)
            report = build_once(project)
            where = f"{name} {how}"
            assert tree(project / "site") == (edited_site if edit else clean_site), where
            if report.notices:
                seen_notice.add(str(name))
            # and the cache healed: the next build has nothing to discard
            (project / article).write_bytes(original)
            again = build_once(project)
            assert again.notices == (), (where, again.notices)
            assert tree(project / "site") == clean_site, where
    for expected in ("build.marshal", "build-delta.marshal", "articles.pickle", "articles-delta.pickle",
                     "output.marshal", "stamp.json"):
        assert f".cache/{expected}" in seen_notice, expected


def test_the_issues_damaged_caches_give_a_notice_and_a_clean_build(built, tmp_path):
    """A truncated articles.pickle gave UnpicklingError on every run; stamp.json holding
    `[]` gave AttributeError with no path."""
    pristine, clean_site, *_ = built
    project = tmp_path / "p"
    shutil.copytree(pristine, project)
    pickle_file = project / ".cache/articles.pickle"
    pickle_file.write_bytes(pickle_file.read_bytes()[:1000])
    (project / ".cache/stamp.json").write_text("[]")
    (project / "content/2019/11").joinpath(sorted(p.name for p in (project / "content/2019/11").glob("*.md"))[0]).touch()
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        ".cache/stamp.json: damaged, or written by another version; discarded (the build runs without it)",
        ".cache/articles.pickle: damaged, or written by another version; discarded (the build runs without it)",
    ]
    assert tree(project / "site") == clean_site
    again = run_cli(project, "build")
    assert again.returncode == 0 and again.stderr == ""


def test_a_cache_load_leaves_the_collector_on_and_its_data_out_of_it(tmp_path):
    """Loading plain data keeps the cyclic collector out (files.uncollected: at 50,000
    articles its passes over the build cache were a third of the load), and the collector
    is on again afterwards, also when the bytes do not load."""
    import gc
    import marshal

    from newsdigest.files import load_marshal, save_marshal, uncollected

    data = {f"k{i}": (f"v{i}", (i, float(i))) for i in range(1000)}
    save_marshal(tmp_path / "x.marshal", {"table": data}, 1)
    try:
        assert load_marshal(tmp_path / "x.marshal", 1) == {"table": data}
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(data)  # the loaded tuples are not walked again
        with pytest.raises(EOFError):
            uncollected(marshal.loads, b"")
        assert gc.isenabled()
    finally:
        gc.unfreeze()
