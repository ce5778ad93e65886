"""Every warehouse table read back row for row, so a test can say "nothing changed"
without trusting the fingerprints the pipeline itself computes."""

from __future__ import annotations

from pathlib import Path

import duckdb


def tables(path: Path) -> dict[str, list[tuple]]:
    """Table name -> its rows, sorted. Not `meta__snapshot`: the record of the latest
    publish, which every publish replaces (when, by which run)."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' AND table_name <> 'meta__snapshot' "
            "ORDER BY 1").fetchall()]
        return {name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in names}
