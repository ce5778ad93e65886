"""What every command takes from its invocation: the settings named by --config, and a
warehouse to read that never waits on the pipeline."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def config(ctx: typer.Context) -> Path | None:
    """The --config given before the command (the top level keeps it in ctx.obj), or None:
    then $CAREWIRE_CONFIG, ./carewire.yaml, then the bundled example."""
    return ctx.obj


def settings(ctx: typer.Context):
    from carewire.core.settings import load_settings

    return load_settings(config(ctx))


def read_warehouse(settings):
    """The warehouse itself when no process holds it, else the last published snapshot."""
    from carewire.core.errors import WarehouseError
    from carewire.warehouse.db import connect

    try:
        return connect(settings.warehouse, read_only=True)
    except WarehouseError:
        print(f"(the warehouse is busy: reading the snapshot {settings.snapshot})",
              file=sys.stderr)
        return connect(settings.snapshot, read_only=True)
