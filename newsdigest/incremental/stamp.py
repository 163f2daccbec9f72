"""The input stamp: size, mtime and inode of every input and the options. A build whose
stamp equals the last good build's (and whose "now" is still inside that build's
validity window) stops right after checking it.
"""
from __future__ import annotations

import json
import pickle

from ..config import Config
from ..files import discarded, sha1_hex
from .store import CACHE_VERSION, cache_file, write_cache_file


def input_stamp(config: Config, content: dict, layouts: dict, drafts: bool, future: bool) -> str:
    """Everything a build reads, by stat: equal stamps mean equal inputs (as make assumes)."""
    key = (CACHE_VERSION, config.digest, str(config.output_dir), drafts, future,
           sorted(content.items()), sorted(layouts.items()))
    # pickle: a tenth of repr's time for 10,000 entries, and unlike marshal its bytes do
    # not depend on reference counts or interning
    return sha1_hex(pickle.dumps(key, protocol=5))


STAMP_FIELDS = {"stamp": str, "articles": int, "tags": int, "pages": int, "valid_from": (int, float),
                "valid_until": (int, float)}


def stamp_check(fields: dict) -> str:
    """A hash over the stamp's fields, stored in it: a damaged or hand-made stamp.json is
    discarded instead of trusted (it would stop a build early, or report wrong counts)."""
    return sha1_hex(json.dumps({k: v for k, v in fields.items() if k != "check"}, sort_keys=True).encode())


def read_stamp(config: Config, notices: list) -> dict:
    path = cache_file(config, "stamp.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return {}
    except ValueError:
        data = None
    if (isinstance(data, dict) and all(isinstance(data.get(k), t) for k, t in STAMP_FIELDS.items())
            and data.get("check") == stamp_check(data)):
        return data
    notices.append(discarded(path))
    return {}


def stamp_holds(last: dict, stamp: str, now: float) -> bool:
    """The last build's stamp is this build's, and `now` is inside its validity window."""
    return last.get("stamp") == stamp and last.get("valid_from", 1e18) <= now < last.get("valid_until", 0)


def write_stamp(config: Config, fields: dict) -> None:
    write_cache_file(config, "stamp.json", json.dumps(dict(fields, check=stamp_check(fields))).encode())
