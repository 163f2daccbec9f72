"""Ingest's inputs that cannot harm (issue 14): a hostile or damaged `.ingest.json`, a lost
record with a retitled seed, an editor saving the very file ingest replaces, odd seed
file names, an unreadable seeds/ folder, XML-illegal characters in a seed."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap

import lxml.etree
import pytest

from conftest import content_files, run_cli

N_SEEDS = 12


def arirang(title, day=18, body=("The first paragraph.", "The second paragraph.")):
    return "\n".join(["arirang mobile", "", title, f"Updated: 2019-11-{day:02d} 16:28:08 KST", "", *body,
                      "Kim Ji-yeon, Arirang News.", "Reporter :", ""])


def write_seeds(project, n=N_SEEDS, extra=""):
    for i in range(n):
        (project / "seeds" / f"s{i:03d}.txt").write_text(
            arirang(f"Headline number {i} about the economy", body=(f"Paragraph of story {i}.{extra}",
                                                                   "Another paragraph.")))


def record(project):
    return json.loads((project / "content" / ".ingest.json").read_text(encoding="utf-8"))


def save_record(project, data):
    (project / "content" / ".ingest.json").write_text(json.dumps(data), encoding="utf-8")


def ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture
def ingested(project):
    write_seeds(project)
    ok(run_cli(project, "ingest"))
    return project


# ------------------------------------------------------------------ item 2: record traversal
@pytest.mark.parametrize("target", ["../layouts/base.html", "../../outside/x.md", "ABSOLUTE"])
def test_a_record_entry_pointing_outside_content_is_ignored(ingested, target):
    if target == "ABSOLUTE":
        target = str(ingested.parent / "absolute" / "x.md")
    victim = ingested / "content" / target  # an absolute target stays itself
    data = record(ingested)
    entry = data["seeds"]["s000.txt"]
    before = victim.read_bytes() if victim.exists() else None
    if before is not None:
        # What a hostile record would say to make ingest "follow the seed" into it.
        entry["written_sha"] = hashlib.sha1(before).hexdigest()
    entry["content"] = target
    save_record(ingested, data)
    write_seeds(ingested, extra=" Changed.")  # every seed changed: ingest wants to write
    result = ok(run_cli(ingested, "ingest"))
    if before is not None:
        assert victim.read_bytes() == before
    else:
        assert not victim.exists()
    assert f"content/.ingest.json: entry 's000.txt' ignored (content: expected a path like" in result.stdout
    # The seed is still ingested, into content/, once.
    assert len(content_files(ingested)) == N_SEEDS


# ------------------------------------------------------------------ item 9: wrong-shaped entries
def test_wrong_shaped_record_entries_are_ignored_with_a_notice(ingested):
    data = record(ingested)
    data["seeds"]["s000.txt"] = 5
    del data["seeds"]["s001.txt"]["slug"]
    data["seeds"]["s002.txt"]["id"] = "../../layouts"
    save_record(ingested, data)
    write_seeds(ingested, extra=" Changed.")
    result = ok(run_cli(ingested, "ingest"))
    out = result.stdout
    assert "content/.ingest.json: entry 's000.txt' ignored (expected a mapping, got 5)" in out
    assert "content/.ingest.json: entry 's001.txt' ignored (slug: expected a string, got None)" in out
    assert "content/.ingest.json: entry 's002.txt' ignored (id: expected 1 to 64" in out
    assert len(content_files(ingested)) == N_SEEDS
    # The record is whole again.
    assert all(isinstance(e, dict) and "slug" in e for e in record(ingested)["seeds"].values())
    ok(run_cli(ingested))


# ------------------------------------------------------------------ item 10: lost record, retitled seed
@pytest.mark.parametrize("damage", ["delete", "garbage", "empty-seeds"])
def test_a_lost_record_and_a_retitled_seed_give_no_duplicate(ingested, damage):
    path = ingested / "content" / ".ingest.json"
    if damage == "delete":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(path.read_bytes()[:100])
    else:
        path.write_text('{"version": 1, "seeds": {}}')
    seed = ingested / "seeds" / "s003.txt"
    seed.write_text(seed.read_text().replace("Headline number 3", "Corrected headline number 3"))
    before = content_files(ingested)
    result = ok(run_cli(ingested, "ingest"))
    assert content_files(ingested).keys() == before.keys(), result.stdout
    result = ok(run_cli(ingested, "build"))
    assert f"built {N_SEEDS} articles" in result.stdout


# ------------------------------------------------------------------ item 12: hand edit during ingest
WRITER = textwrap.dedent("""
    import os, sys, time
    folder, stop = sys.argv[1], sys.argv[2]
    n, log = 0, []
    deadline = time.monotonic() + 60
    while not os.path.exists(stop) and time.monotonic() < deadline:
        # The file ingest is replacing right now: its temporary file sits beside it.
        for name in os.listdir(folder):
            if name.startswith(".") and ".md." in name:
                bare = name.lstrip(".")
                target = bare[:bare.index(".md.") + 3]
                n += 1
                marker = f"marker-{n}-end"
                with open(os.path.join(folder, target), "a") as f:
                    f.write(f"\\n\\n{marker}\\n")
                log.append((target, marker))
    print("\\n".join(f"{t} {m}" for t, m in log))
""")


def test_an_editor_saving_the_file_being_replaced_loses_nothing(project):
    n = 150
    for i in range(n):
        (project / "seeds" / f"s{i:03d}.txt").write_text(arirang(f"Headline number {i} about the economy"))
    ok(run_cli(project, "ingest"))
    folder = project / "content" / "2019" / "11"
    lost, hits = [], 0
    for round_ in range(3):
        for i in range(n):
            (project / "seeds" / f"s{i:03d}.txt").write_text(
                arirang(f"Headline number {i} about the economy", body=(f"Round {round_} text.", "More.")))
        stop = project / f"stop{round_}"
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(stop)],
                                  stdout=subprocess.PIPE, text=True)
        result = run_cli(project, "ingest", "--jobs", "1")
        stop.touch()
        out, _ = writer.communicate(timeout=90)
        assert result.returncode == 0, result.stderr
        log = [line.split(" ") for line in out.splitlines() if line]
        hits += len(log)
        for target, marker in log:
            texts = [(folder / target).read_text()]
            texts += [kept.read_text() for kept in folder.glob(target + ".conflict*")]
            if not any(marker in t for t in texts):
                lost.append((target, marker))
        # Whatever was kept, every file is still a readable article (or an edited one).
        assert len(content_files(project)) == n
    assert hits > 0, "the writer never met a replace"
    assert lost == [], f"{len(lost)} of {hits} edits lost"


def test_an_editor_creating_the_file_first_keeps_it(tmp_path):
    from newsdigest.ingest.safereplace import create_new, replace_unless_edited

    path = str(tmp_path / "a.md")
    assert create_new(path, b"ingest 1")
    assert not create_new(path, b"ingest 2")  # it exists now: never replaced by a create
    assert open(path, "rb").read() == b"ingest 1"
    expected = hashlib.sha1(b"ingest 1").hexdigest()
    with open(path, "ab") as f:
        f.write(b" edited")
    assert not replace_unless_edited(path, b"ingest 3", expected)
    assert open(path, "rb").read() == b"ingest 1 edited"
    assert replace_unless_edited(path, b"ingest 4", hashlib.sha1(b"ingest 1 edited").hexdigest())
    assert open(path, "rb").read() == b"ingest 4"
    assert sorted(os.listdir(tmp_path)) == ["a.md"]  # no temporary file left


def test_a_writer_holding_the_file_open_keeps_its_edit(tmp_path):
    """An editor that opened the file before the swap and writes after it: the read lease
    sees it has the file open for writing, and its bytes stay."""
    from newsdigest.ingest.safereplace import replace_unless_edited

    path = tmp_path / "a.md"
    path.write_bytes(b"ingest 1")
    with open(path, "ab") as editor:
        assert not replace_unless_edited(str(path), b"ingest 2", hashlib.sha1(b"ingest 1").hexdigest())
        editor.write(b" edited")
    assert path.read_bytes() == b"ingest 1 edited"


# ------------------------------------------------------------------ item 17: seed names, seeds/
def test_a_newline_in_a_seed_name_does_not_split_its_message(project):
    (project / "seeds" / "bad\nname.txt").write_bytes(b"\x00\x01\x02\x03" * 50)
    (project / "seeds" / "good.txt").write_text(arirang("A good headline about the economy"))
    result = run_cli(project, "ingest")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line]
    assert lines == ["seeds/bad\\nname.txt: binary file (200 control bytes), not a text article"]
    assert len(content_files(project)) == 1


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="as root, needs setpriv")
def test_an_unreadable_seeds_folder_is_an_error(project):
    (project / "seeds" / "good.txt").write_text(arirang("A good headline about the economy"))
    os.chmod(project / "seeds", 0)
    try:
        env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH="1574208000")
        # Root reads any folder; without CAP_DAC_OVERRIDE / DAC_READ_SEARCH it cannot (nor can another user).
        drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*drop, sys.executable,
             str(__import__("conftest").REPO / "build.py"), "--config", str(project / "config.yaml"), "ingest"],
            cwd=project, env=env, capture_output=True, text=True, timeout=60)
    finally:
        os.chmod(project / "seeds", 0o755)
    assert result.returncode == 1
    assert "seeds: cannot read the seeds folder: Permission denied" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ item 18: XML-illegal characters
def test_xml_illegal_characters_in_a_seed_are_stripped(project):
    (project / "seeds" / "odd.txt").write_text(
        arirang("A headline\x01 with\ufffe odd characters", body=("Body\x00 text\uffff here.", "More.")))
    ok(run_cli(project))
    (text,) = content_files(project).values()
    for ch in "\x00\x01\ufffe\uffff":
        assert ch.encode() not in text
    for feed in ("feed.xml", "atom.xml"):
        lxml.etree.fromstring((project / "site" / feed).read_bytes())  # well-formed
