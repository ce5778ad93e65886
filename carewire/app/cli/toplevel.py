"""The commands that stand alone under `carewire`: the demo, enrich, sql, erase, status.

They are what a newcomer and an analyst type first: `make demo` runs the first, its
output suggests a `carewire sql`, and `carewire status` says what the pipeline did.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from carewire.app.cli import clock, context, moments, output
from carewire.app.cli.command_group import CommandGroup, one_of, option
from carewire.core.errors import CarewireError
from carewire.core.settings import SAMPLE_CONFIG

app = CommandGroup()

SQL_FORMATS = ("table", "csv", "json")


@app.command(
    "demo", short_help="run the pipeline once on the bundled sample data and report",
    help="Ingest every configured stream for the last hour, load the warehouse, publish the "
         "analyst snapshot and print what happened. Without --config it uses the bundled "
         f"example ({SAMPLE_CONFIG}).")
def demo(ctx: typer.Context) -> None:
    from carewire.app import demo
    from carewire.core.settings import load_settings

    demo.run(load_settings(context.config(ctx) or SAMPLE_CONFIG), clock.now())


@app.command(
    "enrich", short_help="enrich and cluster new mentions; re-enrich a window",
    help="Enrich and cluster every mention that has no enrichment yet (what the process DAG "
         "does after each load). With --since, also re-enrich the mentions created in "
         "[since, until) whose models are not the configured ones: after changing a model, "
         "this re-enriches just that window.")
def enrich(
    ctx: typer.Context,
    since: Annotated[datetime | None, option(
        "--since", parser=moments.moment, help="start of the window (UTC if no zone)")] = None,
    until: Annotated[datetime | None, option(
        "--until", parser=moments.moment, help="end of the window (default: now)")] = None,
) -> None:
    from carewire.app import pipeline

    window = (since, until or clock.now()) if since else None
    settings = context.settings(ctx)
    output.emit(pipeline.enrich(settings, window), json=True)
    context.republish(settings)


@app.command(
    "sql", short_help="query the analyst snapshot",
    help="Run one SELECT against the analyst snapshot. It cannot write: the snapshot is "
         "attached read-only and the query can reach no other file (docs/architecture.md).")
def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(
        metavar="QUERY", help='e.g. "SELECT * FROM out__mention_volume_daily"')],
    format: Annotated[Literal[SQL_FORMATS], option(
        "--format", metavar=one_of(SQL_FORMATS))] = "table",
    max_rows: Annotated[int, option("--max-rows", help="rows shown in table format")] = 50,
) -> None:
    from carewire.warehouse import analyst

    frame = analyst.query(context.settings(ctx).snapshot, query)
    if format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif format == "json":  # a DATE as its day, not as a midnight timestamp
        days = frame.apply(lambda column: column.map(
            lambda v: v.isoformat() if type(v) is date else v) if column.dtype == object
            else column)
        print(days.to_json(orient="records", date_format="iso", force_ascii=False))
    elif not len(frame):
        print("(no rows)")
    else:
        shown = frame.head(max_rows).astype(object)
        output.show(output.table([str(c) for c in frame.columns],
                                 shown.where(shown.notna(), None).values.tolist(), max_width=60))
        if len(frame) > max_rows:
            print(f"({len(frame)} rows, the first {max_rows} shown: --max-rows shows more)")


@app.command(
    "erase", short_help="erase an author's content, or content the platform deleted",
    help="Queue an erasure (docs/privacy.md): everything one handle wrote on one platform, "
         "or the ids a platform reports deleted (a file, one id a line: tweet ids, Reddit "
         "fullnames). The maintenance run applies it to the landing zone, warehouse, care "
         "desk, snapshot and exports, with an audit row; --now applies it at once when the "
         "warehouse is free.")
def erase(
    ctx: typer.Context,
    source: Annotated[str, option("--source", help="x, reddit, feeds or forums")],
    handle: Annotated[str | None, option(
        "--handle", help="the author's handle as the platform shows it")] = None,
    deleted_ids: Annotated[Path | None, option(
        "--deleted-ids", help="file of deleted ids, one a line")] = None,
    reason: Annotated[str | None, option(
        "--reason", help="ticket or legal basis, kept in the audit row")] = None,
    now: Annotated[bool, option(
        "--now", help="apply now and republish (fails while the pipeline writes)")] = False,
) -> None:
    from carewire.maintenance import requests, step

    settings = context.settings(ctx)
    queued = []
    if handle:
        queued.append(requests.author_request(source, handle, reason or ""))
    if deleted_ids:
        queued.append(requests.deletion_request(source, requests.read_ids(deleted_ids),
                                                reason or "platform deletion"))
    if not queued:
        raise CarewireError("erase needs --handle NAME (an author) or --deleted-ids FILE "
                            "(platform deletions), with --source")
    for request in queued:
        path = requests.enqueue(settings, request)
        print(f"queued {request.kind} erasure {request.request_id} on {request.source} in {path}")
    if now:
        from carewire.app import pipeline

        pipeline.migrate(settings)
        for request in queued:
            row = step.apply(settings, request)
            print(f"erased {row['mentions']} mentions ({request.request_id}): {row['removed']}")
        step.compact(settings)  # freed bytes out of the file before the snapshot copies it
        print(f"published {pipeline.publish(settings)}")
    else:
        print("applied by the next maintenance run (daily, or `carewire maintenance run`)")


@app.command(
    "status", short_help="last run per stream, counts, cursor ages, quarantine",
    help="Show the last fetched interval and cursor of every stream, mention counts per "
         "source and the quarantine, from the landing zone and snapshot.")
def status(
    ctx: typer.Context,
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
    check: Annotated[bool, option(
        "--check", help="one line only, and exit 1 when something needs a person (a stale "
                        "stream, a failed gate, held or set-aside records, blocked work): "
                        "a health probe")] = False,
    stale_after: Annotated[int, option(
        "--stale-after", help="with --check: minutes after which a stream's last fetched "
                              "interval is stale")] = 180,
) -> None:
    from datetime import timedelta

    from carewire.app import status

    now = clock.now()
    report = status.collect(context.settings(ctx), now)
    if not check:
        output.emit(report, json=json, human=status.render)
        return
    found = status.problems(report, now, timedelta(minutes=stale_after))
    print(f"NOT OK: {'; '.join(found)}" if found else
          f"ok: {len(report['streams'])} streams fetched lately, nothing held, failed or "
          "blocked")
    if found:
        raise SystemExit(1)
