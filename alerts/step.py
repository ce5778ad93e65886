"""The alerts step of the process DAG: judge the recent hours, store what fired, notify.

Each run re-judges every complete hour of the last `alerts.lookback` (a day by default),
not just the hour since the previous run: mentions arrive late (a platform's search lags,
an ingest run is retried), and an hour judged too early would never be judged again. The
alert id makes this free: a spike found again is the same alert, stored and sent once.
No watermark is kept, so a rerun of any run does exactly what the first did; after an
outage longer than the lookback, `carewire alerts detect --since 3d` covers the gap.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

import duckdb
import sqlalchemy as sa

from carewire.alerts.detect import detect
from carewire.alerts.notify import send_pending
from carewire.alerts.store import save
from carewire.core.settings import Settings
from carewire.core.types import Credentials, utc


def run(con: duckdb.DuckDBPyConnection, settings: Settings,
        credentials: Mapping[str, Credentials], desk_engine: sa.Engine, now: datetime,
        since: datetime | None = None) -> dict[str, Any]:
    """Judge the complete hours in [since, now) (default: the lookback), store the new
    alerts and send every pending notification, old ones included."""
    now = utc(now)
    found = detect(con, since or now - settings.alerts.lookback, now, settings.alerts)
    new = save(con, found.alerts, now, settings.alerts.destinations)
    notified = send_pending(con, settings, credentials, desk_engine, now)
    return {"window": [found.since.isoformat(), found.until.isoformat()],
            "series_hours_judged": found.judged,
            "not_enough_history": found.not_enough_history,
            "series_without_history": found.series_without_history[:20],
            "fired": len(found.alerts), "new_alerts": new, "notifications": notified}
