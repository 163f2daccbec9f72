"""The fast tag matcher must count exactly what the plain definition counts."""
import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from newsdigest.config import TagDef
from newsdigest.ingest.tagging import build_matcher

TAGS = (
    TagDef("South Korea", ("South Korea", "South Korean", "Korea", "Seoul")),
    TagDef("Courts", ("Constitutional Court", "court", "courts")),
    TagDef("United States", ("U.S.", "United States", "Washington")),
    TagDef("K-pop", ("K-pop", "idol group")),
    TagDef("Herald", ("Korea Herald",)),
    TagDef("Culture", ("한글", "culture")),
)
WORDS = ["South", "south", "Korea", "KOREA", "korea", "Korean", "Koreans", "Herald", "Heralds", "Seoul",
         "Constitutional", "constitutional", "Court", "court", "courts", "U.S.", "u.s.", "US", "United",
         "States", "Washington", "K-pop", "k-pop", "idol", "group", "한글", "한글날", "culture", "Culture",
         "x", "_", ".", ",", "-", "'s", "(", ")"]


def reference_count(text, tags=TAGS):
    """The definition: one left-to-right pass, longest alias first, whole words; capitalised
    aliases case-sensitive, lower-case ones in any case."""
    exact = {a: t.name for t in tags for a in t.aliases if a != a.lower()}
    folded = {a: t.name for t in tags for a in t.aliases if a == a.lower()}
    ordered = sorted(list(exact) + list(folded), key=lambda a: (-len(a), a))
    body = "|".join(f"(?i:{re.escape(a)})" if a in folded else re.escape(a) for a in ordered)
    counts = Counter()
    for m in re.finditer(rf"(?<!\w)(?:{body})(?!\w)", text):
        counts[exact.get(m.group(0)) or folded[m.group(0).lower()]] += 1
    return counts


class Config:
    tags = TAGS
    title_hits, body_hits, max_tags = 1, 2, 5


MATCHER = build_matcher(Config)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from([" ", "", "  ", "\n", "-"])), max_size=25))
def test_fast_matcher_counts_what_the_definition_counts(pieces):
    text = "".join(w + sep for w, sep in pieces)
    assert MATCHER.count(text) == reference_count(text)


def test_examples():
    text = "The constitutional court in Seoul; South Koreans read the Korea Heralds. Korea Herald, U.S., us."
    assert MATCHER.count(text) == Counter({"Courts": 1, "South Korea": 2, "Herald": 1, "United States": 1})


class PreviousMatcher:
    """The matcher as it was before its search ran on a spaced copy of the text (a trie
    regex over the lower-cased text itself, with a leading \\b when every alias starts with
    a word character): the spaced search must count exactly what it counted."""

    def __init__(self, tags):
        from newsdigest.ingest.tagging import _ASCII_LOWER, _trie
        self.lower = _ASCII_LOWER
        self.exact = {a: t.name for t in tags for a in t.aliases if a != a.lower()}
        self.folded = {a.translate(_ASCII_LOWER): t.name for t in tags for a in t.aliases if a == a.lower()}
        lowered = sorted({a.translate(_ASCII_LOWER) for a in self.exact} | set(self.folded), key=lambda a: (-len(a), a))
        self.by_start = {}
        for alias in lowered:
            self.by_start.setdefault(alias[0], []).append(alias)
        start = r"\b" if all(a[0].isalnum() or a[0] == "_" for a in lowered) else ""
        self.pattern = re.compile(start + _trie(lowered))

    def _tag_at(self, text, start, end):
        word = lambda ch: ch.isalnum() or ch == "_"
        if (start and word(text[start - 1])) or (end < len(text) and word(text[end])):
            return None
        return self.exact.get(text[start:end]) or self.folded.get(text[start:end].translate(self.lower))

    def count(self, text):
        counts, low, pos = Counter(), text.translate(self.lower), 0
        while m := self.pattern.search(low, pos):
            s, e = m.span()
            tag = self._tag_at(text, s, e)
            if tag is None:
                for alias in self.by_start.get(low[s], ()):
                    if len(alias) < e - s and low.startswith(alias, s):
                        tag = self._tag_at(text, s, s + len(alias))
                        if tag:
                            e = s + len(alias)
                            break
            if tag is None:
                pos = s + 1
                continue
            counts[tag] += 1
            pos = e
        return counts


# Aliases with punctuation inside, at either end and at the start (so no leading \b),
# non-ASCII letters and punctuation, and aliases that are prefixes of others.
ODD_TAGS = TAGS + (
    TagDef("Kim", ("Kim Jong-un", "Kim Jong", "kim")),
    TagDef("Dotnet", (".NET", "c#", "c++")),
    TagDef("Ivory Coast", ("Côte d’Ivoire", "côte", "d’ivoire")),
    TagDef("Korea Inc", ("Korea Inc.", "inc.", "U.S.-Korea")),
    TagDef("Underscore", ("snake_case", "_x")),
)
ODD_PIECES = ["Kim", "kim", "KIM", "Jong", "jong", "Jong-un", "un", "-un", ".NET", ".net", "NET", "c#", "C#",
              "c++", "c", "Côte", "côte", "CÔTE", "d’Ivoire", "d’ivoire", "d'ivoire", "’", "Inc.", "inc.", "inc",
              "U.S.-Korea", "snake_case", "snake", "case", "_x", "x_", "é", "İ", "ß", "—", "“", "”", "\u00a0", "\t",
              "#", "+", "1", "٣", "_"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS + ODD_PIECES),
                          st.sampled_from([" ", "", "  ", "\n", "-", ".", ",", "’", "\u3000", "_"])), max_size=30),
       st.booleans())
def test_spaced_search_counts_what_the_previous_matcher_counted(pieces, odd):
    tags = ODD_TAGS if odd else TAGS
    text = "".join(w + sep for w, sep in pieces)
    assert build_matcher(type("C", (Config,), {"tags": tags})).count(text) == PreviousMatcher(tags).count(text)


def test_spaced_search_examples():
    matcher = build_matcher(type("C", (Config,), {"tags": ODD_TAGS}))
    text = ("Kim Jong-un met Kim Jong, not kimchi; .NET and c# (C# too) in Côte d’Ivoire, "
            "U.S.-Korea talks, snake_case and _x but not x_x.")
    assert matcher.count(text) == PreviousMatcher(ODD_TAGS).count(text)
    assert matcher.count(text) == Counter({"Kim": 2, "Dotnet": 3, "Ivory Coast": 1, "Korea Inc": 1,
                                           "Underscore": 2})
