"""Post-to-queue latency (migration 0020, issue 17): out__queue_latency and its hourly p50/p95
on known rows, the last-hour figure status and the dashboard read (warehouse/latency.py),
and an old warehouse migrated: its rows keep NULL moments and count in no figure."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from carewire.warehouse.latency import recent, seconds, sentence
from carewire.warehouse.migrate import MIGRATIONS_DIR, migrate

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
S = timedelta(seconds=1)

QUEUED_IN_THE_HOUR = [  # (id, seconds post -> decision, seconds post -> queue, queued at)
    ("a", 10, 30, NOW - 50 * 60 * S),
    ("b", 20, 60, NOW - 40 * 60 * S),
    ("c", 30, 90, NOW - 30 * 60 * S),
    ("d", 40, 120, NOW - 20 * 60 * S),
    ("e", 50, 600, NOW),  # the window's end is in it
]
"""p50 of the waits 30, 60, 90, 120, 600 s is 90 s; p95 (interpolated) 120 + 0.8 * 480 =
504 s. To the decision: p50 30 s, p95 40 + 0.8 * 10 = 48 s."""
OUTSIDE = [
    ("early", 5, 45, NOW - 60 * 60 * S),  # the window's start is not in it
    ("late", 5, 45, NOW + S),
]


def mention(con, source_id: str, created_at: datetime, deleted: bool = False) -> None:
    con.execute("""INSERT INTO core__mentions (source, source_id, stream, text, created_at,
                       categories, is_deleted, batch_id, first_seen_at, last_seen_at)
                   VALUES ('x', ?, 'brand', 'help', ?, [], ?, 'b', ?, ?)""",
                [source_id, created_at, deleted, created_at, created_at])


def decision(con, source_id: str, key: str | None, decided_at: datetime | None) -> None:
    con.execute("""INSERT INTO core__routing_decisions (source, source_id, route, rule_id,
                       reason, evidence, experts, team, destination, delivery_key,
                       policy_version, decided_for, decided_at)
                   VALUES ('x', ?, ?, 'r', 'why', '[]', [], 'care', ?, ?, 'v1', ?, ?)""",
                [source_id, "contact_center" if key else "ignore", "desk" if key else None,
                 key, NOW, decided_at])


def queued(con, source_id: str, to_decision: int, to_queue: int, queued_at: datetime,
           deleted: bool = False) -> None:
    created = queued_at - to_queue * S
    mention(con, source_id, created, deleted)
    decision(con, source_id, f"k-{source_id}", created + to_decision * S)
    con.execute("INSERT INTO core__delivery_mentions VALUES (?, 'x', ?, ?, ?)",
                [f"k-{source_id}", source_id, NOW, queued_at])


def known_rows(con) -> None:
    """The mentions above, and some that count in no figure: deleted, not queued yet,
    ignored, and one joined later to another delivery (an escalation)."""
    for row in QUEUED_IN_THE_HOUR + OUTSIDE:
        queued(con, *row)
    queued(con, "deleted", 1, 2, NOW - 10 * 60 * S, deleted=True)
    mention(con, "waiting", NOW - 60 * S)
    decision(con, "waiting", "k-waiting", NOW - 30 * S)
    con.execute("INSERT INTO core__delivery_mentions (delivery_key, source, source_id, "
                "added_for) VALUES ('k-waiting', 'x', 'waiting', ?)", [NOW])
    mention(con, "ignored", NOW - 60 * S)
    decision(con, "ignored", None, NOW - 30 * S)
    con.execute("INSERT INTO core__delivery_mentions VALUES ('escalation', 'x', 'a', ?, ?)",
                [NOW, NOW - 5 * 60 * S])


@pytest.fixture
def con():
    with duckdb.connect() as con:
        migrate(con)
        known_rows(con)
        yield con


def test_each_routed_mention_that_reached_its_queue_is_measured_once(con):
    rows = con.execute("""SELECT source_id, to_decision_seconds, to_queue_seconds
                          FROM out__queue_latency ORDER BY source_id""").fetchall()
    expected = sorted((sid, float(d), float(q)) for sid, d, q, _ in QUEUED_IN_THE_HOUR + OUTSIDE)
    assert rows == expected


def test_the_last_hour_p50_and_p95(con):
    assert recent(con, NOW) == {
        "window_end": NOW.isoformat(), "mentions": 5,
        "to_queue_p50_s": pytest.approx(90), "to_queue_p95_s": pytest.approx(504),
        "to_decision_p50_s": pytest.approx(30), "to_decision_p95_s": pytest.approx(48)}
    assert sentence(recent(con, NOW)) == (
        "post-to-queue over the last hour: p50 90 s, p95 8.4 min (5 mentions); to the "
        "routing decision: p50 30 s, p95 48 s")


def test_an_hour_without_a_queued_mention_says_so(con):
    quiet = recent(con, NOW + timedelta(hours=3))
    assert quiet["mentions"] == 0 and quiet["to_queue_p95_s"] is None
    assert sentence(quiet) == "post-to-queue: no mention reached a queue in the last hour"


def test_the_hourly_view(con):
    hours = con.execute("""SELECT hour, mentions, to_queue_p50_seconds, to_queue_p95_seconds,
                               to_queue_max_seconds, to_decision_p50_seconds
                           FROM out__queue_latency_hourly ORDER BY hour""").fetchall()
    # 08:30 early; 08:40 a, 08:50 b; 09:00 c, 09:10 d, 09:30 e; 09:30:01 late
    hour = datetime(2026, 11, 24, 8, tzinfo=timezone.utc)  # an instant: TIMESTAMPTZ
    assert hours == [
        (hour, 3, pytest.approx(45), pytest.approx(58.5), 60.0, pytest.approx(10)),
        (hour + timedelta(hours=1), 4, pytest.approx(105), pytest.approx(528), 600.0,
         pytest.approx(35))]


def test_waits_read_as_seconds_minutes_or_hours():
    assert [seconds(v) for v in (None, 42, 119.6, 210, 7300)] == [
        "–", "42 s", "120 s", "3.5 min", "2.0 h"]


def test_an_old_warehouse_keeps_null_moments_and_counts_in_no_figure(tmp_path: Path):
    """Decisions and joins made before migration 0020 have no recorded moment: the
    migration leaves them NULL rather than guessing one from a run's interval end."""
    old = tmp_path / "migrations"
    old.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql"))[:19]:
        shutil.copy(path, old / path.name)
    with duckdb.connect() as con:
        migrate(con, old)
        assert "decided_at" not in [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'core__routing_decisions'").fetchall()]
        mention(con, "old", NOW - 3600 * S)
        con.execute("""INSERT INTO core__routing_decisions VALUES ('x', 'old', 'contact_center',
                           'r', 'why', '[]', [], 'care', 'normal', NULL, 'desk', 'k-old', 'v1',
                           ?)""", [NOW - 1800 * S])
        con.execute("INSERT INTO core__delivery_mentions VALUES ('k-old', 'x', 'old', ?)",
                    [NOW - 1800 * S])

        assert [m.version for m in migrate(con)][0] == 20
        assert con.execute("SELECT decided_at FROM core__routing_decisions").fetchall() == [
            (None,)]
        assert con.execute("SELECT queued_at FROM core__delivery_mentions").fetchall() == [
            (None,)]
        assert con.execute("SELECT count(*) FROM out__queue_latency").fetchone() == (0,)
        assert recent(con, NOW)["mentions"] == 0


def test_a_snapshot_without_the_view_is_not_measured():
    with duckdb.connect() as con:
        assert recent(con, NOW) is None
        assert "not measured in this snapshot" in sentence(None)
