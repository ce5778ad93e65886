"""`registered`: a data frame queryable in SQL for the length of a block."""

from __future__ import annotations

import duckdb
import pandas as pd

from carewire.warehouse.db import registered


def test_a_frame_registers_after_a_one_row_read_and_leaves_after_another():
    # DuckDB 2 refuses register/unregister while a result of execute() is unread, and a
    # fetchone() leaves one: the alerts evaluation and any step that reads a count first
    # and then loads a frame met that
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER)")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with registered(con, pd.DataFrame({"a": [1, 2, 3]})) as incoming:
        con.execute(f"INSERT INTO t SELECT a FROM {incoming}")
        assert con.execute(f"SELECT count(*) FROM {incoming}").fetchone() == (3,)
    assert con.execute("SELECT sum(a) FROM t").fetchone() == (6,)
    assert "incoming" not in {name for (name,) in con.execute("SHOW TABLES").fetchall()}
