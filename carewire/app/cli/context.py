"""What every command takes from its invocation: the settings named by --config; the
analyst snapshot, which the read commands read; and the republishing that lets them see
what a writing command did."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from datetime import timezone
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
def read_snapshot(settings) -> Iterator[Any]:
    """The last published snapshot, read-only, and never the warehouse itself.

    DuckDB lets one process write a file, and a reader holding it (even read-only) stops
    that writer from opening it: a read command on the live warehouse could fail the
    pipeline. So read commands read the snapshot, say so, and the commands that write
    republish it (`republish`)."""
    from carewire.warehouse.db import connect

    with connect(settings.snapshot, read_only=True) as con:
        [(published,)] = con.execute("SELECT max(published_at) FROM meta__snapshot").fetchall()
        print(f"(reading the snapshot {settings.snapshot}, published "
              f"{published.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC)", file=sys.stderr)
        yield con


def republish(settings) -> None:
    """After a command wrote the warehouse: publish the snapshot, so the read commands
    (which read only the snapshot) show what it did."""
    from carewire.app import pipeline

    print(f"(republished the snapshot {pipeline.publish(settings)})", file=sys.stderr)
