"""The `carewire` command, on Typer. Every command has --help; errors are one clear line,
exit 2.

One module per command group (warehouse, route, community, desk, alerts, rerun, maintenance,
quality), `toplevel` for the commands that stand alone, and the pieces they share:
`command_group` (Typer shaped like the argparse CLI this replaced), `context` (settings
from --config, a warehouse to read), `moments` (--since/--until), `output` (the one
--json switch and the tables) and `clock` (the one reading of the wall clock).

Heavy libraries (duckdb, pandas, great-expectations, torch) are imported inside the
commands that need them, so `carewire --help` and every usage error stay fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.main import get_command

from carewire.app.cli import (alerts, community, desk, maintenance, quality, rerun, route,
                              toplevel, warehouse)
from carewire.app.cli.command_group import CommandGroup, Group, option
from carewire.core.errors import CarewireError

ORDER = ("demo", "warehouse", "enrich", "route", "community", "desk", "alerts", "sql", "rerun",
         "erase", "maintenance", "quality", "status")
"""The order `carewire --help` lists the commands in: the argparse CLI's."""


class _Top(Group):
    def list_commands(self, ctx) -> list[str]:
        return sorted(super().list_commands(ctx),
                      key=lambda name: ORDER.index(name) if name in ORDER else len(ORDER))


app = CommandGroup(cls=_Top, help="Social care pipeline: listen, enrich, route, measure.")
for part in (toplevel, warehouse, route, community, desk, alerts, rerun, maintenance, quality):
    app.add_typer(part.app)


@app.callback()
def top(
    ctx: typer.Context,
    config: Annotated[Path | None, option(
        "--config", help="config file (default: $CAREWIRE_CONFIG, then ./carewire.yaml, then "
                         "the bundled example)")] = None,
) -> None:
    ctx.obj = config  # every command's settings come from here (context.settings)


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 when it went through, 2 with one line on stderr when carewire
    refused (a CarewireError). As with argparse before, --help exits (SystemExit 0), a
    usage error exits 2 after the usage line and "carewire ...: error: ..." on stderr, and
    a command that exits with a status of its own (quality validate: 1) keeps it.

    Typer's main(standalone_mode=False) would return --help's exit as a plain 0, so this
    makes and invokes the context itself (all that main does besides handling exits)."""
    command = get_command(app)
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        with command.make_context("carewire", args) as ctx:
            command.invoke(ctx)
    except CarewireError as exc:
        print(f"carewire: {exc}", file=sys.stderr)
        return 2
    except typer.Exit as exc:  # --help, or a command's typer.Exit(code)
        raise SystemExit(exc.exit_code) from None
    except typer.TyperException as exc:  # a usage error, as argparse reported it
        _usage_error(exc)
        raise SystemExit(exc.exit_code) from None
    return 0


def _usage_error(exc: typer.TyperException) -> None:
    """The usage line, then "carewire route explain: error: Missing argument 'MENTION'."
    Typer checks values with pydantic, whose messages for a ValueError (a choice not
    offered, a --since that is no date) begin "Value error, ": that part goes."""
    where = getattr(exc, "ctx", None)
    if where is not None:
        print(where.get_usage(), file=sys.stderr)
    message = exc.format_message().replace(": Value error, ", ": ", 1)
    print(f"{where.command_path if where else 'carewire'}: error: {message}", file=sys.stderr)


__all__ = ["app", "main"]
