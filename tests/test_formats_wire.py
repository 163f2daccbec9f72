"""Wire formats and encodings: IPTC 7901 read whole, ANPA 1312 and ZCZC refused naming the
format, never half-read; Latin-1 and Windows-1252 text decoded by detection."""

import shutil
from datetime import datetime, timezone

import pytest

from conftest import FIXTURES, content_files, run_cli
from newsdigest.config import load_config
from newsdigest.content import split_front_matter
from newsdigest.errors import DigestError
from newsdigest.ingest.formats.encoding import decode_html, decode_text
from newsdigest.ingest.readers import read_seeds, seed_kind

FORMATS = FIXTURES / "formats"


@pytest.fixture
def config(project):
    return load_config(project / "config.yaml")


def read(config, project, name, data=None):
    path = project / "seeds" / name
    path.write_bytes((FORMATS / name).read_bytes() if data is None else data)
    return read_seeds(path, config, path.read_bytes())


def test_iptc_7901_is_read_whole(config, project):
    [seed] = read(config, project, "iptc7901.txt")
    assert seed.title == "Seoul to raise subway fares for the first time in four years"
    assert seed.date == datetime(2019, 11, 19, 6, 12, tzinfo=timezone.utc)  # `190612 GMT Nov 19`
    assert (seed.source, seed.reporters) == ("dpa", ("Kim Min-ji",))
    assert seed.paragraphs == (
        "Seoul will raise basic subway fares by 150 won from March, the city government said Tuesday, "
        "citing losses at the state-run operator.",
        "Elderly riders, who travel for free, make up a growing share of passengers, officials said. "
        "Bus fares are to stay unchanged.")
    text = "".join(seed.paragraphs)
    assert not any(c in text for c in "\x01\x02\x03\x04\x7f")
    assert "NOTEBOOK" not in text and "publication" not in text and "pwb" not in text


@pytest.mark.parametrize("name, message", [
    ("iptc7901-no-headline.txt", "seeds/iptc7901-no-headline.txt:4: IPTC 7901 wire file: no headline line "
                                 "ending in ' =' after STX; not read"),
    ("anpa1312.txt", "seeds/anpa1312.txt: ANPA 1312 wire file: this format is not read (only IPTC 7901 is); "
                     "save the story as text or HTML"),
    ("aap-zczc.txt", "seeds/aap-zczc.txt: ZCZC wire file: this format is not read (only IPTC 7901 is); "
                     "save the story as text or HTML"),
])
def test_other_wire_files_are_refused_naming_the_format(config, project, name, message):
    with pytest.raises(DigestError) as e:
        read(config, project, name)
    assert str(e.value) == message


def test_wire_detection_comes_before_the_binary_file_check(tmp_path):
    data = (FORMATS / "iptc7901.txt").read_bytes()
    assert seed_kind(tmp_path / "x.txt", data) == "wire"
    assert seed_kind(tmp_path / "x.txt", b"\x89PNG\r\n\x1a\n\x00\x00") == "text"  # still "binary file"


def test_cli_ingests_iptc_and_refuses_anpa_in_one_line(project):
    for name in ("iptc7901.txt", "anpa1312.txt"):
        shutil.copy(FORMATS / name, project / "seeds" / name)
    result = run_cli(project, "ingest")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "seeds/anpa1312.txt: ANPA 1312 wire file: this format is not read (only IPTC 7901 is); "
        "save the story as text or HTML"]
    [(rel, data)] = content_files(project).items()
    meta, body, _ = split_front_matter(data.decode(), rel)
    assert (rel, meta["title"], meta["source"], meta["date"]) == (
        "2019/11/seoul-to-raise-subway-fares-for-the-first-time-in-four-years.md",
        "Seoul to raise subway fares for the first time in four years", "dpa", "2019-11-19T06:12:00+00:00")


# ------------------------------------------------------------------ encodings
def test_latin1_text_keeps_its_pound_sign(project):
    text = decode_text((FORMATS / "2005-02-14_latin1.txt").read_bytes(), "x")
    assert "fined \u00a3300,000 by the Premier League" in text and "\u00a3200,000" in text


def test_cli_ingests_a_latin1_text_seed(project):
    shutil.copy(FORMATS / "2005-02-14_latin1.txt", project / "seeds")
    result = run_cli(project, "ingest")
    assert result.returncode == 0, result.stderr
    [(rel, data)] = content_files(project).items()
    meta, body, _ = split_front_matter(data.decode(), rel)
    assert meta["title"] == "Chelsea fined over transfer approach" and "\u00a3300,000" in body


@pytest.mark.parametrize("text, encoding", [
    ("Les caf\u00e9s ferment \u00e0 neuf heures, a d\u00e9cid\u00e9 la mairie, qui \u00e9voque le bruit "
     "et les plaintes des riverains depuis l\u2019\u00e9t\u00e9 dernier.", "cp1252"),
    ("Der Stadtrat hat beschlossen, dass die Caf\u00e9s in der Altstadt k\u00fcnftig um neun Uhr "
     "schlie\u00dfen m\u00fcssen; die Wirte sprechen von einer \u201eungerechten\u201c Regel.", "cp1252"),
])
def test_western_text_is_decoded_by_detection(text, encoding):
    assert decode_text(text.encode(encoding), "x") == text


def test_bytes_no_encoding_reads_with_confidence_are_refused_with_the_offset():
    # A stray letter between spaces (0xFF, `ÿ` in Windows-1252) is what a wrong guess looks like.
    raw = b"Minister says \x93no deal\x94 \xff yet\n"
    with pytest.raises(DigestError) as e:
        decode_text(raw, "x")
    assert str(e.value) == "x:1: undecodable bytes at offset 14 (neither UTF-8 nor CP949/EUC-KR)"


def test_utf16_with_bom_and_korean_still_decode():
    assert decode_text("한글 기사".encode("utf-16"), "x") == "한글 기사"
    assert decode_text("서울에서 한글 전시가 열렸다.".encode("cp949"), "x") == "서울에서 한글 전시가 열렸다."


def test_html_meta_charset_that_does_not_fit_is_refused_with_the_offset():
    raw = b'<html><head><meta charset="utf-8"></head><body>caf\xe9</body></html>'
    with pytest.raises(DigestError) as e:
        decode_html(raw, "x.html")
    assert str(e.value) == ("x.html:1: undecodable bytes at offset 50 (not utf-8, which the page's "
                            "<meta charset> says)")


def test_an_xml_declarations_encoding_counts_as_the_pages_charset():
    raw = '<?xml version="1.0" encoding="iso-8859-1"?>\n<html><body>Caf\u00e9 \u00a3</body></html>'.encode("latin-1")
    assert "Caf\u00e9 \u00a3" in decode_html(raw, "x.xhtml")
    # Valid UTF-8 that says otherwise is read as the page says (ISO-8859-1 is Windows-1252).
    assert "Caf\u00c3\u00a9" in decode_html(raw.decode("latin-1").encode("utf-8"), "x.xhtml")
