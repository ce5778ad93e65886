"""What every command takes from its invocation: the settings named by --config, and a
warehouse to read that never waits on the pipeline."""

from __future__ import annotations

import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Iterator

import typer


def config(ctx: typer.Context) -> Path | None:
    """The --config given before the command (the top level keeps it in ctx.obj), or None:
    then $CAREWIRE_CONFIG, ./carewire.yaml, then the bundled example."""
    return ctx.obj


def settings(ctx: typer.Context):
    from carewire.core.settings import load_settings

    return load_settings(config(ctx))


@contextmanager
def read_warehouse(settings) -> Iterator[Any]:
    """The warehouse itself when no process holds it, else the last published snapshot.

    The fallback needs the connection opened here, not where the caller's `with` enters
    it: `connect` is a context manager, and a lock conflict only shows when it is
    entered."""
    from carewire.core.errors import WarehouseError
    from carewire.warehouse.db import connect

    with ExitStack() as stack:
        try:
            con = stack.enter_context(connect(settings.warehouse, read_only=True))
        except WarehouseError:
            print(f"(the warehouse is busy: reading the snapshot {settings.snapshot})",
                  file=sys.stderr)
            con = stack.enter_context(connect(settings.snapshot, read_only=True))
        yield con
