"""Failures reach a person: the notifiers every carewire task calls when it fails for good
(`on_failure_callback`), built from `notify` in carewire.yaml; none when it names nobody.

- e-mail through Airflow's SMTP provider (`SmtpNotifier`) and the SMTP Connection;
- a webhook (Slack, Teams, a pager) through `WebhookNotifier` below: a JSON POST whose
  `text` is one line, to the URL in a Connection's host.

A retry is not a failure: Airflow calls these only when the task has no try left, or
failed fast (carewire.dag_tasks.common.task). Import-light like common.py.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseNotifier

from carewire.core.settings import NotifySettings


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
        import requests
        from airflow.sdk import Connection

        ti = context["ti"]
        url = Connection.get(self.conn_id).host or ""
        if not url.startswith(("https://", "http://")):
            self.log.error("notify: Connection %s has no webhook URL as its host (%r)",
                           self.conn_id, url)
            return
        message = {"text": failure_line(context), "dag_id": ti.dag_id, "task_id": ti.task_id,
                   "run_id": context.get("run_id"), "try_number": ti.try_number,
                   "error": str(context.get("exception") or ""),
                   "log_url": getattr(ti, "log_url", None)}
        try:
            requests.post(url, json=message, timeout=10).raise_for_status()
        except requests.RequestException as exc:
            self.log.error("notify: the webhook of Connection %s failed: %s", self.conn_id, exc)
