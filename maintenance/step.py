"""What the maintenance DAG and `carewire maintenance run` do, in order:

1. apply every queued request (erasures, platform deletions from a file), oldest first;
2. erase what the platforms reported deleted: mentions the warehouse marks `is_deleted`
   (a tweet X no longer finds, a Reddit post removed), one platform_deletion per source;
3. purge raw payloads past `retention.raw_days`;
4. compact the warehouse if anything was erased or purged (maintenance/compact.py: DuckDB
   keeps freed bytes in the file, and the snapshot is a byte copy of it);
5. publish the snapshot and the Parquet exports, so no trace stays there either.

Each request is applied whole (landing, warehouse, desk, audit row) before the next, and
leaves the queue only then; a failure leaves it queued for the next run, and every step of
an erasure can be repeated. The warehouse is held (DuckDB's one writer) twice per request,
briefly to resolve what it erases and then for the warehouse and desk part; the landing
zone is redacted in between, without it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from carewire.core.errors import CarewireError
from carewire.core.settings import Settings
from carewire.maintenance import audit, requests
from carewire.maintenance.requests import ErasureRequest


class MaintenanceError(CarewireError):
    """A request that could not be applied in full; it stays queued."""


def moment(value: datetime | None) -> datetime:
    """A plain aware UTC datetime from Airflow's (pendulum) interval end; now when a manual
    run has none."""
    if value is None:
        return datetime.now(timezone.utc)
    return datetime.fromtimestamp(value.timestamp(), tz=timezone.utc)


def apply(settings: Settings, request: ErasureRequest) -> dict[str, Any]:
    """Erase one request everywhere but the snapshot (see `run`, which compacts and
    publishes)."""
    from carewire.connectors.landing import LandingZone
    from carewire.maintenance.compact import compact_desk, mark
    from carewire.maintenance.erase import erase_desk, erase_warehouse, resolve
    from carewire.maintenance.redact import redact_landing, redact_state
    from carewire.desk.store import Desk
    from carewire.warehouse.db import connect

    landing = LandingZone.of(settings)
    with connect(settings.warehouse) as con:
        _check_desk(settings, con)
    mark(settings)  # before anything changes: a failure later still compacts next run
    with Desk(settings.desk_url) as desk:
        with connect(settings.warehouse) as con:
            target = resolve(con, desk.engine, request)
        # The landing zone is redacted without the warehouse open: the process DAG may
        # take it meanwhile (and load what is already redacted).
        redacted = redact_landing(landing, target)
        if redacted.raced:
            raise MaintenanceError(
                f"erasure {request.request_id}: an ingest replaced {', '.join(redacted.raced)} "
                "while it was being redacted; the request stays queued and the next "
                "maintenance run redacts the new file")
        removed = Counter({"landing:records": redacted.records,
                           "landing:pages": redacted.pages,
                           "landing:batch files": len(redacted.batches),
                           "landing:state files": redacted.state_files,
                           "ingest state:documents": redact_state(settings.ingest_state_url,
                                                                  target)})
        with connect(settings.warehouse) as con:
            for name, count in erase_warehouse(con, settings, target, landing,
                                               redacted.batches).items():
                removed[f"warehouse:{name}"] = count
            for name, count in erase_desk(desk.engine, con, target).items():
                removed[f"desk:{name}"] = count
            row = audit.record(con, settings, request, target, +removed,
                               datetime.now(timezone.utc))
        compact_desk(desk.engine)
    requests.done(settings, request.request_id)
    return row


def _check_desk(settings: Settings, con) -> None:
    """Refuse to erase from a desk store that was never this deployment's desk: a shell
    without the scale-out's desk URL opens an empty SQLite file instead, and the request
    would leave the queue with the real desk untouched."""
    import sqlalchemy as sa

    delivered = con.execute("SELECT count(*) FROM core__deliveries "
                            "WHERE destination = 'desk'").fetchone()[0]
    if not delivered:
        return
    url = sa.make_url(settings.desk_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        has_items = False
    else:
        engine = sa.create_engine(url)
        try:
            has_items = sa.inspect(engine).has_table("desk_items")
        except sa.exc.DBAPIError as exc:
            raise MaintenanceError(f"cannot open the desk store to erase from it: "
                                   f"{str(exc.orig).strip()}; the request stays queued"
                                   ) from exc
        finally:
            engine.dispose()
    if not has_items:
        raise MaintenanceError(
            f"the desk store ({url.render_as_string()}) has no "
            f"desk_items table, but the warehouse delivered {delivered} items to a desk: "
            "this is not the deployment's desk. Set CAREWIRE_ROUTING__DESK_URL to it (in a "
            "scale-out shell: set -a; . deploy/scaleout.env; set +a) and run again; the "
            "request stays queued")


def platform_deletions(settings: Settings, now: datetime) -> list[ErasureRequest]:
    """One platform_deletion per source whose mentions the warehouse marks deleted."""
    from carewire.warehouse.db import connect

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
    from carewire.connectors.landing import LandingZone
    from carewire.maintenance.compact import mark
    from carewire.maintenance.retention import purge
    from carewire.warehouse.db import connect

    with connect(settings.warehouse) as con:
        purged = purge(con, settings, LandingZone.of(settings), now)
    if purged.get("batches_purged"):
        mark(settings)
    return purged


def compact(settings: Settings) -> bool:
    """Compact the warehouse if an erasure or purge left freed bytes in it (before the
    snapshot copies it)."""
    from carewire.maintenance.compact import compact_if_pending

    return compact_if_pending(settings)

