"""What every worker process of a build or an ingest does first."""
from __future__ import annotations

import signal


def ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group; the parent reports it (once, without a
    traceback) and stops its workers, so a worker must not die printing its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
