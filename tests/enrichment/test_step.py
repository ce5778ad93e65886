"""The enrich step on a real DuckDB warehouse: every layer written once, reruns change
nothing, new mentions join open clusters, edits and model changes re-enrich only what
they affect, deleted content leaves no derived data behind."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from carewire.app import pipeline
from carewire.core.settings import Brand, Settings
from carewire.enrichment.pairs import PairModel
from carewire.enrichment.enricher import Enricher
from carewire.enrichment.step import run
from tests.warehouse.test_load import atom, hour, land, query, settings  # noqa: F401
from carewire.warehouse.db import connect

ORDER_LOST = ("o1", "My order never arrived", "Sam")
ORDER_LOST_AGAIN = ("o2", "Still waiting for my order, it never arrived", "Ana")
PRAISE = ("p1", "Thank you Kestrel, the new app is brilliant, setup took two minutes", "Lee")
JOB_AD = ("j1", "We're hiring retail advisors in Leeds, apply now", "Jobs")


@pytest.fixture(scope="module")
def models():
    return Enricher(Settings().enrichment), PairModel.default()


def enrich(settings, models, window=None):
    with connect(settings.warehouse) as con:
        return run(con, settings, *models, window)


def clusters(settings) -> dict[str, str]:
    return dict(query(settings, "SELECT source_id, cluster_id FROM core__cluster_members"))


def test_every_layer_is_written_with_its_models_and_a_rerun_changes_nothing(settings, models):
    land(settings, hour(0), atom(ORDER_LOST, ORDER_LOST_AGAIN, PRAISE, JOB_AD))
    pipeline.load_landed(settings)
    first = enrich(settings, models)
    assert first["enriched"] == 4 and first["clustered"] == 4

    rows = {r[0]: r[1:] for r in query(settings, """
        SELECT source_id, sentiment, intent, relevant, models, language
        FROM core__enrichments""")}
    assert rows["forum:p1"][0] == "positive" and rows["forum:p1"][1] == "praise"
    assert rows["forum:o1"][1] == "complaint"
    assert rows["forum:j1"][2] is False
    assert json.loads(rows["forum:o1"][3])["encoder"].startswith("sentence-transformers/all-MiniLM")
    assert {r[4] for r in rows.values()} == {"en"}
    assert query(settings, "SELECT count(*), min(len(embedding)) FROM core__embeddings") == \
        [(4, 384)]
    ids = clusters(settings)
    assert ids["forum:o1"] == ids["forum:o2"] and len(set(ids.values())) == 3

    again = enrich(settings, models)
    assert again["enriched"] == 0 and again["clustered"] == 0
    assert clusters(settings) == ids


def test_a_later_mention_joins_the_open_cluster_of_an_earlier_run(settings, models):
    land(settings, hour(0), atom(ORDER_LOST, PRAISE))
    pipeline.load_landed(settings)
    enrich(settings, models)
    land(settings, hour(1), atom(("o3", "still no sign of my order, it never arrived", "Kim")))
    pipeline.load_landed(settings)
    later = enrich(settings, models)
    assert later["joined_open_clusters"] == 1
    ids = clusters(settings)
    assert ids["forum:o3"] == ids["forum:o1"]
    assert query(settings, "SELECT size, authors FROM core__issue_clusters "
                           f"WHERE cluster_id = '{ids['forum:o1']}'") == [(2, 2)]


def test_an_edited_mention_is_enriched_again(settings, models):
    land(settings, hour(0), atom(PRAISE))
    pipeline.load_landed(settings)
    enrich(settings, models)
    land(settings, hour(1), atom(("p1", "The new app is broken and support never answers",
                                  "Lee")))
    pipeline.load_landed(settings)
    assert enrich(settings, models)["enriched"] == 1
    assert query(settings, "SELECT sentiment FROM core__enrichments") == [("negative",)]


def test_deleted_content_leaves_no_enrichment_embedding_or_membership(settings, models):
    land(settings, hour(0), atom(ORDER_LOST, PRAISE))
    pipeline.load_landed(settings)
    enrich(settings, models)
    with connect(settings.warehouse) as con:  # what a platform deletion notice does on load
        con.execute("UPDATE core__mentions SET is_deleted = true, text = '' "
                    "WHERE source_id = 'forum:o1'")
    assert enrich(settings, models)["forgotten_deleted"] == 1
    for table in ("core__enrichments", "core__embeddings", "core__cluster_members"):
        assert query(settings, f"SELECT source_id FROM {table}") == [("forum:p1",)]


def test_a_model_change_re_enriches_only_the_window_asked_for(settings, models):
    land(settings, hour(0), atom(ORDER_LOST))
    land(settings, hour(5), atom(PRAISE))
    pipeline.load_landed(settings)
    with connect(settings.warehouse) as con:  # two days apart
        con.execute("UPDATE core__mentions SET created_at = created_at - INTERVAL 2 DAY "
                    "WHERE source_id = 'forum:o1'")
    enrich(settings, models)
    before = dict(query(settings, "SELECT source_id, models_version FROM core__enrichments"))

    enricher, pairs = models
    changed = Enricher(enricher.settings)
    changed.models = {**enricher.models, "sentiment": "carewire/sentiment@retrained"}
    assert enrich(settings, (changed, pairs))["enriched"] == 0  # no window: only new ones

    praised = dict(query(settings, "SELECT source_id, created_at FROM core__mentions"))["forum:p1"]
    window = (praised - timedelta(hours=1), praised + timedelta(hours=1))
    assert enrich(settings, (changed, pairs), window)["enriched"] == 1
    after = dict(query(settings, "SELECT source_id, models_version FROM core__enrichments"))
    assert after["forum:o1"] == before["forum:o1"] and after["forum:p1"] != before["forum:p1"]


def test_influence_tiers_show_their_components_and_reasons(settings, models):
    """An X author with a large audience, a forum regular whose answers to others' questions
    get liked, the brand's own account, and someone who only complains."""
    settings.brands = [Brand(name="Kestrel", handles=["@KestrelHelp"])]
    with connect(settings.warehouse) as con:
        con.execute("""
            INSERT INTO core__authors (source, author_id, handle, followers_count, karma,
                                       first_seen_at, last_seen_at) VALUES
            ('x', 'u1', 'bigvoice', 250000, NULL, now(), now()),
            ('x', 'u2', 'KestrelHelp', 90000, NULL, now(), now()),
            ('forums', 'f1', 'asker', NULL, 1, now(), now()),
            ('forums', 'f2', 'helper', NULL, 2, now(), now())""")
        rows = [("x", "t1", "u1", None, "My bill doubled and nobody answers, terrible"),
                ("x", "t2", "u2", None, "Sorry to hear that, we are looking into it")]
        for n in range(3):
            rows += [("forums", f"q{n}", "f1", None, f"How do I move my eSIM to phone {n}?"),
                     ("forums", f"a{n}", "f2", f"q{n}",
                      "Go to Settings, then Mobile, then Transfer eSIM. Works every time.")]
        for source, source_id, author, parent, text in rows:
            con.execute("""
                INSERT INTO core__mentions (source, source_id, stream, text, author_id,
                    created_at, categories, parent_id, like_count, batch_id, first_seen_at,
                    last_seen_at)
                VALUES (?, ?, 's', ?, ?, now(), [], ?, ?, 'b', now(), now())""",
                        [source, source_id, text, author, parent, 2 if parent else 0])
    result = enrich(settings, models)
    assert result["influence_tiers"] == {"brand": 1, "influencer": 1, "regular": 1,
                                         "superfan": 1}
    tiers = {r[0]: r[1:] for r in query(settings, """
        SELECT handle, tier, reach, helpful_replies, mentions, tier_reason, score
        FROM core__author_influence""")}
    assert tiers["bigvoice"][:2] == ("influencer", 250000)
    assert tiers["bigvoice"][4] == "reach 250000 >= 10000 on x"
    assert tiers["helper"][0] == "superfan" and tiers["helper"][2] == 3
    assert tiers["KestrelHelp"][0] == "brand"
    assert tiers["asker"][:3] == ("regular", 1, 0)
    assert all(0 <= row[5] <= 1 for row in tiers.values())


def test_a_german_mention_is_stored_not_scored_and_an_english_one_scored(settings, models):
    """Through the pipeline into core__enrichments: the German post (detected, or tagged
    German by its feed) gets no sentiment score and says why; the English one is scored
    by a model made for English."""
    german = ("d1", "Die Bahn ist schon wieder zu spät und keiner sagt uns warum", "Jo")
    tagged = atom(("d2", "Kestrel app update", "Kai")).replace(
        b"<entry>", b"<entry xml:lang='de'>")
    land(settings, hour(0), atom(ORDER_LOST, german), tagged)
    pipeline.load_landed(settings)
    enrich(settings, models)
    rows = {r[0]: r[1:] for r in query(settings, """
        SELECT source_id, language, language_source, sentiment, sentiment_score,
               sentiment_confidence, sentiment_language, sentiment_reason
        FROM core__enrichments""")}
    assert rows["forum:o1"][:3] == ("en", "detected", "negative")
    assert rows["forum:o1"][3] < 0 and rows["forum:o1"][5:] == (
        "en", "en: carewire/sentiment is made for en")
    for key, source in (("forum:d1", "detected"), ("forum:d2", "platform")):
        assert rows[key] == ("de", source, "not_scored", None, None, None,
                             "no sentiment model for de is configured; carewire/sentiment "
                             "is made for en")
    assert query(settings, "SELECT sum(negative + neutral + positive), sum(not_scored), "
                           "sum(mentions) FROM out__sentiment_daily") == [(1, 2, 3)]
