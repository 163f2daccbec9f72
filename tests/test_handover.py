"""Ingest's workers parse the files they write for the build that follows in the same run
(incremental/handover.py): the build takes those Articles instead of parsing the files
again, builds exactly what parsing them gives, and parses a file itself when it changed
after ingest wrote it."""
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

import newsdigest.build
from buildkit import tree
from conftest import SOURCE_DATE_EPOCH, copy_sample
from newsdigest.build import build
from newsdigest.config import load_config
from newsdigest.incremental.handover import Handover
from newsdigest.ingest import ingest

NOW = datetime.fromtimestamp(int(SOURCE_DATE_EPOCH), timezone.utc)


@pytest.fixture
def parses(monkeypatch):
    """The content files the build parses itself (as messages name them)."""
    parsed = []
    real = newsdigest.build.stored_article

    def counted(source, config):
        parsed.append(source.path)
        return real(source, config)

    monkeypatch.setattr(newsdigest.build, "stored_article", counted)
    return parsed


def cold_site(project: Path) -> dict:
    """site/ of a build from the files alone (no ingest in the same run)."""
    for name in ("site", ".cache"):
        shutil.rmtree(project / name)
    build(load_config(project / "config.yaml"), now=NOW)
    return tree(project / "site")


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_build_takes_what_ingest_parsed_and_builds_what_the_files_give(tmp_path, parses, jobs):
    project = copy_sample(tmp_path / "project")
    config = load_config(project / "config.yaml")
    handover = Handover.open(config)
    assert handover is not None
    report = ingest(config, jobs=jobs, handover=handover)
    assert len(report.fresh) == 15 and all(report.fresh.handed_over(p)[2] for p in report.fresh)
    build(config, now=NOW, fresh=report.fresh, listing=report.listing, handover=handover)
    handover.close()
    assert parses == []  # nothing parsed twice
    handed = tree(project / "site")
    assert cold_site(project) == handed
    assert len(parses) == 15
    assert not [name for name in os.listdir(project / ".cache") if "handover" in name or name.startswith(".")]


def test_a_file_changed_after_ingest_wrote_it_is_parsed_as_it_is_on_disk(tmp_path, parses):
    project = copy_sample(tmp_path / "project")
    config = load_config(project / "config.yaml")
    handover = Handover.open(config)
    report = ingest(config, handover=handover)
    edited = Path(sorted(report.fresh)[3])
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("\ntitle: ", "\ntitle: Corrected ", 1), encoding="utf-8")
    build(config, now=NOW, fresh=report.fresh, listing=report.listing, handover=handover)
    handover.close()
    shown = os.path.relpath(edited, project)
    assert parses == [shown]
    pages = [p for p, data in tree(project / "site").items() if b"Corrected " in data and p.endswith("index.html")]
    assert len(pages) > 1 and any(p.count("/") == 4 for p in pages)  # its page, and lists that show it


def test_an_entry_that_cannot_be_read_back_is_parsed_again(tmp_path, parses):
    project = copy_sample(tmp_path / "project")
    config = load_config(project / "config.yaml")
    handover = Handover.open(config)
    report = ingest(config, handover=handover)
    first = min(report.fresh.handed_over(path)[2] for path in report.fresh)
    os.ftruncate(handover.fd, sum(first))  # every entry but the first cut off
    build(config, now=NOW, fresh=report.fresh, listing=report.listing, handover=handover)
    handover.close()
    assert len(parses) == 14
    assert cold_site(project) == tree(project / "site")
