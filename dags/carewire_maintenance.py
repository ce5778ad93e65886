"""maintenance: erasure requests, platform deletions and retention, daily.

1. `request`: an erasure passed with the trigger is queued (see below);
2. `erase`: every queued request (`carewire erase ...`) and every mention the platforms
   reported deleted is removed from the landing zone, the warehouse and the care desk, with
   one audit row each (audit__erasures);
3. `retention`: raw payloads older than `retention.raw_days` are purged (the cutoff counts
   back from this run's data interval end);
4. `compact`: after anything was erased or purged, the warehouse file is rewritten from a
   logical copy (DuckDB keeps freed bytes in the file, and the snapshot is a byte copy);
5. `publish`: the snapshot and Parquet exports are rebuilt, so no trace stays there.

The DAG is created unpaused: erasure and retention are a legal duty that must run without
anyone remembering to switch it on.

Trigger an erasure at once:

    airflow dags trigger maintenance \
        --conf '{"source": "x", "handle": "NAME", "reason": "ticket 42"}'
    airflow dags trigger maintenance --conf '{"source": "x", "deleted_ids": ["1859..."]}'

A trigger's conf stays in Airflow's metadata database with the run: `carewire erase`
queues the same request without leaving the handle there, and is the way to prefer.

It writes the warehouse like process and sync_outcomes. DuckDB allows one writer: every
task here runs in the `carewire_warehouse` pool of one slot, so it waits for a running
process or sync_outcomes task to end instead of failing on the file's lock.
One run at a time (max_active_runs=1). A landing batch that an ingest replaces while it is
being redacted is left for the next run, and its request stays queued.
"""

from __future__ import annotations

from airflow.sdk import DAG, Param

from carewire.dag_tasks.common import START_DATE, default_args, migrate, publish, task
from carewire.core.settings import load_settings

with DAG(
    dag_id="maintenance",
    description="Erasure requests, platform deletions, retention of raw payloads",
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    # Paused at creation like every DAG (the README's unpause steps name it): while it is,
    # erasure requests wait, and `carewire status --check` says so after a day.
    default_args=default_args(load_settings().notify, writes_warehouse=True),
    tags=["carewire", "privacy"],
    doc_md=__doc__,
    params={
        "source": Param(None, type=["null", "string"], description="x, reddit, feeds, forums"),
        "handle": Param(None, type=["null", "string"], description="Author to erase"),
        "reason": Param("", type="string", description="Ticket or legal basis (audited)"),
        "deleted_ids": Param([], type="array", description="Ids the platform deleted"),
    },
) as dag:

    @task
    def request(params=None) -> list[str]:
        """Queue the erasure the run was triggered with, if any (ids only in the XCom)."""
        from carewire.core.errors import ConfigError
        from carewire.core.settings import load_settings
        from carewire.maintenance import requests

        settings = load_settings()
        queued = []
        if params.get("handle") or params.get("deleted_ids"):
            if not params.get("source"):
                raise ConfigError("conf names a handle or deleted_ids but no source; add "
                                  '"source": "x" (or reddit, feeds, forums)')
            if params.get("handle") and not (params.get("reason") or "").strip():
                raise ConfigError('an erasure needs a reason kept in the audit row: add '
                                  '"reason": "ticket 42" (or the legal basis) to the conf')
            if params.get("handle"):
                queued.append(requests.author_request(params["source"], params["handle"],
                                                      params.get("reason") or ""))
            if params.get("deleted_ids"):
                queued.append(requests.deletion_request(params["source"],
                                                        params["deleted_ids"]))
        for item in queued:
            requests.enqueue(settings, item)
        return [item.request_id for item in queued]

    @task
    def erase(data_interval_end=None) -> list[dict]:
        from carewire.core.settings import load_settings
        from carewire.maintenance import step

        return step.erase_all(load_settings(), step.moment(data_interval_end))

    @task
    def retention(data_interval_end=None) -> dict:
        from carewire.core.settings import load_settings
        from carewire.maintenance import step

        return step.retention(load_settings(), step.moment(data_interval_end))

    @task
    def compact() -> bool:
        from carewire.core.settings import load_settings
        from carewire.maintenance import step

        return step.compact(load_settings())

    migrate() >> request() >> erase() >> retention() >> compact() >> publish()
