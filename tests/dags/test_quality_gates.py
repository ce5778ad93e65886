"""The process DAG through Airflow with a bad batch: the platform stamps one tweet in the
future. The x batch is held and quarantined, every other batch is routed and delivered,
and the run ends failed at `quality_gates`, which lists the failed expectation."""

from __future__ import annotations

import re

import duckdb
import pytest

from carewire.core.settings import SAMPLE_CONFIG, load_settings
from carewire.dag_tasks.hot_path import PARTS
from tests.dags.test_dag_runs import dagbag, ingest_all  # noqa: F401 (dagbag: a fixture)

pytestmark = pytest.mark.airflow


def stamp_one_tweet_in_the_future(settings) -> None:
    """Edit the landed x batch as the platform would have sent it: a created_at in 2099."""
    [path] = settings.landing.glob("x/brand/*.jsonl")
    text = path.read_text(encoding="utf-8")
    marker = '\\"created_at\\":\\"2026-'
    assert marker in text
    path.write_text(text.replace(marker, '\\"created_at\\":\\"2099-', 1), encoding="utf-8")


def test_a_failing_batch_is_held_the_others_flow_and_the_run_fails_visibly(dagbag, capfd,
                                                                           caplog):
    settings = load_settings(SAMPLE_CONFIG)
    ingest_all(dagbag)
    stamp_one_tweet_in_the_future(settings)

    dag_run = dagbag.get_dag("process").test()
    log = "".join(capfd.readouterr())  # the task logs, as ops read them
    assert str(dagbag.get_dag("publish").test().state) in ("success", "DagRunState.SUCCESS")

    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) in ("failed", "DagRunState.FAILED")
    assert states["quality_gates"] in ("failed", "TaskInstanceState.FAILED")
    # the gates held the batch inside the hot path, which went on to route and deliver
    assert states["hot_path"] in ("success", "TaskInstanceState.SUCCESS")
    parts = caplog.text  # the hot path's own log lines, each part folded in the UI
    groups = re.findall(r"::group::(\w+)", parts)
    assert [name for name in groups if name in PARTS] == list(PARTS)
    assert parts.count("::endgroup::") >= len(PARTS)
    assert re.search(r"gate_raw: \d+\.\d s", parts)
    assert re.search(r"AirflowFailException: 1 expectations failed in this run:\n"
                     r"  raw_core_mentions: expect_column_values_to_be_between\(created_at\) "
                     r"on 1 rows \(x:\d+\), "
                     r"batches held: x/brand/20261124T070000Z--20261124T080000Z\n", log)
    assert "carewire quality show" in log

    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        held = con.execute("SELECT batch_id FROM out__quality_held").fetchall()
        decided = dict(con.execute("SELECT source, count(*) FROM core__routing_decisions "
                                   "GROUP BY ALL").fetchall())
        gate_rows = con.execute("SELECT item_ref, reason FROM raw__quarantine "
                                "WHERE stage = 'gate'").fetchall()
        runs = con.execute("SELECT DISTINCT run_id FROM quality__results").fetchall()
    assert [batch for (batch,) in held] == [
        "x/brand/20261124T070000Z--20261124T080000Z"]
    assert "x" not in decided and decided["reddit"] > 0 and decided["feeds"] > 0
    [(item_ref, reason)] = gate_rows
    assert item_ref.startswith("x:") and "expect_column_values_to_be_between" in reason
    assert runs == [(dag_run.run_id,)]


def test_the_run_report_counts_the_records_each_step_set_aside():
    from carewire.app.pipeline import set_aside_in

    assert set_aside_in({"set_aside": 2, "cluster_set_aside": 0}, {"set_aside": 1}) == {
        "enrich": 2, "route": 1}
    assert set_aside_in(None, {"set_aside": 0}) == {}  # enrich did not run: nothing to count


def test_a_stream_that_stopped_is_named_and_nothing_is_said_to_be_quarantined(demo_settings):
    """Two days after the demo's hour only one feed landed: the freshness check fails for
    every other stream, by name, and no batch holds that (there is none)."""
    from datetime import datetime, timedelta, timezone

    from carewire.app import pipeline
    from carewire.connectors.base import Stream
    from carewire.connectors.landing import LandingZone
    from carewire.core.types import Interval
    from carewire.dag_tasks.quality import failed_run_message
    from carewire.quality import GATES_AFTER

    end = datetime(2026, 11, 26, 8, tzinfo=timezone.utc)
    LandingZone(demo_settings.landing).write_batch(
        Stream("feeds", "phonebeat"), Interval(end - timedelta(hours=1), end), [])
    pipeline.load_landed(demo_settings)
    pipeline.gate(demo_settings, GATES_AFTER["load"], "stale-run", end)

    message = failed_run_message(pipeline.quality_failures(demo_settings, ["stale-run"]), [],
                                 {})
    [line] = [line for line in message.splitlines() if "newest_interval_end" in line]
    assert "landing_raw: expect_column_pair_values_a_to_be_greater_than_b" in line
    assert "forums/kestrel-community" in line and "x/brand" in line
    assert "feeds/phonebeat" not in line  # it landed
    assert line.endswith("nothing held: a check of the stream, not of a batch")
    assert "raw__quarantine" not in message
    assert "look at the named stream's ingest DAG" in message
