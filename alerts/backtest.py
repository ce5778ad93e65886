"""What the alerts would have said over a past window: `carewire alerts backtest`.

The same detection as the process DAG, over every complete hour of the window, on a
read-only connection: nothing is stored and nobody is notified. Use it to choose `k` and
`min_count` before turning alerts on, or to see what a change would have done.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import duckdb

from carewire.alerts.detect import METRICS, detect
from carewire.core.settings import AlertSettings

_PER_SERIES = 10
"""Series listed in the totals, the most alerted first."""


def backtest(con: duckdb.DuckDBPyConnection, settings: AlertSettings, since: datetime,
             until: datetime) -> dict[str, Any]:
    found = detect(con, since, until, settings)
    weeks = max((found.until - found.since) / timedelta(weeks=1), 1 / 168)
    per_series = Counter(f"{a.metric}: {a.series}" for a in found.alerts)
    return {
        "window": [found.since, found.until],
        "settings": settings.model_dump(include={"history_weeks", "min_history_weeks", "k",
                                                 "min_count", "floor"}),
        "alerts": [asdict(a) for a in found.alerts],
        "totals": {
            "alerts": len(found.alerts),
            "per_metric": {m: sum(a.metric == m for a in found.alerts) for m in METRICS},
            "per_week": round(len(found.alerts) / weeks, 2),
            "series_hours_judged": found.judged,
            "not_enough_history": found.not_enough_history,
            "series_without_history": found.series_without_history,
            "most_alerted_series": dict(per_series.most_common(_PER_SERIES)),
        },
    }


def render(report: dict[str, Any]) -> str:
    """Per day, one line per alert with its explanation; then the totals."""
    since, until = report["window"]
    knobs = report["settings"]
    lines = [f"Alerts backtest {since:%Y-%m-%d %H:00} .. {until:%Y-%m-%d %H:00} UTC "
             f"(k {knobs['k']:g}, min_count {knobs['min_count']}, floor {knobs['floor']:g}, "
             f"{knobs['history_weeks']} weeks of history, at least "
             f"{knobs['min_history_weeks']}); read-only, nothing stored or sent", ""]
    day = None
    for alert in report["alerts"]:
        hour = alert["hour_start"]
        if hour.date() != day:
            day = hour.date()
            lines.append(f"{day:%Y-%m-%d %a}")
        lines.append(f"  {hour:%H:00}  {alert['metric']:<8}  {alert['explanation']}")
        lines.extend(f"                   {link}" for link in alert["examples"])
    totals = report["totals"]
    if not report["alerts"]:
        lines.append("No alert would have fired.")
    lines += ["", f"Would have fired: {totals['alerts']} alerts ({totals['per_week']:g} a "
                  f"week): " + ", ".join(f"{m} {n}" for m, n in totals["per_metric"].items()),
              f"Series-hours judged (at or above min_count, with history): "
              f"{totals['series_hours_judged']}"]
    if totals["not_enough_history"]:
        lines.append(
            f"Not enough history: {totals['not_enough_history']} series-hours were not "
            f"judged, because fewer than {knobs['min_history_weeks']} earlier weeks were "
            f"watched ({', '.join(totals['series_without_history'][:5])}"
            f"{', ...' if len(totals['series_without_history']) > 5 else ''})")
    if totals["most_alerted_series"]:
        lines.append("Most alerted: " + "; ".join(
            f"{series} ({n})" for series, n in totals["most_alerted_series"].items()))
    return "\n".join(lines)
