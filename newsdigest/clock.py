"""What "now" is for a run: SOURCE_DATE_EPOCH when it is set, else the clock."""
from __future__ import annotations

import os
from datetime import datetime, timezone


def now_from_env() -> datetime | None:
    """SOURCE_DATE_EPOCH, when set, stands in for the clock (reproducible builds, tests);
    None: use the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else None
