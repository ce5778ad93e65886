"""Parquet exports of the analyst-facing layers, for tools that do not speak DuckDB.

Written from the snapshot (never the writer's file) after each publish: one file per
table or view the registry marks `exported` (warehouse/tables.py: the `core__` tables and
`out__` views), each written beside its final name and renamed over it, so a reader sees
the old file or the new one, never half of one. Raw layers are not exported: they hold
whole HTTP bodies and are for replay, not analysis. Nor are the embeddings: 384 floats a
mention are for the pipeline (dedupe, expert routing), and an analyst who needs them
queries the snapshot.
"""

from __future__ import annotations

import os
from pathlib import Path

from carewire.warehouse.db import connect
from carewire.warehouse.tables import exported


def export_parquet(snapshot: Path, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with connect(snapshot, read_only=True) as con:
        for name in exported():
            final = directory / f"{name}.parquet"
            partial = directory / f".{name}.parquet.partial"
            target = str(partial).replace("'", "''")  # COPY takes no bound parameter here
            con.execute(f"COPY (SELECT * FROM {name}) TO '{target}' (FORMAT parquet)")
            os.replace(partial, final)
            written.append(final)
    for stale in set(directory.glob("*.parquet")) - set(written):
        stale.unlink()  # a table dropped by a migration is not exported any more
    return written
