"""Parquet exports of the analyst-facing layers, for tools that do not speak DuckDB.

Written from the snapshot (never the writer's file) after each publish: one file per
table or view the registry marks `exported` (warehouse/tables.py: the `core__` tables,
the `out__` views and the `meta__` dictionary and freshness row), all into a new folder
that `exports` is then switched to in one rename, so a reader sees the old set or the new
one, never half of each. Raw layers are not exported: they hold whole HTTP bodies and are
for replay, not analysis. Nor are the embeddings: 384 floats a mention are for the
pipeline (dedupe, expert routing), and an analyst who needs them queries the snapshot.

Each file carries the data dictionary: every field's `description` (and the table's
grain and key) as Parquet/Arrow field and schema metadata, so pandas, Polars or a BI tool
reading the file alone can say what a column means. Timestamps are written as UTC
instants (`timestamp[us, tz=UTC]`) whatever the exporting machine's zone. `manifest.json`
beside the files names the snapshot they came from (its `meta__snapshot` row) and, per
file, its rows, bytes, SHA-256 and declared columns: a reader checks that it holds one
consistent set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from carewire.core.files import PRIVATE_DIR, dir_mode, file_mode, private_dir
from carewire.warehouse.db import connect, records
from carewire.warehouse.tables import exported, registered

MANIFEST = "manifest.json"
BATCH_ROWS = 100_000


def export_parquet(snapshot: Path, directory: Path, *,
                   share_with_group: bool = False) -> list[Path]:
    """Write every exported table and view and the manifest into a new folder beside
    `directory`, then point `directory` (a symbolic link) at it in one rename: a reader
    sees the whole old set or the whole new one, never half of each. Folders of earlier or
    killed publishes are removed; a real folder left by carewire 0.1 is replaced by the
    link.

    The exports hold what the snapshot holds (authors, posts, decisions), so they get its
    modes: the folder 0700 and each file 0600, or 0750 and 0640 with `share_with_group`
    (docs/privacy.md, file modes). The folder is made with its mode before anything is
    written into it."""
    parent = directory.parent
    private_dir(parent, dir_mode(share_with_group))
    token = uuid.uuid4().hex[:12]
    fresh = parent / f".{directory.name}.{token}"
    fresh.mkdir(mode=PRIVATE_DIR)
    os.chmod(fresh, dir_mode(share_with_group))
    files = {}
    with connect(snapshot, read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")  # Arrow names the zone of every timestamp
        for name in exported():
            file = fresh / f"{name}.parquet"
            rows = _write(con, name, file)
            os.chmod(file, file_mode(share_with_group))
            files[name] = {"file": file.name, "rows": rows, "bytes": file.stat().st_size,
                           "sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
                           "columns": [{"name": c.name, "type": c.type}
                                       for c in registered(name).columns]}
        [published] = records(con, "SELECT * FROM meta__snapshot") or [None]
    manifest = fresh / MANIFEST
    manifest.write_text(json.dumps({"snapshot": published, "files": files}, indent=2,
                                   default=str) + "\n", encoding="utf-8")
    os.chmod(manifest, file_mode(share_with_group))
    link = parent / f".{directory.name}.link-{token}"
    link.symlink_to(fresh.name)
    if directory.is_dir() and not directory.is_symlink():  # 0.1's folder: moved aside once
        directory.rename(parent / f".{directory.name}.old-{token}")
    os.replace(link, directory)
    for old in parent.glob(f".{directory.name}.*"):
        if old == fresh:
            continue
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    return [directory / spec["file"] for spec in files.values()]


def _write(con: duckdb.DuckDBPyConnection, name: str, file: Path) -> int:
    """One table or view into `file`, batch by batch, with its descriptions; its rows."""
    reader = con.sql(f"SELECT * FROM {name}").to_arrow_reader(BATCH_ROWS)
    schema = described(reader.schema, name)
    rows = 0
    with pq.ParquetWriter(file, schema) as writer:
        for batch in reader:
            writer.write_table(pa.Table.from_batches([batch]).cast(schema))
            rows += batch.num_rows
    return rows


def described(schema: pa.Schema, name: str) -> pa.Schema:
    """`schema` with the registry's description on every field, and the table's grain and
    key on the schema."""
    obj = registered(name)
    fields = [field.with_metadata({"description": obj.column(field.name).description})
              for field in schema]
    return pa.schema(fields, metadata={"carewire.table": name, "carewire.grain": obj.grain,
                                       "carewire.key": ",".join(obj.primary_key)})
