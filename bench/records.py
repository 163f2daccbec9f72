"""Ingest benchmark for records files (issue 11): run by bench/run.py, or alone:

    .venv/bin/python bench/records.py --n 10000

Steps, each `python build.py ingest` in a fresh project, timed from outside (wall):
- cold: one JSON Lines file of N records (the corpus's articles, with a KCNA-style
  dateline, epoch-millisecond dates, a link and a ` -0-` sign-off), empty content/;
- no-change: the same again;
- one record changed: one record's text edited in place; the file is read again, but
  exactly one content file may change (checked);
- mixed no-change: N seeds of every format side by side (text files, JSON Lines, JSON
  array, CSV), ingested once, then timed again with nothing changed.
Targets: cold under 8 s, no-change under 0.5 s, one changed record rewrites one article.
"""
import argparse
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import corpus  # noqa: E402  (bench/ is not a package)

TARGET_COLD_S = 8.0
TARGET_NO_CHANGE_S = 0.5
EPOCH = "1735689600"  # 2025-01-01 UTC: "now" for every run, after every corpus date


def record(a) -> dict:
    return {"headline": a.title, "date": int(a.published.timestamp() * 1000),
            "link": f"https://news.example.org/{a.index}", "topic": a.tags[0],
            "story_text": f"Pyongyang, {a.published:%B} {a.published.day} (KCNA) -- "
                          + "\n".join(a.paragraphs) + " -0-"}


def project(workdir: Path) -> Path:
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "seeds").mkdir(parents=True)
    (workdir / "content").mkdir()
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["paths"] = {"seeds": "seeds", "content": "content", "layouts": "layouts",
                       "output": "site", "cache": ".cache"}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    shutil.copytree(ROOT / "layouts", workdir / "layouts")
    return workdir


def ingest(python: str, workdir: Path) -> tuple[float, str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, TZ="UTC", LC_ALL="C.UTF-8")
    start = time.perf_counter()
    proc = subprocess.run([python, str(ROOT / "build.py"), "ingest", "--config", "config.yaml"],
                          cwd=workdir, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed in {workdir}:\n{proc.stdout}{proc.stderr}")
    return wall, proc.stdout.strip().splitlines()[-1]


def content_hashes(workdir: Path) -> dict:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (workdir / "content").rglob("*.md")}


def run(n: int, out: Path, python: str) -> dict:
    c = corpus.Corpus(n)
    articles = [c.article(i) for i in range(n)]
    results = {}

    work = project(out / "records-jsonl")
    lines = [json.dumps(record(a), ensure_ascii=False) for a in articles]
    (work / "seeds" / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    results["cold"] = ingest(python, work)
    results["no-change"] = ingest(python, work)
    before = content_hashes(work)
    changed = record(articles[n // 2])
    changed["story_text"] = changed["story_text"].replace(" -0-", " One more sentence. -0-")
    lines[n // 2] = json.dumps(changed, ensure_ascii=False)
    (work / "seeds" / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    results["one record changed"] = ingest(python, work)
    after = content_hashes(work)
    results["rewritten"] = sum(1 for p in after if before.get(p) != after[p])

    work = project(out / "records-mixed")
    quarter = n // 4
    for a in articles[:quarter]:
        (work / "seeds" / corpus.seed_name(a)).write_text(corpus.seed_text(a), encoding="utf-8")
    chunk = articles[quarter:2 * quarter]
    (work / "seeds" / "part.jsonl").write_text("".join(json.dumps(record(a)) + "\n" for a in chunk))
    chunk = articles[2 * quarter:3 * quarter]
    (work / "seeds" / "part.json").write_text(json.dumps([record(a) for a in chunk], indent=1))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["date", "url", "title", "body"])
    for a in articles[3 * quarter:]:
        writer.writerow([a.published.isoformat(), f"https://paper.example.org/{a.index}", a.title,
                         "\n".join(a.paragraphs)])
    (work / "seeds" / "part.csv").write_text(buf.getvalue())
    results["mixed first run"] = ingest(python, work)
    results["mixed no-change"] = ingest(python, work)
    return results


def report(n: int, results: dict) -> tuple[str, list[str]]:
    rows = [f"| {n:,} | {step} | {wall:.2f} s | {line} |" for step, value in results.items()
            if isinstance(value, tuple) for wall, line in [value]]
    table = "| N | ingest step | wall | ingest's summary line |\n|---|---|---|---|\n" + "\n".join(rows)
    misses = []
    if results["cold"][0] >= TARGET_COLD_S:
        misses.append(f"records cold ingest {results['cold'][0]:.2f} s >= {TARGET_COLD_S} s")
    for step in ("no-change", "mixed no-change"):
        if results[step][0] >= TARGET_NO_CHANGE_S:
            misses.append(f"records {step} ingest {results[step][0]:.2f} s >= {TARGET_NO_CHANGE_S} s")
    if results["rewritten"] != 1:
        misses.append(f"one changed record rewrote {results['rewritten']} content files, not 1")
    return table, misses


def main():
    p = argparse.ArgumentParser(description="newsdigest records-file ingest benchmark (issue 11)")
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--out", type=Path, default=BENCH / "out")
    p.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"))
    args = p.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    results = run(args.n, args.out.resolve(), args.python)
    table, misses = report(args.n, results)
    print(table)
    print("\n".join(f"MISS: {m}" for m in misses) or "all records targets met")


if __name__ == "__main__":
    main()
