"""`carewire status` shows each stream's last run and, where a platform has one, its budget."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from carewire.app import status
from carewire.core.settings import Settings
from carewire.core.types import Interval
from carewire.connectors.base import Stream
from carewire.connectors.landing import LandingZone

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
INTERVAL = Interval(datetime(2026, 11, 24, 8, tzinfo=timezone.utc),
                    datetime(2026, 11, 24, 9, tzinfo=timezone.utc))


def test_last_run_counts_and_an_exhausted_budget_are_shown(tmp_path):
    settings = Settings(data_dir=tmp_path, sources={"feeds": [
        {"name": "news", "url": "https://news.test/feed"},
        {"name": "quiet", "url": "https://quiet.test/feed"}]})
    landing = LandingZone(settings.landing)
    landing.write_batch(Stream("feeds", "news"), INTERVAL, [])
    landing.save_cursor(Stream("feeds", "news"), INTERVAL,
                        {"newest_entry_at": "2026-11-24T08:10:00+00:00"},
                        {"entries": 12, "new": 3, "rejected": 1, "budget_exhausted": True,
                         "gaps": {"search": "tweets before 2026-11-17 were not fetched"},
                         "budget": {"month": "2026-11", "spent": 10000, "limit": 10000}})

    report = status.collect(settings, NOW)
    text = status.render(report)

    news, quiet = report["streams"]
    assert news["last_run"] == {"entries": 12, "new": 3, "rejected": 1}
    assert news["since_last_fetch"] == "30m" and news["newest_mention_age"] == "-"
    assert quiet["last_interval_end"] is None and quiet["since_last_fetch"] == "never"
    assert "budget: EXHAUSTED, fetching stopped; limit 10000, month 2026-11, spent 10000" in text
    assert "GAP in search: tweets before 2026-11-17 were not fetched" in text
    assert "No analyst snapshot" in text


def test_a_run_the_read_plan_stopped_is_shown_and_is_not_a_problem(tmp_path):
    settings = Settings(data_dir=tmp_path, sources={"x": {"queries": [
        {"name": "brand", "query": "kestrel"}], "monthly_read_budget": 10000}})
    landing = LandingZone(settings.landing)
    landing.write_batch(Stream("x", "brand"), INTERVAL, [])
    landing.save_cursor(Stream("x", "brand"), INTERVAL, {},
                        {"entries": 0, "budget_paced": True, "budget_exhausted": False,
                         "budget": {"month": "2026-11", "monthly_read_budget": 10000,
                                    "tweets_read": 7777, "requests": 900}})
    report = status.collect(settings, NOW)
    assert "budget: read plan has nothing left for now, the next runs read on; month " \
        "2026-11, monthly_read_budget 10000, requests 900, tweets_read 7777" in status.render(report)
    assert not [p for p in status.problems(report, NOW) if "budget" in p]


def test_replies_per_platform_and_the_x_write_budget_are_shown(tmp_path):
    from carewire.core.delivery import Delivery, MentionRef
    from carewire.core.replies import Posted
    from carewire.desk.outbox import ReplyTarget
    from carewire.desk.store import Desk

    settings = Settings(data_dir=tmp_path, sources={"x": {"monthly_write_budget": 500}})
    assert status.collect(settings, NOW)["replies"] is None  # no desk store: none made
    assert not (tmp_path / "desk.sqlite").exists()
    with Desk(settings.desk_url, clock=lambda: NOW) as desk:
        for n in range(2):
            mention = MentionRef("x", f"1{n}", None, "ada", "roaming?", NOW)
            item_id, _ = desk.add(Delivery(f"k{n}", "desk", "contact_center", "mention", None,
                                           (mention,), "t", "b", "care", "high", NOW, "r",
                                           "r", (), ()))
            desk.reply(item_id, "ann", "Sorry!", ReplyTarget("x", "brand", f"1{n}", None, None))
        [first] = desk.outbox.of_items([1])
        assert desk.outbox.start(first, NOW)
        desk.outbox.posted(first, Posted("99", None, NOW))

    report = status.collect(settings, NOW)
    assert report["replies"] == {
        "by_source": {"x": {"posted": 1, "queued": 1, "posted_this_month": 1}},
        "x_write_budget": {"month": "2026-11", "limit": 500, "spent": 1}}
    assert "X writes 2026-11: 1 of 500" in status.render(report)


def test_the_check_names_stale_and_unfetched_streams_and_a_missing_snapshot(tmp_path):
    settings = Settings(data_dir=tmp_path, sources={"feeds": [
        {"name": "news", "url": "https://news.test/feed"},
        {"name": "quiet", "url": "https://quiet.test/feed"}]})
    LandingZone(settings.landing).save_cursor(Stream("feeds", "news"), INTERVAL, {},
                                              {"entries": 1, "budget_exhausted": True})
    report = status.collect(settings, NOW)

    assert status.problems(report, NOW) == [
        "feeds/news read budget exhausted", "feeds/quiet never fetched",
        "no analyst snapshot yet"]
    later = NOW.replace(hour=13)  # 4 hours after the last fetched interval ended
    assert "feeds/news not fetched for 4h" in status.problems(report, later)
    assert not (tmp_path / "requests").exists()  # status creates nothing


def test_the_check_says_when_erasure_requests_wait_more_than_a_day(tmp_path):
    from datetime import timedelta

    from carewire.maintenance.requests import author_request, enqueue

    settings = Settings(data_dir=tmp_path)
    enqueue(settings, author_request("x", "ada_w", "ticket 7", NOW))
    report = status.collect(settings, NOW + timedelta(hours=2))
    assert report["erasures_waiting"]["requests"] == 1
    assert "Erasure requests waiting for the maintenance DAG: 1" in status.render(report)
    assert not [p for p in status.problems(report, NOW + timedelta(hours=2)) if "erasure" in p]
    assert ("1 erasure requests waiting since 2026-11-24T09:30 (is the maintenance DAG "
            "paused?)") in status.problems(report, NOW + timedelta(days=1, minutes=1))


def test_the_check_exits_1_on_a_held_batch_and_0_when_all_is_well(demo_settings, monkeypatch,
                                                                    capsys):
    from carewire.app import pipeline
    from carewire.app.cli import main
    from carewire.core.settings import SAMPLE_CONFIG
    from carewire.quality import GATES_AFTER
    from tests.dags.test_quality_gates import stamp_one_tweet_in_the_future

    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    fresh = ["status", "--check", "--stale-after", str(10 ** 8)]  # the sample is not live
    assert main(fresh) == 0
    assert capsys.readouterr().out.startswith("ok: 11 streams fetched lately")
    with pytest.raises(SystemExit) as exited:
        main(["status", "--check"])  # the sample's streams stopped long ago
    assert exited.value.code == 1
    assert "NOT OK: feeds/google-alerts not fetched for" in capsys.readouterr().out

    stamp_one_tweet_in_the_future(demo_settings)
    pipeline.load_landed(demo_settings)
    pipeline.gate(demo_settings, GATES_AFTER["load"], "probe", NOW)
    pipeline.publish(demo_settings)
    with pytest.raises(SystemExit) as exited:
        main(fresh)
    assert exited.value.code == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("NOT OK: quality suite raw_core_mentions failed in run probe; "
                           "1 batches held by the quality gates")


def test_post_to_queue_over_the_last_hour_is_shown(tmp_path, capsys):
    """From the snapshot's out__queue_latency (known rows: tests/warehouse/
    test_queue_latency.py), for the hour before the clock status is given."""
    import json

    import duckdb

    from carewire.app.cli.output import emit

    from carewire.warehouse.migrate import migrate
    from tests.warehouse.test_queue_latency import NOW as QUEUED_BY, known_rows

    settings = Settings(data_dir=tmp_path)
    settings.snapshot.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.snapshot)) as con:
        migrate(con)
        known_rows(con)

    report = status.collect(settings, QUEUED_BY)
    latency = report["warehouse"]["queue_latency"]
    assert latency["mentions"] == 5
    assert (latency["to_queue_p50_s"], latency["to_queue_p95_s"]) == (
        pytest.approx(90), pytest.approx(504))
    assert ("  post-to-queue over the last hour: p50 90 s, p95 8.4 min (5 mentions); to the "
            "routing decision: p50 30 s, p95 48 s") in status.render(report).splitlines()
    emit(report, json=True)  # `carewire status --json`
    shown = json.loads(capsys.readouterr().out)["warehouse"]["queue_latency"]
    assert shown["mentions"] == 5 and shown["to_queue_p95_s"] == pytest.approx(504)

    later = status.collect(settings, QUEUED_BY + timedelta(hours=2))
    assert later["warehouse"]["queue_latency"]["mentions"] == 0
    assert "post-to-queue: no mention reached a queue in the last hour" in status.render(later)
