"""`python build.py ingest`, run for real on small projects: seeds/ -> content/YYYY/MM/<slug>.md,
idempotent, never overwriting a hand edit, and one exact line per rejected seed."""

import os
import shutil

import pytest
import yaml

from conftest import FIXTURES, REFERENCE_SEED, REPO, content_files, run_cli
from newsdigest.config import load_config
from newsdigest.content import split_front_matter, validate_meta
from newsdigest.markup import html_to_text, render_markdown

REF_NAME = REFERENCE_SEED.name
REF_CONTENT = "2019/11/us-pressured-both-seoul-tokyo-to-renew-gsomia-s-koreas-defense-minister.md"
REF_TITLE = "U.S. pressured both Seoul, Tokyo to renew GSOMIA: S. Korea's Defense Minister"


def arirang(title, date="2019-11-18 16:28:08", body=("The first paragraph.", "The second paragraph."),
            signoff="Kim Ji-yeon, Arirang News."):
    return "\n".join(["arirang mobile", "", title, f"Updated: {date} KST", "", *body, signoff, "Reporter :", ""])


def add_seed(project, name, data):
    (project / "seeds" / name).write_bytes(data.encode() if isinstance(data, str) else data)


def read_meta(path):
    meta, body, _ = split_front_matter(path.read_text(encoding="utf-8"), str(path))
    return meta, body


def snapshot(project):
    """Every file under content/ (the ingest record too) with its bytes and mtime."""
    root = project / "content"
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def ok(result):
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result


# ------------------------------------------------------------------ the reference seed, end to end
@pytest.fixture(scope="module")
def ingested_template(tmp_path_factory):
    root = tmp_path_factory.mktemp("ingested") / "project"
    (root / "seeds").mkdir(parents=True)
    shutil.copy(REPO / "config.yaml", root)
    shutil.copytree(REPO / "layouts", root / "layouts")
    shutil.copy(REFERENCE_SEED, root / "seeds" / REF_NAME)
    ok(run_cli(root, "ingest"))
    return root


@pytest.fixture
def ingested(ingested_template, tmp_path):
    """A project whose reference seed has been ingested once (a copy, mtimes kept)."""
    root = tmp_path / "ingested"
    shutil.copytree(ingested_template, root)
    return root


def test_reference_seed_becomes_one_content_file(ingested):
    assert list(content_files(ingested)) == [REF_CONTENT]
    meta, body = read_meta(ingested / "content" / REF_CONTENT)
    assert meta["title"] == REF_TITLE
    assert meta["date"] == "2019-11-18T16:28:08+09:00"
    assert meta["source"] == "Arirang News"
    assert meta["reporters"] == ["Kim Ji-yeon"]
    assert {"GSOMIA", "Japan", "South Korea", "United States", "Defense"} <= set(meta["tags"])
    assert meta["id"] == "36d7a00d75527e5d"
    assert meta["seed"] == REF_NAME
    assert meta["slug"] == "us-pressured-both-seoul-tokyo-to-renew-gsomia-s-koreas-defense-minister"
    assert meta["summary"].startswith("The U.S. has been pressuring both South Korea and Japan")
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    assert len(paragraphs) == 10
    for bad in ("arirang mobile", "Updated:", "Kim Ji-yeon, Arirang News.", "Reporter", REF_TITLE):
        assert bad not in body


# ------------------------------------------------------------------ re-running
def test_second_run_changes_nothing(ingested):
    before = snapshot(ingested)
    assert ".ingest.json" in before
    ok(run_cli(ingested, "ingest"))
    assert snapshot(ingested) == before


def test_changed_seed_updates_unedited_content(ingested):
    seed = ingested / "seeds" / REF_NAME
    seed.write_text(seed.read_text().replace("Meanwhile, Japan downplayed", "Meanwhile, Tokyo downplayed"))
    ok(run_cli(ingested, "ingest"))
    assert list(content_files(ingested)) == [REF_CONTENT]
    _, body = read_meta(ingested / "content" / REF_CONTENT)
    assert "Meanwhile, Tokyo downplayed" in body and "Meanwhile, Japan downplayed" not in body


def test_seed_with_a_corrected_title_updates_its_own_content_file(ingested):
    # The same seed file is the same article: its content file follows it in place
    # (URL kept), rather than a second copy appearing beside the old one.
    seed = ingested / "seeds" / REF_NAME
    seed.write_text(seed.read_text().replace("U.S. pressured both", "U.S. pressures both"))
    ok(run_cli(ingested, "ingest"))
    assert list(content_files(ingested)) == [REF_CONTENT]
    meta, _ = read_meta(ingested / "content" / REF_CONTENT)
    assert meta["title"] == REF_TITLE.replace("pressured", "pressures")


def test_hand_edit_wins_over_a_changed_seed_with_a_notice(ingested):
    target = ingested / "content" / REF_CONTENT
    edited = target.read_text().replace("tags:\n", "tags:\n- Editors' pick\n")
    target.write_text(edited)
    seed = ingested / "seeds" / REF_NAME
    seed.write_text(seed.read_text().replace("Meanwhile, Japan downplayed", "Meanwhile, Tokyo downplayed"))
    result = ok(run_cli(ingested, "ingest"))
    assert target.read_text() == edited
    assert f"content/{REF_CONTENT}: edited by hand; keeping your edit (seed seeds/{REF_NAME} differs)" \
        in result.stdout.splitlines()


def test_hand_edit_survives_a_rerun_with_the_seed_unchanged(ingested):
    target = ingested / "content" / REF_CONTENT
    target.write_text(target.read_text().replace("Kim Ji-yeon", "Kim Ji-yeon (Seoul)"))
    edited = target.read_bytes()
    ok(run_cli(ingested, "ingest"))
    assert target.read_bytes() == edited


def test_deleted_content_file_comes_back(ingested):
    target = ingested / "content" / REF_CONTENT
    original = target.read_bytes()
    target.unlink()
    ok(run_cli(ingested, "ingest"))
    assert target.read_bytes() == original


def test_two_seeds_of_one_article_give_one_content_file_and_a_notice(ingested):
    # The same article scraped twice, once with Windows line ends.
    copy = REFERENCE_SEED.read_bytes().replace(b"\n", b"\r\n")
    add_seed(ingested, "999_again.txt", copy)
    result = ok(run_cli(ingested, "ingest"))
    assert list(content_files(ingested)) == [REF_CONTENT]
    assert f"seeds/999_again.txt: same article as seeds/{REF_NAME} (id 36d7a00d75527e5d); keeping one content file" \
        in result.stdout.splitlines()


def test_messages_name_the_folders_the_config_names(tmp_path):
    """With paths.seeds and paths.content set, every message names those folders, not
    `seeds/` and `content/`: a seed told twice, and a hand edit kept over a changed seed."""
    root = tmp_path / "project"
    (root / "scrapes").mkdir(parents=True)
    config = (REPO / "config.yaml").read_text()
    assert "  seeds: seeds\n  content: content\n" in config
    (root / "config.yaml").write_text(config.replace("  seeds: seeds\n  content: content\n",
                                                     "  seeds: scrapes\n  content: articles\n"))
    shutil.copytree(REPO / "layouts", root / "layouts")
    shutil.copy(REFERENCE_SEED, root / "scrapes" / REF_NAME)
    (root / "scrapes" / "999_again.txt").write_bytes(REFERENCE_SEED.read_bytes().replace(b"\n", b"\r\n"))
    result = ok(run_cli(root, "ingest"))
    assert f"scrapes/999_again.txt: same article as scrapes/{REF_NAME} (id 36d7a00d75527e5d); keeping one content " \
        "file" in result.stdout.splitlines()
    target = root / "articles" / REF_CONTENT
    target.write_text(target.read_text().replace("tags:\n", "tags:\n- Editors' pick\n"))
    seed = root / "scrapes" / REF_NAME
    seed.write_text(seed.read_text().replace("Meanwhile, Japan downplayed", "Meanwhile, Tokyo downplayed"))
    result = ok(run_cli(root, "ingest"))
    assert f"articles/{REF_CONTENT}: edited by hand; keeping your edit (seed scrapes/{REF_NAME} differs)" \
        in result.stdout.splitlines()


def slugs_by_title(project):
    out = {}
    for rel in content_files(project):
        meta, body = read_meta(project / "content" / rel)
        out[body.strip()] = (rel, meta["slug"])
    return out


def test_colliding_slugs_are_made_distinct_the_same_way_whatever_the_file_order(tmp_path, project):
    same = "Exports fall again"
    seeds = {"a.txt": arirang(same, "2019-11-12 09:00:00", body=("Story one.",)),
             "b.txt": arirang(same, "2019-11-13 09:00:00", body=("Story two.",)),
             "c.txt": arirang(same + "!", "2019-11-14 09:00:00", body=("Story three.",))}
    results = []
    for order in (["a.txt", "b.txt", "c.txt"], ["c.txt", "b.txt", "a.txt"]):
        root = tmp_path / "-".join(order)
        shutil.copytree(project, root)
        # The file names are swapped between the two runs: names must not decide slugs.
        for name, text in zip(order, seeds.values()):
            add_seed(root, name, text)
        ok(run_cli(root, "ingest"))
        results.append(slugs_by_title(root))
    ok(run_cli(root, "ingest"))  # and a second run keeps them
    assert slugs_by_title(root) == results[0] == results[1]
    assert results[0] == {
        "Story one.": ("2019/11/exports-fall-again.md", "exports-fall-again"),
        "Story two.": ("2019/11/exports-fall-again-2.md", "exports-fall-again-2"),
        "Story three.": ("2019/11/exports-fall-again-3.md", "exports-fall-again-3"),
    }


def test_slug_of_a_hand_written_content_file_is_not_reused(project):
    hand = project / "content" / "2019" / "11" / "exports-fall-again.md"
    hand.parent.mkdir(parents=True)
    hand.write_text("---\ntitle: Exports fall again\ndate: 2019-11-01\nslug: exports-fall-again\n---\n\nMine.\n")
    add_seed(project, "a.txt", arirang("Exports fall again"))
    ok(run_cli(project, "ingest"))
    assert hand.read_text().endswith("Mine.\n")
    assert sorted(content_files(project)) == ["2019/11/exports-fall-again-2.md", "2019/11/exports-fall-again.md"]


# ------------------------------------------------------------------ source profiles
YONHAP = arirang("Seoul stocks close higher", signoff="Lee Min-ho, Yonhap News.").replace("arirang mobile", "Yonhap News")


def test_a_seed_no_profile_recognises_is_reported_not_guessed(project):
    add_seed(project, "yonhap.txt", YONHAP)
    result = run_cli(project, "ingest")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "seeds/yonhap.txt:1: no source profile recognises this file (first line 'Yonhap News'; "
        "as Plain text: missing date); add a profile under `sources:` in config.yaml"]
    assert content_files(project) == {}


def test_a_new_outlet_is_a_new_profile_in_config(project):
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["sources"].insert(0, {
        "name": "Yonhap News", "detect": "^yonhap news$",
        "date_line": r"^Updated:\s*(?P<date>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) KST$",
        "timezone": "Asia/Seoul", "signoff": r"^(?P<reporters>.+?),\s*Yonhap News\.$",
        "reporter_line": r"^Reporter\s*:\s*(?P<reporter>.*)$", "attribution": "Source: Yonhap News.",
    })
    (project / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    add_seed(project, "yonhap.txt", YONHAP)
    ok(run_cli(project, "ingest"))
    meta, body = read_meta(project / "content" / "2019/11/seoul-stocks-close-higher.md")
    assert (meta["source"], meta["reporters"], meta["seed"]) == ("Yonhap News", ["Lee Min-ho"], "yonhap.txt")
    assert "Yonhap" not in body and body.split() == "The first paragraph. The second paragraph.".split()


# ------------------------------------------------------------------ bad input
# One folder per case under fixtures/bad_seeds/, each with the exact line ingest prints.
BAD_SEEDS = {
    "empty": "seeds/empty.txt: empty file: no article text",
    "binary": "seeds/image.txt: binary file (50 control bytes), not a text article",
    "undecodable": "seeds/cp1252.txt:3: undecodable bytes at offset 30 (neither UTF-8 nor CP949/EUC-KR)",
    "missing-date": "seeds/no-date.txt:3: missing date: no line matches date_line of source 'Arirang News'",
    "impossible-date": "seeds/feb-30.txt:4: impossible date '2019-02-30 16:28:08' (day is out of range for month)",
    "path-title": "seeds/dotdot.txt:3: title looks like a file path, not a headline: '../../x'",
}


def assert_rejected_alone(project, message, before):
    """The CLI run rejected exactly one seed with `message`, kept content/ and ingested the rest."""
    result = run_cli(project, "ingest")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [message]
    after = snapshot(project)
    # The ingest record gains the good seed; every content file already there is untouched.
    kept = {k: v for k, v in before.items() if k.endswith(".md")}
    assert kept and {k: after.get(k) for k in kept} == kept, "existing content changed"
    # The good seed added beside the bad one was still ingested.
    assert "2019/11/a-good-story-added-at-the-same-time.md" in after
    return result


@pytest.fixture
def with_good_seed(ingested):
    before = snapshot(ingested)
    add_seed(ingested, "good.txt", arirang("A good story added at the same time"))
    return ingested, before


@pytest.mark.parametrize("case", sorted(BAD_SEEDS))
def test_bad_seed_is_rejected_with_one_exact_line(with_good_seed, case):
    project, before = with_good_seed
    for path in (FIXTURES / "bad_seeds" / case).iterdir():
        shutil.copy(path, project / "seeds" / path.name)
    assert_rejected_alone(project, BAD_SEEDS[case], before)


def test_too_large_seed_is_rejected(with_good_seed):
    project, before = with_good_seed
    limit_kb = load_config(project / "config.yaml").max_seed_kb
    line = "A paragraph of text that goes on and on and on. " * 20 + "\n"
    add_seed(project, "huge.txt", arirang("Huge") + line * ((limit_kb * 1024) // len(line) + 10))
    size_kb = round((project / "seeds" / "huge.txt").stat().st_size / 1024)
    assert_rejected_alone(project, f"seeds/huge.txt: file is too large ({size_kb:,} KB; the limit is "
                                   f"{limit_kb:,} KB, max_seed_kb in config.yaml)", before)


def test_debug_shows_no_traceback_for_a_rejected_seed(project):
    shutil.copy(FIXTURES / "bad_seeds" / "impossible-date" / "feb-30.txt", project / "seeds")
    result = run_cli(project, "ingest", "--debug")
    assert result.returncode == 1
    assert BAD_SEEDS["impossible-date"] in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ odd but valid input
KOREAN = "\n".join(["arirang mobile", "", "한글날 기념 전시 열려", "Updated: 2019-10-09 10:00:00 KST", "",
                    "서울에서 한글 전시가 열렸다.", "김지연, Arirang News.", ""])
HEADLINE = "The first paragraph. The second paragraph."
ACCEPTED = {
    # name: (bytes, expected title, expected body text)
    "bom.txt": (b"\xef\xbb\xbf" + arirang("With a BOM").encode(), "With a BOM", HEADLINE),
    "crlf.txt": (arirang("Windows line ends").replace("\n", "\r\n").encode(), "Windows line ends", HEADLINE),
    "cr.txt": (arirang("Old Mac line ends").replace("\n", "\r").encode(), "Old Mac line ends", HEADLINE),
    "spaces.txt": (arirang("\t Stray  spaces\tand tabs  ").replace("\n", " \t\n").replace("arirang", "  arirang").encode(),
                   "Stray spaces and tabs", HEADLINE),
    "cp949.txt": (KOREAN.encode("cp949"), "한글날 기념 전시 열려", "서울에서 한글 전시가 열렸다."),
    "yaml.txt": (arirang("--- !!python/object: x", body=("key: value # not a comment",)).encode(),
                 "--- !!python/object: x", "key: value # not a comment"),
    "html.txt": (arirang("<script>alert(1)</script>", body=("<b>bold</b> & <i>more</i>",)).encode(),
                 "<script>alert(1)</script>", "<b>bold</b> & <i>more</i>"),
}


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    root = tmp_path_factory.mktemp("accepted")
    shutil.copy(REPO / "config.yaml", root)
    shutil.copytree(REPO / "layouts", root / "layouts")
    (root / "seeds").mkdir()
    for name, (data, _, _) in ACCEPTED.items():
        add_seed(root, name, data)
    result = run_cli(root, "ingest")
    by_seed = {}
    for rel in content_files(root):
        meta, body = read_meta(root / "content" / rel)
        by_seed[meta["seed"]] = (meta, body)
    return result, by_seed


def test_odd_seeds_are_all_accepted(accepted):
    result, by_seed = accepted
    assert (result.returncode, result.stderr) == (0, "")
    assert sorted(by_seed) == sorted(ACCEPTED)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_odd_seed_is_read_verbatim(accepted, name):
    _, by_seed = accepted
    meta, body = by_seed[name]
    _, title, text = ACCEPTED[name]
    assert meta["title"] == title
    assert meta["reporters"] in (["Kim Ji-yeon"], ["김지연"])
    assert " ".join(html_to_text(render_markdown(body)).split()) == text


def test_markup_in_a_headline_is_shown_as_text_on_the_built_page(project):
    add_seed(project, "html.txt", ACCEPTED["html.txt"][0])
    result = run_cli(project)  # ingest, then build
    assert result.returncode == 0, result.stderr
    page = (project / "site" / "2019" / "11" / "18" / "script-alert-1-script" / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page


# ------------------------------------------------------------------ the repo's sample seeds
def test_sample_seeds_end_to_end(project):
    samples = sorted((REPO / "seeds").iterdir())
    for path in samples:
        shutil.copy(path, project / "seeds" / path.name)
    ok(run_cli(project, "ingest"))
    files = content_files(project)
    assert len(files) == len(samples) == 15
    config = load_config(project / "config.yaml")
    seeds = set()
    for rel, data in files.items():
        text = data.decode("utf-8")
        meta, _, _ = split_front_matter(text, rel)
        clean, errors = validate_meta(meta, rel, text, config.timezone)
        assert errors == []
        assert rel == f"{clean['date']:%Y/%m}/{clean['slug']}.md"
        seeds.add(meta["seed"])
        if meta["seed"] == REF_NAME:
            assert {"GSOMIA", "Japan", "South Korea", "United States", "Defense"} <= set(meta["tags"])
    assert seeds == {p.name for p in samples}
    assert os.path.exists(project / "content" / REF_CONTENT)


def test_renamed_or_restored_seed_keeps_its_content_file(ingested):
    seed = ingested / "seeds" / REF_NAME
    data = seed.read_bytes()
    seed.rename(ingested / "seeds" / "renamed.txt")
    ok(run_cli(ingested, "ingest"))
    assert list(content_files(ingested)) == [REF_CONTENT]
    (ingested / "seeds" / "renamed.txt").unlink()
    ok(run_cli(ingested, "ingest"))  # deleted: the content stays, it is the source of truth
    assert list(content_files(ingested)) == [REF_CONTENT]
    seed.write_bytes(data)  # restored under its first name
    ok(run_cli(ingested, "ingest"))
    assert list(content_files(ingested)) == [REF_CONTENT]
    ok(run_cli(ingested, "build"))


def test_after_a_seed_and_its_content_are_deleted_a_rerun_reads_nothing(ingested):
    """The quick check (seeds' stat, content files present) must hold again after a
    deletion: a deleted seed's record stays, but its file is no longer expected."""
    (ingested / "seeds" / REF_NAME).unlink()
    (ingested / "content" / REF_CONTENT).unlink()
    ok(run_cli(ingested, "ingest"))
    stamp = ingested / ".cache" / "ingest-stamp.marshal"
    before = stamp.stat()
    ok(run_cli(ingested, "ingest"))
    after = stamp.stat()  # written anew (a new inode) only when ingest did the full check
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_run_that_only_lost_a_seed_leaves_the_stat_cache_and_a_seed_put_back_is_still_done(ingested):
    """The stat cache is not written again for seeds that went: their entries are never
    matched, unless the very file comes back (same size, mtime and inode), which is then
    still known as done."""
    add_seed(ingested, "second.txt", arirang("A second story for the stat cache"))
    ok(run_cli(ingested, "ingest"))
    stat_cache = ingested / ".cache" / "ingest-seeds.marshal"
    before = stat_cache.stat()
    away = ingested / "second.txt.away"
    os.rename(ingested / "seeds" / "second.txt", away)
    assert "0 new or changed, 1 unchanged" in ok(run_cli(ingested, "ingest")).stdout
    after = stat_cache.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    os.rename(away, ingested / "seeds" / "second.txt")
    content = snapshot(ingested)
    assert "0 new or changed, 2 unchanged" in ok(run_cli(ingested, "ingest")).stdout
    assert snapshot(ingested) == content


def test_a_new_seed_is_read_once_where_it_is_parsed_and_cached_with_the_hash_of_what_was_parsed(tmp_path, monkeypatch):
    """A seed the record has never seen has no hash to compare with: ingest does not read
    it first to hash it, the process that parses it does (in one process here, jobs=1, so
    every read shows). Its stat cache entry then has the hash of the bytes parsed; a seed
    that fails to parse gets no entry, and the next run reads it and reports it again."""
    import hashlib
    import pathlib

    from newsdigest.ingest import ingest
    from newsdigest.ingest.pending import STAT_CACHE, load_cache

    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    shutil.copy(REPO / "config.yaml", project)
    shutil.copytree(REPO / "layouts", project / "layouts")
    add_seed(project, "first.txt", arirang("A first story read once"))
    add_seed(project, "second.txt", arirang("A second story read once", date="2019-11-19 09:00:00"))
    add_seed(project, "body-only.txt", "The minister said on Monday that talks would go on.\nMore text follows.\n")
    reads = []
    original = pathlib.Path.read_bytes

    def counted(path):
        reads.append(path.name)
        return original(path)

    monkeypatch.setattr(pathlib.Path, "read_bytes", counted)
    config = load_config(project / "config.yaml")
    report = ingest(config, jobs=1)
    assert [e.path for e in report.errors] == ["seeds/body-only.txt"]
    assert sorted(name for name in reads if name.endswith(".txt")) == ["body-only.txt", "first.txt", "second.txt"]

    seeds = load_cache(config, STAT_CACHE)["seeds"]
    assert sorted(seeds) == ["first.txt", "second.txt"]
    for name in ("first.txt", "second.txt"):
        path = project / "seeds" / name
        st = path.stat()
        size, mtime, inode, digest, content = seeds[name]
        assert (size, mtime, inode) == (st.st_size, st.st_mtime_ns, st.st_ino)
        assert digest == hashlib.sha1(original(path)).hexdigest()
        assert (project / "content" / content).is_file()

    reads.clear()
    again = ingest(config, jobs=1)
    assert [(e.path, e.message) for e in again.errors] == [(e.path, e.message) for e in report.errors]
    assert again.written == [] and again.unchanged == 2
    assert [name for name in reads if name.endswith(".txt")] == ["body-only.txt"]


def test_manifest_lines_are_reused_only_where_they_say_the_same(tmp_path):
    from newsdigest.ingest.manifest import load_manifest, manifest_text

    def entry(n):
        return {"seed_sha": f"{n:040x}", "id": f"{n:016x}", "slug": f"s-{n}", "content": f"2024/01/s-{n}.md",
                "written_sha": f"{n * 7:040x}"}

    names = ["a.txt", 'quote".txt', "back\\slash.txt", "한국.txt", "z.txt", "é.txt"]
    old = {name: entry(n) for n, name in enumerate(names)}
    (tmp_path / ".ingest.json").write_text(manifest_text(old, {}, {}), encoding="utf-8")
    loaded, lines, _, _ = load_manifest(tmp_path)
    assert loaded == old and set(lines) == set(names)
    new = {k: dict(v) for k, v in loaded.items() if k != "z.txt"}
    new["한국.txt"]["slug"] = "changed"
    new["b.txt"] = entry(99)
    assert manifest_text(new, loaded, lines) == manifest_text(new, {}, {})
    # A hand-reordered record is still valid JSON, but its lines are not where they belong.
    text = manifest_text(old, {}, {}).split("\n")
    text[1], text[2] = text[2].rstrip(",") + ",", text[1]
    (tmp_path / ".ingest.json").write_text("\n".join(text), encoding="utf-8")
    loaded, lines, _, _ = load_manifest(tmp_path)
    assert loaded == old and lines == {}


def test_a_record_found_valid_is_trusted_only_byte_for_byte(tmp_path, monkeypatch):
    """The last run's SHA-1 of a valid record spares checking 10,000 entries again; a
    record with any other bytes is checked entry by entry."""
    from newsdigest.files import sha1_hex
    from newsdigest.ingest import manifest
    entries = {f"{n}.txt": {"seed_sha": f"{n:040x}", "id": f"{n:016x}", "slug": f"s-{n}",
                            "content": f"2024/01/s-{n}.md", "written_sha": ""} for n in range(3)}
    record = tmp_path / ".ingest.json"
    record.write_text(manifest.manifest_text(entries, {}, {}), encoding="utf-8")
    loaded, lines, notices, digest = manifest.load_manifest(tmp_path)
    assert loaded == entries and notices == [] and digest == sha1_hex(record.read_bytes())

    def checked(*args):
        raise AssertionError("a trusted record was checked again")
    with monkeypatch.context() as m:
        m.setattr(manifest, "valid_entries", checked)
        m.setattr(manifest, "_lines", checked)  # nor its lines split out before they are asked for
        trusted = manifest.load_manifest(tmp_path, digest)
    assert trusted[:3] == (loaded, lines, [])  # (asked for here, as save_manifest asks once the build has started)
    record.write_text(record.read_text().replace('"2024/01/s-1.md"', '"../../s-1.md"'), encoding="utf-8")
    loaded, _, notices, digest2 = manifest.load_manifest(tmp_path, digest)
    assert "1.txt" not in loaded and any("entry '1.txt' ignored" in n for n in notices) and digest2 == ""
    # a record with problems is never trusted next time: it is written again without them
    assert manifest.save_manifest(tmp_path, loaded, loaded, {}, digest2) == ""


@pytest.mark.parametrize("seed", range(4))
def test_a_record_with_a_few_changes_is_spliced_into_the_lines_it_had(tmp_path, seed):
    """manifest_text lays out only the changed entries' lines into the old record's (the
    same objects for unchanged entries, as merged_manifest gives them): its text is the
    one laid out from scratch, for additions, removals and changes anywhere in the order,
    names that JSON escapes included."""
    import random

    from newsdigest.ingest import manifest as record

    def entry(n, slug=None):
        return {"seed_sha": f"{n:040x}", "id": f"{n:016x}", "slug": slug or f"s-{n}", "content": f"2024/01/s-{n}.md",
                "written_sha": ""}
    rng = random.Random(seed)
    names = [f"{n:03d}.txt" for n in range(0, 300, 3)] + ['quote".txt', "back\\slash.txt", "한국.txt", "é.txt"]
    old = {name: entry(n) for n, name in enumerate(names)}
    (tmp_path / ".ingest.json").write_text(record.manifest_text(old, {}, {}), encoding="utf-8")
    loaded, lines, _, _ = record.load_manifest(tmp_path)
    assert len(lines) == len(old)
    new = dict(loaded)
    for name in rng.sample(sorted(new), 5):
        del new[name]
    for name in rng.sample(sorted(new), 5):
        new[name] = entry(999, slug=f"changed-{name[:3]}")
    for name in rng.sample(sorted(new), 3):
        new[name] = dict(new[name])  # equal, but another object: its line stays
    for n in rng.sample(range(300), 6):
        new.setdefault(f"{n:03d}.txt", entry(1000 + n))
    new["0.txt"], new["zz\u00e9\"q.txt"] = entry(2000), entry(2001)
    assert record._spliced_lines(new, loaded, lines) is not None
    assert record.manifest_text(new, loaded, lines) == record.manifest_text(new, {}, {})


def test_only_a_record_in_the_written_form_is_trusted_by_its_hash(tmp_path):
    """The SHA-1 load_manifest returns is what a later run trusts without checking each
    entry or line: a valid record whose lines are not where manifest_text puts them gets
    none (it is checked every time until ingest writes it again)."""
    from newsdigest.files import sha1_hex
    from newsdigest.ingest.manifest import load_manifest, manifest_text
    entries = {f"{n}.txt": {"seed_sha": f"{n:040x}", "id": f"{n:016x}", "slug": f"s-{n}",
                            "content": f"2024/01/s-{n}.md", "written_sha": ""} for n in range(3)}
    record = tmp_path / ".ingest.json"
    record.write_text(manifest_text(entries, {}, {}), encoding="utf-8")
    assert load_manifest(tmp_path)[3] == sha1_hex(record.read_bytes())
    lines = manifest_text(entries, {}, {}).split("\n")
    lines[1], lines[2] = lines[2].rstrip(",") + ",", lines[1]
    record.write_text("\n".join(lines), encoding="utf-8")
    loaded, by_line, notices, digest = load_manifest(tmp_path)
    assert (loaded, by_line, notices, digest) == (entries, {}, [], "")


def test_done_seeds_are_checked_against_the_record_only_when_its_bytes_changed(project, monkeypatch):
    """The stat cache keeps the SHA-1 of the record its entries were made from: while the
    record holds those bytes, a run with a new seed takes the done seeds' entries as they
    are; a record edited since (here merged with another clone's hash for 0.txt) has
    every done seed checked again, and 0.txt's entry is put right."""
    import json

    import newsdigest.ingest as ingest_package
    from newsdigest.files import sha1_hex
    for n in range(3):
        add_seed(project, f"{n}.txt", arirang(f"Story number {n} of the day"))
    config = load_config(project / "config.yaml")
    assert len(ingest_package.ingest(config).written) == 3
    seen = []
    recheck_done = ingest_package.recheck_done

    def spy(done, *args):
        seen.append((sorted(done), args[-1]))
        return recheck_done(done, *args)
    monkeypatch.setattr(ingest_package, "recheck_done", spy)
    add_seed(project, "3.txt", arirang("Story number 3 of the day"))
    assert len(ingest_package.ingest(config).written) == 1
    assert seen == [(["0.txt", "1.txt", "2.txt"], True)]

    record_path = project / "content" / ".ingest.json"
    true_sha = sha1_hex((project / "seeds" / "0.txt").read_bytes())
    record_path.write_text(record_path.read_text(encoding="utf-8").replace(true_sha, "0" * 40), encoding="utf-8")
    add_seed(project, "4.txt", arirang("Story number 4 of the day"))
    report = ingest_package.ingest(config)
    assert len(report.written) == 1 and report.errors == [] and report.kept_edits == []
    assert seen[1] == (["0.txt", "1.txt", "2.txt", "3.txt"], False)
    record = json.loads(record_path.read_text(encoding="utf-8"))["seeds"]
    assert record["0.txt"]["seed_sha"] == true_sha


def test_a_lost_ingest_record_is_written_again(ingested):
    record = ingested / "content" / ".ingest.json"
    before = snapshot(ingested)
    record.unlink()
    ok(run_cli(ingested, "ingest"))
    after = snapshot(ingested)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    # A hand edit made after that is still recognised as one.
    target = ingested / "content" / REF_CONTENT
    target.write_text(target.read_text().replace("Kim Ji-yeon", "Kim Ji-yeon (Seoul)"))
    seed = ingested / "seeds" / REF_NAME
    seed.write_text(seed.read_text().replace("Meanwhile, Japan downplayed", "Meanwhile, Tokyo downplayed"))
    result = ok(run_cli(ingested, "ingest"))
    assert "edited by hand; keeping your edit" in result.stdout
