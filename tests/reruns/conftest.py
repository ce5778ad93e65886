"""What the rerun tests share: every warehouse table read back row for row, so a test can
say "nothing changed" without trusting the fingerprints the reports themselves use."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb

from carewire.warehouse.tables import TABLES
from tests.conftest import DEMO_NOW
from tests.warehouse_rows import tables as every_table

EVERYTHING = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
"""A window holding every mention and every landing interval of the demo."""

NOW = DEMO_NOW + timedelta(days=7)
"""A rerun's moment: a week after the demo run it reruns."""


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every warehouse table a rerun's report covers (warehouse/tables.py: `diffed`), rows
    sorted: not the rerun reports nor the gates' bookkeeping, which a rerun writes anew."""
    return {name: rows for name, rows in every_table(path).items() if TABLES[name].diffed}


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


from tests.dags.conftest import DAGS, airflow_db  # noqa: E402,F401  (Airflow's throwaway home)
