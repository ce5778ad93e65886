"""End to end through Airflow itself: ingest_feeds then process, on the bundled sample.

`dag.test()` runs the real task code in-process against a real (SQLite) Airflow metadata
database; the feeds are served by replaying the sample cassettes through the connector's
own HTTP session.
"""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pytest

from carewire.core.settings import SAMPLE_CONFIG, load_settings
from tests.dags.conftest import DAGS, for_dag_test
from tests.warehouse_rows import tables

pytestmark = pytest.mark.airflow

LOGICAL_DATE = datetime(2026, 11, 24, 8, tzinfo=timezone.utc)
INGEST = ["ingest_feeds", "ingest_x", "ingest_reddit", "ingest_forums"]


@pytest.fixture
def dagbag(airflow_db, tmp_path, monkeypatch):
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.syspath_prepend(str(DAGS))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    for dag in bag.dags.values():
        for_dag_test(dag)
        for task in dag.tasks:
            # dag.test() honours retries and would wait out the production backoff
            # (2, 4, 8 minutes) before reporting a failure; here a failure fails at once.
            task.retries = 0
    return bag


def run(bag, dag_id: str, **kwargs):
    dag_run = bag.get_dag(dag_id).test(**kwargs)
    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS"), f"{dag_id}: {dag_run.state}"
    return dag_run


def ingest_all(bag) -> None:
    for dag_id in INGEST:
        ingest = run(bag, dag_id, logical_date=LOGICAL_DATE)
        assert (ingest.data_interval_start, ingest.data_interval_end) == (
            datetime(2026, 11, 24, 7, tzinfo=timezone.utc), LOGICAL_DATE)


def test_ingest_then_process_loads_the_sample_and_quarantines_what_is_broken(dagbag):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    from carewire.dag_tasks.hot_path import HOT_PATH_TASK_ID, PARTS

    ingest_all(dagbag)
    processed = run(dagbag, "process")
    with create_session() as session:  # each part's result, by name, for ops and quality_gates
        keys = {key for (key,) in session.query(XComModel.key).filter(
            XComModel.run_id == processed.run_id, XComModel.task_id == HOT_PATH_TASK_ID)}
    assert set(PARTS) <= keys
    assert not list(load_settings(SAMPLE_CONFIG).snapshot.parent.glob("analytics*"))
    run(dagbag, "publish")  # the snapshot is the publish DAG's, on its own cron

    settings = load_settings(SAMPLE_CONFIG)
    batches = sorted(p.name for p in settings.landing.glob("feeds/*/*.jsonl"))
    assert batches == ["20261124T070000Z--20261124T080000Z.jsonl"] * len(settings.sources.feeds)
    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        per_stream = dict(con.execute(
            "SELECT source || '/' || stream, count(*) FROM core__mentions GROUP BY ALL").fetchall())
        reasons = con.execute(
            "SELECT stream, reason FROM raw__quarantine ORDER BY stream, reason").fetchall()
    assert {"feeds/google-alerts", "feeds/phonebeat", "feeds/mastodon-tag",
            "feeds/ukmobiles-forum", "x/brand", "reddit/r-kestrelmobile", "reddit/r-uktelecoms",
            "forums/kestrel-community"} <= set(per_stream)
    assert sum(per_stream.values()) >= 500
    by_stream = {}
    for stream, reason in reasons:
        by_stream.setdefault(stream, []).append(reason)
    assert by_stream["kestrelfans-blog"][0].startswith("HTML page instead of a feed")
    assert by_stream["deals-feed"][0].startswith("malformed feed")
    # its two entries with neither guid nor link are keyed by their hash and loaded
    assert "ukmobiles-forum" not in by_stream
    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        hashed = con.execute("SELECT count(*) FROM core__mentions WHERE stream = "
                             "'ukmobiles-forum' AND source_id LIKE 'ukmobiles-forum:sha256:%' "
                             "AND url IS NULL").fetchone()[0]
    assert hashed == 2


def test_running_the_same_interval_twice_leaves_identical_tables(dagbag):
    settings = load_settings(SAMPLE_CONFIG)
    ingest_all(dagbag)
    run(dagbag, "process")
    first = tables(settings.warehouse)

    ingest_all(dagbag)
    run(dagbag, "process")
    second = tables(settings.warehouse)

    assert first["core__mentions"]
    assert second == first
    run(dagbag, "publish")
    assert tables(settings.snapshot) == first


def test_a_run_triggered_without_a_logical_date_fetches_the_hour_before_it(dagbag):
    """`airflow dags trigger ingest_x` (no --logical-date) has no data interval."""
    run(dagbag, "ingest_x", logical_date=None,
        run_after=datetime(2026, 11, 24, 8, 30, tzinfo=timezone.utc))
    settings = load_settings(SAMPLE_CONFIG)
    assert [p.name for p in settings.landing.glob("x/brand/*.jsonl")] == [
        "20261124T070000Z--20261124T080000Z.jsonl"]
