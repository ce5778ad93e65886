"""`carewire warehouse`: the DuckDB warehouse's schema, brought up to date by hand (the
pipeline migrates on its own; this is for an upgrade checked before the next run)."""

from __future__ import annotations

import typer

from carewire.app.cli import context
from carewire.app.cli.command_group import CommandGroup

app = CommandGroup("warehouse", help="Manage the DuckDB warehouse.",
                   short_help="manage the DuckDB warehouse")


@app.command(
    "migrate", short_help="apply pending schema migrations",
    help="Apply the numbered migrations in warehouse/migrations that the warehouse has not "
         "seen yet; a no-op on a current warehouse.")
def migrate(ctx: typer.Context) -> None:
    from carewire.app import pipeline

    settings = context.settings(ctx)
    applied = pipeline.migrate(settings)
    print(f"{settings.warehouse}: applied {', '.join(applied)}" if applied else
          f"{settings.warehouse}: schema is current, nothing to apply")
    if applied:
        context.republish(settings)
