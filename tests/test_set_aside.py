"""One record that breaks a step is set aside with its reason; the rest of its batch goes
on, the step skips it from then on, status shows it with the command that retries it.

The poison is injected into the real step (a model, the clustering, the policy, the
destination raising on one marked text): no record in the sample breaks the steps any
more, and the isolation must hold for the errors nobody has found yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from carewire.app import pipeline, status
from carewire.app.cli import main
from carewire.core.isolate import isolate
from carewire.core.settings import Settings
from carewire.enrichment.pairs import PairModel
from carewire.enrichment.enricher import Enricher
from carewire.enrichment.step import run
from carewire.warehouse.db import connect
from tests.warehouse.test_load import T0, atom, hour, land, query, settings  # noqa: F401

GOOD = [("g1", "My order never arrived, where is it?", "Sam"),
        ("g2", "How do I turn on wifi calling in the Kestrel app?", "Ana"),
        ("g3", "Thank you Kestrel, the new app is brilliant", "Lee")]
POISON = ("p1", "POISON this post breaks the step", "Bot")
NOW = T0 + timedelta(hours=3)


def poisoned(work, texts_of):
    """`work` raising on any call whose texts include the marked one, like a defect."""
    def wrapper(*args, **kwargs):
        if any("POISON" in text for text in texts_of(*args, **kwargs)):
            raise ValueError("cannot handle this text")
        return work(*args, **kwargs)
    return wrapper


@pytest.fixture(scope="module")
def models():
    return Enricher(Settings().enrichment), PairModel.default()


def enrich(settings, models):
    with connect(settings.warehouse) as con:
        return run(con, settings, *models)


def set_aside(settings):
    return query(settings, "SELECT stage, item_ref, reason, payload FROM raw__quarantine "
                           "WHERE stage <> 'parse' ORDER BY item_ref")


def test_isolate_finds_exactly_the_failing_rows_and_refuses_to_hide_an_outage():
    calls = []

    def work(rows):
        calls.append(rows)
        if {3, 6} & set(rows):
            raise KeyError(rows)
        return list(rows)

    parts = isolate(8, work)
    assert sorted(parts.failed) == [3, 6]
    assert [row for _, done in parts.done for row in done] == [0, 1, 2, 4, 5, 7]
    assert isolate(8, lambda rows: list(rows)).done == [(range(8), list(range(8)))]

    with pytest.raises(RuntimeError, match="model file missing"):  # every row fails
        isolate(5, lambda rows: (_ for _ in ()).throw(RuntimeError("model file missing")))
    alone = isolate(1, lambda rows: 1 / 0)  # one row, alone in its batch: set aside
    assert list(alone.failed) == [0] and alone.done == []


def test_a_text_the_models_fail_on_is_set_aside_and_the_rest_is_enriched(
        settings, models, monkeypatch, capsys):
    land(settings, hour(0), atom(*GOOD[:2], POISON, GOOD[2]))
    pipeline.load_landed(settings)
    enricher = models[0]
    monkeypatch.setattr(enricher, "enrich", poisoned(enricher.enrich, lambda texts, *_: texts))

    result = enrich(settings, models)
    assert (result["enriched"], result["set_aside"]) == (3, 1)
    assert query(settings, "SELECT source_id FROM core__enrichments ORDER BY 1") == [
        ("forum:g1",), ("forum:g2",), ("forum:g3",)]
    [(stage, ref, reason, payload)] = set_aside(settings)
    assert (stage, ref) == ("enrich", "feeds:forum:p1")
    assert "ValueError: cannot handle this text" in reason
    assert "carewire quality retry enrich" in reason
    assert b"POISON this post breaks the step" in payload

    assert enrich(settings, models)["set_aside"] == 0  # skipped, not failed again
    assert pipeline.route(settings, NOW, NOW)["decided"] == 3

    pipeline.publish(settings)
    report = status.collect(settings, NOW)
    assert report["warehouse"]["set_aside"] == [{
        "step": "enrich", "records": 1, "oldest": hour(0).end,
        "retry": "carewire quality retry enrich"}]
    assert "carewire quality retry enrich" in status.render(report)

    monkeypatch.undo()  # the fix
    assert main(["--config", str(_config(settings)), "quality", "retry", "enrich"]) in (0, None)
    assert "1 records set aside by enrich are tried again" in capsys.readouterr().out
    again = enrich(settings, models)
    assert (again["enriched"], again["set_aside"]) == (1, 0)
    assert set_aside(settings) == []


def test_a_deleted_mention_leaves_nothing_set_aside(settings, models, monkeypatch):
    land(settings, hour(0), atom(GOOD[0], POISON))
    pipeline.load_landed(settings)
    monkeypatch.setattr(models[0], "enrich", poisoned(models[0].enrich, lambda texts, *_: texts))
    enrich(settings, models)
    assert [row[:2] for row in set_aside(settings)] == [("enrich", "feeds:forum:p1")]
    with connect(settings.warehouse) as con:  # as a platform deletion is loaded
        con.execute("UPDATE core__mentions SET is_deleted = true WHERE source_id = 'forum:p1'")
    enrich(settings, models)
    assert set_aside(settings) == []


def test_a_model_that_fails_on_everything_fails_the_step(settings, models, monkeypatch):
    land(settings, hour(0), atom(*GOOD))
    pipeline.load_landed(settings)
    monkeypatch.setattr(models[0], "enrich", poisoned(models[0].enrich, lambda texts, *_: [
        "POISON" for _ in texts]))
    with pytest.raises(ValueError, match="cannot handle"):
        enrich(settings, models)
    assert set_aside(settings) == []
    assert query(settings, "SELECT count(*) FROM core__enrichments") == [(0,)]


def test_a_batch_a_gate_holds_is_not_enriched(settings, models):
    land(settings, hour(0), atom(*GOOD[:2]))
    pipeline.load_landed(settings)
    before_the_posts = datetime(2026, 11, 24, 3, tzinfo=timezone.utc)  # posts "in the future"
    gated = pipeline.gate(settings, ["landing_raw", "raw_core_mentions"], "run-1",
                          before_the_posts)
    assert not gated["success"]
    assert enrich(settings, models)["enriched"] == 0
    with connect(settings.warehouse) as con:
        from carewire.quality.store import release
        release(con, f"feeds/forum/{hour(0).key}", "lead", "checked", NOW)
    assert enrich(settings, models)["enriched"] == 2


def test_clustering_and_routing_set_aside_the_record_they_fail_on(settings, models,
                                                                   monkeypatch):
    import carewire.enrichment.step as enrich_step
    import carewire.routing.step as route_step

    land(settings, hour(0), atom(*GOOD, POISON))
    pipeline.load_landed(settings)
    monkeypatch.setattr(enrich_step, "assign", poisoned(enrich_step.assign,
                                                        lambda texts, *a, **k: texts))
    result = enrich(settings, models)
    assert (result["clustered"], result["cluster_set_aside"]) == (3, 1)
    assert [row[:2] for row in set_aside(settings)] == [("cluster", "feeds:forum:p1")]

    monkeypatch.setattr(route_step, "evaluate", poisoned(
        route_step.evaluate, lambda policy, frame, *a: frame["text"].tolist()))
    routed = pipeline.route(settings, NOW, NOW)
    assert (routed["decided"], routed["set_aside"]) == (3, 1)
    assert [row[:2] for row in set_aside(settings)] == [("cluster", "feeds:forum:p1"),
                                                        ("route", "feeds:forum:p1")]
    assert pipeline.route(settings, NOW, NOW)["decided"] == 0  # skipped from then on


def test_a_delivery_that_breaks_is_held_and_the_others_go_out(settings, models, monkeypatch):
    import carewire.routing.deliver as deliver

    land(settings, hour(0), atom(*GOOD, POISON))
    pipeline.load_landed(settings)
    enrich(settings, models)
    pipeline.route(settings, NOW, NOW)
    monkeypatch.setattr(deliver, "build_delivery", poisoned(
        deliver.build_delivery, lambda row, mentions: [m.text for m in mentions]))
    result = pipeline.deliver(settings, {}, NOW)
    assert result["blocked"] == 1 and result["delivered"] >= 1
    [(error,)] = query(settings, "SELECT last_error FROM core__deliveries "
                                 "WHERE status = 'blocked'")
    assert "ValueError: cannot handle this text" in error and "--retry-blocked" in error
    assert [(b["status"], b["items"]) for b in result["backlog"]] == [("blocked", 1)]


def _config(settings) -> str:
    path = settings.data_dir / "carewire.yaml"
    path.write_text(f"data_dir: {settings.data_dir}\n")
    return path
