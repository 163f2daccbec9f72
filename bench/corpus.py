"""Deterministic synthetic corpus for the build benchmark (issue 6).

Article i is a pure function of (i, n, seed): the same articles are written as
newsdigest seeds (Sample Wire shape), Hugo content and Pelican content, so the
three generators build exactly the same text with the same tags.

Tags: each article gets 1-4 of the tags in config.yaml's `tags:`. A chosen tag's
alias appears at least twice in the body (and sometimes in the title); the
vocabulary never contains any alias, so no other tag can match by accident.

    python bench/corpus.py --n 1000 --out bench/out/corpus-1000
"""

import argparse
import dataclasses
import datetime
import hashlib
import random
import re
from pathlib import Path

import yaml

DEFAULT_SEED = 6  # issue number; any fixed value keeps runs comparable
KST = datetime.timezone(datetime.timedelta(hours=9), "KST")
FIRST_DAY = datetime.datetime(2019, 1, 1, tzinfo=KST)
ARTICLES_PER_DAY = 30

# Real words keep the text readable; generated syllable words make the
# vocabulary large enough that paragraphs don't repeat.
COMMON_WORDS = """
the a of to and in that for on with as at by from officials said report government
minister city council plan budget people year week month today tomorrow yesterday
economy market prices rate growth company workers union industry trade exports imports
school students teachers hospital doctors patients health program policy law court judge
police fire weather rain snow storm river bridge road train station airport flight
energy power plant solar wind water farm farmers harvest rice festival music film
museum art sports team match season coach players fans league title record result
study research university scientists data survey public private local national regional
leaders meeting talks agreement proposal support concern pressure response statement
election vote voters party candidate campaign parliament committee hearing spokesperson
announced confirmed expected reported added noted warned explained described according
new old major minor early late high low first second third last next several many
more most less about after before during while since under over between against
""".split()

SYLLABLES = ("ka ri mo sen ta lu vi nor pe dal ko mi ran tes bo lin ga ur fe son "
             "da ne ha ji ro su ve ta mar pol ki ne wen tor ba lo si").split()

FIRST_NAMES = ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"]
GIVEN_NAMES = ["Ji-yeon", "Min-ho", "Seo-yeon", "Do-hyun", "Ha-eun", "Jun-seo",
               "Soo-bin", "Ye-jin", "Tae-woo", "Eun-ji"]

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Article:
    index: int
    title: str
    slug: str
    published: datetime.datetime
    paragraphs: tuple
    reporter: str
    tags: tuple


def mentions(alias, text):
    """Whole-word, case-insensitive occurrences of alias in text."""
    return len(re.findall(r"(?<!\w)" + re.escape(alias) + r"(?!\w)", text, re.IGNORECASE))


def load_tag_aliases(config_path=ROOT / "config.yaml"):
    """(usable, all_tags): usable maps a tag to its aliases that contain no other
    tag's alias; tags with no such alias (e.g. "Constitutional Court" contains
    "court") are left out so choosing a tag never drags in another."""
    tags = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))["tags"]
    usable = {}
    for name, aliases in sorted(tags.items()):
        others = [a for other, alist in tags.items() if other != name for a in alist]
        ok = [a for a in aliases if not any(mentions(o, a) for o in others)]
        if ok:
            usable[name] = ok
    return usable, tags


def build_vocabulary(all_tags, size=2000, seed=DEFAULT_SEED):
    """Words that are no alias and no word of any multi-word alias."""
    alias_words = {w.lower() for alist in all_tags.values() for a in alist for w in a.split()}
    rng = random.Random(f"vocab-{seed}")
    words = list(COMMON_WORDS)
    while len(words) < size:
        words.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted({w for w in words if w not in alias_words})


def tags_found(title, body, all_tags, title_hits=1, body_hits=2):
    """The tags newsdigest should assign (config.yaml `tagging:`), for checking."""
    found = set()
    for name, aliases in all_tags.items():
        if (sum(mentions(a, title) for a in aliases) >= title_hits
                or sum(mentions(a, body) for a in aliases) >= body_hits):
            found.add(name)
    return found


def slugify(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Corpus:
    """Generates article i for a corpus of n articles."""

    def __init__(self, n, seed=DEFAULT_SEED, config_path=ROOT / "config.yaml"):
        self.n = n
        self.seed = seed
        self.aliases, all_tags = load_tag_aliases(config_path)
        self.tag_names = sorted(self.aliases)
        self.vocab = build_vocabulary(all_tags, seed=seed)
        self.days = max(1, n // ARTICLES_PER_DAY)
        self.alias_set = {a for alist in self.aliases.values() for a in alist}

    def article(self, i):
        rng = random.Random(f"article-{self.seed}-{i}")
        tags = tuple(sorted(rng.sample(self.tag_names, rng.randint(1, min(4, len(self.tag_names))))))
        day = i * self.days // self.n  # i == n (an added article) lands one day later
        published = FIRST_DAY + datetime.timedelta(
            days=day, seconds=rng.randint(6 * 3600, 23 * 3600 + 3599))

        # Index in the title keeps titles (and so slugs) unique within a day.
        title_words = [w.capitalize() if k == 0 else w
                       for k, w in enumerate(rng.choices(self.vocab, k=rng.randint(5, 9)))]
        title_aliases = [rng.choice(self.aliases[t]) for t in tags if rng.random() < 0.5]
        for alias in title_aliases:
            title_words.insert(rng.randint(1, len(title_words)), alias)
        title = " ".join(title_words) + f" {i}"

        n_paragraphs = rng.randint(6, 10)
        total_words = rng.randint(560, 640)
        paragraphs = []
        for p in range(n_paragraphs):
            words = rng.choices(self.vocab, k=total_words // n_paragraphs)
            paragraphs.append(words)
        # Each chosen tag: 2-3 body mentions, in distinct random paragraphs.
        for t in tags:
            for p in rng.sample(range(n_paragraphs), rng.randint(2, 3)):
                words = paragraphs[p]
                words.insert(rng.randint(1, len(words) - 1), rng.choice(self.aliases[t]))
        text_paragraphs = tuple(self._sentences(rng, words, self.alias_set) for words in paragraphs)
        reporter = f"{rng.choice(FIRST_NAMES)} {rng.choice(GIVEN_NAMES)}"
        return Article(i, title, slugify(title), published, text_paragraphs, reporter, tags)

    @staticmethod
    def _sentences(rng, words, aliases):
        out, k = [], 0
        while k < len(words):
            length = rng.randint(8, 18)
            chunk = words[k:k + length]
            k += length
            # Aliases keep their case so case-sensitive tag matching counts them too.
            first = chunk[0] if chunk[0] in aliases else chunk[0][:1].upper() + chunk[0][1:]
            out.append(first + "".join(" " + w for w in chunk[1:]) + ".")
        return " ".join(out).replace("..", ".")


def seed_text(a):
    lines = ["sample wire (newsdigest sample)", "", a.title,
             f"Updated: {a.published:%Y-%m-%d %H:%M:%S} KST", ""]
    lines += a.paragraphs
    lines += [f"{a.reporter}, Sample Wire.", "Reporter :"]
    return "\n".join(lines)


def seed_name(a):
    digest = hashlib.sha1(seed_text(a).encode("utf-8")).hexdigest()[:16]
    return f"{a.index:06d}_{digest}.txt"


def hugo_text(a):
    front = {"title": a.title, "date": a.published.isoformat(), "slug": a.slug,
             "tags": list(a.tags), "author": a.reporter}
    return ("---\n" + yaml.safe_dump(front, sort_keys=True, allow_unicode=True) + "---\n\n"
            + "\n\n".join(a.paragraphs) + f"\n\n{a.reporter}, Sample Wire.\n")


def pelican_text(a):
    return (f"Title: {a.title}\nDate: {a.published:%Y-%m-%d %H:%M:%S}\nSlug: {a.slug}\n"
            f"Tags: {', '.join(a.tags)}\nAuthors: {a.reporter}\n\n"
            + "\n\n".join(a.paragraphs) + f"\n\n{a.reporter}, Sample Wire.\n")


def write_corpus(n, out_dir, targets=("seeds", "hugo", "pelican"), seed=DEFAULT_SEED):
    """Write n articles under out_dir/{seeds,hugo/content/posts,pelican/content}."""
    out_dir = Path(out_dir)
    corpus = Corpus(n, seed=seed)
    dirs = {"seeds": out_dir / "seeds", "hugo": out_dir / "hugo" / "content" / "posts",
            "pelican": out_dir / "pelican" / "content"}
    for t in targets:
        dirs[t].mkdir(parents=True, exist_ok=True)
    for i in range(n):
        a = corpus.article(i)
        if "seeds" in targets:
            (dirs["seeds"] / seed_name(a)).write_text(seed_text(a), encoding="utf-8")
        if "hugo" in targets:
            (dirs["hugo"] / f"{i:06d}.md").write_text(hugo_text(a), encoding="utf-8")
        if "pelican" in targets:
            (dirs["pelican"] / f"{i:06d}.md").write_text(pelican_text(a), encoding="utf-8")
    return corpus


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--targets", default="seeds,hugo,pelican")
    args = parser.parse_args()
    write_corpus(args.n, args.out, tuple(args.targets.split(",")), seed=args.seed)
    print(f"wrote {args.n} articles to {args.out}")


if __name__ == "__main__":
    main()
