"""Migrations apply in order to an empty database and are no-ops on a current one."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from carewire.core.errors import WarehouseError
from carewire.warehouse.migrate import MIGRATIONS_DIR, REWRITTEN, available, migrate


def tables(con) -> set[str]:
    return {row[0] for row in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def test_applies_every_migration_to_an_empty_database_then_nothing(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    applied = migrate(con)
    assert [m.version for m in applied] == [m.version for m in available()]
    assert {"raw__landing_batches", "raw__pages", "raw__items", "raw__quarantine",
            "core__authors", "core__mentions", "out__mention_volume_daily",
            "_carewire_migrations"} <= tables(con)
    before = con.execute("SELECT * FROM _carewire_migrations ORDER BY version").fetchall()

    assert migrate(con) == []
    assert con.execute("SELECT * FROM _carewire_migrations ORDER BY version").fetchall() == before


def test_a_new_migration_is_applied_on_top(tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    con = duckdb.connect()
    migrate(con, folder)
    version = len(available(folder)) + 1
    (folder / f"{version:04d}_add_note.sql").write_text(
        "ALTER TABLE core__mentions ADD COLUMN note VARCHAR;")
    assert [m.name for m in migrate(con, folder)] == ["add_note"]
    assert "note" in [c[0] for c in con.execute("DESCRIBE core__mentions").fetchall()]


def test_a_failing_migration_leaves_nothing_half_applied(tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    con = duckdb.connect()
    migrate(con, folder)
    version = len(available(folder)) + 1
    (folder / f"{version:04d}_broken.sql").write_text(
        "CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;")
    with pytest.raises(duckdb.CatalogException):
        migrate(con, folder)
    assert "half_done" not in tables(con)
    assert con.execute("SELECT max(version) FROM _carewire_migrations").fetchone()[0] == version - 1


def test_editing_an_applied_migration_is_refused(tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    con = duckdb.connect()
    migrate(con, folder)
    first = sorted(folder.glob("0001_*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(WarehouseError, match="changed after it was applied"):
        migrate(con, folder)


def test_gaps_in_numbering_are_refused(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(WarehouseError, match="without gaps"):
        available(tmp_path)


def test_0015_clears_x_codes_that_name_no_language_and_maps_the_old_ones(tmp_path):
    """Rows stored before the X mapping cleaned `lang` are brought in line by the migration."""
    for file in MIGRATIONS_DIR.glob("*.sql"):
        if file.name < "0015":
            shutil.copy(file, tmp_path)
    con = duckdb.connect()
    migrate(con, tmp_path)
    for source, source_id, language in (("x", "1", "qst"), ("x", "2", "in"), ("x", "3", "en"),
                                        ("x", "4", "zxx"), ("reddit", "5", "und")):
        con.execute("INSERT INTO core__mentions (source, source_id, stream, text, created_at, "
                    "categories, batch_id, first_seen_at, last_seen_at, language) VALUES "
                    "(?, ?, 's', 't', now(), [], 'b', now(), now(), ?)",
                    [source, source_id, language])
    migrate(con)
    assert con.execute("SELECT source_id, language FROM core__mentions ORDER BY 1").fetchall() == [
        ("1", None), ("2", "id"), ("3", "en"), ("4", None), ("5", "und")]


_VIEW = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\w+)", re.IGNORECASE)
_BARE_ARROW = re.compile(r"(?<![\w.(])[A-Za-z_][\w.]*\s*->>?\s*['\d]")


def test_no_statement_that_runs_leaves_a_json_arrow_bare():
    # DuckDB 1.5 gives -> and ->> a lower precedence than AND and =: `kind = 'x' AND
    # data->>'k' IS NOT NULL` parses as (kind = 'x' AND data) ->> ... and fails on data.
    # Every view's latest definition (0022) and every statement that changes data keeps
    # its arrow chains in parentheses; views a later migration replaces may keep theirs
    latest, bare = {}, []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        for statement in re.split(r";\s*\n", path.read_text(encoding="utf-8")):
            code = "\n".join(line.split("--")[0] for line in statement.splitlines())
            if match := _VIEW.search(code):
                latest[match[1]] = (path.name, code)
            elif _BARE_ARROW.search(code):
                bare.append((path.name, _BARE_ARROW.findall(code)))
    bare += [(name, view, _BARE_ARROW.findall(sql)) for view, (name, sql) in latest.items()
             if _BARE_ARROW.search(sql)]
    assert bare == []


def test_a_warehouse_that_applied_the_text_before_the_arrows_were_mended_is_current():
    con = duckdb.connect()
    migrate(con)
    con.execute("UPDATE _carewire_migrations SET checksum = ? WHERE version = 9",
                [REWRITTEN[9]])
    assert migrate(con) == []
    con.execute("UPDATE _carewire_migrations SET checksum = 'something else' "
                "WHERE version = 19")
    with pytest.raises(WarehouseError, match="0019_sentiment_not_scored changed after"):
        migrate(con)


def test_a_view_reads_json_beside_another_condition():
    con = duckdb.connect()
    migrate(con)
    con.execute("""INSERT INTO core__events VALUES
        ('e1', TIMESTAMPTZ '2026-11-24 08:00:00+00', 'accepted_answer', NULL, 'forums', '9', 'ann',
         '{"username": "ann", "url": "https://forum.example/t/1/2"}',
         TIMESTAMPTZ '2026-11-24 08:00:00+00'),
        ('e2', TIMESTAMPTZ '2026-11-24 08:00:00+00', 'synced', NULL, 'forums', NULL, NULL, '{}',
         TIMESTAMPTZ '2026-11-24 08:00:00+00')""")
    assert con.execute("SELECT helper, answers_accepted FROM out__helper_ranking"
                       ).fetchall() == [("ann (forums)", 1)]
