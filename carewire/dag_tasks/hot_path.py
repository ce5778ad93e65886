"""The process DAG's hot path: one task that takes a landed micro-batch from the landing
zone to the agents' queue, load -> gate_raw -> enrich -> gate_enrichments -> alerts ->
route -> gate_routing -> deliver, in one process.

Why one task and not one per step: every Airflow task pays a start-up (a process forked
and its imports, the DAG file parsed again, round trips to the execution API, a scheduler
loop to notice the task before it and queue the next), several seconds each on a small
machine, and with ingest polling every minute or two that start-up, not the work, was
most of the time from a post to the queue. The gates are judged in this same process by
the same `pipeline.gate` calls as before, so their meaning is unchanged: a failing batch
is quarantined and held from routing, the others flow on, and the run's last task
(`quality_gates`) fails the run for it.

What ops still see: each part is a collapsible group in the task's log (the Airflow UI
folds the lines between `::group::NAME` and `::endgroup::`), ending with the part's time
and result, and each part's result is an XCom of this task under the part's name (the
task's XCom tab; `quality_gates` reads `enrich` and `route` there). A part that raises
stops the task there with its traceback after its group; the retry starts again from
load, which converges (unchanged batches are skipped, enrich and route take only what
has no enrichment or decision yet, deliveries are keyed).

Import-light like common.py: the scheduler parses these often.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from carewire.dag_tasks.common import task

HOT_PATH_TASK_ID = "hot_path"
PARTS = ("load", "gate_raw", "enrich", "gate_enrichments", "alerts", "route",
         "gate_routing", "deliver")
"""The hot path's parts in order, each a log group and an XCom key of the task."""

log = logging.getLogger(__name__)


def run_part(name: str, step: Callable[[], dict[str, Any]],
             keep: Callable[[str, dict[str, Any], float], None]) -> dict[str, Any]:
    """Run one part inside its log group, log its time and result, and `keep` the result
    under its name; an exception leaves the group closed and the task failed."""
    log.info("::group::%s", name)
    started = time.monotonic()
    try:
        result = step()
    except BaseException:
        log.info("::endgroup::")
        log.error("%s failed after %.1f s", name, time.monotonic() - started)
        raise
    seconds = time.monotonic() - started
    log.info("%s done in %.1f s: %s", name, seconds, result)
    log.info("::endgroup::")
    log.info("%s: %.1f s", name, seconds)  # outside the group: the timings read at a glance
    keep(name, result, seconds)
    return result


def hot_path(queue: str | None):
    """The hot-path task. `queue`: under the CeleryExecutor the whole task goes to the
    enrichment queue (the GPU workers), since enrich runs in it; the LocalExecutor ignores
    queues."""

    @task(task_id=HOT_PATH_TASK_ID, queue=queue)
    def run(data_interval_end=None, dag_run=None, ti=None) -> dict:
        from datetime import datetime, timezone

        from airflow.sdk.exceptions import AirflowFailException

        from carewire.app import pipeline
        from carewire.app.credentials import for_destinations
        from carewire.core.settings import load_settings
        from carewire.quality import GATES_AFTER

        settings = load_settings()
        credentials = for_destinations(settings)
        decided_for = data_interval_end or dag_run.run_after
        seconds: dict[str, float] = {}

        def keep(name: str, result: dict[str, Any], took: float) -> None:
            ti.xcom_push(key=name, value=result)
            seconds[name] = round(took, 3)

        def part(name: str, step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
            return run_part(name, step, keep)

        def gate(name: str, step: str) -> None:
            result = part(name, lambda: pipeline.gate(
                settings, GATES_AFTER[step], dag_run.run_id, datetime.now(timezone.utc)))
            for failed in result["failed"]:
                log.warning("quality gate failed: %s", failed)

        part("load", lambda: pipeline.load_landed(settings))
        gate("gate_raw", "load")
        part("enrich", lambda: pipeline.enrich(settings))
        gate("gate_enrichments", "enrich")
        # Does not fail for a notification that cannot be sent: it waits in out__alerts.
        part("alerts", lambda: pipeline.detect_alerts(settings, decided_for, credentials))
        part("route", lambda: pipeline.route(settings, decided_for, datetime.now(timezone.utc)))
        gate("gate_routing", "route")
        delivered = part("deliver", lambda: pipeline.deliver(
            settings, credentials, datetime.now(timezone.utc)))
        if delivered["blocked"]:
            # No retry: a blocked delivery fails the same way until someone fixes it.
            raise AirflowFailException(
                f"{delivered['blocked']} deliveries are held as blocked and need a fix (see "
                f"the errors below and docs/routing.md): {delivered}")
        return {"seconds": seconds}

    return run()
