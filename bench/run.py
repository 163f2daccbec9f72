"""Build benchmark for issue 6: newsdigest vs Hugo vs Pelican on the same synthetic articles.

    make bench BENCH_ARGS="--n 1000,10000 --repeat 3"
    .venv/bin/python bench/run.py --n 10000 --tmpfs --skip-pelican

For each N: generate (or reuse) the corpus from bench/corpus.py, lay out a work project
per generator, then per repeat: cold builds (empty content/, site/, .cache/), no-change
rebuilds, and for newsdigest one article edited, added and deleted. After each
incremental build the site is compared file by file (SHA-256) with a cold build of the
same input. Wall time is the median of the repeats; peak memory is the child's maximum
resident set size (os.wait4), the largest seen. When a target is missed, the largest N
gets a cProfile of a cold and a no-change build. Then bench/records.py times ingesting
records files (issue 11) at the largest N (`--skip-records` to leave it out), and
bench/ingest_formats.py ingesting 400 HTML article pages (`--skip-html`). Everything
goes under bench/out/.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import corpus  # noqa: E402  (bench/ is not a package)

PELICAN_VENV = BENCH / ".venv-pelican"
CORPUS_VERSION = hashlib.sha256((BENCH / "corpus.py").read_bytes()).hexdigest()[:12]

TARGET_RATIO = 1.0      # newsdigest cold / Hugo cold, at 10,000 articles
BATCH = 30              # a day's new seeds (the corpus has 30 articles a day)
# Rebuild targets (issues 6 and 13), seconds: up to 10,000 articles, and above that (50,000).
TARGET_REBUILD_S = {"no-change": 0.5, "edit": 1.0, "add": 1.0, "delete": 1.0, "batch": 1.5}
TARGET_REBUILD_LARGE_S = {"no-change": 1.5, "edit": 1.5, "add": 1.5, "delete": 1.5, "batch": 3.0}
TARGET_PEAK_MB = 500        # every step, up to 10,000 articles
TARGET_PEAK_LARGE_MB = 600  # the cold build above 10,000
STEPS = ("cold", "cold from content", "no-change", "edit", "add", "delete", "batch")
INCREMENTAL = STEPS[2:]
# Hugo sites built side by side with newsdigest: the tool name in the results -> its folder
# under bench/. The cold target holds only against every one of them.
HUGO_SITES = {"hugo": "hugo-site", "hugo-minimal": "hugo-site-minimal"}


# ---------------------------------------------------------------- running and measuring

def run_measured(cmd, cwd, log_path, env=None):
    """Run cmd; return wall seconds, user+sys CPU seconds, peak RSS (MB), exit code."""
    with open(log_path, "ab") as log:
        log.write(f"\n$ {' '.join(map(str, cmd))}   (cwd {cwd})\n".encode())
        log.flush()
        start = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                env=env)
        # wait4 gives this child's own rusage, so peak RSS is per run, not a running max.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "rc": proc.returncode}


def set_search(workdir, on):
    path = workdir / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["search"] = on
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def first_query_bytes(site, word):
    """Search `word` in Chromium (tools/search.mjs) on the site served under its sub-path;
    the bytes of the search bundles (base and delta) that the first query fetched, raw and
    as GitHub Pages sends them (it gzips .js and .json; Pagefind's data files are gzipped
    already), and of those the delta's."""
    import gzip
    import http.server
    import tempfile
    import threading
    base_path = "/newsdigest/"
    with tempfile.TemporaryDirectory() as root:
        os.symlink(Path(site).resolve(), Path(root) / base_path.strip("/"))
        quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: quiet(*a, directory=root, **k))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            proc = subprocess.run(["node", str(ROOT / "tools" / "search.mjs"),
                                   f"http://127.0.0.1:{httpd.server_port}{base_path}", word],
                                  cwd=ROOT / "tools", capture_output=True, text=True, timeout=300)
        finally:
            httpd.shutdown()
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-300:]}
    result = json.loads(proc.stdout)
    served = delta_served = 0
    for folder, files in (("pagefind", result["bundleFiles"]), ("pagefind-delta", result["deltaFiles"])):
        for f in files:
            rel = f["url"].split(f"/{folder}/", 1)[1].split("?")[0]
            data = (Path(site) / folder / rel).read_bytes()
            size = len(gzip.compress(data)) if rel.endswith((".js", ".json")) else len(data)
            served += size
            delta_served += size if folder == "pagefind-delta" else 0
    return {"word": word, "results": len(result["results"]),
            "files": len(result["bundleFiles"]) + len(result["deltaFiles"]), "delta_files": len(result["deltaFiles"]),
            "bytes": result["bundleBytes"] + result["deltaBytes"], "bytes_as_served": served,
            "delta_bytes_as_served": delta_served,
            "errors": [e for e in result["errors"] if "favicon.ico" not in e]}


def tail(path, lines=15):
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


def tree_hashes(root):
    """Relative path -> SHA-256 of every file under root."""
    root = Path(root)
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


SEARCH_BUNDLES = ("pagefind/", "pagefind-delta/")


def search_index_pages(site):
    """Fragment id -> fragment bytes of every page the search index holds: the base's pages
    (site/pagefind/) without those its delta replaces, and the delta's (site/pagefind-delta/).
    An incremental build's base and delta hold the same pages as a cold build's base alone
    exactly when these are equal (fragments are named by their content)."""
    import gzip

    def fragments(bundle):
        out = {}
        for p in (bundle / "fragment").glob("*.pf_fragment") if (bundle / "fragment").is_dir() else ():
            out[p.stem] = gzip.decompress(p.read_bytes())
        return out

    site = Path(site)
    delta = json.loads((site / "pagefind-delta" / "delta.json").read_text(encoding="utf-8"))
    pages = {k: v for k, v in fragments(site / "pagefind").items() if k not in delta["replaced"]}
    pages.update(fragments(site / "pagefind-delta"))
    return pages


def search_diff(incremental, cold):
    """The sites' differences outside the search bundles (tree_diff), and then whether their
    search indexes hold the same pages (search_index_pages)."""
    outside = lambda tree: {k: v for k, v in tree.items() if not k.startswith(SEARCH_BUNDLES)}  # noqa: E731
    problems = tree_diff(outside(tree_hashes(incremental)), outside(tree_hashes(cold)))
    a, b = search_index_pages(incremental), search_index_pages(cold)
    problems += [f"search index: only in incremental: {k}" for k in sorted(set(a) - set(b))]
    problems += [f"search index: only in cold: {k}" for k in sorted(set(b) - set(a))]
    return problems


def tree_diff(a, b):
    """Human-readable differences between two tree_hashes results ([] when equal)."""
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
    problems = [f"only in incremental: {p}" for p in only_a]
    problems += [f"only in cold: {p}" for p in only_b]
    problems += [f"differs: {p}" for p in changed]
    return problems


TRASH: list = []  # the trash folder, set by main()


def discard(path):
    """Move a tree out of the way; it is deleted when the whole run is over.

    Deleting the previous build's tens of thousands of files just before a timed cold
    build slowed every file the build then created (ext4 skips recently freed inodes
    when it allocates new ones): each content file took ~0.5 ms to create, and the
    generator writing the most files (newsdigest writes content/ and site/) paid most.
    A user's cold build does not follow such a deletion.

    On a tmpfs the tree is deleted at once: there its files are memory (a run at 50,000
    articles kept 12 GB of them in the trash, and the kernel killed a worker of the
    reference build), and tmpfs has no such inode effect."""
    path = Path(path)
    if not path.exists():
        return
    if on_tmpfs(path):
        shutil.rmtree(path)
        return
    TRASH[0].mkdir(parents=True, exist_ok=True)
    os.rename(path, TRASH[0] / f"{len(os.listdir(TRASH[0]))}-{path.name}")


def on_tmpfs(path) -> bool:
    """Whether `path` lies on a tmpfs: the file system type of its longest mount point."""
    path, best, kind = os.path.realpath(path), "", ""
    with open("/proc/self/mounts", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            point = fields[1].replace("\\040", " ")
            if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) > len(best):
                best, kind = point, fields[2]
    return kind == "tmpfs"


def reset_dir(path):
    discard(path)
    Path(path).mkdir(parents=True)


# ---------------------------------------------------------------- corpus and work projects

def snapshot_code(dest):
    """Copy build.py and newsdigest/ so one run measures one version of the code,
    even while the working tree changes under it."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "build.py", dest / "build.py")
    shutil.copytree(ROOT / "newsdigest", dest / "newsdigest",
                    ignore=shutil.ignore_patterns("__pycache__"))
    import compileall  # as the first run of an installed copy would leave it

    compileall.compile_dir(dest / "newsdigest", quiet=1)
    return dest / "build.py"


def ensure_corpus(n, out_dir):
    """Generate the corpus for n once; reuse it while corpus.py and config tags are unchanged."""
    tags_digest = hashlib.sha256(
        json.dumps(yaml.safe_load((ROOT / "config.yaml").read_text())["tags"], sort_keys=True).encode()
    ).hexdigest()[:12]
    stamp = f"{CORPUS_VERSION}-{tags_digest}"
    cdir = out_dir / f"corpus-{n}"
    if (cdir / "STAMP").exists() and (cdir / "STAMP").read_text() == stamp:
        return cdir
    print(f"  generating corpus of {n} articles in {cdir} ...", flush=True)
    shutil.rmtree(cdir, ignore_errors=True)
    t = time.perf_counter()
    corpus.write_corpus(n, cdir)
    (cdir / "STAMP").write_text(stamp)
    print(f"  corpus ready in {time.perf_counter() - t:.1f} s", flush=True)
    return cdir


def newsdigest_project(workdir, seeds_src):
    """A project dir: config.yaml (paths inside it), layouts/, seeds/ copied from the corpus."""
    reset_dir(workdir)
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["paths"] = {"seeds": "seeds", "content": "content", "layouts": "layouts",
                       "output": "site", "cache": ".cache"}
    # Without search, like Hugo and Pelican here; search_steps measures it on its own.
    config["search"] = False
    (workdir / "config.yaml").write_text(
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    shutil.copytree(ROOT / "layouts", workdir / "layouts")
    shutil.copytree(seeds_src, workdir / "seeds")
    return workdir


def reset_newsdigest_input(workdir, seeds_src):
    """Back to the corpus seeds with empty content/, site/, .cache/ (a cold start)."""
    for name in ("seeds", "content", "site", ".cache"):
        discard(workdir / name)
    shutil.copytree(seeds_src, workdir / "seeds")
    (workdir / "content").mkdir()


def snapshot_input(workdir, refdir):
    """Copy a project's input (config, layouts, seeds, content) to refdir, no site or cache."""
    reset_dir(refdir)
    for name in ("config.yaml",):
        shutil.copy2(workdir / name, refdir / name)
    for name in ("layouts", "seeds", "content"):
        shutil.copytree(workdir / name, refdir / name)


# ---------------------------------------------------------------- incremental edits

def edit_one_content_file(content_dir, vocab):
    """Swap one vocabulary word in the body of one content file (tags stay the same)."""
    files = sorted(p for p in Path(content_dir).rglob("*.md"))
    if not files:
        raise SystemExit(f"no .md files under {content_dir} to edit")
    path = files[len(files) // 3]
    text = path.read_text(encoding="utf-8")
    body_start = 0
    if text.startswith("---"):
        end = text.find("\n---", 3)
        body_start = text.find("\n", end + 1) + 1 if end != -1 else 0
    vocab_set = set(vocab)
    for m in re.finditer(r"\b[a-z]{4,}\b", text[body_start:]):
        word = m.group(0)
        if word in vocab_set:
            replacement = vocab[(vocab.index(word) + 1) % len(vocab)]
            if replacement.startswith(word) or word.startswith(replacement):
                continue
            pos = body_start + m.start()
            path.write_text(text[:pos] + replacement + text[pos + len(word):], encoding="utf-8")
            return path, f"{word} -> {replacement}"
    path.write_text(text.rstrip("\n") + " Edited.\n", encoding="utf-8")
    return path, "appended a word"


def content_file_with_title(content_dir, title):
    for p in sorted(Path(content_dir).rglob("*.md")):
        head = p.read_text(encoding="utf-8").split("\n---", 1)[0]
        if title in head:
            return p
    return None


# ---------------------------------------------------------------- the benchmark for one N

class Bench:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.work = args.workdir
        self.python = args.python
        self.build_py = snapshot_code(args.workdir / "code")
        self.hugo = shutil.which("hugo") if not args.skip_hugo else None
        self.pelican = PELICAN_VENV / "bin" / "pelican"
        self.notes = []
        self.search = {}  # N -> search figures (search_steps)

    # --- tool availability

    def pelican_available(self):
        if self.args.skip_pelican:
            return False
        if self.pelican.exists():
            return True
        print("setting up Pelican in bench/.venv-pelican (pinned in bench/requirements-pelican.txt) ...")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PELICAN_VENV)], check=True)
            subprocess.run([str(PELICAN_VENV / "bin" / "pip"), "install", "-q", "-r",
                            str(BENCH / "requirements-pelican.txt")], check=True)
        except (subprocess.CalledProcessError, OSError) as e:
            self.notes.append(f"Pelican skipped: could not install it ({e})")
            return False
        return self.pelican.exists()

    # --- one N

    def run_n(self, n):
        args = self.args
        print(f"\n== N = {n} ==", flush=True)
        self.search[n] = {}
        cdir = ensure_corpus(n, self.out)
        gen = corpus.Corpus(n)
        log = self.out / f"log-{n}.txt"
        log.write_text(f"bench log for N={n}, {datetime.datetime.now().isoformat()}\n")
        wdir = self.work / f"n{n}"
        discard(wdir)
        nd = newsdigest_project(wdir / "newsdigest", cdir / "seeds")
        ref = wdir / "newsdigest-cold-reference"
        env = dict(os.environ, PYTHONHASHSEED="0")
        # Python's default: compiled modules are cached in __pycache__. Some sandboxes set
        # PYTHONDONTWRITEBYTECODE, which makes every run compile newsdigest's modules again
        # (~50 ms); a user's machine does not. (The snapshot of the code is warmed once.)
        env.pop("PYTHONDONTWRITEBYTECODE", None)

        hugo_sites = {}  # tool -> (its project folder, its command, its cache folder)
        for tool, site in (HUGO_SITES.items() if self.hugo else ()):
            folder, cache = wdir / tool, wdir / f"{tool}-cache"
            shutil.copytree(BENCH / site, folder)
            shutil.copytree(cdir / "hugo" / "content", folder / "content")
            hugo_sites[tool] = (folder, [self.hugo, "--quiet", "--destination", "public", "--cacheDir", str(cache)],
                                cache)
        pel_dir = None
        use_pelican = self.pelican_available() and n <= args.pelican_max_n
        if self.pelican_available() and not use_pelican:
            self.notes.append(f"Pelican not run at N={n} (--pelican-max-n {args.pelican_max_n})")
        if use_pelican:
            pel_dir = wdir / "pelican"
            shutil.copytree(BENCH / "pelican-site", pel_dir)
            shutil.copytree(cdir / "pelican" / "content", pel_dir / "content")

        nd_cmd = [self.python, self.build_py, "--config", "config.yaml"]
        pel_cmd = [self.pelican, "-q", "-s", "pelicanconf.py", "-o", "output", "content"]

        times = {}  # "tool step" -> list of measurements
        checks = {}  # step -> list of problems ([] = identical)

        def record(key, m):
            if m["rc"] != 0:
                raise SystemExit(f"{key} failed (exit {m['rc']}); log {log}:\n{tail(log)}")
            times.setdefault(key, []).append(m)
            print(f"  {key:<28} {m['wall']:8.2f} s  cpu {m['cpu']:7.2f} s  peak {m['peak_mb']:6.0f} MB",
                  flush=True)

        for r in range(args.repeat):
            print(f" repeat {r + 1}/{args.repeat}", flush=True)
            # Cold builds side by side, so machine load affects all tools alike.
            reset_newsdigest_input(nd, cdir / "seeds")
            record("newsdigest cold", run_measured(nd_cmd, nd, log, env))
            if r == 0:
                self.sanity_check(nd, n, log)
            # The same content/ built into site/ by `build.py build`, without a cache: a fresh
            # clone of a project, and the input Hugo starts from (Markdown with front matter).
            snapshot_input(nd, ref)
            record("newsdigest cold from content", run_measured(nd_cmd + ["build"], ref, log, env))
            if r == 0:
                checks["cold from content"] = tree_diff(tree_hashes(ref / "site"), tree_hashes(nd / "site"))
            for tool, (folder, cmd, cache) in hugo_sites.items():
                discard(folder / "public")
                discard(folder / "resources")
                discard(cache)
                record(f"{tool} cold", run_measured(cmd, folder, log))
                if r == 0:
                    pages = sum(1 for _ in (folder / "public").rglob("*.html"))
                    print(f"  ({tool}: {pages:,} HTML pages)", flush=True)
            run_pelican = pel_dir and r < args.pelican_repeat
            if run_pelican:
                discard(pel_dir / "output")
                discard(pel_dir / "cache")
                record("pelican cold", run_measured(pel_cmd, pel_dir, log))

            before = tree_hashes(nd / "site")
            record("newsdigest no-change", run_measured(nd_cmd, nd, log, env))
            if r == 0:
                checks["no-change"] = tree_diff(tree_hashes(nd / "site"), before)
            for tool, (folder, cmd, _) in hugo_sites.items():
                record(f"{tool} no-change", run_measured(cmd, folder, log))
            if run_pelican:
                record("pelican no-change", run_measured(pel_cmd, pel_dir, log))

            check = not args.no_check and (r == 0 or args.check_every_repeat)
            steps = [
                ("edit", lambda: edit_one_content_file(nd / "content", gen.vocab)[1]),
                ("add", lambda: self.add_article(nd, gen, n)),
                ("delete", lambda: self.delete_article(nd, gen, n)),
                ("batch", lambda: self.add_batch(nd, gen, n)),
            ]
            for step, change in steps:
                what = change()
                if check:
                    snapshot_input(nd, ref)
                record(f"newsdigest {step}", run_measured(nd_cmd, nd, log, env))
                if check:
                    m = run_measured(nd_cmd, ref, log, env)
                    if m["rc"] != 0:
                        raise SystemExit(f"reference cold build failed; log {log}:\n{tail(log)}")
                    problems = tree_diff(tree_hashes(nd / "site"), tree_hashes(ref / "site"))
                    problems += [f"content/ {p}" for p in
                                 tree_diff(tree_hashes(nd / "content"), tree_hashes(ref / "content"))]
                    checks.setdefault(step, []).extend(problems)
                    verdict = "identical to cold" if not problems else f"{len(problems)} DIFFERENCES"
                    print(f"    ({what}) site {verdict}", flush=True)
        if not args.skip_search:
            self.search_steps(nd, ref, gen, n, log, env, record, checks)
        discard(ref)
        return {"n": n, "times": times, "checks": checks, "log": str(log), "workdir": str(nd)}

    def search_steps(self, nd, ref, gen, n, log, env, record, checks):
        """Search on (issue 12): the build that adds the index, a no-change rebuild, then one
        article edited, one added and one deleted (each into the delta), each with its
        `--debug` index lap; the result checked against a cold build, and the bytes a first
        query downloads in Chromium."""
        set_search(nd, True)
        debug_cmd = [self.python, self.build_py, "--config", "config.yaml", "--debug"]
        for step, change in (("search on", None), ("search no-change", None),
                             ("search edit", lambda: edit_one_content_file(nd / "content", gen.vocab)[1]),
                             ("search add", lambda: self.add_article(nd, gen, n + 1 + BATCH)),
                             ("search delete", lambda: self.delete_article(nd, gen, n, n // 4))):
            what = change() if change else ""
            start = Path(log).stat().st_size
            record(f"newsdigest {step}", run_measured(debug_cmd, nd, log, env))
            lap = re.findall(r"search index \((re-indexed|unchanged|delta of \d+ pages?)\) ([0-9.]+)",
                             Path(log).read_bytes()[start:].decode(errors="replace"))
            self.search[n][step] = {"index": lap[-1] if lap else None}
            print(f"    index lap: {lap[-1] if lap else 'none (stopped at the stamp)'}", flush=True)
        if not self.args.no_check:
            snapshot_input(nd, ref)
            if run_measured(debug_cmd, ref, log, env)["rc"] != 0:
                raise SystemExit(f"reference cold build failed; log {log}:\n{tail(log)}")
            # The base and delta are not the bytes of a cold build's single index, so the
            # search bundles are compared by the pages they index together.
            problems = search_diff(nd / "site", ref / "site")
            checks["search edit"] = problems
            print(f"    ({what}) site {'identical to cold' if not problems else f'{len(problems)} DIFFERENCES'}"
                  " (search index: the same pages)")
        for key, folder in (("bundle", "pagefind"), ("delta", "pagefind-delta")):
            files = [p for p in (nd / "site" / folder).rglob("*") if p.is_file()]
            self.search[n][key] = {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}
        word = gen.article(n // 3).title.split()[1]  # a word of a known headline
        self.search[n]["query"] = first_query_bytes(nd / "site", word)
        print(f"    first query for {word!r}: {self.search[n]['query']}", flush=True)

    def sanity_check(self, nd, n, log):
        """The cold build should have built every article; say so loudly if not."""
        m = re.findall(r"built (\d+) articles?, (\d+) tags?, (\d+) pages?", Path(log).read_text())
        if not m:
            self.notes.append(f"N={n}: no 'built N articles' summary line found in {log}")
            return
        built, tags, pages = map(int, m[-1])
        print(f"  (cold build: {built} articles, {tags} tags, {pages} pages)")
        if built != n:
            self.notes.append(f"N={n}: newsdigest built {built} articles, expected {n}")

    def add_article(self, nd, gen, n):
        a = gen.article(n)  # article n lands one day after the corpus: front page and feeds change
        (nd / "seeds" / corpus.seed_name(a)).write_text(corpus.seed_text(a), encoding="utf-8")
        return f"seed {corpus.seed_name(a)}"

    def add_batch(self, nd, gen, n):
        """A day's batch: BATCH new seeds after the one `add` wrote (the next day's edition)."""
        for i in range(n + 1, n + 1 + BATCH):
            a = gen.article(i)
            (nd / "seeds" / corpus.seed_name(a)).write_text(corpus.seed_text(a), encoding="utf-8")
        return f"{BATCH} seeds, articles {n + 1}-{n + BATCH}"

    def delete_article(self, nd, gen, n, i=None):
        a = gen.article(n // 2 if i is None else i)
        seed = nd / "seeds" / corpus.seed_name(a)
        seed.unlink()
        content = content_file_with_title(nd / "content", a.title)
        if content is None:
            self.notes.append(f"N={n}: no content file found for deleted seed {seed.name}; "
                              "deleted the seed only")
            return f"seed {seed.name} only"
        content.unlink()
        return f"seed {seed.name} and {content.relative_to(nd)}"

    # --- profiles

    def profile(self, workdir, n, label):
        """cProfile top functions of one build of workdir (state as left by the caller)."""
        prof = self.out / f"profile-{label}-{n}.prof"
        cmd = [self.python, "-m", "cProfile", "-o", prof, self.build_py, "--config", "config.yaml",
               "--jobs", "1"]
        log = self.out / f"log-profile-{n}.txt"
        run_measured(cmd, workdir, log)
        text_path = self.out / f"profile-{label}-{n}.txt"
        with open(text_path, "w") as f:
            for order in ("cumulative", "tottime"):
                f.write(f"--- {label} build, N={n}, --jobs 1, sorted by {order}\n")
                pstats.Stats(str(prof), stream=f).sort_stats(order).print_stats(15)
        return text_path

    def importtime(self, workdir, n):
        """Top imports (cumulative microseconds) of a no-change build."""
        cmd = [self.python, "-X", "importtime", self.build_py, "--config", "config.yaml"]
        proc = subprocess.run([str(c) for c in cmd], cwd=workdir, capture_output=True, text=True)
        rows = []
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
            if m:
                rows.append((int(m.group(2)), len(m.group(3)), m.group(4)))
        top = [r for r in rows if r[1] <= 2]
        top.sort(reverse=True)
        total = sum(r[0] for r in rows if r[1] == 1)
        path = self.out / f"importtime-{n}.txt"
        path.write_text(f"total top-level import time: {total / 1e6:.3f} s\n" + "".join(
            f"{us / 1e6:8.3f} s  {name}\n" for us, _, name in top[:15]))
        return path


# ---------------------------------------------------------------- report

def median(ms, key="wall"):
    return statistics.median(m[key] for m in ms) if ms else None


def summarize(results):
    lines = ["| N | step | newsdigest wall (median) | newsdigest CPU | newsdigest peak | Hugo wall | "
             "Hugo peak | Hugo minimal wall | Pelican wall | Pelican peak | newsdigest/Hugo | "
             "newsdigest/Hugo minimal | identical to cold |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    fmt_s = lambda v: f"{v:.2f} s" if v is not None else "-"  # noqa: E731
    fmt_mb = lambda ms: f"{max(m['peak_mb'] for m in ms):.0f} MB" if ms else "-"  # noqa: E731
    for res in results:
        t, checks = res["times"], res["checks"]
        for step in STEPS:
            nd = t.get(f"newsdigest {step}", [])
            hugo_step = "cold" if step == "cold from content" else step
            hu, hm = t.get(f"hugo {hugo_step}", []), t.get(f"hugo-minimal {hugo_step}", [])
            pe = t.get(f"pelican {step}", [])
            ratio = f"{median(nd) / median(hu):.2f}" if nd and hu else "-"
            ratio_min = f"{median(nd) / median(hm):.2f}" if nd and hm else "-"
            same = "-" if step == "cold" else (
                "yes" if checks.get(step) == [] else
                ("not checked" if step not in checks else f"NO ({len(checks[step])} files)"))
            lines.append(f"| {res['n']:,} | {step} | {fmt_s(median(nd))} | {fmt_s(median(nd, 'cpu'))} | "
                         f"{fmt_mb(nd)} | {fmt_s(median(hu))} | {fmt_mb(hu)} | {fmt_s(median(hm))} | "
                         f"{fmt_s(median(pe))} | {fmt_mb(pe)} | {ratio} | {ratio_min} | {same} |")
    return "\n".join(lines)


def summarize_search(results):
    """The search steps (issue 12): wall time of each build with search on and its index
    lap, the check against a cold build, the bundles and the first query's download."""
    lines = ["| N | search on (first build with it) | no-change | one edit | one add | one delete | "
             "after them = cold (search: the same pages) | base bundle | delta | "
             "first query downloads (as served, gzip; of it the delta's) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for res in results:
        t, s, c = res["times"], res.get("search", {}), res["checks"]

        def step(name):  # wall time and, when the index step ran, its lap
            ms, lap = t.get(f"newsdigest {name}"), (s.get(name) or {}).get("index")
            return (f"{median(ms):.2f} s" if ms else "-") + (f" (index {lap[1]} s, {lap[0]})" if lap else "")
        q, b, d = s.get("query", {}), s.get("bundle", {}), s.get("delta", {})
        same = "not checked" if "search edit" not in c else ("yes" if not c["search edit"] else "NO")
        lines.append(f"| {res['n']:,} | {step('search on')} | {step('search no-change')} | {step('search edit')} | "
                     f"{step('search add')} | {step('search delete')} | {same} | "
                     f"{b.get('files', 0):,} files, {b.get('bytes', 0) / 1e6:.1f} MB | "
                     f"{d.get('files', 0):,} files, {d.get('bytes', 0) / 1e3:.1f} KB | "
                     f"{q.get('bytes', 0) / 1024:.0f} KB ({q.get('bytes_as_served', 0) / 1024:.0f} KB; "
                     f"{q.get('delta_bytes_as_served', 0) / 1024:.1f} KB) in "
                     f"{q.get('files', 0)} files, {q.get('results', 0)} results |")
    return "\n".join(lines)


TARGET_SEARCH_NO_CHANGE_S = 0.5
TARGET_SEARCH_EDIT_S = 3.0
TARGET_FIRST_QUERY_KB = 150


def search_misses(res):
    t, s, misses = res["times"], res.get("search", {}), []
    if not s:
        return misses
    for step, limit in (("search no-change", TARGET_SEARCH_NO_CHANGE_S), ("search edit", TARGET_SEARCH_EDIT_S),
                        ("search add", TARGET_SEARCH_EDIT_S), ("search delete", TARGET_SEARCH_EDIT_S)):
        ms = t.get(f"newsdigest {step}")
        if ms and median(ms) >= limit:
            misses.append(f"{step} rebuild {median(ms):.2f} s >= {limit} s")
    if res["checks"].get("search edit"):
        misses.append("search edit, add and delete: site differs from a cold build: " + "; ".join(res["checks"]["search edit"][:5]))
    q = s.get("query", {})
    if q.get("error") or q.get("errors"):
        misses.append(f"first query: {q.get('error') or q.get('errors')}")
    elif q.get("bytes_as_served", 0) >= TARGET_FIRST_QUERY_KB * 1024:
        misses.append(f"first query downloads {q['bytes_as_served'] / 1024:.0f} KB (as served) >= "
                      f"{TARGET_FIRST_QUERY_KB} KB")
    return misses


def target_misses(res):
    t, misses = res["times"], []
    nd_cold = t.get("newsdigest cold")
    for tool, site in HUGO_SITES.items():
        hugo_cold = t.get(f"{tool} cold")
        if nd_cold and hugo_cold and median(nd_cold) / median(hugo_cold) >= TARGET_RATIO:
            misses.append(f"cold build {median(nd_cold):.2f} s is not faster than Hugo's {median(hugo_cold):.2f} s "
                          f"(bench/{site})")
    large = res["n"] > 10000
    limits = TARGET_REBUILD_LARGE_S if large else TARGET_REBUILD_S
    for step in INCREMENTAL:
        ms = t.get(f"newsdigest {step}")
        if ms and median(ms) >= limits[step]:
            misses.append(f"{step} rebuild {median(ms):.2f} s >= {limits[step]} s")
        if res["checks"].get(step):
            misses.append(f"{step}: site differs from a cold build: " + "; ".join(res["checks"][step][:5]))
    if res["checks"].get("cold from content"):
        misses.append("cold from content: site differs from the cold build: "
                      + "; ".join(res["checks"]["cold from content"][:5]))
    # Above 10,000 articles only the cold build has a memory target.
    colds = ("newsdigest cold", "newsdigest cold from content")
    peaks = [m["peak_mb"] for k, ms in t.items() if k.startswith("newsdigest") and (not large or k in colds)
             for m in ms]
    limit = TARGET_PEAK_LARGE_MB if large else TARGET_PEAK_MB
    if peaks and max(peaks) >= limit:
        misses.append(f"peak memory {max(peaks):.0f} MB >= {limit} MB")
    return misses


def machine_info():
    def cmd(*c):
        try:
            return subprocess.run(c, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    model = re.search(r"Model name:\s*(.+)", cmd("lscpu"))
    mem = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
    pelican = PELICAN_VENV / "bin" / "pelican"
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "cores": os.cpu_count(),
        "ram_gb": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "python": platform.python_version(),
        "hugo": cmd("hugo", "version").split(" BuildDate")[0] if shutil.which("hugo") else "not installed",
        "pelican": cmd(str(pelican), "--version") if pelican.exists() else "not installed",
        "load_average_at_start": os.getloadavg(),
        "newsdigest_commit": cmd("git", "-C", str(ROOT), "describe", "--always", "--dirty"),
    }


def main():
    p = argparse.ArgumentParser(description="newsdigest build benchmark (issue 6)")
    p.add_argument("--n", default="10000", help="article counts, comma-separated (default 10000)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--tmpfs", action="store_true", help="work in /dev/shm instead of on disk")
    p.add_argument("--workdir", type=Path, help="where the work projects go (default bench/out/work)")
    p.add_argument("--out", type=Path, default=BENCH / "out")
    p.add_argument("--skip-hugo", action="store_true")
    p.add_argument("--skip-pelican", action="store_true")
    p.add_argument("--pelican-max-n", type=int, default=10000,
                   help="skip Pelican above this many articles (it takes minutes per build)")
    p.add_argument("--pelican-repeat", type=int, default=1,
                   help="Pelican builds per N (default 1: at 10,000 articles one cold build takes minutes)")
    p.add_argument("--check-every-repeat", action="store_true",
                   help="compare incremental and cold output in every repeat, not just the first")
    p.add_argument("--no-check", action="store_true",
                   help="skip the cold reference builds (each costs a cold build; for quick large-N runs)")
    p.add_argument("--skip-search", action="store_true", help="skip the search steps (issue 12)")
    p.add_argument("--profile", action="store_true", help="profile even when every target is met")
    p.add_argument("--no-profile", action="store_true",
                   help="never profile, even when a target is missed (at 50,000 articles the profiled "
                        "cold build alone takes many minutes)")
    p.add_argument("--skip-records", action="store_true",
                   help="skip the records-file ingest steps (bench/records.py, issue 11)")
    p.add_argument("--skip-html", action="store_true",
                   help="skip the HTML page ingest (bench/ingest_formats.py, issue 11)")
    p.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python")
                   if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable)
    args = p.parse_args()
    ns = [int(x.replace("_", "")) for x in args.n.split(",") if x]
    args.out.mkdir(parents=True, exist_ok=True)
    args.out = args.out.resolve()
    if args.workdir is None:
        args.workdir = Path("/dev/shm/newsdigest-bench") if args.tmpfs else args.out / "work"
    args.workdir = args.workdir.resolve()
    TRASH.append(args.workdir.parent / f"{args.workdir.name}-trash")
    shutil.rmtree(TRASH[0], ignore_errors=True)  # a previous run's (normally gone already)

    info = machine_info()
    info.update(command=" ".join(sys.argv), workdir=str(args.workdir),
                filesystem=subprocess.run(["df", "-T", str(args.workdir.parent if not args.workdir.exists()
                                                          else args.workdir)],
                                          capture_output=True, text=True).stdout.splitlines()[-1])
    print(json.dumps(info, indent=1))
    bench = Bench(args)
    if not bench.hugo and not args.skip_hugo:
        bench.notes.append("Hugo skipped: `hugo` not on PATH (apt-get install -y hugo)")

    try:
        run_all(args, ns, info, bench)
    finally:
        shutil.rmtree(TRASH[0], ignore_errors=True)  # now that nothing is timed any more, or the run failed


def run_all(args, ns, info, bench):
    results = []
    for n in ns:
        results.append(bench.run_n(n))

    table = summarize(results)
    misses = {res["n"]: target_misses(res) for res in results}
    for res in results:
        res["search"] = bench.search.get(res["n"], {})
        misses[res["n"]] += search_misses(res)
    if not args.skip_search:
        table += "\n\n" + summarize_search(results)
    if not args.skip_records:  # issue 11: records files, at the largest N
        import records
        print(f"\nrecords-file ingest at N={max(ns):,} ...", flush=True)
        records_results = records.run(max(ns), args.workdir, args.python)
        records_table, records_misses = records.report(max(ns), records_results)
        misses[max(ns)] += records_misses
        table += "\n\n" + records_table
    if not args.skip_html:  # issue 11: HTML article pages, on all cores and on one
        import ingest_formats
        print("\nHTML page ingest ...", flush=True)
        html_table, html_misses = ingest_formats.report(
            ingest_formats.run(400, args.repeat, args.out / "ingest-formats", args.python))
        misses[max(ns)] += html_misses
        table += "\n\n" + html_table
    print("\n" + table + "\n")
    profiles = []
    largest = max(results, key=lambda r: r["n"])
    target = next((r for r in results if r["n"] == 10000), largest)
    for res in results:
        for miss in misses[res["n"]]:
            print(f"MISS at N={res['n']:,}: {miss}")
    if not any(misses.values()):
        print("all targets met")
    if (misses[target["n"]] or args.profile) and not args.no_profile:
        print(f"\nprofiling N={target['n']:,} (cold and no-change, --jobs 1) ...", flush=True)
        nd = Path(target["workdir"])
        cdir = args.out / f"corpus-{target['n']}"
        reset_newsdigest_input(nd, cdir / "seeds")
        profiles.append(bench.profile(nd, target["n"], "cold"))
        profiles.append(bench.profile(nd, target["n"], "no-change"))
        profiles.append(bench.importtime(nd, target["n"]))
        for path in profiles:
            print(f"\n# {path}\n" + "\n".join(
                line for line in Path(path).read_text().splitlines() if line.strip())[:6000])
    for note in bench.notes:
        print(f"note: {note}")

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = {"info": info, "results": results, "misses": misses, "notes": bench.notes,
              "profiles": [str(p) for p in profiles], "table": table}
    (args.out / f"results-{stamp}.json").write_text(json.dumps(report, indent=1, default=str))
    print(f"\nresults: {args.out / f'results-{stamp}.json'}")


if __name__ == "__main__":
    main()
