"""What the process and rerun DAGs share to do a window again: the params ops fill in
(the Airflow UI shows them as a form under "Trigger"; `--conf` and `airflow backfill
create --dag-run-conf` take the same keys) and the task that runs `carewire.rerun`.

Import-light like common.py: the scheduler parses these often.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param

from carewire.app.rerun_modes import REENRICH, REROUTE
from carewire.dag_tasks.common import task


def options(reload: bool, reenrich: str, reroute: str) -> dict[str, Param]:
    """What to do again, with the defaults of the DAG that asks."""
    return {
        "reload": Param(
            reload, type="boolean",
            description="Reload every landing batch whose interval overlaps the window from "
                        "its file, even if unchanged. No platform API is called: to fetch a "
                        "range from the APIs again, backfill the ingest DAGs instead "
                        "(docs/runbook.md)."),
        "reenrich": Param(
            reenrich, enum=list(REENRICH),
            description="Re-enrich the mentions created in the window: off; changed_models "
                        "(only those enriched by other models than the configured ones, after "
                        "a model change); all (every one)."),
        "reroute": Param(
            reroute, enum=list(REROUTE),
            description="Decide the window's mentions again under the current policy: off; "
                        "dry_run (report what would move, write no decision); real (replace "
                        "changed decisions, cancel their pending deliveries and plan new ones; "
                        "work already delivered stays with its person and is listed)."),
        "label": Param(
            "", type="string",
            description="A name shared by the runs of one backfill (e.g. 'model-2026-12'); "
                        "`carewire rerun report --since ... --until ... --label ...` combines "
                        "them into one report."),
    }


def window(when_empty: str) -> dict[str, Param]:
    """The `since`/`until` params: a window given by hand; `when_empty` says what a run
    without `since` does."""
    return {
        "since": Param(
            None, type=["null", "string"], format="date-time",
            description="Start of the window to do again (ISO 8601, e.g. "
                        f"2026-11-01T00:00:00+00:00). Empty: {when_empty}"),
        "until": Param(
            None, type=["null", "string"], format="date-time",
            description="End of the window, exclusive. Empty: the moment the run was "
                        "triggered."),
    }


RERUN_TIME_LIMIT = timedelta(hours=12)
"""A rerun may redo a month (reload, re-enrich): longer than common.TIME_LIMIT."""

WINDOW = window("this run does only its usual work, no rerun.")
"""Added to the process DAG's params: a window given by hand."""


def rerun_step(window_from_interval: bool):
    """The `rerun` task: over the window in the params when one is given; else over the
    run's data interval (the rerun DAG: its schedule and backfills) or no rerun at all
    (the process DAG)."""

    @task(task_id="rerun", execution_timeout=RERUN_TIME_LIMIT)
    def rerun(params=None, data_interval_start=None, data_interval_end=None,
              dag_run=None) -> dict:
        from datetime import datetime, timezone

        from carewire.app import rerun as reruns
        from carewire.core.errors import ConfigError
        from carewire.core.settings import load_settings
        from carewire.core.types import utc

        def moment(name: str) -> datetime:
            try:
                value = datetime.fromisoformat(params[name])
            except ValueError as exc:
                raise ConfigError(f"param {name}={params[name]!r} is not an ISO 8601 time "
                                  "like 2026-11-01T00:00:00+00:00") from exc
            return utc(value)

        if params.get("since"):
            window = (moment("since"),
                      moment("until") if params.get("until") else dag_run.run_after)
        elif not window_from_interval:
            return {"rerun": "none asked (no `since` in the run's conf)"}
        elif data_interval_start is None or data_interval_end is None:
            raise ConfigError(
                f"run {dag_run.run_id} has no data interval and no window: trigger it with "
                "`--conf '{\"since\": \"2026-11-01T00:00:00+00:00\", \"until\": "
                "\"2026-11-02T00:00:00+00:00\"}'` (or the since/until fields of the "
                "trigger form), or backfill a range")
        else:
            window = (data_interval_start, data_interval_end)
        report = reruns.rerun(
            load_settings(), (utc(window[0]), utc(window[1])), reload=params["reload"],
            reenrich=params["reenrich"], reroute=params["reroute"],
            now=utc(dag_run.run_after), judged_at=datetime.now(timezone.utc),
            rerun_id=f"{dag_run.dag_id}/{dag_run.run_id}", label=params["label"] or None)
        print(reruns.render(report))
        return {"rerun_id": report["reruns"][0], "tables": report["tables"],
                "route_changes": len(report["route_changes"]),
                "quality_failed": report["quality_failed"], **report["steps"]}

    return rerun()
