"""`carewire maintenance`: the daily maintenance DAG's run (erasures, platform deletions,
retention) by hand, and its audit, which answers "was this person's content erased?"
without keeping who they were."""

from __future__ import annotations

from typing import Annotated

import typer

from carewire.app.cli import clock, context, output
from carewire.app.cli.command_group import CommandGroup, option
from carewire.core.errors import CarewireError

app = CommandGroup(
    "maintenance", short_help="erasures, platform deletions and retention; the audit",
    help="What the daily maintenance DAG does, and its audit log.")


@app.command(
    "run", short_help="apply queued erasures and platform deletions, purge old raw payloads, "
                      "publish",
    help="Apply every queued erasure and the deletions the platforms reported, purge raw "
         "payloads older than retention.raw_days, then publish.")
def run(ctx: typer.Context) -> None:
    from carewire.app import pipeline

    output.emit(pipeline.maintain(context.settings(ctx), clock.now()), json=True)


@app.command(
    "audit", short_help="list erasures done (from the snapshot)",
    help="One line per erasure: when, which kind, where, how much was removed. With "
         "--source and --handle, only that handle's (matched by its keyed hash: the audit "
         "never stores the handle).")
def audit(
    ctx: typer.Context,
    source: Annotated[str | None, option("--source", help="x, reddit, feeds or forums")] = None,
    handle: Annotated[str | None, option(
        "--handle", help="check whether this handle was erased")] = None,
) -> None:
    from carewire.maintenance import audit as audit_log
    from carewire.warehouse.db import connect

    settings = context.settings(ctx)
    if handle and not source:
        raise CarewireError("--handle needs --source (a handle is looked up per platform)")
    with connect(settings.snapshot, read_only=True) as con:
        found = audit_log.rows(con, settings, source, handle)
    if handle:
        print(f"{len(found)} erasure(s) of that handle on {source}")
    if found:
        output.show(output.table(
            ["completed_at", "request_id", "kind", "source", "mentions", "reason", "removed"],
            [(f"{row['completed_at']:%Y-%m-%d %H:%M}", row["request_id"], row["kind"],
              row["source"], row["mentions"], row["reason"], row["removed"])
             for row in found]))
