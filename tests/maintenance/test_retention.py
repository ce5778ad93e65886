"""Retention on a copy of a demo run: old raw payloads go, core rows stay, and the next
load neither brings the payloads back nor fails or deletes anything."""

from __future__ import annotations

from datetime import timedelta

import duckdb

from carewire.app import pipeline
from carewire.maintenance import step


def counts(settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {name: con.execute(sql).fetchone()[0] for name, sql in {
            "pages": "SELECT count(*) FROM raw__pages",
            "items": "SELECT count(*) FROM raw__items",
            "payload_bytes": "SELECT coalesce(sum(octet_length(payload)), 0) FROM raw__quarantine",
            "quarantined": "SELECT count(*) FROM raw__quarantine",
            "mentions": "SELECT count(*) FROM core__mentions",
            "authors": "SELECT count(*) FROM core__authors",
            "enrichments": "SELECT count(*) FROM core__enrichments",
            "batches": "SELECT count(*) FROM raw__landing_batches",
        }.items()}


def newest_interval_end(settings):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("SELECT max(interval_end) FROM raw__landing_batches").fetchone()[0]


def test_raw_payloads_older_than_raw_days_are_purged_and_core_rows_stay(demo_settings):
    settings = demo_settings
    settings.retention.raw_days = 30
    before = counts(settings)
    files = sorted(settings.landing.rglob("*.jsonl"))
    assert before["pages"] and before["items"] and before["payload_bytes"] and files
    end = newest_interval_end(settings)

    kept = step.retention(settings, end + timedelta(days=30))  # not older than 30 days yet
    assert kept["batches_purged"] == 0 and counts(settings) == before

    purged = step.retention(settings, end + timedelta(days=31))

    assert purged["batches_purged"] == before["batches"] == purged["landing_files_deleted"]
    assert not list(settings.landing.rglob("*.jsonl"))
    assert list(settings.landing.rglob("_cursor.json")), "cursors are state, not payloads"
    after = counts(settings)
    assert (after["pages"], after["items"], after["payload_bytes"]) == (0, 0, 0)
    for name in ("quarantined", "mentions", "authors", "enrichments", "batches"):
        assert after[name] == before[name], name
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        audited = con.execute("SELECT count(*), sum(pages), sum(items), bool_and(landing_file) "
                              "FROM audit__retention").fetchone()
    assert audited == (before["batches"], before["pages"], before["items"], True)

    loaded = pipeline.load_landed(settings)  # the next process run
    assert loaded["batches_loaded"] == 0
    assert counts(settings) == after
    again = step.retention(settings, end + timedelta(days=32))
    assert again["batches_purged"] == 0


def test_retention_is_off_when_raw_days_is_null(demo_settings):
    settings = demo_settings
    settings.retention.raw_days = None
    before = counts(settings)
    assert step.retention(settings, newest_interval_end(settings) + timedelta(days=3650)) == {
        "enabled": False}
    assert counts(settings) == before


def test_a_landing_file_the_warehouse_never_loaded_as_it_is_stays(demo_settings):
    settings = demo_settings
    settings.retention.raw_days = 30
    first, *_ = sorted(settings.landing.rglob("*.jsonl"))
    with first.open("a", encoding="utf-8") as out:  # landed again since the load
        out.write("\n")
    end = newest_interval_end(settings)

    purged = step.retention(settings, end + timedelta(days=31))

    assert purged["landing_files_kept_unloaded"] == 1 and first.exists()
    assert purged["landing_files_deleted"] == purged["batches_purged"] - 1
