"""Each family of expectations catches a bad batch, on a copy of a real demo warehouse.

The demo's own gates passed (tests/quality/test_gated_flow.py checks that); each test here
breaks one thing the way it breaks in production, forgets that the suite judged the rows
(as a reload or a new model would), and runs the gate again.
"""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from carewire.app import pipeline
from carewire.core.settings import FeedSource
from carewire.quality import frames
from carewire.quality.validate import validate
from tests.conftest import DEMO_NOW

X_BATCH_PREFIX = "x/brand/"


def rejudge(settings, suite: str, change: str = "", params: list | None = None) -> None:
    """Apply `change` to the warehouse and forget what `suite` judged."""
    with duckdb.connect(str(settings.warehouse)) as con:
        if change:
            con.execute(change, params or [])
        con.execute("DELETE FROM quality__checked WHERE suite = ?", [suite])


def landed_earlier(settings, batches: list[tuple]) -> None:
    """Batches (id, source, stream, start, end, items) that earlier runs loaded and judged."""
    with duckdb.connect(str(settings.warehouse)) as con:
        for batch_id, source, stream, start, end, items in batches:
            con.execute("INSERT INTO raw__landing_batches (batch_id, source, stream, "
                        "interval_start, interval_end, path, sha256, page_count, item_count, "
                        "reject_count) VALUES (?, ?, ?, ?, ?, 'p', 'sha', 0, ?, 0)",
                        [batch_id, source, stream, start, end, items])
            con.execute("INSERT INTO quality__checked VALUES ('landing_raw', ?, 'sha', 'old')",
                        [batch_id])


def gate(settings, suite: str) -> dict:
    result = pipeline.gate(settings, [suite], "test-run", DEMO_NOW)
    return result["suites"][suite]


def rows(settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_a_mention_from_the_future_fails_and_holds_its_batch(demo_settings):
    rejudge(demo_settings, "raw_core_mentions", """
        UPDATE core__mentions SET created_at = TIMESTAMPTZ '2099-01-01 00:00:00+00'
        WHERE source = 'x' AND source_id = (SELECT min(source_id) FROM core__mentions
                                            WHERE source = 'x')""")

    result = gate(demo_settings, "raw_core_mentions")

    assert not result["success"]
    assert [f["expectation"] for f in result["failures"]] == [
        "expect_column_values_to_be_between(created_at)"]
    assert result["failures"][0]["unexpected_count"] == 1
    [held] = result["batches_held"]
    assert held.startswith(X_BATCH_PREFIX)
    [(item_ref, stage, reason)] = rows(demo_settings, """
        SELECT item_ref, stage, reason FROM raw__quarantine WHERE stage = 'gate'""")
    assert item_ref.startswith("x:")
    assert "raw_core_mentions: expect_column_values_to_be_between(created_at)" in reason
    assert f"carewire quality release {held}" in reason


def test_a_score_out_of_range_fails_the_enrichments_suite(demo_settings):
    rejudge(demo_settings, "enrichments", """
        UPDATE core__enrichments SET sentiment_score = 1.7
        WHERE source = 'reddit' AND source_id = (SELECT min(source_id) FROM core__enrichments
                                                 WHERE source = 'reddit')""")

    result = gate(demo_settings, "enrichments")

    assert [f["expectation"] for f in result["failures"]] == [
        "expect_column_values_to_be_between(sentiment_score)"]
    assert [b.split("/")[0] for b in result["batches_held"]] == ["reddit"]
    assert rows(demo_settings, "SELECT count(*) FROM raw__quarantine WHERE stage = 'gate'"
                " AND reason LIKE '%sentiment_score%'") == [(1,)]


def test_a_mention_not_scored_that_has_a_score_fails_the_enrichments_suite(demo_settings):
    """not_scored must never be averaged: a score on it (or none on a scored one) fails."""
    rejudge(demo_settings, "enrichments", """
        UPDATE core__enrichments SET sentiment_score = -0.9
        WHERE source_id = (SELECT min(source_id) FROM core__enrichments
                           WHERE sentiment = 'not_scored')""")

    result = gate(demo_settings, "enrichments")

    assert [f["expectation"] for f in result["failures"]] == [
        "expect_column_pair_values_to_be_equal(is_scored,has_sentiment_score)"]


def test_a_mention_without_text_is_a_missing_required_field(demo_settings):
    rejudge(demo_settings, "raw_core_mentions", """
        UPDATE core__mentions SET text = ''
        WHERE NOT is_deleted AND source = 'feeds' AND stream = 'phonebeat'""")

    result = gate(demo_settings, "raw_core_mentions")

    [failure] = result["failures"]
    assert failure["expectation"] == "expect_column_values_to_be_between(text_chars)"
    assert failure["unexpected_count"] == 25
    assert [b.split("/")[1] for b in result["batches_held"]] == ["phonebeat"]


def test_a_duplicate_key_is_caught(demo_settings):
    with duckdb.connect(str(demo_settings.warehouse)) as con:
        con.execute("DELETE FROM quality__checked WHERE suite = 'enrichments'")
        judged = frames.enrichments(con)
    frame = pd.concat([judged.frame, judged.frame.iloc[[0]].assign(row_id=len(judged.frame))],
                      ignore_index=True)

    validation = validate("enrichments", frame, DEMO_NOW, demo_settings.quality)

    [failure] = validation.failures
    assert failure.name == "expect_compound_columns_to_be_unique(source,source_id)"
    assert failure.row_ids == [0, len(judged.frame)]
    assert "unexpected_index_list" not in json.dumps(validation.result)  # no row values kept


def test_a_steady_stream_that_delivers_nothing_fails_volume(demo_settings):
    """kestrelfans-blog's batch in the demo holds no item (the site serves an error page).
    With a week of hours in which it always brought items, that is a failure."""
    [(batch_id, start)] = rows(demo_settings, """
        SELECT batch_id, interval_start FROM raw__landing_batches
        WHERE stream = 'kestrelfans-blog'""")
    rejudge(demo_settings, "landing_raw")
    landed_earlier(demo_settings, [
        (f"feeds/kestrelfans-blog/h{hour}", "feeds", "kestrelfans-blog",
         start - timedelta(hours=hour + 1), start - timedelta(hours=hour), 4)
        for hour in range(8)])

    result = gate(demo_settings, "landing_raw")

    [failure] = result["failures"]
    assert failure["expectation"] == (
        "expect_column_pair_values_a_to_be_greater_than_b(items,volume_floor)")
    assert "delivered nothing" in failure["description"]
    assert result["batches_held"] == [batch_id]
    assert rows(demo_settings, "SELECT item_ref FROM raw__quarantine WHERE stage = 'gate'") == [
        ("feeds/kestrelfans-blog",)]


def test_a_quiet_stream_without_a_steady_history_passes(demo_settings):
    [(start,)] = rows(demo_settings, "SELECT interval_start FROM raw__landing_batches "
                                     "WHERE stream = 'kestrelfans-blog'")
    rejudge(demo_settings, "landing_raw")
    landed_earlier(demo_settings, [  # items in 2 hours of 8
        (f"feeds/kestrelfans-blog/h{hour}", "feeds", "kestrelfans-blog",
         start - timedelta(hours=hour + 1), start - timedelta(hours=hour), 3 if hour < 2 else 0)
        for hour in range(8)])

    assert gate(demo_settings, "landing_raw")["success"]


def test_a_stream_whose_ingest_stopped_is_stale(demo_settings):
    """A configured stream whose newest batch ended two days before this run's interval;
    judged against the run's data, so the demo's replayed sample is not stale itself."""
    [(end,)] = rows(demo_settings, "SELECT max(interval_end) FROM raw__landing_batches")
    rejudge(demo_settings, "landing_raw")
    landed_earlier(demo_settings, [("feeds/stopped/old", "feeds", "stopped",
                                    end - timedelta(days=2, hours=1), end - timedelta(days=2), 2)])
    demo_settings.sources.feeds.append(FeedSource(name="stopped", url="https://stopped.test/"))

    result = gate(demo_settings, "landing_raw")

    [failure] = result["failures"]
    assert failure["expectation"] == (
        "expect_column_pair_values_a_to_be_greater_than_b(newest_interval_end,fresh_after)")
    assert failure["unexpected_count"] == 1
    assert result["batches_held"] == []  # no batch of it this run: the run fails instead


@pytest.mark.parametrize("suite", ["landing_raw", "raw_core_mentions", "enrichments",
                                   "routing_decisions"])
def test_the_demo_warehouse_passes_every_suite(demo_settings, suite):
    rejudge(demo_settings, suite)
    result = gate(demo_settings, suite)
    assert result["success"], result["failures"]
    assert result["rows_checked"] > 0
