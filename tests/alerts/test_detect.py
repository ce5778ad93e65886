"""Detection on a constructed warehouse (real DuckDB): a steady history, then one hour
that rises; quiet series; too little history; rollups across topics."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carewire.alerts.detect import alert_id, detect
from carewire.core.settings import AlertSettings
from tests.alerts.conftest import BRAND, SPIKE_HOUR, WATCHED_FROM, flat_history

DAY_BEFORE = SPIKE_HOUR - timedelta(hours=24)
AFTER = SPIKE_HOUR + timedelta(hours=6)


@pytest.fixture
def steady(warehouse):
    """Ten weeks of a steady Kestrel Mobile billing series on x, up to six hours after
    the spike hour."""
    warehouse.watch("x")
    flat_history(warehouse, WATCHED_FROM, AFTER)
    return warehouse


def test_a_spike_fires_in_its_hour_only_with_what_rose_and_the_issue_behind_it(steady):
    steady.mentions(SPIKE_HOUR, 15, sentiment="negative", cluster="cl-outage",
                    text="no signal anywhere since 9, is the network down?")
    steady.mentions(SPIKE_HOUR, 4, sentiment="negative", cluster="cl-refund",
                    text="refund for last month please")
    steady.flush()

    found = detect(steady.con, DAY_BEFORE, AFTER, AlertSettings())

    assert [(a.metric, a.series, a.hour_start) for a in found.alerts] == [
        ("mentions", f"{BRAND} / x / topic billing", SPIKE_HOUR),
        ("negative", f"{BRAND} / x / topic billing", SPIKE_HOUR)]
    volume, negative = found.alerts
    # Tuesdays 9:00 before: 3 + (9 + week) % 3 mentions, so 3, 4 or 5; median 4, MAD 1,
    # scaled 1.48; the spread is the larger square root of the median, 2.
    assert (volume.count, volume.baseline_median, volume.baseline_weeks) == (23, 4.0, 8)
    assert volume.baseline_mad == pytest.approx(1.4826)
    assert volume.baseline_spread == 2.0 and volume.threshold == 4 + 4 * 2.0
    assert volume.score == pytest.approx((23 - 4) / 2.0)
    # One negative in each odd hour: median 1, MAD 0, so the spread is 1 (floor, root).
    assert (negative.count, negative.baseline_median, negative.baseline_mad) == (20, 1.0, 0.0)
    assert negative.baseline_spread == 1.0 and negative.threshold == 1 + 4 * 1.0
    assert negative.alert_id == alert_id("negative", BRAND, "x", "billing", SPIKE_HOUR)
    assert "20 in the hour from 2026-11-24 09:00 UTC against a median of 1" in \
        negative.explanation
    assert "20.0x the median" in negative.explanation
    top = negative.top_clusters[0]
    assert (top["cluster_id"], top["mentions"]) == ("cl-outage", 15)
    assert top["founder_text"] == "no signal anywhere since 9, is the network down?"
    assert [c["cluster_id"] for c in negative.top_clusters] == ["cl-outage", "cl-refund"]
    assert 'Top issues: "no signal anywhere since 9, is the network down?" (15)' in \
        negative.explanation
    assert len(top["examples"]) == 3 and all(link.startswith("https://example.com/x/")
                                             for link in top["examples"])
    assert negative.examples == (top["examples"][0], negative.top_clusters[1]["examples"][0])
    # Other hours reached min_count too, were judged, and stayed usual; the brand's
    # rollups fired as well but hold exactly these mentions, so they are not repeated.
    assert found.judged > 8 and found.not_enough_history == 0


def test_the_same_hour_without_the_spike_fires_nothing(steady):
    steady.flush()

    found = detect(steady.con, DAY_BEFORE, AFTER, AlertSettings())

    assert found.alerts == []
    assert found.judged > 0


def test_a_quiet_series_does_not_fire_on_two_mentions_but_does_on_a_real_burst(warehouse):
    warehouse.watch("x")
    for week in range(1, 9):     # one mention, some Tuesdays at 9:00; otherwise nothing
        if week % 3 == 0:
            warehouse.mentions(SPIKE_HOUR - timedelta(weeks=week), 1, brand="Quiet Co")
    warehouse.mentions(SPIKE_HOUR, 2, brand="Quiet Co", sentiment="negative")
    warehouse.flush()
    hair_trigger = AlertSettings(min_count=1)

    found = detect(warehouse.con, SPIKE_HOUR, AFTER, hair_trigger)

    # Median 0 and MAD 0 over the zero-filled weeks: the floor keeps 2 from firing.
    assert found.alerts == [] and found.judged == 8

    warehouse.mentions(SPIKE_HOUR, 4, brand="Quiet Co", sentiment="negative")
    warehouse.flush()
    found = detect(warehouse.con, SPIKE_HOUR, AFTER, hair_trigger)

    assert {(a.metric, a.count, a.baseline_median) for a in found.alerts} == {
        ("mentions", 6, 0.0), ("negative", 6, 0.0)}
    assert "from a median of 0" in found.alerts[0].explanation


def test_below_min_count_nothing_is_even_judged(warehouse):
    warehouse.watch("x")
    warehouse.mentions(SPIKE_HOUR, 4, brand="Quiet Co")
    warehouse.flush()

    found = detect(warehouse.con, SPIKE_HOUR, AFTER, AlertSettings(min_count=5))

    assert found.alerts == [] and found.judged == 0 and found.not_enough_history == 0


def test_too_little_history_is_reported_and_never_fires(warehouse):
    warehouse.watch("x", since=SPIKE_HOUR - timedelta(weeks=3, hours=1))
    flat_history(warehouse, SPIKE_HOUR - timedelta(weeks=3), AFTER)
    warehouse.mentions(SPIKE_HOUR, 40, sentiment="negative")
    warehouse.flush()

    found = detect(warehouse.con, SPIKE_HOUR, AFTER, AlertSettings(min_history_weeks=4))

    assert found.alerts == []
    assert found.not_enough_history > 0 and found.judged == 0
    assert f"{BRAND} / x / topic billing" in found.series_without_history

    found = detect(warehouse.con, SPIKE_HOUR, AFTER, AlertSettings(min_history_weeks=3))

    assert {a.metric for a in found.alerts} == {"mentions", "negative"}


def test_a_source_not_yet_watched_has_no_history(warehouse):
    flat_history(warehouse, WATCHED_FROM, AFTER)       # mentions, but no landing batch
    warehouse.mentions(SPIKE_HOUR, 40)
    warehouse.flush()

    found = detect(warehouse.con, SPIKE_HOUR, AFTER, AlertSettings())

    assert found.alerts == [] and found.judged == 0


def test_a_rise_spread_over_topics_fires_on_the_brand_total_only(warehouse):
    warehouse.watch("x")
    for week in range(1, 9):      # Tuesdays 9:00: 4 about billing, 4 about the network
        for topic in ("billing", "network"):
            warehouse.mentions(SPIKE_HOUR - timedelta(weeks=week), 4, topics=(topic,))
    for topic in ("billing", "network"):
        warehouse.mentions(SPIKE_HOUR, 10, topics=(topic,))
    warehouse.flush()

    found = detect(warehouse.con, SPIKE_HOUR, AFTER, AlertSettings())

    # 10 is not above 4 + 4 x sqrt(4) = 12 on either topic, but 20 is above
    # 8 + 4 x sqrt(8) = 19.3 for the brand; x and all sources hold the same mentions, so
    # the all-sources total is not repeated.
    assert [(a.metric, a.series, a.count) for a in found.alerts] == [
        ("mentions", f"{BRAND} / x / all topics", 20)]


def test_a_mention_with_two_topics_counts_once_in_the_brand_total(warehouse):
    warehouse.watch("x")
    warehouse.mentions(SPIKE_HOUR, 6, topics=("billing", "network"))
    warehouse.flush()

    found = detect(warehouse.con, SPIKE_HOUR, AFTER, AlertSettings())

    counts = {(a.metric, a.topic): a.count for a in found.alerts}
    assert counts == {("mentions", "billing"): 6, ("mentions", "network"): 6}
    # The brand's total (6, not 12) repeats each topic alert, so it is not raised again.


def test_hours_and_weeks_are_utc_whatever_the_sessions_time_zone(steady):
    steady.mentions(SPIKE_HOUR, 20, sentiment="negative")
    steady.flush()
    steady.con.execute("SET TimeZone = 'Asia/Kolkata'")   # UTC+5:30: hours would straddle

    found = detect(steady.con, DAY_BEFORE, AFTER, AlertSettings())

    assert {(a.hour_start, a.count) for a in found.alerts} == {(SPIKE_HOUR, 24),
                                                               (SPIKE_HOUR, 21)}
    assert all(a.title.endswith("Tue 24 Nov 09:00 UTC") for a in found.alerts)


def test_a_negative_spike_counts_no_mention_that_was_not_scored_and_says_how_many(steady):
    """Mentions in a language no sentiment model is made for are not negative, however
    many there are; the negative alert's explanation says how many it could not count."""
    steady.mentions(SPIKE_HOUR, 20, sentiment="negative", cluster="cl-outage")
    steady.mentions(SPIKE_HOUR, 30, sentiment="not_scored", cluster="cl-outage-de",
                    text="kein Netz seit neun Uhr")
    steady.flush()

    found = detect(steady.con, DAY_BEFORE, AFTER, AlertSettings())

    negative = next(a for a in found.alerts if a.metric == "negative")
    assert negative.count == 21  # the 20, and the steady one negative of every odd hour
    assert ("30 relevant mentions of that hour were not scored (no sentiment model for "
            "their language) and are not counted.") in negative.explanation
    assert "cl-outage-de" not in [c["cluster_id"] for c in negative.top_clusters]
    volume = next(a for a in found.alerts if a.metric == "mentions")
    assert volume.count == 54 and "not scored" not in volume.explanation  # 50 + 4 steady
