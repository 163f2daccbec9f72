"""Tags from the vocabulary in config.yaml, matched as whole words."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .config import Config


@dataclass(frozen=True)
class TagMatcher:
    """Two alternations compiled once: capitalised aliases match case-sensitively
    (proper nouns, `U.S.` is not `us`), lower-case aliases match in any case."""

    exact: re.Pattern | None
    folded: re.Pattern | None
    alias_to_tag: dict  # alias (as written, or lower-cased for folded) -> tag name
    title_hits: int
    body_hits: int
    max_tags: int

    def count(self, text: str) -> Counter:
        counts: Counter = Counter()
        if self.exact:
            for m in self.exact.finditer(text):
                counts[self.alias_to_tag[m.group(0)]] += 1
        if self.folded:
            for m in self.folded.finditer(text):
                counts[self.alias_to_tag[m.group(0).lower()]] += 1
        return counts

    def assign(self, title: str, paragraphs) -> tuple[str, ...]:
        """Tags whose alias is in the title, or in the body often enough; strongest first."""
        in_title = self.count(title)
        in_body = self.count("\n".join(paragraphs))
        chosen = [t for t in set(in_title) | set(in_body)
                  if in_title[t] >= self.title_hits or in_body[t] >= self.body_hits]
        chosen.sort(key=lambda t: (-(in_title[t] > 0), -(in_title[t] + in_body[t]), t))
        return tuple(chosen[: self.max_tags])


def _alternation(aliases, flags) -> re.Pattern | None:
    if not aliases:
        return None
    # Longest first, so "South Korea" wins over "Korea" at the same position.
    body = "|".join(re.escape(a) for a in sorted(aliases, key=lambda a: (-len(a), a)))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)


def build_matcher(config: Config) -> TagMatcher:
    alias_to_tag = {}
    exact, folded = [], []
    for tag in config.tags:
        for alias in tag.aliases:
            if alias == alias.lower():
                folded.append(alias)
                alias_to_tag[alias.lower()] = tag.name
            else:
                exact.append(alias)
                alias_to_tag[alias] = tag.name
    return TagMatcher(_alternation(exact, 0), _alternation(folded, re.IGNORECASE), alias_to_tag,
                      config.title_hits, config.body_hits, config.max_tags)
