#!/usr/bin/env python3
"""newsdigest: seeds/ -> content/ -> site/. Run `python build.py --help`."""
import os
import sys

from newsdigest.cli import main

if __name__ == "__main__":
    status = main()
    if sys.getprofile() or sys.gettrace():  # a profiler or coverage writes its report at exit
        sys.exit(status)
    # Everything is written and closed by now; skip tearing down the build's objects one
    # by one (a twentieth of a 10,000-article incremental build).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
