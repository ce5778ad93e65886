"""`registered`: a data frame queryable in SQL for the length of a block."""

from __future__ import annotations

import duckdb
import pandas as pd

from carewire.warehouse.db import registered


def test_a_frame_registers_after_a_one_row_read_and_leaves_after_another():
    # DuckDB 2 refused register/unregister while a result of execute() was unread, and a
    # fetchone() leaves one: the alerts evaluation met that. carewire pins DuckDB 1.5 now
    # (DuckLake's extensions exist for it only); this stays, so an upgrade meets it here
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER)")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with registered(con, pd.DataFrame({"a": [1, 2, 3]})) as incoming:
        con.execute(f"INSERT INTO t SELECT a FROM {incoming}")
        assert con.execute(f"SELECT count(*) FROM {incoming}").fetchone() == (3,)
    assert con.execute("SELECT sum(a) FROM t").fetchone() == (6,)
    assert "incoming" not in {name for (name,) in con.execute("SHOW TABLES").fetchall()}
