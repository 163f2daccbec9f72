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
