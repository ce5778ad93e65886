"""Typer, set up once so every command group reads like the argparse CLI it replaced.

Each group of commands is a `CommandGroup` (a typer.Typer) and each option an `option()`:
help pages say "usage: carewire ..." (scripts and tests look for it), answer -h as well as
--help, use click's plain layout rather than rich panels (the text is what people grep),
offer no shell-completion options the old CLI did not have, and print only the defaults
the help texts state themselves. A command's `help` is its page's description and its
`short_help` the line in its group's list, as argparse's description and help were.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


class _ArgparseUsage:
    def format_usage(self, ctx, formatter) -> None:
        # Typer writes a required argument {NAME}, which reads like a set of choices.
        pieces = [piece[1:-1] if piece[:1] == "{" and piece[-1:] == "}" else piece
                  for piece in self.collect_usage_pieces(ctx)]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="usage: ")


class Command(_ArgparseUsage, TyperCommand):
    """A command whose help and usage errors start "usage: carewire ..."."""

    def format_options(self, ctx, formatter) -> None:
        """Arguments, then options, as Typer lists them, but an argument by its name alone
        (Typer adds its Python type: "NAME <str>")."""
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((param.display_name_raw, record[1]))
            else:
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


class Group(_ArgparseUsage, TyperGroup):
    """A group of commands whose help and usage errors start "usage: carewire ..."."""


class CommandGroup(typer.Typer):
    """A typer.Typer whose groups and commands are `Group` and `Command`."""

    def __init__(self, name: str | None = None, *, help: str | None = None,
                 short_help: str | None = None, cls: type[Group] = Group,
                 **settings: Any) -> None:
        super().__init__(name=name, help=help, short_help=short_help, cls=cls,
                         rich_markup_mode=None, add_completion=False,
                         context_settings={"help_option_names": ["-h", "--help"]},
                         **settings)

    def command(self, name: str, *, help: str, short_help: str, **settings: Any):
        return super().command(name, help=help, short_help=short_help, cls=Command,
                               **settings)


def option(*names: str, help: str | None = None, metavar: str | None = None,
           **settings: Any) -> Any:
    """A typer.Option shown as argparse showed it: `--min-count MIN_COUNT`, no default
    appended to the help (the texts say "(default: ...)" where it matters)."""
    if metavar is None:
        metavar = names[0].lstrip("-").replace("-", "_").upper()
    return typer.Option(*names, help=help, metavar=metavar, show_default=False, **settings)


def one_of(choices: Iterable[str]) -> str:
    """The metavar argparse gave a choice: {table,csv,json}."""
    return "{" + ",".join(choices) + "}"
