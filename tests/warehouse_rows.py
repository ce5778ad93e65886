"""Every warehouse table read back row for row, so a test can say "nothing changed"
without trusting the fingerprints the pipeline itself computes."""

from __future__ import annotations

from pathlib import Path

import duckdb


def tables(path: Path) -> dict[str, list[tuple]]:
    """Table name -> its rows, sorted."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in names}
