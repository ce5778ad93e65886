"""Alerts on the care desk: the `desk_alerts` table (desk/schema.py) in the desk's own
store, beside its queues, so the alerts page reads it without opening the warehouse, and a
lead's acknowledgement is a transaction like any desk action. Alerts are not queue items:
nobody claims or resolves them, a lead reads them and says "seen".

The alert id is unique, so notifying the desk twice (a retry after a crash between the
insert and recording it as sent) leaves one row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from carewire.desk.schema import desk_alerts
from carewire.desk.store import DeskError


def add(engine: sa.Engine, *, alert_id: str, fired_at: datetime, hour_start: datetime,
        title: str, explanation: str, data: dict[str, Any]) -> bool:
    """Put the alert on the desk; False when it is there already."""
    try:
        with engine.begin() as conn:
            conn.execute(desk_alerts.insert().values(
                alert_id=alert_id, fired_at=fired_at, hour_start=hour_start, title=title,
                explanation=explanation, data=data))
    except IntegrityError:
        return False
    return True


def recent(engine: sa.Engine, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """A page of alerts, the newest hour first, as plain rows."""
    query = (sa.select(desk_alerts)
             .order_by(desk_alerts.c.hour_start.desc(), desk_alerts.c.id.desc())
             .limit(limit).offset(offset))
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def acknowledge(engine: sa.Engine, alert_id: str, who: str, at: datetime) -> bool:
    """Mark the alert seen by `who`; False when someone had already acknowledged it (the
    first acknowledgement stands)."""
    with engine.begin() as conn:
        if conn.scalar(sa.select(desk_alerts.c.id)
                       .where(desk_alerts.c.alert_id == alert_id)) is None:
            raise DeskError(f"there is no alert {alert_id} on the desk: reload the alerts "
                            "page")
        done = conn.execute(desk_alerts.update()
                            .where(desk_alerts.c.alert_id == alert_id,
                                   desk_alerts.c.acknowledged_by.is_(None))
                            .values(acknowledged_by=who, acknowledged_at=at)).rowcount
    return done == 1
