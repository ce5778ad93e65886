"""A held batch is not routed while the good ones are; its failing decision's delivery is
not delivered; an operator releases it; results are stored, shown and rendered as data
docs without a mention's text or author. And the demo passes its gates."""

from __future__ import annotations

import duckdb
import pytest

from carewire.app import pipeline, status
from carewire.app.cli import main
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from tests.conftest import DEMO_NOW



def one(settings, sql: str, params: list | None = None):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_demo_passed_its_gates_and_status_shows_them(demo_data_dir, monkeypatch):
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(demo_data_dir))
    settings = load_settings(SAMPLE_CONFIG)
    report = status.collect(settings, DEMO_NOW)
    last = {r["suite"]: r for r in report["warehouse"]["quality"]["last"]}
    assert sorted(last) == ["enrichments", "landing_raw", "raw_core_mentions",
                            "routing_decisions"]
    assert all(r["success"] and r["rows_checked"] > 0 for r in last.values())
    text = status.render(report)
    assert "Quality gates: last result per suite" in text
    assert "routing_decisions  passed" in text


def test_a_held_batch_waits_while_the_others_are_routed_until_released(demo_settings, capsys):
    settings = demo_settings
    with duckdb.connect(str(settings.warehouse)) as con:  # every mention undecided again
        con.execute("DELETE FROM core__routing_decisions")
        con.execute("DELETE FROM quality__checked WHERE suite = 'raw_core_mentions'")
        con.execute("""
            UPDATE core__mentions SET created_at = TIMESTAMPTZ '2099-01-01 00:00:00+00'
            WHERE source = 'x' AND source_id = (SELECT min(source_id) FROM core__mentions
                                                WHERE source = 'x')""")
    [(x_batch,)] = one(settings, "SELECT batch_id FROM raw__landing_batches WHERE source = 'x'")

    with pytest.raises(SystemExit) as exit_code:
        main(["quality", "validate", "--suite", "raw_core_mentions"])
    assert exit_code.value.code == 1
    out, err = capsys.readouterr()
    assert "failed: expect_column_values_to_be_between(created_at) on 1 rows" in out
    assert "raw__quarantine" in err

    pipeline.route(settings, DEMO_NOW, DEMO_NOW)
    decided = dict(one(settings, "SELECT source, count(*) FROM core__routing_decisions "
                                 "GROUP BY ALL"))
    assert "x" not in decided  # the held batch waits
    assert decided["reddit"] > 0 and decided["feeds"] > 0 and decided["forums"] > 0

    main(["quality", "show"])
    shown = capsys.readouterr().out
    assert "raw_core_mentions  FAILED" in shown and x_batch in shown

    main(["quality", "release", x_batch, "--note", "clock fixed upstream", "--by", "ops"])
    assert one(settings, "SELECT released_by, note FROM quality__held_batches "
                         "WHERE batch_id = ?", [x_batch]) == [("ops", "clock fixed upstream")]
    pipeline.route(settings, DEMO_NOW, DEMO_NOW)
    assert one(settings, "SELECT count(*) FROM core__routing_decisions WHERE source = 'x'"
               )[0][0] > 0


def test_a_failing_decision_holds_its_delivery_until_released(demo_settings, capsys):
    settings = demo_settings
    _, _, key, batch_id = hold_one_delivery(settings)
    pipeline.deliver(settings, {}, DEMO_NOW)
    assert one(settings, "SELECT status FROM core__deliveries WHERE delivery_key = ?",
               [key]) == [("held",)]
    assert ("held", 1) in [(r[1], r[2]) for r in one(
        settings, "SELECT * FROM out__delivery_backlog")]

    main(["quality", "release", batch_id, "--note", "priority checked by hand"])
    assert "1 held deliveries go out" in capsys.readouterr().out
    assert one(settings, "SELECT status FROM core__deliveries WHERE delivery_key = ?",
               [key]) == [("pending",)]


def hold_one_delivery(settings) -> tuple[str, str, str, str]:
    """A contact_center decision fails its gate: its pending delivery is held."""
    with duckdb.connect(str(settings.warehouse)) as con:
        source, source_id, key, batch_id = con.execute("""
            SELECT d.source, d.source_id, d.delivery_key, m.batch_id
            FROM core__routing_decisions d JOIN core__mentions m USING (source, source_id)
            WHERE d.route = 'contact_center' ORDER BY d.source_id LIMIT 1""").fetchone()
        con.execute("UPDATE core__deliveries SET status = 'pending', delivered_at = NULL "
                    "WHERE delivery_key = ?", [key])
        con.execute("UPDATE core__routing_decisions SET priority = 'whenever' "
                    "WHERE source = ? AND source_id = ?", [source, source_id])
        con.execute("DELETE FROM quality__checked WHERE suite = 'routing_decisions'")
    result = pipeline.gate(settings, ["routing_decisions"], "test-hold",
                           DEMO_NOW)
    assert result["failed"] == ["routing_decisions: expect_column_values_to_be_in_set(priority)"]
    assert one(settings, "SELECT status FROM core__deliveries WHERE delivery_key = ?",
               [key]) == [("held",)]
    return source, source_id, key, batch_id


def test_a_held_decision_that_passes_later_lets_its_delivery_go(demo_settings):
    source, source_id, key, batch_id = hold_one_delivery(demo_settings)
    with duckdb.connect(str(demo_settings.warehouse)) as con:  # fixed and decided again
        con.execute("UPDATE core__routing_decisions SET priority = 'normal', "
                    "decided_for = decided_for + INTERVAL 1 SECOND "
                    "WHERE source = ? AND source_id = ?", [source, source_id])

    result = pipeline.gate(demo_settings, ["routing_decisions"], "test-pass",
                           DEMO_NOW)
    assert result["failed"] == []
    assert one(demo_settings, "SELECT released_by FROM quality__held_batches "
                              "WHERE batch_id = ?", [batch_id]) == [("gate",)]
    assert one(demo_settings, "SELECT status FROM core__deliveries WHERE delivery_key = ?",
               [key]) == [("pending",)]


def test_a_run_that_judges_other_rows_of_a_held_batch_keeps_it_held(demo_settings):
    source, source_id, key, batch_id = hold_one_delivery(demo_settings)
    with duckdb.connect(str(demo_settings.warehouse)) as con:  # another decision, made again
        con.execute("""
            UPDATE core__routing_decisions SET decided_for = decided_for + INTERVAL 1 SECOND
            WHERE (source, source_id) = (
                SELECT (d.source, d.source_id) FROM core__routing_decisions d
                JOIN core__mentions m USING (source, source_id)
                WHERE m.batch_id = ? AND NOT (d.source = ? AND d.source_id = ?) LIMIT 1)""",
                    [batch_id, source, source_id])

    result = pipeline.gate(demo_settings, ["routing_decisions"], "test-other",
                           DEMO_NOW)
    assert result["suites"]["routing_decisions"]["rows_checked"] == 1
    assert one(demo_settings, "SELECT released_at FROM quality__held_batches "
                              "WHERE batch_id = ?", [batch_id]) == [(None,)]
    assert one(demo_settings, "SELECT status FROM core__deliveries WHERE delivery_key = ?",
               [key]) == [("held",)]


def test_release_is_not_blocked_by_an_ignored_decision_in_another_held_batch(demo_settings):
    _, _, key, batch_id = hold_one_delivery(demo_settings)
    [(other,)] = one(demo_settings, """
        SELECT m.batch_id FROM core__routing_decisions d
        JOIN core__mentions m USING (source, source_id)
        WHERE d.delivery_key IS NULL AND m.batch_id <> ? LIMIT 1""", [batch_id])
    with duckdb.connect(str(demo_settings.warehouse)) as con:
        con.execute("INSERT INTO quality__held_batches (batch_id, suite, run_id, held_at, "
                    "failures, item_refs) VALUES (?, 'raw_core_mentions', 'test', now(), "
                    "'[]', [])", [other])

    main(["quality", "release", batch_id, "--note", "checked by hand"])
    assert one(demo_settings, "SELECT status FROM core__deliveries WHERE delivery_key = ?",
               [key]) == [("pending",)]


def test_results_are_stored_and_data_docs_show_counts_not_people(demo_settings, capsys):
    settings = demo_settings
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("DELETE FROM quality__checked WHERE suite = 'raw_core_mentions'")
        source_id, author_id = con.execute("""
            UPDATE core__mentions SET created_at = TIMESTAMPTZ '2099-01-01 00:00:00+00'
            WHERE source = 'reddit' AND source_id = (SELECT min(source_id) FROM core__mentions
                                                     WHERE source = 'reddit' AND NOT is_deleted)
            RETURNING source_id, author_id""").fetchone()
    pipeline.gate(settings, ["raw_core_mentions"], "test-docs", DEMO_NOW)

    [(success, failed, held)] = one(settings, """
        SELECT success, failed_expectations, batches_held FROM out__quality_last
        WHERE suite = 'raw_core_mentions'""")
    assert (success, failed, held) == (
        False, ["expect_column_values_to_be_between(created_at)"], 1)
    [(kind, column, count, batches)] = one(settings, """
        SELECT expectation_type, column_name, unexpected_count, batch_ids
        FROM quality__failures WHERE run_id = 'test-docs'""")
    assert (kind, column, count) == ("expect_column_values_to_be_between", "created_at", 1)
    assert batches[0].startswith("reddit/")
    stored = one(settings, "SELECT result::VARCHAR FROM quality__results")
    assert all(source_id not in text and author_id not in text for (text,) in stored)

    main(["quality", "docs"])
    index = capsys.readouterr().out.strip()
    assert index.endswith("index.html") and index.startswith(str(settings.data_dir / "quality"))
    pages = [p.read_text() for p in (settings.data_dir / "quality").rglob("*.html")]
    assert any("raw_core_mentions" in page for page in pages)
    assert all(source_id not in page and author_id not in page for page in pages)
