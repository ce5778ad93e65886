"""`carewire rerun`: do a window again from its landing files after a fix (a connector,
a model, the policy) and see what changed, and `carewire rerun report` to read those
reports again, one run or a whole backfill at once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import typer

from carewire.app.cli import clock, context, moments, output
from carewire.app.cli.command_group import CommandGroup, one_of, option
from carewire.app.rerun_modes import REENRICH, REROUTE
from carewire.core.errors import CarewireError

app = CommandGroup(
    "rerun", invoke_without_command=True,
    short_help="do a window again from the landing files; report what changed",
    help="Reload the landing batches of a window from their files (no platform is asked), "
         "re-enrich and re-route its mentions, and print and store what changed: rows "
         "added, changed and removed per warehouse table, and the decisions that changed "
         "route. Run it while the process DAG is not running (one writer). docs/runbook.md "
         "has the recipes.")


@app.callback()
def rerun(
    ctx: typer.Context,
    since: Annotated[datetime | None, option(
        "--since", parser=moments.moment, help="window start (UTC if no zone)")] = None,
    until: Annotated[datetime | None, option(
        "--until", parser=moments.moment, help="window end, exclusive")] = None,
    reload: Annotated[bool, option(
        "--reload", help="reload every landing batch whose interval overlaps the window, "
                         "even unchanged ones")] = False,
    reenrich: Annotated[Literal[REENRICH], option(
        "--reenrich", metavar=one_of(REENRICH),
        help="re-enrich the mentions created in the window: those whose models differ from "
             "the configured ones, or all (default: off)")] = "off",
    reroute: Annotated[Literal[REROUTE], option(
        "--reroute", metavar=one_of(REROUTE),
        help="decide the window again: report only (dry_run) or replace the changed "
             "decisions and move pending work (real) (default: off)")] = "off",
    label: Annotated[str | None, option(
        "--label", help="a name for the report, e.g. the change it follows")] = None,
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
) -> None:
    """`carewire rerun --since ... --until ...` reruns; `carewire rerun report` only reads."""
    if ctx.invoked_subcommand:
        return
    from carewire.app import rerun as reruns

    if since is None or until is None:
        raise CarewireError("a rerun needs --since and --until (the window of mentions and "
                            "landing intervals to do again); `carewire rerun report` shows "
                            "stored reports")
    settings = context.settings(ctx)
    report = reruns.rerun(settings, (since, until), reload=reload,
                         reenrich=reenrich, reroute=reroute, now=clock.now(), label=label)
    context.republish(settings)
    output.emit(report, json=json, human=reruns.render)


@app.command(
    "report", short_help="show a stored rerun report, or one for all reruns in a range",
    help="Without arguments, list the recent reruns. With RERUN_ID, show its report; with "
         "--since/--until, one report for every rerun whose window lies in the range (the "
         "runs of a backfill), each changed row counted once.")
def report(
    ctx: typer.Context,
    rerun_id: Annotated[str | None, typer.Argument(
        metavar="RERUN_ID", help="a rerun id from the list")] = None,
    since: Annotated[datetime | None, option(
        "--since", parser=moments.moment, help="range start (UTC if no zone)")] = None,
    until: Annotated[datetime | None, option(
        "--until", parser=moments.moment, help="range end (default: now)")] = None,
    label: Annotated[str | None, option(
        "--label", help="only the reruns with this label")] = None,
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
) -> None:
    from carewire.app import rerun as reruns

    if not rerun_id and not since and (until or label):
        raise CarewireError("--until and --label narrow a range: give its start with --since "
                            "(`carewire rerun report --since ... --until ... --label ...`)")
    with context.read_snapshot(context.settings(ctx)) as con:
        if rerun_id:
            output.emit(reruns.combined(con, [rerun_id]), json=json, human=reruns.render)
        elif since:
            found = reruns.in_range(con, since, until or clock.now(), label)
            output.emit(reruns.combined(con, found), json=json, human=reruns.render)
        else:
            output.emit(reruns.recent(con), json=json, human=_recent_table)


def _recent_table(runs: list[dict]):
    if not runs:
        return "(no reruns yet)"
    return output.table(
        ["rerun_id", "window_start", "window_end", "reload", "reenrich", "reroute", "label"],
        [(run["rerun_id"], f"{run['window_start']:%Y-%m-%d %H:%M}",
          f"{run['window_end']:%Y-%m-%d %H:%M}", str(run["reload"]), run["reenrich"],
          run["reroute"], run["label"]) for run in runs])
