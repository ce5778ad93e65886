"""The views that count sentiment count a mention that was not scored (no sentiment model
for its language, issue 19) apart, and no mean takes it in; migration 0019 withdraws what
the English head said about other languages before it."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import duckdb
import pytest

from carewire.warehouse.migrate import MIGRATIONS_DIR, available, migrate
from tests import warehouse_rows as rows

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
MENTIONS = [  # source_id, language, sentiment, score
    ("1", "en", "negative", -0.8),
    ("2", "en", "positive", 0.6),
    ("3", "de", "not_scored", None),
    ("4", "cy", "not_scored", None),
]


@pytest.fixture
def con():
    con = duckdb.connect()
    migrate(con)
    for source_id, language, sentiment, score in MENTIONS:
        rows.insert(con, "core__mentions", T0, source="x", source_id=source_id,
                    created_at=T0, is_deleted=False)
        rows.insert(con, "core__enrichments", T0, source="x", source_id=source_id,
                    language=language, sentiment=sentiment, sentiment_score=score,
                    sentiment_confidence=None if score is None else 0.9, relevant=True)
        rows.insert(con, "core__mention_tags", T0, source="x", source_id=source_id,
                    brand="Kestrel", is_competitor=False, topic="billing")
        rows.insert(con, "core__cluster_members", T0, source="x", source_id=source_id,
                    cluster_id="c1", joined_by="similar")
    return con


def test_the_daily_sentiment_views_count_not_scored_apart_and_average_the_scored(con):
    daily = con.execute("SELECT mentions, negative, neutral, positive, not_scored, "
                        "round(avg_sentiment_score, 6) FROM out__sentiment_daily").fetchall()
    assert daily == [(4, 1, 0, 1, 2, -0.1)]
    volume = con.execute("""
        SELECT grain, mentions, negative, neutral, positive, not_scored,
               round(avg_sentiment_score, 6)
        FROM out__volume_sentiment_daily ORDER BY grain""").fetchall()
    assert volume == [("source", 4, 1, 0, 1, 2, -0.1), ("topic", 4, 1, 0, 1, 2, -0.1)]


def test_no_mean_sentiment_takes_in_a_mention_that_was_not_scored(con):
    assert con.execute("SELECT round(avg_sentiment, 6) FROM core__issue_clusters").fetchall() \
        == [(-0.1,)]
    assert con.execute("SELECT round(avg_sentiment_score, 6) FROM out__share_of_voice") \
        .fetchall() == [(-0.1,)]
    con.execute("DELETE FROM core__enrichments WHERE sentiment <> 'not_scored'")
    assert con.execute("SELECT not_scored, avg_sentiment_score FROM out__sentiment_daily") \
        .fetchall() == [(2, None)]


def test_migration_0019_withdraws_what_the_english_head_said_about_other_languages(tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for migration in available():
        if migration.version < 19:
            shutil.copy(next(MIGRATIONS_DIR.glob(f"{migration.version:04d}_*.sql")), before)
    con = duckdb.connect()
    migrate(con, before)
    head, hub = '{"sentiment": "carewire/sentiment@b81badd451d8"}', '{"sentiment": "a/b@c"}'
    for source_id, language, models in (("en", "en", head), ("und", "und", head),
                                        ("de", "de", head), ("hub", "de", hub)):
        rows.insert(con, "core__enrichments", T0, source="x", source_id=source_id,
                    language=language, sentiment="negative", sentiment_score=-0.7,
                    sentiment_confidence=0.8, models=models)
    migrate(con)
    found = {r[0]: r[1:] for r in con.execute("""
        SELECT source_id, sentiment, sentiment_score, sentiment_confidence, sentiment_language,
               sentiment_reason FROM core__enrichments""").fetchall()}
    assert found["en"] == ("negative", -0.7, 0.8, "en", "en: carewire/sentiment is made for en")
    assert found["und"][:4] == ("negative", -0.7, 0.8, "en")
    assert found["und"][4].startswith("language undetermined: scored as en")
    assert found["de"] == ("not_scored", None, None, None, "no sentiment model for de is "
                           "configured; carewire/sentiment is made for en")
    assert found["hub"] == ("negative", -0.7, 0.8, None, None)  # its languages are unknown
