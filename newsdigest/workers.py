"""What every worker process of a build or an ingest does first."""
from __future__ import annotations

import signal


def reset_signals() -> None:
    """Signals in a forked worker are the worker's own.

    Ctrl-C reaches the whole process group: the parent reports it (once, without a
    traceback) and stops its workers, so a worker ignores it. And a worker forked from
    `serve` inherits the event loop's signal set-up: without this, the SIGTERM that
    ends an idle worker would do nothing in the worker (which then never exits) and be
    written to the wakeup pipe it shares with the server, stopping the server."""
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:  # not the main thread: nothing was inherited there
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
