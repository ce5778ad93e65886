"""The registry (warehouse/tables.py) says what the migrations build, column for column,
and what the code that fills the tables and the README say agree with it."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from carewire.connectors.base import Author, Mention
from carewire.core.labels import ROUTES
from carewire.warehouse.migrate import migrate
from carewire.warehouse.tables import TABLES, VIEWS, Column, columns, markdown

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    migrate(con)
    yield con
    con.close()


def catalogue(con, kind: str) -> set[str]:
    return {row[0] for row in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = ?", [kind]).fetchall()}


def test_every_table_and_view_the_migrations_make_is_registered(con):
    assert catalogue(con, "BASE TABLE") == set(TABLES)
    assert catalogue(con, "VIEW") == set(VIEWS)


def normalised(con, type_: str) -> str:
    """How information_schema names a registered type (TIMESTAMPTZ: TIMESTAMP WITH TIME ZONE)."""
    return con.execute(f"SELECT typeof(CAST(NULL AS {type_}))").fetchone()[0]


@pytest.mark.parametrize("name", sorted(TABLES))
def test_columns_types_nullability_and_key_match_information_schema(con, name):
    found = con.execute(
        "SELECT column_name, data_type, is_nullable = 'NO' FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [name]).fetchall()
    expected = [(c.name, normalised(con, c.type), c.required or c.name in TABLES[name].primary_key)
                for c in TABLES[name].columns]
    assert found == expected
    [(key,)] = con.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() WHERE schema_name = 'main' "
        "AND table_name = ? AND constraint_type = 'PRIMARY KEY'", [name]).fetchall()
    assert tuple(key) == TABLES[name].primary_key


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_columns_and_types_match_information_schema(con, name):
    found = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [name]).fetchall()
    assert found == [(c.name, normalised(con, c.type)) for c in VIEWS[name].columns]


def test_every_column_is_described_and_every_view_keyed_by_its_columns():
    for obj in (*TABLES.values(), *VIEWS.values()):
        for column in obj.columns:
            assert column.description.strip(), (obj.name, column.name)
    for view in VIEWS.values():
        assert view.primary_key and set(view.primary_key) <= set(view.column_names), view.name


def test_the_spec_reads_descriptions_and_refuses_a_column_without_one():
    assert columns("""
        a VARCHAR NOT NULL IN ROUTES -- a route, said
            -- on two lines
        b DECIMAL(18,3) -- an amount""") == (
        Column("a", "VARCHAR", "a route, said on two lines", required=True, values=ROUTES),
        Column("b", "DECIMAL(18,3)", "an amount"))
    with pytest.raises(ValueError, match="column b has no description"):
        columns("""
        a VARCHAR -- described
        b BIGINT NOT NULL""")


def test_the_connector_records_carry_exactly_the_loaded_columns():
    """load.py frames core__mentions and core__authors from these; a field the registry
    lacks would be dropped without a word."""
    mention = Mention("x", "1", "brand", None, None, "t", datetime(2026, 1, 1, tzinfo=timezone.utc))
    loaded = {"batch_id", "first_seen_at", "last_seen_at"}
    assert set(mention.row()) | loaded == set(TABLES["core__mentions"].column_names)
    assert ({f.name for f in dataclasses.fields(Author)} | {"first_seen_at", "last_seen_at"}
            == set(TABLES["core__authors"].column_names))


def test_tables_keyed_by_a_mention_or_an_author_are_marked_personal():
    """Erasure deletes rows by (source, source_id), (source, author_id) and delivery_key
    (maintenance/erase.py); each such table is personal data."""
    for table in TABLES.values():
        names = set(table.column_names)
        if {"source", "source_id"} <= names or {"source", "author_id"} <= names \
                or "delivery_key" in names:
            assert table.personal, table.name


def test_the_readme_lists_the_registry():
    assert markdown() in README.read_text(), (
        "README.md's table of tables is out of date: paste `python -m "
        "carewire.warehouse.tables` over it")
