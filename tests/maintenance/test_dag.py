"""The maintenance DAG through Airflow itself (`dag.test()` on a throwaway SQLite metadata
database): an erasure passed with the trigger's conf is queued, applied and audited, and
the snapshot is republished without the author."""

from __future__ import annotations

import duckdb
import pytest

from carewire.core.settings import SAMPLE_CONFIG
from carewire.maintenance import requests
from tests.dags.conftest import DAGS, airflow_db  # noqa: F401 (the fixture)
from tests.maintenance.test_erase import pick_author

pytestmark = pytest.mark.airflow


def test_maintenance_dag_erases_the_author_named_in_its_conf(
        airflow_db, demo_settings, monkeypatch):  # noqa: F811 (the fixture imported above)
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    monkeypatch.syspath_prepend(str(DAGS))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    dag = bag.get_dag("maintenance")
    assert dag.max_active_runs == 1
    # Airflow's default, paused at creation like every DAG: the README's start-up steps
    # unpause it, and `carewire status --check` fails when erasures wait a day
    assert dag.is_paused_upon_creation is None
    assert [t.task_id for t in dag.tasks if t.downstream_task_ids == {"publish"}] == [
        "compact"]
    for task in dag.tasks:
        task.retries = 0  # fail at once here instead of waiting out the backoff
    handle, author_ids = pick_author(demo_settings, "reddit")

    run = dag.test(run_conf={"source": "reddit", "handle": handle, "reason": "DSAR 17"})

    assert str(run.state) in ("success", "DagRunState.SUCCESS"), run.state
    assert requests.pending(demo_settings) == []
    with duckdb.connect(str(demo_settings.snapshot), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core__mentions WHERE source = 'reddit' AND "
                           "list_contains(?, author_id)", [author_ids]).fetchone()[0] == 0
        audited = con.execute("SELECT kind, reason, mentions > 0 FROM audit__erasures "
                              "ORDER BY kind").fetchall()
    assert ("author", "DSAR 17", True) in audited
