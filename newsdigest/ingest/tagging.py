"""Tags from the vocabulary in config.yaml, matched as whole words."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..config import Config


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what re's \w is


_NON_WORD = re.compile(r"[^\w ]")  # (a space is already one)
_ASCII_NON_WORD_TO_SPACE = str.maketrans({chr(i): " " for i in range(128) if not _is_word_char(chr(i))})


def _spaced(text: str) -> str:
    """`text` with every non-word character a space (the same length)."""
    return text.translate(_ASCII_NON_WORD_TO_SPACE) if text.isascii() else _NON_WORD.sub(" ", text)


@dataclass(frozen=True)
class TagMatcher:
    """Every alias in one prefix trie, compiled once, searched for in a copy of the text
    whose non-word characters are all spaces.

    Capitalised aliases match case-sensitively (proper nouns: `U.S.` is not `us`),
    lower-case ones in any case (ASCII case: the text is lower-cased with
    _ASCII_LOWER). One pass, longest alias first, so "Constitutional Court" is one hit,
    not also "court". Whole words: the boundaries are checked here rather than with
    lookarounds, and a trie rather than an alternation keeps Python's re from trying 200
    aliases at every character. In the spaced copy (see _spaced) a word starts after a
    space, and the pattern begins with that space: re then jumps from space to space at C
    speed instead of trying each character (half the time of a leading \b).
    """

    pattern: re.Pattern | None  # " " + the trie of the aliases, spaced
    exact: dict  # alias as written -> tag name
    folded: dict  # lower-cased alias -> tag name
    by_start: dict  # first character (lowered) -> lowered aliases, longest first
    title_hits: int
    body_hits: int
    max_tags: int

    def _tag_at(self, text: str, start: int, end: int) -> str | None:
        if (start and _is_word_char(text[start - 1])) or (end < len(text) and _is_word_char(text[end])):
            return None
        word = text[start:end]
        return self.exact.get(word) or self.folded.get(word.translate(_ASCII_LOWER))

    def count(self, text: str) -> Counter:
        counts: Counter = Counter()
        if not self.pattern:
            return counts
        # str.lower is ASCII lower-casing on an ASCII string, and 5 times faster.
        low = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)  # offsets agree
        # Index i of `spaced` is the character before low[i]: a space where a word may start.
        spaced = " " + _spaced(low)
        pos = 0
        while m := self.pattern.search(spaced, pos):
            # The spaced alias found is the longest alias that can match here: try it, then
            # the shorter ones (an alias spaced can stand for text that is not that alias).
            s, e = m.start(), m.end() - 1
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


def _trie(aliases) -> str:
    """A regular expression for a set of strings, factored by common prefixes; optional
    tails are greedy, so the longest alias at a position wins ("south korea" over "south")."""
    trie: dict = {}
    for alias in aliases:
        node = trie
        for ch in alias:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def build_matcher(config: Config) -> TagMatcher:
    exact, folded = {}, {}
    for tag in config.tags:
        for alias in tag.aliases:
            if alias == alias.lower():
                folded[alias.translate(_ASCII_LOWER)] = tag.name
            else:
                exact[alias] = tag.name
    lowered = sorted({a.translate(_ASCII_LOWER) for a in exact} | set(folded), key=lambda a: (-len(a), a))
    by_start: dict = {}
    for alias in lowered:
        by_start.setdefault(alias[0], []).append(alias)
    pattern = re.compile(" " + _trie(sorted({_spaced(a) for a in lowered}))) if lowered else None
    return TagMatcher(pattern, exact, folded, by_start, config.title_hits, config.body_hits, config.max_tags)
