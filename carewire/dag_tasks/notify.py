"""Failures reach a person: the notifiers every carewire task calls when it fails for good
(`on_failure_callback`), built from `notify` in carewire.yaml; none when it names nobody.

- e-mail through Airflow's SMTP provider (`SmtpNotifier`) and the SMTP Connection;
- a webhook (Slack, Teams, a pager) through `WebhookNotifier` below: a JSON POST whose
  `text` is one line, to the URL in a Connection's host.

A retry is not a failure: Airflow calls these only when the task has no try left, or
failed fast (carewire.dag_tasks.common.task).

The same channels hear of a missed deadline (Airflow's Deadline Alerts, experimental since
3.1): `process_deadlines` and `ingest_deadlines` give the DAGs theirs, and Airflow calls
`deadline_missed` on an executor when a run has not succeeded by its deadline. With
nobody named in `notify`, it only logs. Import-light like common.py: nothing here opens a
connection or the network until a callback runs.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import BaseNotifier

from carewire.core.settings import NotifySettings

log = logging.getLogger(__name__)


def failure_notifiers(notify: NotifySettings) -> list[BaseNotifier]:
    """The notifiers `notify` names; an empty list when it names nobody (the default)."""
    found: list[BaseNotifier] = []
    if notify.email_to:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        found.append(SmtpNotifier(
            to=notify.email_to, from_email=notify.email_from,
            smtp_conn_id=notify.smtp_conn_id,
            subject="carewire: {{ ti.dag_id }}.{{ ti.task_id }} failed ({{ run_id }})",
            html_content="<p>{{ ti.dag_id }}.{{ ti.task_id }} failed in run {{ run_id }}, "
                         "try {{ ti.try_number }}:</p><pre>{{ exception }}</pre>"
                         "<p><a href=\"{{ ti.log_url }}\">the task's log</a></p>"))
    if notify.webhook_conn_id:
        found.append(WebhookNotifier(notify.webhook_conn_id))
    return found


def failure_line(context: dict[str, Any]) -> str:
    """The one line a person reads first: what failed, in which run, and why."""
    ti = context["ti"]
    error = str(context.get("exception") or "see the task's log").strip().splitlines()
    return (f"carewire: {ti.dag_id}.{ti.task_id} failed in {context.get('run_id')}: "
            f"{error[0] if error else ''}")


class WebhookNotifier(BaseNotifier):
    """POST `{"text": <one line>, "dag_id", "task_id", "run_id", "try_number", "error",
    "log_url"}` to the URL in the host of Connection `conn_id`. A webhook that fails is
    logged, not raised: the task has failed already, and its log says why."""

    def __init__(self, conn_id: str):
        super().__init__()
        self.conn_id = conn_id

    def notify(self, context: dict[str, Any]) -> None:
        ti = context["ti"]
        self.post({"text": failure_line(context), "dag_id": ti.dag_id, "task_id": ti.task_id,
                   "run_id": context.get("run_id"), "try_number": ti.try_number,
                   "error": str(context.get("exception") or ""),
                   "log_url": getattr(ti, "log_url", None)})

    def post(self, message: dict[str, Any]) -> None:
        import requests
        from airflow.sdk import Connection

        url = Connection.get(self.conn_id).host or ""
        if not url.startswith(("https://", "http://")):
            self.log.error("notify: Connection %s has no webhook URL as its host (%r)",
                           self.conn_id, url)
            return
        try:
            requests.post(url, json=message, timeout=10).raise_for_status()
        except requests.RequestException as exc:
            self.log.error("notify: the webhook of Connection %s failed: %s", self.conn_id, exc)


# -- Deadline Alerts ------------------------------------------------------------------

def process_deadlines(notify: NotifySettings) -> list:
    """`process`: a run not succeeded `process_deadline_minutes` after it was queued. Runs
    are made when data lands, so this says that landed data is waiting, whether the run
    hangs, failed or waits behind another writer in the warehouse pool."""
    if notify.process_deadline_minutes is None:
        return []
    from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback

    minutes = notify.process_deadline_minutes
    return [DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(minutes=minutes),
        callback=SyncCallback(deadline_missed, kwargs={
            "late": f"has not succeeded {minutes} minutes after it was queued: landed data "
                    "is waiting to be processed"}),
        name="process_not_done")]


def ingest_deadlines(notify: NotifySettings, source: str, period: timedelta) -> list:
    """`ingest_<source>`: a run not succeeded `ingest_deadline_intervals` schedule periods
    after its interval began. The callback then names the source's streams that have landed
    nothing for that long; when later runs have landed them all, it reports nothing."""
    if notify.ingest_deadline_intervals is None:
        return []
    from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback

    intervals = notify.ingest_deadline_intervals
    late = timedelta(seconds=intervals * period.total_seconds())  # a plain timedelta
    return [DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE, interval=late,
        callback=SyncCallback(deadline_missed, kwargs={
            "late": f"has not landed its interval {intervals} intervals after it began",
            "source": source, "stale_after_s": late.total_seconds()}),
        name=f"ingest_{source}_not_landed")]


def deadline_missed(context: dict[str, Any], late: str, source: str | None = None,
                    stale_after_s: float | None = None) -> str | None:
    """Airflow's callback for a missed deadline (a SyncCallback, run by the executor, with
    the run in `context["dag_run"]`): tell the `notify` channels in one line, and return
    it. A backfill's run is not reported (ops are watching it, and its deadline counts from
    a past date); nor an ingest run whose streams have all landed since."""
    from carewire.core.settings import load_settings

    run = context.get("dag_run") or {}
    run_name = f"{run.get('dag_id')} run {run.get('dag_run_id') or run.get('run_id')}"
    if run.get("run_type") == "backfill":
        log.info("deadline missed by %s, a backfill's run: not reported", run_name)
        return None
    settings = load_settings()
    line = f"carewire: {run_name} {late}"
    if source is not None:
        moment = _moment((context.get("deadline") or {}).get("deadline_time"))
        stale = stale_streams(settings, source, moment, timedelta(seconds=stale_after_s or 0))
        if not stale:
            log.info("deadline missed by %s, but every %s stream has landed since: not "
                     "reported", run_name, source)
            return None
        line += f"; nothing landed for {timedelta(seconds=stale_after_s or 0)} from: " + (
            ", ".join(stale) + " (see the run's failed tasks and `carewire status`)")
    notify = settings.notify
    if not notify.email_to and not notify.webhook_conn_id:
        log.warning("%s (notify names nobody: not sent)", line)
        return line
    log.warning("%s", line)
    if notify.email_to:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        SmtpNotifier(to=notify.email_to, from_email=notify.email_from,
                     smtp_conn_id=notify.smtp_conn_id, subject=line,
                     html_content=f"<p>{line}</p>").notify(context)
    if notify.webhook_conn_id:
        WebhookNotifier(notify.webhook_conn_id).post({
            "text": line, "dag_id": run.get("dag_id"),
            "run_id": run.get("dag_run_id") or run.get("run_id"), "deadline": True})
    return line


def stale_streams(settings, source: str, moment: datetime, max_age: timedelta) -> list[str]:
    """The streams of `source` whose newest landed interval ended more than `max_age`
    before `moment`, or that never landed: read from the landing zone's cursor manifests."""
    from carewire.connectors import configured_streams
    from carewire.connectors.landing import LandingZone

    landed = {entry["stream"]: datetime.fromisoformat(entry["interval_end"])
              for entry in LandingZone.of(settings).latest_cursors()
              if entry["source"] == source}
    return [f"{source}/{stream.name}" for stream in configured_streams(settings).get(source, [])
            if stream.name not in landed or moment - landed[stream.name] >= max_age]


def _moment(value: Any) -> datetime:
    """The deadline's time as the scheduler passed it (a datetime, or its ISO text)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        return _moment(datetime.fromisoformat(value))
    return datetime.now(timezone.utc)
