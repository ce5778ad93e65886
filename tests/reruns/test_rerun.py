"""Reruns on a finished demo run: a rerun of unchanged data converges to the same tables,
and a changed model or policy gives a report that counts exactly what moved."""

from __future__ import annotations

import json

import duckdb
import pytest
import yaml

from carewire.app import pipeline
from carewire.app.cli import main
from carewire.core.errors import CarewireError
from carewire.app.rerun import rerun
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from carewire.routing.policy import DEFAULT_POLICY
from tests.reruns.conftest import EVERYTHING, NOW, query, tables


def test_reload_reenrich_all_and_reroute_real_converge_to_the_same_tables(demo_settings):
    before = tables(demo_settings.warehouse)
    mentions = query(demo_settings.warehouse,
                     "SELECT count(*) FROM core__mentions WHERE NOT is_deleted")[0][0]
    decided = query(demo_settings.warehouse, "SELECT count(*) FROM core__routing_decisions")[0][0]

    report = rerun(demo_settings, EVERYTHING, reload=True, reenrich="all", reroute="real",
                   now=NOW)

    assert tables(demo_settings.warehouse) == before
    assert report["tables"] == {}
    assert report["route_changes"] == []
    assert report["steps"]["batches_reloaded"] == len(list(demo_settings.landing.glob(
        "*/*/*.jsonl")))
    assert report["steps"]["mentions_reenriched"] == mentions
    assert report["steps"]["decisions_compared"] == decided
    stored = query(demo_settings.warehouse,
                   "SELECT reload, reenrich, reroute, batches_reloaded FROM core__reruns")
    assert stored == [(True, "all", "real", report["steps"]["batches_reloaded"])]


@pytest.fixture
def new_policy(tmp_path, monkeypatch):
    """The default policy with praise ignored and chatter sent to advocacy."""
    policy = yaml.safe_load(DEFAULT_POLICY.read_text())
    policy["version"] = "2026.12-test"
    for rule in policy["rules"]:
        if rule["id"] == "praise":
            rule["then"] = {"route": "ignore"}
        if rule["id"] == "chatter":
            rule["then"] = {"route": "advocacy", "priority": "low", "sla": "72h"}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    monkeypatch.setenv("CAREWIRE_ROUTING__POLICY", str(path))
    return path


def test_a_changed_policy_is_reported_by_a_dry_run_and_moved_by_a_real_one(
        demo_settings, new_policy, monkeypatch, capsys):
    warehouse = demo_settings.warehouse
    praise = {row[0] for row in query(warehouse, "SELECT delivery_key FROM core__routing_decisions "
                                                 "WHERE rule_id = 'praise'")}
    chatter = query(warehouse, "SELECT count(*) FROM core__routing_decisions "
                               "WHERE rule_id = 'chatter'")[0][0]
    assert len(praise) > 2 and chatter > 0
    waiting = sorted(praise)[:len(praise) // 2]  # as if the desk had been down for these
    with duckdb.connect(str(warehouse)) as con:
        con.execute("UPDATE core__deliveries SET status = 'pending', external_id = NULL, "
                    "delivered_at = NULL WHERE list_contains(?, delivery_key)", [waiting])
    before = tables(warehouse)
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    window = [f"--since={EVERYTHING[0].isoformat()}", f"--until={EVERYTHING[1].isoformat()}"]

    assert main(["rerun", *window, "--reroute", "dry_run", "--label", "policy-12", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert tables(warehouse) == before  # a dry run writes nothing but its report
    flows = {(c["old_route"], c["old_rule_id"], c["new_route"], c["new_rule_id"])
             for c in dry["route_changes"]}
    assert flows == {("advocacy", "praise", "ignore", "praise"),
                     ("ignore", "chatter", "advocacy", "chatter")}
    assert len(dry["route_changes"]) == len(praise) + chatter
    assert {c["action"] for c in dry["route_changes"]} == {"would_replace",
                                                           "would_leave_with_person"}

    real = rerun(load_settings(), EVERYTHING, reroute="real", now=NOW, label="policy-12")
    kept = len(praise) - len(waiting)  # delivered: left with the person who has it
    assert real["steps"]["left_with_person"] == kept
    assert real["steps"]["deliveries_cancelled"] == len(waiting)
    assert real["steps"]["deliveries_planned"] == chatter
    assert real["tables"]["core__deliveries"] == {"added": chatter, "changed": len(waiting),
                                                  "removed": 0}
    assert real["tables"]["core__delivery_mentions"] == {"added": chatter, "changed": 0,
                                                         "removed": len(waiting)}
    assert real["tables"]["core__events"] == {"added": len(waiting), "changed": 0, "removed": 0}
    # Every decision is now made under the new policy, except those left with a person.
    assert real["tables"]["core__routing_decisions"] == {
        "added": 0, "changed": real["steps"]["decisions_compared"] - kept, "removed": 0}
    assert set(real["tables"]) == {"core__deliveries", "core__delivery_mentions",
                                   "core__events", "core__routing_decisions"}
    assert query(warehouse, "SELECT status, count(*) FROM core__deliveries "
                            "WHERE list_contains(?, delivery_key) GROUP BY ALL",
                 [waiting]) == [("cancelled", len(waiting))]
    assert query(warehouse, "SELECT d.route, v.status, count(*) FROM core__routing_decisions d "
                            "JOIN core__deliveries v USING (delivery_key) "
                            "WHERE d.rule_id = 'praise' GROUP BY ALL") == [
        ("advocacy", "delivered", kept)]
    assert query(warehouse, "SELECT route, count(*) FROM core__routing_decisions "
                            "WHERE rule_id = 'praise' GROUP BY ALL ORDER BY 1") == [
        ("advocacy", kept), ("ignore", len(waiting))]
    assert query(warehouse, "SELECT v.route, v.status, count(*) FROM core__routing_decisions d "
                            "JOIN core__deliveries v USING (delivery_key) "
                            "WHERE d.rule_id = 'chatter' GROUP BY ALL") == [
        ("advocacy", "pending", chatter)]

    again = rerun(load_settings(), EVERYTHING, reroute="real", now=NOW, label="policy-12")
    assert again["tables"] == {}  # converged; only the work left with people still differs
    assert {c["action"] for c in again["route_changes"]} == {"leave_with_person"}

    pipeline.publish(load_settings())  # as the rerun DAG does: `report` reads the snapshot
    assert main(["rerun", "report", *window, "--label", "policy-12", "--json"]) == 0
    combined = json.loads(capsys.readouterr().out)
    assert len(combined["reruns"]) == 3
    assert combined["tables"] == real["tables"]
    assert len(combined["route_changes"]) == len(praise) + chatter
    assert combined["steps"]["decisions_to_replace"] == dry["steps"]["decisions_to_replace"]
    assert main(["rerun", "report", *window, "--label", "policy-12"]) == 0
    text = capsys.readouterr().out
    assert "3 reruns" in text and "left with the person who has it" in text


def test_a_model_change_and_a_lost_row_are_counted_in_their_tables(demo_settings):
    warehouse = demo_settings.warehouse
    with duckdb.connect(str(warehouse)) as con:
        older = [row for row in con.execute(
            "SELECT source, source_id FROM core__enrichments ORDER BY source, source_id "
            "LIMIT 5").fetchall()]
        for source, source_id in older:  # as if an earlier model had enriched these
            con.execute("UPDATE core__enrichments SET models_version = 'older' "
                        "WHERE source = ? AND source_id = ?", [source, source_id])
        lost = con.execute("SELECT source, source_id FROM core__mentions WHERE NOT is_deleted "
                           "ORDER BY source_id LIMIT 1").fetchone()
        con.execute("DELETE FROM core__mentions WHERE source = ? AND source_id = ?", list(lost))

    report = rerun(demo_settings, EVERYTHING, reload=True, reenrich="changed_models",
                   now=NOW)

    assert report["steps"]["mentions_reenriched"] == len(older)
    assert report["tables"]["core__enrichments"] == {"added": 0, "changed": len(older),
                                                     "removed": 0}
    assert report["tables"]["core__mentions"] == {"added": 1, "changed": 0, "removed": 0}
    # Encoded in a batch of their own, the five may come out a float's width from where the
    # first run's batch put them: their embeddings and their authors' scores then differ
    # by that much, and the report says so instead of hiding it.
    assert set(report["tables"]) <= {"core__enrichments", "core__mentions",
                                     "core__embeddings", "core__author_influence"}
    assert report["tables"].get("core__embeddings", {"changed": 0})["changed"] <= len(older)
    assert query(warehouse, "SELECT count(*) FROM core__enrichments "
                            "WHERE models_version = 'older'") == [(0,)]


def test_a_rerun_that_asks_for_nothing_or_an_empty_window_says_what_to_give(demo_settings):
    with pytest.raises(CarewireError, match="nothing to rerun"):
        rerun(demo_settings, EVERYTHING, now=NOW)
    with pytest.raises(CarewireError, match="the window is empty"):
        rerun(demo_settings, (EVERYTHING[1], EVERYTHING[0]), reload=True, now=NOW)
    with pytest.raises(CarewireError, match="reroute must be one of"):
        rerun(demo_settings, EVERYTHING, reroute="sideways", now=NOW)


def test_a_report_range_needs_its_start_and_an_empty_window_says_so(demo_settings, capsys):
    assert main(["rerun", "report", "--until", "2026-12-01", "--label", "x"]) == 2
    assert "give its start with --since" in capsys.readouterr().err
    assert main(["rerun", "--since", "1990-01-01", "--until", "1990-01-02",
                 "--reroute", "dry_run"]) == 0
    assert "nothing in the window" in capsys.readouterr().out


def test_a_reload_of_an_unchanged_file_is_judged_again_and_clears_its_hold(demo_settings):
    warehouse = demo_settings.warehouse
    [(batch_id, start, end)] = query(warehouse, """
        SELECT batch_id, interval_start, interval_end FROM raw__landing_batches
        WHERE source = 'x'""")
    with duckdb.connect(str(warehouse)) as con:  # a bad row, as if loaded from a bad parser
        con.execute("""
            UPDATE core__mentions SET created_at = TIMESTAMPTZ '2099-01-01 00:00:00+00'
            WHERE source = 'x' AND source_id = (SELECT min(source_id) FROM core__mentions
                                                WHERE source = 'x')""")
        con.execute("DELETE FROM quality__checked WHERE suite = 'raw_core_mentions'")
    from carewire.app import pipeline
    pipeline.gate(demo_settings, ["raw_core_mentions"], "bad", NOW)
    gate_rows = "SELECT count(*) FROM raw__quarantine WHERE stage = 'gate'"
    assert query(warehouse, gate_rows) == [(1,)]

    pipeline.load_landed(demo_settings, (start, end))  # the same file: the same sha256
    assert query(warehouse, gate_rows) == [(1,)]  # load keeps the gate's evidence

    report = rerun(demo_settings, (start, end), reload=True, now=NOW)

    assert report["quality_failed"] == []
    assert query(warehouse, "SELECT released_by FROM quality__held_batches "
                            "WHERE batch_id = ?", [batch_id]) == [("gate",)]
    assert query(warehouse, gate_rows) == [(0,)]  # judged again and passed

    report = rerun(demo_settings, EVERYTHING, reenrich="all", now=NOW)  # the same models
    assert query(warehouse, "SELECT rows_checked FROM quality__results WHERE run_id = ? "
                            "AND suite = 'enrichments'", [report["reruns"][0]]) == [
        (report["steps"]["mentions_reenriched"],)]
