"""The scale-out configuration on real services: Airflow's metadata on PostgreSQL, the
CeleryExecutor with a Redis broker and two workers, the care desk on PostgreSQL, and the
process DAG's hot path (enrich among its parts) on its own queue (deploy/scaleout.env,
docs/scaling.md).

The api-server, scheduler, dag-processor and both workers run as processes, as they
would in a deployment; the sample's recorded traffic stands in for the platforms. Then
the warehouse must hold what a local `carewire demo` run of the same hour holds, the desk
on PostgreSQL the same items, and Airflow's metadata must show the hot_path task ran on
the enrichment queue's worker and every other task on the default worker.

Opt-in (`make test-scaleout`; CI runs it): it needs PostgreSQL and Redis. Without them it
skips and says so, except where CAREWIRE_REQUIRE_SERVICES=1, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from carewire.core.settings import SAMPLE_CONFIG, load_settings
from carewire.connectors import configured_streams
from carewire.connectors.landing import LandingZone
from tests.conftest import POSTGRES_URL
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
    """Two fresh PostgreSQL databases, Airflow's metadata and the desk's, dropped after."""
    suffix = uuid.uuid4().hex[:10]
    names = {"metadata": f"carewire_airflow_{suffix}", "desk": f"carewire_desk_{suffix}"}
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield {role: sa.make_url(POSTGRES_URL).set(database=name).render_as_string(
        hide_password=False) for role, name in names.items()}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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


def warehouse_counts(path: Path) -> dict[str, int]:
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


def test_ingest_and_process_run_on_celery_workers_with_postgres_and_redis(
        services, demo_data_dir, databases, broker, tmp_path):
    interval_end = demo_interval_end(demo_data_dir)
    ingest = [f"ingest_{source}"
              for source in configured_streams(load_settings(SAMPLE_CONFIG))]
    metadata_url = databases["metadata"]
    relocate = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url,
        "AIRFLOW__CELERY__BROKER_URL": broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata_url}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "CAREWIRE_CONFIG": str(SAMPLE_CONFIG),
        "CAREWIRE_DATA_DIR": str(tmp_path / "data"),
        "CAREWIRE_ROUTING__DESK_URL": databases["desk"],
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
            cluster.wait(lambda: {*ingest, "process"} <= meta.parsed_dags(),
                         "DAGs parsed by the dag-processor", timeout=180)

            cluster.airflow("dags", "unpause", "--treat-dag-id-as-regex",
                            "^(process|ingest_.*)$", "--yes")
            cluster.airflow_each([("dags", "trigger", dag_id, "--logical-date",
                                   interval_end.isoformat()) for dag_id in ingest])
            cluster.wait(lambda: succeeded(meta, ingest), "successful ingest runs",
                         timeout=RUN_TIMEOUT_S)
            # One process run over everything landed (the scheduler starts none by itself
            # here, asset-triggered runs included: see Cluster).
            cluster.airflow("dags", "trigger", "process")
            cluster.wait(lambda: succeeded(meta, ["process"]), "a successful process run",
                         timeout=RUN_TIMEOUT_S)
            tasks = meta.tasks()
    finally:
        meta.engine.dispose()

    scaled = load_settings(SAMPLE_CONFIG).model_copy(update={"data_dir": tmp_path / "data"})
    local = load_settings(SAMPLE_CONFIG).model_copy(update={"data_dir": demo_data_dir})
    counts = warehouse_counts(scaled.warehouse)
    assert counts["core__mentions"] >= 500
    assert counts == warehouse_counts(local.warehouse)
    assert desk_items(databases["desk"]) == desk_items(local.desk_url) > 0

    enrich = [(queue, host) for dag, task, _, queue, host in tasks
              if (dag, task) == ("process", "hot_path")]
    others = {(queue, host) for dag, task, _, queue, host in tasks
              if (dag, task) != ("process", "hot_path")}
    assert enrich and set(enrich) == {(ENRICHMENT_QUEUE, "enrichment")}
    assert others == {("default", "default")}
    assert {dag for dag, *_ in tasks} == {*ingest, "process"}
    assert all(state == "success" for _, _, state, _, _ in tasks)
