"""Retention: raw payloads older than `retention.raw_days` are removed; core rows stay.

What goes, per landing batch whose data interval ended before the cutoff: its
`raw__pages` (HTTP bodies) and `raw__items` (the platform's records) rows, the payload
bytes of its quarantined records (the quarantine row stays, with its reason, so the counts
and reasons remain), and the batch file, but only a file the warehouse loaded as it is
(its batch id in `raw__landing_batches` with the same checksum): a file never loaded, or
changed since (an ingest rerun landed it again), is kept until a load has read it.
`raw__landing_batches` keeps the batch's row and checksum, and `audit__retention` records
what was purged and when.

Why loading stays safe: the load reads batch files, and a purged batch has none, so it is
neither loaded as empty nor able to touch the core rows it once upserted (a load never
deletes core rows anyway). Should an ingest rerun of that old interval land it again, it
is loaded like any batch and purged again on the next run.

The cutoff counts back from the run's own time (the DAG's data interval end), not the
wall clock, so a rerun of one day's maintenance purges the same batches.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb

from carewire.core.settings import Settings
from carewire.connectors.landing import LandingZone
from carewire.warehouse.db import affected, transaction
from carewire.warehouse.keyed import put, values
from carewire.warehouse.load import file_sha256


def purge(con: duckdb.DuckDBPyConnection, settings: Settings, landing: LandingZone,
          now: datetime) -> dict[str, Any]:
    days = settings.retention.raw_days
    if days is None:
        return {"enabled": False}
    cutoff = now - timedelta(days=days)
    old = {b.batch_id: b for b in landing.batches() if b.interval.end < cutoff}
    loaded = dict(con.execute("SELECT batch_id, sha256 FROM raw__landing_batches "
                              "WHERE interval_end < ?", [cutoff]).fetchall())
    files = {batch_id: batch for batch_id, batch in old.items()
             if loaded.get(batch_id) == file_sha256(batch.path)}
    held = con.execute("""
        SELECT b.batch_id, b.source, b.stream, b.interval_end
        FROM raw__landing_batches b
        WHERE b.interval_end < ?
          AND (EXISTS (SELECT 1 FROM raw__pages p WHERE p.batch_id = b.batch_id)
               OR EXISTS (SELECT 1 FROM raw__items i WHERE i.batch_id = b.batch_id)
               OR EXISTS (SELECT 1 FROM raw__quarantine q
                          WHERE q.batch_id = b.batch_id AND octet_length(q.payload) > 0))
        """, [cutoff]).fetchall()
    due = {batch_id: (source, stream, end) for batch_id, source, stream, end in held}
    for batch_id, batch in files.items():
        due.setdefault(batch_id, (batch.source, batch.stream, batch.interval.end))
    purged = []
    for batch_id, (source, stream, end) in sorted(due.items()):
        with transaction(con):
            pages = affected(con, "DELETE FROM raw__pages WHERE batch_id = ?", [batch_id])
            items = affected(con, "DELETE FROM raw__items WHERE batch_id = ?", [batch_id])
            payloads = affected(con, "UPDATE raw__quarantine SET payload = ''::BLOB "
                                     "WHERE batch_id = ? AND octet_length(payload) > 0",
                                [batch_id])
            put(con, "audit__retention", values(10), [batch_id, source, stream, end, now, days,
                                     batch_id in files, pages, items, payloads])
        if batch_id in files:  # after the commit: a crash in between purges it again
            files[batch_id].path.unlink(missing_ok=True)
        purged.append(batch_id)
    return {"enabled": True, "raw_days": days, "cutoff": cutoff.isoformat(),
            "batches_purged": len(purged), "landing_files_deleted": len(files),
            "landing_files_kept_unloaded": len(old) - len(files)}
