"""The one error type: a problem with an input file, located by path and line; and how
messages show paths and values."""
from __future__ import annotations

import os
import re
import sys

MESSAGE_LIMIT = 1000  # characters of one message: no input makes a megabyte-long line
VALUE_LIMIT = 200  # characters of a value quoted in a message (see `brief`)
# Characters that would split or garble a one-line message: control characters (a newline
# in a seed's file name), line and paragraph separators, and lone surrogates.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """Text for a one-line message: unprintable characters escaped (`\\n`, `\\x01`)."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


def brief(value) -> str:
    """A value quoted in a message: its repr, cut to VALUE_LIMIT characters."""
    text = repr(value)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + f"... ({len(text):,} characters)"


def shown(path, line: int | None = None, start=None) -> str:
    """A path as messages show it: relative to `start` (default: the working directory)
    when possible, `:line` after it when the line is known, control characters escaped
    (a newline in a file name must not split a message line)."""
    try:
        text = os.path.relpath(path, os.getcwd() if start is None else start)
    except ValueError:  # no relative way there (another drive on Windows)
        text = str(path)
    text = printable(text)
    return f"{text}:{line}" if line else text


def in_project(folder, root) -> str:
    """A folder as messages (and the caches) name the files in it: relative to the project
    (`root`, config.yaml's folder) wherever the command runs from, with its `/`:
    `content/`, `seeds/`, or whatever paths.* says."""
    return shown(folder, start=root) + "/"


class DigestError(Exception):
    """A problem in one input (seed, content file, config, layout), printed `path:line: message`."""

    def __init__(self, path, message: str, line: int | None = None):
        super().__init__(message)
        self.path = str(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        message = self.message
        if len(message) > MESSAGE_LIMIT:
            message = message[:MESSAGE_LIMIT] + f"... ({len(message):,} characters)"
        path, message = printable(self.path), printable(message)
        if self.line:
            return f"{path}:{self.line}: {message}"
        return f"{path}: {message}"

    def sort_key(self):
        return (self.path, self.line or 0, self.message)

    def __reduce__(self):
        # Worker processes send these back pickled; Exception's default would call
        # __init__ with the message alone.
        return (type(self), (self.path, self.message, self.line))


def print_errors(errors, file=None) -> None:
    """Print each problem on a line of its own, `path[:line]: message`: the one printer of
    problems (the build's go to stderr, the default; `check` prints its report on stdout)."""
    stream = sys.stderr if file is None else file
    for e in errors:
        print(e, file=stream)
    stream.flush()  # (serve prints between requests: each problem shows as it is found)


class Rejected(Exception):
    """A stage found problems; every one of them is listed, none is fatal on its own."""

    def __init__(self, errors: list[DigestError], exit_code: int = 1):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = sorted(errors, key=DigestError.sort_key)
        self.exit_code = exit_code

    def __reduce__(self):  # sent back from a forked ingest (workflow.run)
        return (Rejected, (self.errors, self.exit_code))
