"""The command line's one reading of the wall clock.

Every command that needs "now" (the end of a default window, a rerun's timestamp, a
session's age) asks `now()`, so a test, or a run with the clock moved, changes it in one
place and every command sees the same time.
"""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(timezone.utc)
