"""What the maintenance DAG and `carewire maintenance run` do, in order:

1. apply every queued request (erasures, platform deletions from a file), oldest first;
2. erase what the platforms reported deleted: mentions the warehouse marks `is_deleted`
   (a tweet X no longer finds, a Reddit post removed), one platform_deletion per source;
3. purge raw payloads past `retention.raw_days`;
4. publish the snapshot and the Parquet exports, so no trace stays there either.

Each request is applied whole (landing, warehouse, desk, audit row) before the next, and
leaves the queue only then; a failure leaves it queued for the next run, and every step of
an erasure can be repeated.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

from carewire.errors import CarewireError
from carewire.settings import Settings
from maintenance import audit, requests
from maintenance.requests import ErasureRequest


class MaintenanceError(CarewireError):
    """A request that could not be applied in full; it stays queued."""


def moment(value: datetime | None) -> datetime:
    """A plain aware UTC datetime from Airflow's (pendulum) interval end; now when a manual
    run has none."""
    if value is None:
        return datetime.now(timezone.utc)
    return datetime.fromtimestamp(value.timestamp(), tz=timezone.utc)


def apply(settings: Settings, request: ErasureRequest) -> dict[str, Any]:
    """Erase one request everywhere but the snapshot (see `run`, which publishes)."""
    from carewire.pipeline import landing_zone
    from maintenance.erase import erase_desk, erase_warehouse, resolve
    from maintenance.redact import redact_landing
    from routing.desk import Desk
    from warehouse.db import connect

    landing = landing_zone(settings)
    with Desk(settings.desk_url) as desk, connect(settings.warehouse) as con:
        target = resolve(con, desk.engine, request)
        redacted = redact_landing(landing, target)
        if redacted.raced:
            raise MaintenanceError(
                f"erasure {request.request_id}: an ingest replaced {', '.join(redacted.raced)} "
                "while it was being redacted; the request stays queued and the next "
                "maintenance run redacts the new file")
        removed = Counter({"landing:records": redacted.records,
                           "landing:pages": redacted.pages,
                           "landing:batch files": len(redacted.batches),
                           "landing:state files": redacted.state_files})
        for name, count in erase_warehouse(con, settings, target, landing,
                                           redacted.batches).items():
            removed[f"warehouse:{name}"] = count
        for name, count in erase_desk(desk.engine, con, target).items():
            removed[f"desk:{name}"] = count
        row = audit.record(con, settings, request, target, +removed,
                           datetime.now(timezone.utc))
    requests.done(settings, request.request_id)
    return row


def platform_deletions(settings: Settings, now: datetime) -> list[ErasureRequest]:
    """One platform_deletion per source whose mentions the warehouse marks deleted."""
    from warehouse.db import connect

    with connect(settings.warehouse) as con:
        found = con.execute("SELECT source, list(source_id ORDER BY source_id) "
                            "FROM core__mentions WHERE is_deleted GROUP BY source "
                            "ORDER BY source").fetchall()
    return [ErasureRequest("platform_deletion", source, "deleted on the platform", now,
                           source_ids=tuple(ids)) for source, ids in found]


def erase_all(settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """Apply the queued requests, then the platform deletions the warehouse knows of."""
    applied = [apply(settings, request) for request in requests.pending(settings)]
    applied += [apply(settings, request) for request in platform_deletions(settings, now)]
    return [{k: row[k] for k in ("request_id", "kind", "source", "mentions")}
            for row in applied]


def retention(settings: Settings, now: datetime) -> dict[str, Any]:
    from carewire.pipeline import landing_zone
    from maintenance.retention import purge
    from warehouse.db import connect

    with connect(settings.warehouse) as con:
        return purge(con, settings, landing_zone(settings), now)


def run(settings: Settings, now: datetime) -> dict[str, Any]:
    """Everything the maintenance DAG does, in one call (`carewire maintenance run`)."""
    from carewire import pipeline

    pipeline.migrate(settings)
    erased = erase_all(settings, now)
    purged = retention(settings, now)
    return {"erasures": erased, "retention": purged,
            "snapshot": str(pipeline.publish(settings))}
