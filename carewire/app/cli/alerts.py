"""`carewire alerts`: spike detection by hand, and the backtest that shows what a setting
would have fired on past data before anyone is paged by it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from carewire.app.cli import clock, context, moments, output
from carewire.app.cli.command_group import CommandGroup, option
from carewire.core.errors import CarewireError

app = CommandGroup(
    "alerts", short_help="spike alerts: detect now, or backtest a past window",
    help="Spike alerts on mention volume and negative sentiment per brand, source and topic "
         "(docs/alerts.md). The process DAG detects after each enrich; these commands run it "
         "by hand or replay the past.")


@app.command(
    "detect", short_help="judge the recent hours now; store and send new alerts",
    help="Judge every complete hour of the last alerts.lookback (or since --since), store "
         "the alerts that fire (once each) and send them, and any earlier unsent ones, to "
         "the desk and alerts.destinations.")
def detect(
    ctx: typer.Context,
    since: Annotated[datetime | None, option(
        "--since", parser=moments.since,
        help="judge from here instead of the lookback: 3d, 12h, or a date")] = None,
) -> None:
    from carewire.app import pipeline
    from carewire.app.credentials import for_destinations

    settings = context.settings(ctx)
    if not settings.alerts.enabled:
        raise CarewireError("alerts are switched off (alerts.enabled: false in the config); "
                            "`carewire alerts backtest` still shows what would fire")
    output.emit(pipeline.detect_alerts(settings, clock.now(), for_destinations(settings),
                                       since), json=True)
    context.republish(settings)


@app.command(
    "backtest", short_help="what would have fired in a past window; stores and sends nothing",
    help="Judge every complete hour of the window as the process DAG would, and print per "
         "day what would have fired, with its explanation, and the totals. Read-only.")
def backtest(
    ctx: typer.Context,
    since: Annotated[datetime, option(
        "--since", parser=moments.since,
        help="90d, 2w back from now, or a date like 2026-09-01")],
    until: Annotated[datetime | None, option(
        "--until", parser=moments.moment, help="end of the window (default: now)")] = None,
    k: Annotated[float | None, option("--k", help="try another k (default: alerts.k)")] = None,
    min_count: Annotated[int | None, option(
        "--min-count", help="try another min_count (default: alerts.min_count)")] = None,
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
) -> None:
    from carewire.alerts.backtest import backtest as judge_window, render

    settings = context.settings(ctx)
    knobs = {name: value for name, value in (("k", k), ("min_count", min_count))
             if value is not None}
    try:
        chosen = type(settings.alerts).model_validate({**settings.alerts.model_dump(), **knobs})
    except ValueError as exc:
        raise CarewireError(f"--k must be above 0 and --min-count at least 1 ({exc})") from exc
    with context.read_snapshot(settings) as con:
        report = judge_window(con, chosen, since, until or clock.now())
    output.emit(report, json=json, human=render)
