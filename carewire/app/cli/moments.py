"""Reading the times given on the command line: --since and --until.

A moment is a date or time (UTC when it names no zone); --since also takes a span back
from now ('30d', '12h', '2w'), so `--since 7d` needs no date arithmetic by hand. A value
that is neither is a usage error naming the option, as argparse reported it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from carewire.app.cli import clock


def moment(text: str) -> datetime:
    """'2026-11-01' or '2026-11-01T12:00' (UTC if no zone) as an aware datetime."""
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date or time like 2026-11-01 or "
                         "2026-11-01T12:00") from None
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def since(text: str) -> datetime:
    """'30d', '12h', '2w' back from now, or a date or time."""
    from carewire.routing.policy import parse_duration

    delta = parse_duration(text)
    if isinstance(delta, timedelta):
        return clock.now() - delta
    return moment(text)
