"""Records files (JSON Lines, JSON array, CSV), headline-less text, the undated policy and the
link to the original, through the real CLI on small projects with fixtures written here."""
import csv
import io
import json

import feedparser
import lxml.html
import yaml

from conftest import content_files, run_cli
from newsdigest.content import split_front_matter

# The pinned "now" of run_cli (SOURCE_DATE_EPOCH): 2019-11-20 00:00:00 UTC = 09:00 KST.
NOW_KST = "2019-11-20T09:00:00+09:00"


def story(n, **extra):
    return {"headline": f"Delegation {n} arrives in Pyongyang", "date": 1573776000000 + n * 3600_000,
            "link": f"http://news.example.kp/article/{n}",
            "story_text": f"Pyongyang, November 15 (KCNA) -- Delegation {n} arrived here by air.\n"
                          f"It was met at the airport by officials. -0-", **extra}


def jsonl(*records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def add(project, name, text):
    (project / "seeds" / name).write_text(text, encoding="utf-8")


def articles(project):
    """seed -> (front matter, body) of every content file."""
    out = {}
    for rel, data in content_files(project).items():
        meta, body, _ = split_front_matter(data.decode(), rel)
        out[meta["seed"]] = (meta, body)
    return out


def ingest_ok(project):
    result = run_cli(project, "ingest")
    assert result.returncode == 0, result.stderr
    return result


# ------------------------------------------------------------------ the three formats
def test_json_lines_one_article_per_record_with_dateline_and_signoff_gone(project):
    add(project, "kcna.jsonl", jsonl(story(1), story(2)))
    ingest_ok(project)
    got = articles(project)
    assert sorted(got) == ["kcna.jsonl#1", "kcna.jsonl#2"]
    meta, body = got["kcna.jsonl#2"]
    assert meta["title"] == "Delegation 2 arrives in Pyongyang"
    assert meta["date"] == "2019-11-15T11:00:00+09:00"  # epoch milliseconds, in the profile's zone
    assert meta["source"] == "KCNA"  # the dateline's agency: nothing better is known
    assert meta["url"] == "http://news.example.kp/article/2"
    assert body.strip().split("\n\n") == ["Delegation 2 arrived here by air.", "It was met at the airport by officials."]


def test_json_array_and_its_field_names(project):
    records = [{"title": "Stocks rise\n[2019.11.15.]", "published": "Fri, 15 Nov 2019 06:30:00 +0000",
                "maintext": "<p>SEOUL, Nov. 15 (Yonhap) -- Stocks rose.</p><p>Bonds fell.<br>Won flat.</p>",
                "authors": ["Kim Min-ji", "Lee Joon"], "url": "https://en.example.co.kr/1"},
               {"headline": "Exports fall", "date_publish": "2019-11-14T08:00:00",
                "text": "Exports fell for a 12th month.", "source_domain": "example.co.kr", "byline": "By Park Su"}]
    add(project, "news.json", json.dumps(records, indent=2))
    ingest_ok(project)
    got = articles(project)
    assert sorted(got) == ["news.json#12", "news.json#2"]  # the line each record starts on
    meta, body = got["news.json#2"]
    assert (meta["title"], meta["date"], meta["source"], meta["reporters"]) == (
        "Stocks rise", "2019-11-15T06:30:00+00:00", "Yonhap", ["Kim Min-ji", "Lee Joon"])
    assert body.strip().split("\n\n") == ["Stocks rose.", "Bonds fell.", "Won flat."]
    meta, _ = got["news.json#12"]
    assert (meta["date"], meta["source"], meta["reporters"]) == ("2019-11-14T08:00:00+09:00", "example.co.kr", ["Park Su"])


def test_csv_with_a_header_one_article_per_row(project):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "url", "title", "body"])
    writer.writerow(["2018-01-02", "http://paper.example.kp/1", "Road chosen by itself", "One line body."])
    writer.writerow(["2018-01-04", "http://paper.example.kp/2", "Two-line cell", "First.\nSecond."])
    writer.writerow(["2018-01-05", "http://paper.example.kp/3", "Third", "Third body."])
    add(project, "paper.csv", out.getvalue())
    ingest_ok(project)
    got = articles(project)
    assert sorted(got) == ["paper.csv#2", "paper.csv#3", "paper.csv#5"]  # row 3 spans lines 3-4
    assert got["paper.csv#3"][1].strip().split("\n\n") == ["First.", "Second."]
    assert got["paper.csv#5"][0]["date"] == "2018-01-05T00:00:00+09:00"


def test_a_profile_maps_the_fields_and_names_the_outlet(project):
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["sources"].insert(0, {"name": "Daily Example", "file_name": r"^daily-.*\.jsonl$",
                                 "fields": {"title": "hed", "text": "copy", "date": "when"},
                                 "timezone": "UTC"})
    (project / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    add(project, "daily-1.jsonl", jsonl({"hed": "Mapped title", "copy": "Mapped body.", "when": "2019-11-01 10:00"}))
    ingest_ok(project)
    meta, body = articles(project)["daily-1.jsonl#1"]
    assert (meta["title"], meta["source"], meta["date"]) == ("Mapped title", "Daily Example", "2019-11-01T10:00:00+00:00")


def test_config_validates_the_new_profile_keys_in_one_pass(project):
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["sources"][0].update({"undated": "sometimes", "fields": {"headline": "h"}})
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    (project / "config.yaml").write_text(text)
    # The lines of the two keys in the file as written (the bundled profile may grow keys).
    line = {key: next(n for n, s in enumerate(text.splitlines(), 1) if s.strip() == key)
            for key in ("undated: sometimes", "headline: h")}
    result = run_cli(project, "ingest")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"config.yaml:{line['undated: sometimes']}: sources.0.undated: expected one of first-seen, filename, reject, "
        "got 'sometimes'",
        f"config.yaml:{line['headline: h']}: sources.0.fields.headline: unknown record field (known: title, date, text, "
        "url, author, source)",
        "failed: 2 problem(s); nothing was written"]


# ------------------------------------------------------------------ bad records, duplicates, changes
def test_a_bad_record_is_one_line_and_the_others_ingest(project):
    add(project, "mixed.jsonl", jsonl(story(1)) + "{not json\n" + jsonl({"headline": "No text"}, story(4)))
    result = run_cli(project, "ingest")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "seeds/mixed.jsonl:2: not a JSON record: Expecting property name enclosed in double quotes",
        "seeds/mixed.jsonl:3: record has no text (looked for: text, body, story_text, maintext, content)"]
    assert sorted(articles(project)) == ["mixed.jsonl#1", "mixed.jsonl#4"]


def test_the_same_story_twice_is_one_article(project):
    add(project, "dup.jsonl", jsonl(story(1), story(1, topic="Other topic", headline="Another headline")))
    result = ingest_ok(project)
    assert "seeds/dup.jsonl:2: same story as seeds/dup.jsonl:1; keeping one article" in result.stdout
    assert sorted(articles(project)) == ["dup.jsonl#1"]


def test_one_changed_record_rewrites_that_article_only_and_hand_edits_win(project):
    add(project, "kcna.jsonl", jsonl(story(1), story(2), story(3)))
    ingest_ok(project)
    before = {rel: (project / "content" / rel).stat().st_mtime_ns for rel in content_files(project)}
    hand = next(rel for rel, data in content_files(project).items() if b"kcna.jsonl#3" in data)
    (project / "content" / hand).write_text((project / "content" / hand).read_text() + "\nMy note.\n")
    changed = story(2)
    changed["story_text"] = changed["story_text"].replace("by air", "by train")
    changed3 = story(3, story_text="Pyongyang, November 15 (KCNA) -- A corrected story.")
    add(project, "kcna.jsonl", jsonl(story(1), changed, changed3))
    result = ingest_ok(project)
    assert "ingested 1 new or changed, 1 unchanged, 1 hand edits kept" in result.stdout
    after = {rel: (project / "content" / rel).stat().st_mtime_ns for rel in content_files(project)}
    rewritten = [rel for rel in after if after[rel] != before.get(rel)]
    record2 = next(rel for rel, data in content_files(project).items() if b"kcna.jsonl#2" in data)
    assert sorted(rewritten) == sorted([record2, hand])  # record 2's file, and the hand edit made before
    assert "by train" in articles(project)["kcna.jsonl#2"][1]
    assert articles(project)["kcna.jsonl#3"][1].endswith("My note.\n")


def test_a_record_moved_to_another_line_keeps_its_file(project):
    add(project, "kcna.jsonl", jsonl(story(1), story(2)))
    ingest_ok(project)
    before = content_files(project)
    add(project, "kcna.jsonl", jsonl(story(3), story(1), story(2)))
    result = ingest_ok(project)
    assert "1 new or changed" in result.stdout or "3 new or changed" in result.stdout
    after = content_files(project)
    assert len(after) == 3 and set(before) < set(after)
    for rel, data in before.items():  # the same files, only their `seed:` line follows the move
        moved = data.replace(b"seed: kcna.jsonl#2", b"seed: kcna.jsonl#3").replace(b"seed: kcna.jsonl#1",
                                                                                 b"seed: kcna.jsonl#2")
        assert after[rel] == moved
    assert articles(project)["kcna.jsonl#1"][0]["title"] == "Delegation 3 arrives in Pyongyang"


# ------------------------------------------------------------------ text without the seed's header
def test_text_whose_first_line_reads_as_body_is_refused(project):
    add(project, "promo.txt", "Share your videos and stories with us at iReport.\n\n(CNN) -- The storm moved east.\n")
    add(project, "kcna.txt", "Pyongyang, December 24 (KCNA) -- Japan continues discharging water.\nMore.\n")
    add(project, "byline.txt", "By Jane Doe\n\nThe storm moved east\n")
    add(project, "glued.txt", "Storm moves east\nIt snowed all night in the hills\n")
    result = run_cli(project, "ingest")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "seeds/byline.txt:1: no headline: first line reads as body text (it is a byline)",
        "seeds/glued.txt:1: no headline: first line reads as body text (more text follows it without a blank line)",
        "seeds/kcna.txt:1: no headline: first line reads as body text (it ends in '.' like a sentence)",
        "seeds/promo.txt:1: no headline: first line reads as body text (it ends in '.' like a sentence)"]
    assert content_files(project) == {}


def test_bbc_shape_reads_title_and_paragraphs_dated_when_first_seen(project):
    add(project, "243.txt", "Making your office work for you\n\n\nOur mission continues.\n\n\nWorking from home is hard.\n")
    ingest_ok(project)
    meta, body = articles(project)["243.txt"]
    assert (meta["title"], meta["date"]) == ("Making your office work for you", NOW_KST)
    assert body.strip().split("\n\n") == ["Our mission continues.", "Working from home is hard."]
    record = json.loads((project / "content" / ".ingest.json").read_text())["seeds"]["243.txt"]
    assert record["first_seen"] == NOW_KST
    # Later runs (another "now", the seed changed) keep the date it was first seen.
    add(project, "243.txt", "Making your office work for you\n\nOur mission continues, revised.\n")
    env_now = run_cli.__globals__["SOURCE_DATE_EPOCH"]
    run_cli.__globals__["SOURCE_DATE_EPOCH"] = str(int(env_now) + 86400 * 3)
    try:
        ingest_ok(project)
    finally:
        run_cli.__globals__["SOURCE_DATE_EPOCH"] = env_now
    meta, body = articles(project)["243.txt"]
    assert meta["date"] == NOW_KST and "revised" in body


def test_posted_line_gives_the_date_and_leaves_the_body(project):
    add(project, "gulf.txt", "Crown Equity Holdings Could be Sitting on a Gold Mine\n\n"
                             "Posted: Thursday, October 17, 2013, 8:09 PM Inappropriate video? Alert us.\n\n"
                             "Crown Equity Holdings Inc. goal is to accelerate.\n")
    ingest_ok(project)
    meta, body = articles(project)["gulf.txt"]
    assert meta["date"] == "2013-10-17T20:09:00+09:00"
    assert body.strip() == "Crown Equity Holdings Inc. goal is to accelerate."


def test_reject_policy_refuses_an_undated_seed(project):
    text = (project / "config.yaml").read_text()
    (project / "config.yaml").write_text(text.replace("    undated: first-seen\n", "    undated: reject\n"))
    add(project, "undated.txt", "A headline without a date\n\nSome body text.\n")
    add(project, "dated.txt", "A headline with a date\nDate: 2019-11-02\n\nSome body text.\n")
    result = run_cli(project, "ingest")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "seeds/undated.txt:1: no source profile recognises this file (first line 'A headline without a date'; "
        "as Plain text: missing date); add a profile under `sources:` in config.yaml"]
    assert sorted(articles(project)) == ["dated.txt"]


# ------------------------------------------------------------------ the link to the original
def test_url_links_the_page_json_ld_and_rss_to_the_original(project):
    add(project, "kcna.jsonl", jsonl(story(1)))
    ingest_ok(project)
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    page = next((project / "site").glob("2019/11/15/*/index.html"))
    doc = lxml.html.fromstring(page.read_bytes())
    link = doc.xpath('//p[@class="original"]/a')[0]
    assert (link.get("href"), link.get("rel"), link.text) == (
        "http://news.example.kp/article/1", "noopener", "news.example.kp")
    jsonld = json.loads(doc.xpath('//script[@type="application/ld+json"]')[0].text)
    assert jsonld["isBasedOn"] == "http://news.example.kp/article/1"
    feed = feedparser.parse((project / "site" / "feed.xml").read_bytes())
    assert feed.entries[0].source == {"href": "http://news.example.kp/article/1", "title": "KCNA"}


def test_a_bad_url_in_front_matter_is_a_problem_with_its_line(project):
    md = project / "content" / "2019" / "11" / "a.md"
    md.parent.mkdir(parents=True)
    md.write_text("---\ntitle: A\ndate: 2019-11-01\nurl: javascript:alert(1)\n---\n\nBody.\n")
    result = run_cli(project, "build")
    assert result.returncode == 1
    assert "content/2019/11/a.md:4: url: expected an absolute http(s) URL of the original article, " \
           "got 'javascript:alert(1)'" in result.stderr


def test_a_large_records_file_shared_by_two_processes_gives_what_one_gives(project, tmp_path, monkeypatch):
    """The parts path (every core takes every k-th record) against one process, in-process
    so the split size can be lowered: same content files, same messages."""
    import shutil

    from newsdigest.ingest import ingest, pending
    from newsdigest.config import load_config

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1574208000")
    records = [story(n) for n in range(1, 9)] + [story(3, headline="Told twice")]
    add(project, "big.jsonl", jsonl(*records) + "not json\n" + jsonl({"title": "Undated", "text": "Body."}))
    other = tmp_path / "other"
    shutil.copytree(project, other)
    one = ingest(load_config(project / "config.yaml"), jobs=1)
    monkeypatch.setattr(pending, "RECORDS_SPLIT_BYTES", 100)
    two = ingest(load_config(other / "config.yaml"), jobs=2)
    assert [str(e) for e in two.errors] == [str(e) for e in one.errors] == [
        f"{project / 'seeds/big.jsonl'}:10: not a JSON record: Expecting value"
        .replace(str(project / 'seeds/big.jsonl'), 'seeds/big.jsonl')]
    assert two.notices == one.notices == ["seeds/big.jsonl:9: same story as seeds/big.jsonl:3; keeping one article"]
    assert content_files(other) == content_files(project) and len(content_files(project)) == 9


def test_the_filename_policy_dates_an_undated_record_from_its_file_name(project):
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["sources"].insert(0, {"name": "Daily Example", "file_name": r"^daily-", "undated": "filename"})
    (project / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    add(project, "daily-2019-11-05.jsonl", jsonl({"title": "Undated record", "text": "Body."}))
    add(project, "daily-nodate.jsonl", jsonl({"title": "Undated record", "text": "Body."}))
    result = run_cli(project, "ingest")
    assert result.stderr.splitlines() == [
        "seeds/daily-nodate.jsonl:1: missing date: the seed states no date (source 'Daily Example' has "
        "undated: filename) and no YYYY-MM-DD in the file name"]
    assert articles(project)["daily-2019-11-05.jsonl#1"][0]["date"] == "2019-11-05T00:00:00+09:00"


def test_no_change_runs_count_each_record(project):
    add(project, "kcna.jsonl", jsonl(story(1), story(2), story(3)))
    ingest_ok(project)
    assert "ingested 0 new or changed, 3 unchanged" in ingest_ok(project).stdout  # the quick stamp check
    text = (project / "config.yaml").read_text()
    (project / "config.yaml").write_text(text.replace("title: Newsdigest", "title: Another Digest"))
    assert "ingested 0 new or changed, 3 unchanged" in ingest_ok(project).stdout  # every seed only stat'ed


def test_a_damaged_first_seen_in_the_ingest_record_is_ignored_with_a_notice(project):
    add(project, "243.txt", "Making your office work for you\n\nOur mission continues.\n")
    ingest_ok(project)
    record_path = project / "content" / ".ingest.json"
    record = json.loads(record_path.read_text())
    record["seeds"]["243.txt"]["first_seen"] = "last Tuesday"
    record_path.write_text(json.dumps(record))
    add(project, "243.txt", "Making your office work for you\n\nOur mission continues, revised.\n")
    result = ingest_ok(project)
    assert "content/.ingest.json: entry '243.txt' ignored (first_seen: expected an ISO 8601 time with its " \
           "offset, got 'last Tuesday')" in result.stdout
    # The content file is found again by its `seed:` field and kept; its date has not moved.
    meta, _ = articles(project)["243.txt"]
    assert meta["date"] == NOW_KST


def test_a_json_file_of_one_object_is_one_record(project):
    add(project, "one.json", json.dumps({"title": "Single", "date": "2019-11-01", "text": "Body."}, indent=2))
    add(project, "broken.json", '{"title": "Broken",\n "text": }\n')
    result = run_cli(project, "ingest")
    assert result.stderr.splitlines() == [
        "seeds/broken.json:2: not a JSON array of records, nor one record: Expecting value"]
    assert articles(project)["one.json#1"][0]["title"] == "Single"


def test_a_records_file_over_its_own_limit_is_refused_naming_it(project, monkeypatch):
    import pytest

    from newsdigest.config import load_config
    from newsdigest.errors import DigestError
    from newsdigest.ingest.formats import records as records_module

    monkeypatch.setattr(records_module, "MAX_RECORDS_BYTES", 2**20)
    path = project / "seeds" / "huge.jsonl"
    raw = jsonl(story(1)).encode() * 5000
    with pytest.raises(DigestError) as e:
        records_module.read_records(path, load_config(project / "config.yaml"), raw)
    assert str(e.value) == "seeds/huge.jsonl: records file is too large (1,201 KB; the limit for records files is 1,024 KB)"
