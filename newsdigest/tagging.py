"""Tags from the vocabulary in config.yaml, matched as whole words."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .config import Config


@dataclass(frozen=True)
class TagMatcher:
    """One alternation of every alias, compiled once. Capitalised aliases match
    case-sensitively (proper nouns: `U.S.` is not `us`), lower-case ones in any case.
    One pass, longest alias first, so "Constitutional Court" is one hit, not also "court"."""

    pattern: re.Pattern | None
    exact: dict  # alias as written -> tag name
    folded: dict  # lower-cased alias -> tag name
    title_hits: int
    body_hits: int
    max_tags: int

    def count(self, text: str) -> Counter:
        counts: Counter = Counter()
        if self.pattern:
            for m in self.pattern.finditer(text):
                word = m.group(0)
                counts[self.exact.get(word) or self.folded[word.lower()]] += 1
        return counts

    def assign(self, title: str, paragraphs) -> tuple[str, ...]:
        """Tags whose alias is in the title, or in the body often enough; strongest first.

        Strength is body mentions plus one for the title: a headline repeating a word
        says no more than naming it once.
        """
        in_title = self.count(title)
        in_body = self.count("\n".join(paragraphs))
        chosen = [t for t in set(in_title) | set(in_body)
                  if in_title[t] >= self.title_hits or in_body[t] >= self.body_hits]
        strength = {t: (in_title[t] > 0) + in_body[t] for t in chosen}
        chosen.sort(key=lambda t: (-(in_title[t] >= self.title_hits), -strength[t], t))
        return tuple(chosen[: self.max_tags])


def build_matcher(config: Config) -> TagMatcher:
    exact, folded = {}, {}
    for tag in config.tags:
        for alias in tag.aliases:
            if alias == alias.lower():
                folded[alias] = tag.name
            else:
                exact[alias] = tag.name
    pattern = None
    if exact or folded:
        # Longest first, so "South Korea" wins over "Korea" at the same position.
        ordered = sorted([(a, False) for a in exact] + [(a, True) for a in folded], key=lambda x: (-len(x[0]), x[0]))
        body = "|".join(f"(?i:{re.escape(a)})" if fold else re.escape(a) for a, fold in ordered)
        pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)")
    return TagMatcher(pattern, exact, folded, config.title_hits, config.body_hits, config.max_tags)
