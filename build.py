#!/usr/bin/env python3
"""newsdigest: seeds/ -> content/ -> site/. Run `python build.py --help`."""
import sys

from newsdigest.cli import main

if __name__ == "__main__":
    sys.exit(main())
