"""`carewire sql` cannot change a byte on disk: the attacks a curious or careless analyst
would try are refused, the files stay as they were, and a plain SELECT still answers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from carewire.warehouse import analyst
from carewire.warehouse.analyst import AnalystQueryError


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """A snapshot and a live warehouse beside it, each with one table."""
    found = {}
    for name in ("analytics", "warehouse"):
        path = tmp_path / f"{name}.duckdb"
        with duckdb.connect(str(path)) as con:
            con.execute("CREATE TABLE core__deliveries AS SELECT 'k1' AS delivery_key")
        found[name] = path
    (tmp_path / "exports").mkdir()
    return found


def fingerprints(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_select_answers_from_the_snapshot(files):
    frame = analyst.query(files["analytics"], "SELECT count(*) AS n FROM core__deliveries")
    assert frame["n"].tolist() == [1]


ATTACKS = [
    "ATTACH '{warehouse}' AS live; DELETE FROM live.core__deliveries",
    "ATTACH '{warehouse}' AS live",
    "SELECT 1; DELETE FROM core__deliveries",
    "DELETE FROM core__deliveries",
    "COPY (SELECT 'x') TO '{warehouse}' (FORMAT csv)",
    "COPY core__deliveries TO '{folder}/exports/leak.csv'",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('{warehouse}')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "PRAGMA enable_profiling",
    "CREATE TABLE memory.main.scratch AS SELECT 1",
    "EXPORT DATABASE '{folder}/dump'",
    "CHECKPOINT",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_is_refused_and_no_file_changes(files, attack):
    folder = files["analytics"].parent
    before = fingerprints(folder)
    with pytest.raises(AnalystQueryError):
        analyst.query(files["analytics"], attack.format(warehouse=files["warehouse"],
                                                        folder=folder))
    assert fingerprints(folder) == before


def test_a_select_cannot_reach_files_through_functions_either(files):
    """A SELECT passes the statement check; DuckDB's guards stop what it reaches for."""
    with pytest.raises(AnalystQueryError, match="disabled"):
        analyst.query(files["analytics"],
                      f"SELECT * FROM '{files['warehouse'].parent / 'exports'}/*.parquet'")
