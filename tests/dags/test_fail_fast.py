"""Through Airflow itself: a task that retrying cannot help (a feed answering 404) fails on
its first try with the message that says what to fix, while a passing trouble (a 503) is
retried as DEFAULT_ARGS say. The retries are kept, only their delay is cut to a second, so
a fatal error that were retried would show here as a later try."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import yaml

from carewire.core.settings import SAMPLE_CONFIG
from tests.conftest import Reply
from tests.dags.conftest import DAGS

pytestmark = pytest.mark.airflow

LOGICAL_DATE = datetime(2026, 11, 24, 8, tzinfo=timezone.utc)


@pytest.fixture
def feed_dag(airflow_db, tmp_path, monkeypatch, server):
    """ingest_feeds with one feed, served by `server` at /feed.xml."""
    config = yaml.safe_load(SAMPLE_CONFIG.read_text())
    config["sources"] = {"feeds": [{"name": "phonebeat", "kind": "news",
                                    "url": server.url("/feed.xml")}]}
    config["http"] = {"timeout_s": 2, "max_retries": 0}
    path = tmp_path / "carewire.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("CAREWIRE_CONFIG", str(path))
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.syspath_prepend(str(DAGS))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    dag = bag.get_dag("ingest_feeds")
    for task in dag.tasks:
        assert task.retries == 3  # production's
        task.retry_delay = task.max_retry_delay = timedelta(seconds=1)
    return dag


def fetch_try(dag_run) -> tuple[str, int]:
    [ti] = dag_run.get_task_instances()
    return str(ti.state).rsplit(".", 1)[-1].lower(), ti.try_number


def test_a_feed_that_is_gone_fails_its_task_on_the_first_try_saying_what_to_fix(
        feed_dag, server, capfd):
    server.route("/feed.xml", Reply(404, b"no such feed"))
    dag_run = feed_dag.test(logical_date=LOGICAL_DATE)
    log = "".join(capfd.readouterr())

    assert fetch_try(dag_run) == ("failed", 1)
    assert len(server.hits("/feed.xml")) == 1
    assert "AirflowFailException" in log and "HTTP 404" in log
    assert "retrying will not help; check the URL in carewire.yaml" in log
    assert "[not retried: fix this first, then clear the task]" in log


def test_a_passing_trouble_is_retried(feed_dag, server):
    server.route("/feed.xml", Reply(503, b"busy"))
    dag_run = feed_dag.test(logical_date=LOGICAL_DATE)

    state, tries = fetch_try(dag_run)
    assert state == "failed" and tries == 4  # the first try and three retries
    assert len(server.hits("/feed.xml")) == 4
