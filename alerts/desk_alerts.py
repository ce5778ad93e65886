"""Alerts on the care desk: a `desk_alerts` table in the desk's own store, beside its queues.

The desk store is SQLAlchemy Core on SQLite or PostgreSQL (routing/desk.py); this table
lives there too, so the desk's alerts page reads it without opening the warehouse, and a
lead's acknowledgement is a transaction like any desk action. The table is defined here,
not in routing/desk.py, because alerts are not queue items: nobody claims or resolves
them, a lead reads them and says "seen".

The alert id is unique, so notifying the desk twice (a retry after a crash between the
insert and recording it as sent) leaves one row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from carewire.alerts.detect import Alert
from carewire.routing.desk import DeskError, JsonText, UtcDateTime

metadata = sa.MetaData()

desk_alerts = sa.Table(
    "desk_alerts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String, nullable=False, unique=True),
    sa.Column("fired_at", UtcDateTime, nullable=False),
    sa.Column("hour_start", UtcDateTime, nullable=False, index=True),  # the hour that rose
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("data", JsonText, nullable=False),
    sa.Column("acknowledged_by", sa.String),
    sa.Column("acknowledged_at", UtcDateTime),
)


def create_table(engine: sa.Engine) -> None:
    """Create `desk_alerts` when missing. Two processes racing to create it is harmless:
    the loser's "already exists" is taken as done once the table is there."""
    try:
        metadata.create_all(engine)
    except sa.exc.DBAPIError:
        if not sa.inspect(engine).has_table(desk_alerts.name):
            raise


def add(engine: sa.Engine, alert: Alert, fired_at: datetime) -> bool:
    """Put the alert on the desk; False when it is there already."""
    data = {"metric": alert.metric, "brand": alert.brand, "source": alert.source,
            "topic": alert.topic, "hour_start": alert.hour_start, "count": alert.count,
            "baseline_median": alert.baseline_median, "baseline_mad": alert.baseline_mad,
            "baseline_weeks": alert.baseline_weeks, "baseline_spread": alert.baseline_spread,
            "threshold": alert.threshold,
            "score": alert.score, "top_clusters": list(alert.top_clusters),
            "examples": list(alert.examples)}
    try:
        with engine.begin() as conn:
            conn.execute(desk_alerts.insert().values(
                alert_id=alert.alert_id, fired_at=fired_at, hour_start=alert.hour_start,
                title=alert.title,
                explanation=alert.explanation, data=data))
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
