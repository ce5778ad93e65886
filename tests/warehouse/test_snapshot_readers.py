"""The analyst snapshot opens in an older DuckDB: the builds bundled in BI drivers
(Metabase's, Superset's duckdb-engine, DBeaver) lag the pipeline's. `make install` puts
DuckDB 1.1.3, the oldest 1.x this was checked with, aside in .venv/old-readers (never on
carewire's path); this test reads the demo's snapshot with it in a separate interpreter:
every table and view, and the dictionary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from carewire.warehouse.tables import TABLES, VIEWS

OLD_READER = Path(sys.prefix) / "old-readers" / "duckdb-1.1.3"

READ = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
names = [r[0] for r in con.execute(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()]
rows = {name: con.execute(f"SELECT count(*) FROM (SELECT * FROM {name})").fetchone()[0]
        for name in names}
described = con.execute("SELECT count(*) FROM meta__columns WHERE description <> ''").fetchone()[0]
print(json.dumps({"version": duckdb.__version__, "rows": rows, "described": described}))
"""


def test_the_snapshot_opens_in_duckdb_1_1_3_with_every_table_view_and_description(
        demo_data_dir):
    assert (OLD_READER / "duckdb").is_dir(), (
        f"{OLD_READER} is missing: `make install` puts DuckDB 1.1.3 there")
    found = subprocess.run(
        [sys.executable, "-c", READ, str(demo_data_dir / "analytics.duckdb")],
        env={**os.environ, "PYTHONPATH": str(OLD_READER)}, capture_output=True, text=True,
        timeout=120, check=True)
    read = json.loads(found.stdout)
    assert read["version"] == "1.1.3"
    assert set(read["rows"]) == set(TABLES) | set(VIEWS)
    assert read["rows"]["core__mentions"] > 500 and read["rows"]["out__issue_clusters"] > 0
    assert read["described"] == sum(len(o.columns) for o in {**TABLES, **VIEWS}.values())
