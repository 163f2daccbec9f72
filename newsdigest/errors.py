"""The one error type: a problem with an input file, located by path and line."""
from __future__ import annotations


class DigestError(Exception):
    """A problem in one input (seed, content file, config, layout), printed `path:line: message`."""

    def __init__(self, path, message: str, line: int | None = None):
        super().__init__(message)
        self.path = str(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}"

    def sort_key(self):
        return (self.path, self.line or 0, self.message)

    def __reduce__(self):
        # Worker processes send these back pickled; Exception's default would call
        # __init__ with the message alone.
        return (type(self), (self.path, self.message, self.line))


class Rejected(Exception):
    """A stage found problems; every one of them is listed, none is fatal on its own."""

    def __init__(self, errors: list[DigestError], exit_code: int = 1):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = sorted(errors, key=DigestError.sort_key)
        self.exit_code = exit_code

    def __reduce__(self):  # sent back from a forked ingest (cli.run_all)
        return (Rejected, (self.errors, self.exit_code))
