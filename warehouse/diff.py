"""What a rerun changed in the warehouse, table by table, by primary key.

A fingerprint is one pair of 64-bit hashes per row: of its primary key, and of the whole
row. Comparing the fingerprints taken before and after a rerun gives the rows added,
changed and removed in every table, without keeping a copy of any table, so the same
code serves a one-hour rerun and a month's backfill. Only hashes leave this module: a
rerun report never holds a mention's text or an author's handle.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from carewire.warehouse.tables import TABLES


def tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every table the registry marks `diffed` (warehouse/tables.py) that the warehouse
    holds, with its primary key. Not diffed is bookkeeping: the migration log, the rerun
    reports themselves (a report must not count its own rows), and the quality gates'
    results and ledger, which every gate run a rerun does writes anew. A batch the gates
    hold or release does count (quality__held_batches), as do its quarantined rows and
    held deliveries."""
    present = {row[0] for row in con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE'").fetchall()}
    return {name: list(table.primary_key) for name, table in sorted(TABLES.items())
            if table.diffed and name in present}


def fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Table -> one row per table row: `row_key` (hash of the key), `row_hash` (of the row)."""
    prints = {}
    for name, key in tables(con).items():
        columns = ", ".join(f'"{column}"' for column in key)
        prints[name] = con.execute(
            f'SELECT hash({columns}) AS row_key, hash(t) AS row_hash FROM "{name}" t').df()
    return prints


def diff(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per row that differs: `table_name`, `row_key`, `change` (added, changed or
    removed). A table that appeared or vanished counts all its rows."""
    empty = pd.DataFrame({"row_key": pd.Series(dtype="uint64"),
                          "row_hash": pd.Series(dtype="uint64")})
    changes = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, empty), after.get(name, empty)
        both = old.merge(new, on="row_key", how="outer", suffixes=("_old", "_new"),
                         indicator=True)
        kind = both["_merge"].map({"left_only": "removed", "right_only": "added",
                                   "both": "changed"}).astype(str)
        moved = (kind != "changed") | (both["row_hash_old"] != both["row_hash_new"])
        changes.append(pd.DataFrame({"table_name": name, "row_key": both["row_key"][moved],
                                     "change": kind[moved]}))
    if not changes:
        return pd.DataFrame(columns=["table_name", "row_key", "change"])
    return pd.concat(changes, ignore_index=True)
