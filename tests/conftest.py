"""Shared fixtures: a fresh project folder and a way to run the real CLI on it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERENCE_SEED = FIXTURES / "000_d15a1ff814625232.txt"
# "Now" for every CLI run: 2019-11-20 00:00:00 UTC, after every sample article.
SOURCE_DATE_EPOCH = "1574208000"


def copy_sample(dest: Path) -> Path:
    """The bundled sample project (config.yaml, layouts/, seeds/) in dest; no content/ yet."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "config.yaml", dest / "config.yaml")
    shutil.copytree(REPO / "layouts", dest / "layouts")
    shutil.copytree(REPO / "seeds", dest / "seeds")
    return dest


def write_records(project: Path, count: int) -> None:
    """seeds/wire.jsonl: a records file of `count` dated stories, enough for every stage's
    forked workers (ingest's file workers, the build's parse and render workers)."""
    lines = [json.dumps({"headline": f"Trade delegation {n} arrives for talks", "date": 1573776000000 + n * 60_000,
                         "link": f"https://news.example.org/article/{n}",
                         "story_text": f"Seoul, November 15 -- Trade delegation {n} arrived here on Friday.\n"
                                       f"It will meet officials of the ministry before the summit."})
             for n in range(count)]
    (project / "seeds" / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def project(tmp_path):
    """config.yaml and layouts/ from the repo, empty seeds/ and content/."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    shutil.copytree(REPO / "layouts", root / "layouts")
    (root / "seeds").mkdir()
    (root / "content").mkdir()
    return root


def run_cli(project, *args):
    """`python build.py --config <project>/config.yaml ARGS` with the clock, zone and locale pinned.

    It runs inside the project, as a user does in their clone, so paths in messages are
    relative to the project (`seeds/x.txt`, `config.yaml`).
    """
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--config", str(project / "config.yaml"), *args],
        cwd=project, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )


def content_files(project):
    """Every Markdown file under content/, as {relative path: bytes}."""
    root = project / "content"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md"))}
