"""What the rerun tests share: every warehouse table read back row for row, so a test can
say "nothing changed" without trusting the fingerprints the reports themselves use."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb

from tests.conftest import DEMO_NOW
from tests.warehouse_rows import tables as every_table

EVERYTHING = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
"""A window holding every mention and every landing interval of the demo."""

NOW = DEMO_NOW + timedelta(days=7)
"""A rerun's moment: a week after the demo run it reruns."""


GATE_BOOKKEEPING = ("quality__results", "quality__failures", "quality__checked")
"""Written anew by every gate run a rerun does (warehouse/diff.py skips them too)."""


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every warehouse table but the rerun reports and the gates' bookkeeping, rows
    sorted."""
    return {name: rows for name, rows in every_table(path, skip_prefix="core__rerun").items()
            if not name.startswith(GATE_BOOKKEEPING)}


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


from tests.dags.conftest import DAGS, airflow_db  # noqa: E402,F401  (Airflow's throwaway home)
