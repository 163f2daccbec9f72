"""Articles parsed by ingest for the build that follows it in the same run.

Ingest's workers have the exact text of every content file they make: they parse it
there (`stored_article`, the build's own parse of a content file), in parallel, and the
ingest process puts each result in a `Handover`, an unnamed file in the cache folder
(O_TMPFILE: nothing is left behind, whatever stops the run) opened before ingest starts,
so that a forked ingest and the build share it. The build then takes a file's Facts and
stored Article from there instead of reading and parsing the file again, when the file is
as ingest wrote it (its stat is the one ingest listed: see content.read_sources); any
other file is parsed as usual. The Article is stored under the hash of the bytes it was
parsed from, as the build's own parse stores it (store.ArticleStore).
"""
from __future__ import annotations

import os
import pickle

from ..config import Config
from ..files import write_all


def stored_article(source, config: Config) -> tuple:
    """(Facts, the Article as the store keeps it) of a content file (a content.Source
    with its text): what the build keeps of each file it parses. Raises DigestError."""
    from ..collect import article_facts
    from ..content import parse_article
    from .store import article_blob
    article = parse_article(source, config)
    return article_facts(article), article_blob(article)


class Handover:
    """An unnamed file of (stored Article, pickled Facts) entries, appended by the ingest
    process and read by the build: `add` returns where an entry is, `take` reads it back."""

    def __init__(self, config: Config, fd: int):
        self.config = config  # what the workers parse with: the build's
        self.fd = fd

    @classmethod
    def open(cls, config: Config) -> Handover | None:
        """A new empty hand-over in the cache folder, or None where the system has no
        unnamed files (then the build parses every file itself)."""
        try:
            config.cache_dir.mkdir(parents=True, exist_ok=True)
            return cls(config, os.open(config.cache_dir, os.O_TMPFILE | os.O_RDWR, 0o600))
        except (OSError, AttributeError):  # no O_TMPFILE here, or a folder we cannot write
            return None

    def add(self, blob: bytes, facts: bytes) -> tuple[int, int, int]:
        """Append one entry: (offset, length of the Article's pickle, length of the Facts')."""
        offset = os.lseek(self.fd, 0, os.SEEK_END)
        write_all(self.fd, blob + facts)
        return offset, len(blob), len(facts)

    def take(self, entry: tuple[int, int, int]) -> tuple[tuple, bytes] | None:
        """(the Facts as a tuple, the stored Article) of an entry, or None if it cannot be
        read back whole (the build then parses the file)."""
        offset, blob_length, facts_length = entry
        try:
            data = os.pread(self.fd, blob_length + facts_length, offset)
            if len(data) != blob_length + facts_length:
                return None
            return pickle.loads(data[blob_length:]), data[:blob_length]
        except (OSError, pickle.UnpicklingError, EOFError):
            return None

    def close(self) -> None:
        os.close(self.fd)


def facts_bytes(facts) -> bytes:
    """A Facts as an entry keeps it: a plain tuple (the build makes its Facts again)."""
    return pickle.dumps(tuple(facts), protocol=pickle.HIGHEST_PROTOCOL)
