"""Send stored alerts to the care desk and to the configured webhooks, each once.

A webhook gets the alert the way routed work is sent (routing/destinations/webhook.py):
the same signed JSON POST, the same headers, the same retry policy and credentials, with
the alert id as `Idempotency-Key` and `X-Carewire-Delivery`, so a receiver that already
takes carewire deliveries takes alerts too (`"kind": "alert"` tells them apart).

A failure loses nothing: the notification stays `pending` with the error and is tried
again on the next run (after `max_attempts` it is `failed`). The first failure of a
recipient ends its turn for this run, so a receiver that is down is not sent every
waiting alert in a row.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, Mapping

import duckdb
import sqlalchemy as sa

from carewire.alerts.detect import Alert
from carewire.alerts.store import DESK, mark_failed, mark_sent, pending
from carewire.core.errors import CarewireError
from carewire.core.settings import Settings
from carewire.core.types import Credentials
from carewire.desk import alert_store
from carewire.routing.destinations.base import FatalDestinationError

AFTER_FIX = "carewire alerts detect"
"""What to run once the cause of a failed notification is fixed (or wait for the next run)."""

log = logging.getLogger(__name__)


def payload(alert: Alert) -> dict[str, Any]:
    """The JSON a webhook receives: every field of the alert, the hour's end, and the kind."""
    return {"kind": "alert", **asdict(alert), "series": alert.series, "title": alert.title,
            "hour_end": alert.hour_start + timedelta(hours=1)}


def desk_data(alert: Alert) -> dict[str, Any]:
    """What the desk's alerts page shows of an alert beyond its title and explanation."""
    return {"metric": alert.metric, "brand": alert.brand, "source": alert.source,
            "topic": alert.topic, "hour_start": alert.hour_start, "count": alert.count,
            "baseline_median": alert.baseline_median, "baseline_mad": alert.baseline_mad,
            "baseline_weeks": alert.baseline_weeks, "baseline_spread": alert.baseline_spread,
            "threshold": alert.threshold, "score": alert.score,
            "top_clusters": list(alert.top_clusters), "examples": list(alert.examples)}


def send_pending(con: duckdb.DuckDBPyConnection, settings: Settings,
                 credentials: Mapping[str, Credentials], desk_engine: sa.Engine,
                 now: datetime) -> dict[str, Any]:
    """Try every pending notification; return how many were sent, per recipient, and the
    errors of those that failed."""
    hooks = _webhooks(settings, credentials)
    sent: dict[str, int] = {}
    errors: dict[str, str] = {}
    gave_up = 0
    for recipient, alert in pending(con):
        if recipient in errors:
            continue  # failed already in this run: the rest wait for the next one
        try:
            if recipient == DESK:
                alert_store.add(desk_engine, alert_id=alert.alert_id, fired_at=now,
                                hour_start=alert.hour_start, title=alert.title,
                                explanation=alert.explanation, data=desk_data(alert))
            elif recipient in hooks:
                hooks[recipient].post(alert.alert_id, payload(alert), after_fix=AFTER_FIX)
            else:
                raise FatalDestinationError(
                    "no longer in alerts.destinations (or no longer a webhook under "
                    "routing.destinations): add it back to send this alert; it is given "
                    f"up after {settings.alerts.max_attempts} runs", destination=recipient)
        except (CarewireError, sa.exc.SQLAlchemyError) as exc:
            errors[recipient] = str(exc)
            status = mark_failed(con, alert.alert_id, recipient, str(exc),
                                 settings.alerts.max_attempts)
            gave_up += status == "failed"
            log.warning("alert %s not sent to %s (%s): %s", alert.alert_id, recipient,
                        status, exc)
            continue
        mark_sent(con, alert.alert_id, recipient, now)
        sent[recipient] = sent.get(recipient, 0) + 1
    return {"sent": sent, "errors": errors, "gave_up": gave_up,
            "still_pending": len(pending(con))}


def _webhooks(settings: Settings, credentials: Mapping[str, Credentials]) -> dict[str, Any]:
    """The webhook destinations that alerts go to, built as routing builds them."""
    from carewire.routing.destinations.webhook import WebhookDestination

    wanted = set(settings.alerts.destinations)
    return {config.name: WebhookDestination(
                config, credentials.get(config.conn_id) if config.conn_id else None,
                settings.http)
            for config in settings.routing.destinations
            if config.name in wanted and config.kind == "webhook"}
