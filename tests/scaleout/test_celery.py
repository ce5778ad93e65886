"""The scale-out configuration on real services: Airflow's metadata on PostgreSQL, the
CeleryExecutor with a Redis broker and two workers, the care desk and the ingest state on
PostgreSQL, the warehouse on DuckLake with its catalog in PostgreSQL, and the process
DAG's hot path (enrich among its parts) on its own queue (deploy/scaleout.env,
docs/scaling.md).

The api-server, scheduler, dag-processor and both workers run as processes, as they
would in a deployment; the sample's recorded traffic stands in for the platforms. While
the hot path writes the lake on the enrichment worker, sync_outcomes writes it on the
default worker; then sync_outcomes runs once more. The lake must then hold what a local
`carewire demo` run of the same hour holds after one sync of outcomes, on the DuckDB
file, the desk on PostgreSQL the same items, and Airflow's metadata must show the two
workers' writing tasks overlapped, the hot_path task ran on the enrichment queue's worker
and every other task on the default worker.

Opt-in (`make test-scaleout`; CI runs it): it needs PostgreSQL and Redis. Without them it
skips and says so, except where CAREWIRE_REQUIRE_SERVICES=1, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from carewire.core.settings import SAMPLE_CONFIG, Settings, load_settings
from carewire.core.types import Lake
from carewire.connectors import configured_streams
from carewire.connectors.landing import LandingZone
from tests.conftest import POSTGRES_URL, fresh_database, lake_catalog
from tests.scaleout.cluster import REPO, Cluster

pytestmark = pytest.mark.scaleout

REDIS_URL = os.environ.get("CAREWIRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
"""A Redis database index of the test's own: it is emptied before and after the test."""

ENRICHMENT_QUEUE = "enrichment"
RUN_TIMEOUT_S = 480


def services_missing() -> str | None:
    """Why the services cannot be reached, or None."""
    import redis

    problems = []
    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        problems.append(f"no PostgreSQL at {POSTGRES_URL} (set CAREWIRE_TEST_POSTGRES_URL): "
                        f"{str(exc.orig).strip()}")
    finally:
        engine.dispose()
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        problems.append(f"no Redis at {REDIS_URL} (set CAREWIRE_TEST_REDIS_URL): {exc}")
    return "; ".join(problems) or None


@pytest.fixture(scope="session")
def services():
    """Asked first, before the session's demo run, so that a skip costs nothing."""
    if (why := services_missing()) is not None:
        if os.environ.get("CAREWIRE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{why}\nCAREWIRE_REQUIRE_SERVICES=1 says both run here: start them, "
                        "or point the variables above at them")
        pytest.skip(f"the scale-out test needs PostgreSQL and Redis: {why}")


@pytest.fixture
def databases(services):
    """Fresh PostgreSQL databases, dropped after: Airflow's metadata, the desk's, the
    ingest state's and the DuckLake catalog."""
    with ExitStack() as stack:
        yield {role: stack.enter_context(fresh_database(f"carewire_{role}")).render_as_string(
            hide_password=False) for role in ("metadata", "desk", "state", "lake")}


@pytest.fixture
def broker(services):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def demo_interval_end(data_dir: Path) -> datetime:
    """The hour the local demo run fetched: the scaled-out runs fetch the same one."""
    ends = {batch.interval.end for batch in LandingZone(data_dir / "landing").batches()}
    assert len(ends) == 1, ends
    return ends.pop()


def warehouse_counts(path: Path | Lake) -> dict[str, int]:
    from carewire.warehouse.db import connect

    with connect(path, read_only=True) as con:
        return {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("core__mentions", "core__enrichments", "core__routing_decisions",
                              "core__deliveries", "raw__quarantine")}


def desk_items(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM desk_items")).scalar_one()
    finally:
        engine.dispose()


class Metadata:
    """Reads Airflow's metadata database the way an operator's SQL would."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url)

    def rows(self, sql: str, **params) -> list[tuple]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql), params)]

    def parsed_dags(self) -> set[str]:
        return {dag_id for (dag_id,) in self.rows("SELECT dag_id FROM serialized_dag")}

    def runs(self) -> list[tuple[str, str]]:
        return self.rows("SELECT dag_id, state FROM dag_run ORDER BY id")

    def tasks(self) -> list[tuple[str, str, str, str, str]]:
        """(dag, task, state, queue, host) of every task instance."""
        return self.rows("SELECT dag_id, task_id, state, queue, hostname FROM task_instance "
                         "ORDER BY dag_id, task_id, map_index")

    def spans(self, dag_id: str, task_id: str) -> list[tuple[datetime, datetime]]:
        """When each run of a task started and ended."""
        return self.rows("SELECT start_date, end_date FROM task_instance WHERE dag_id = "
                         ":dag AND task_id = :task ORDER BY start_date", dag=dag_id, task=task_id)

    def running(self, dag_id: str, task_id: str) -> bool:
        return bool(self.rows("SELECT 1 FROM task_instance WHERE dag_id = :dag AND task_id = "
                              ":task AND state = 'running'", dag=dag_id, task=task_id))


def succeeded(meta: Metadata, dag_ids: list[str]) -> bool:
    """Every run of these DAGs succeeded, and each has one. A failed run, or a task
    waiting for a retry, fails the test at once: retries wait minutes."""
    runs = [(dag, state) for dag, state in meta.runs() if dag in dag_ids]
    failing = [row for row in meta.tasks() if row[2] in ("failed", "up_for_retry",
                                                         "upstream_failed")]
    if failing or any(state == "failed" for _, state in runs):
        raise AssertionError(f"runs {runs}; failing tasks {failing}")
    return ({dag for dag, _ in runs} == set(dag_ids)
            and all(state == "success" for _, state in runs))


def reference_after_sync(demo_data_dir: Path, tmp_path: Path) -> Settings:
    """The local demo run's data, copied, after one sync of outcomes on the DuckDB file:
    what the scaled-out runs must end with. The sync's clock is the wall clock, as the
    sync_outcomes DAG's is (the community escalations it plans depend on it)."""
    from carewire.app import pipeline

    shutil.copytree(demo_data_dir, tmp_path / "reference")
    settings = load_settings(SAMPLE_CONFIG).model_copy(
        update={"data_dir": tmp_path / "reference"})
    pipeline.sync_outcomes(settings, {}, datetime.now(timezone.utc))
    return settings


def test_ingest_process_and_sync_run_on_celery_workers_with_postgres_redis_and_ducklake(
        services, demo_data_dir, databases, broker, tmp_path):
    interval_end = demo_interval_end(demo_data_dir)
    ingest = [f"ingest_{source}"
              for source in configured_streams(load_settings(SAMPLE_CONFIG))]
    metadata_url = databases["metadata"]
    lake = Lake(lake_catalog(sa.make_url(databases["lake"])), f"{tmp_path / 'lake'}/")
    relocate = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url,
        "AIRFLOW__CELERY__BROKER_URL": broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata_url}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "CAREWIRE_CONFIG": str(SAMPLE_CONFIG),
        "CAREWIRE_DATA_DIR": str(tmp_path / "data"),
        "CAREWIRE_ROUTING__DESK_URL": databases["desk"],
        "CAREWIRE_STATE_URL": databases["state"],
        "CAREWIRE_WAREHOUSE_URL": f"ducklake:{lake.catalog}",
        "CAREWIRE_WAREHOUSE_DATA_PATH": lake.data_path,
    }
    meta = Metadata(metadata_url)
    try:
        with Cluster(tmp_path / "airflow", relocate) as cluster:
            assert cluster.env["CAREWIRE_ENRICHMENT__QUEUE"] == ENRICHMENT_QUEUE
            cluster.airflow("db", "migrate", timeout=300)
            # as docs/scaling.md says: the warehouse pool, before the scheduler starts
            cluster.airflow("pools", "import", str(REPO / "deploy" / "pools.json"))
            cluster.start("api-server", "api-server", "--host", "127.0.0.1",
                          "--port", str(cluster.api_port))
            cluster.start("scheduler", "scheduler")
            cluster.start("dag-processor", "dag-processor")
            cluster.start_worker("default", queue="default", concurrency=2)
            cluster.start_worker("enrichment", queue=ENRICHMENT_QUEUE, concurrency=1)
            cluster.wait(lambda: {*ingest, "process", "sync_outcomes"} <= meta.parsed_dags(),
                         "DAGs parsed by the dag-processor", timeout=180)

            cluster.airflow("dags", "unpause", "--treat-dag-id-as-regex",
                            "^(process|sync_outcomes|ingest_.*)$", "--yes")
            cluster.airflow_each([("dags", "trigger", dag_id, "--logical-date",
                                   interval_end.isoformat()) for dag_id in ingest])
            cluster.wait(lambda: succeeded(meta, ingest), "successful ingest runs",
                         timeout=RUN_TIMEOUT_S)
            # One process run over everything landed (the scheduler starts none by itself
            # here, asset-triggered runs included: see Cluster); while its hot path writes
            # the lake, a sync_outcomes run writes it from the other worker.
            cluster.airflow("dags", "trigger", "process")
            cluster.wait(lambda: meta.running("process", "hot_path"), "the hot path running",
                         timeout=RUN_TIMEOUT_S)
            cluster.airflow("dags", "trigger", "sync_outcomes")
            cluster.wait(lambda: succeeded(meta, ["process", "sync_outcomes"]),
                         "successful process and sync_outcomes runs", timeout=RUN_TIMEOUT_S)
            # and once more after the hot path, as the next half hour's run would
            cluster.airflow("dags", "trigger", "sync_outcomes")
            cluster.wait(lambda: succeeded(meta, ["process", "sync_outcomes"]),
                         "the second sync_outcomes run", timeout=RUN_TIMEOUT_S)
            tasks = meta.tasks()
            [(hot_start, hot_end)] = meta.spans("process", "hot_path")
            (sync_start, sync_end), _ = meta.spans("sync_outcomes", "sync")
    finally:
        meta.engine.dispose()

    assert sync_start < hot_end and hot_start < sync_end  # the two workers wrote at once
    local = reference_after_sync(demo_data_dir, tmp_path)
    counts = warehouse_counts(lake)
    assert counts["core__mentions"] >= 500
    assert counts == warehouse_counts(local.warehouse)
    assert desk_items(databases["desk"]) == desk_items(local.desk_url) > 0

    enrich = [(queue, host) for dag, task, _, queue, host in tasks
              if (dag, task) == ("process", "hot_path")]
    others = {(queue, host) for dag, task, _, queue, host in tasks
              if (dag, task) != ("process", "hot_path")}
    assert enrich and set(enrich) == {(ENRICHMENT_QUEUE, "enrichment")}
    assert others == {("default", "default")}
    assert {dag for dag, *_ in tasks} == {*ingest, "process", "sync_outcomes"}
    assert all(state == "success" for _, _, state, _, _ in tasks)
