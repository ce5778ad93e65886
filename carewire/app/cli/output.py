"""How a command shows its result: JSON for scripts, text and tables for people.

`emit` is the one --json switch: a command hands it its result and the human rendering,
and never branches on --json itself, so every command's JSON is the same indent-2 dump
(what scripts parse) and every table is drawn the same way. Tables are rich tables printed
on the sys.stdout of the moment (so a redirect or a test capturing it sees them), without
colour when stdout is not a terminal and without wrapping there either: piped output
keeps one row a line for grep.
"""

from __future__ import annotations

import json as jsonlib
import sys
from collections.abc import Callable, Iterable, Sequence
from numbers import Number
from typing import Any


def emit(result: Any, *, json: bool, human: Callable[[Any], Any] | None = None) -> None:
    """Print `result` as JSON when `json` (or when it has no human form), else what
    `human(result)` returns: text as it is, a rich renderable (a `table`) drawn."""
    if json or human is None:
        print(jsonlib.dumps(result, indent=2, default=str))
        return
    shown = human(result)
    if isinstance(shown, str):
        print(shown)
    else:
        show(shown)


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
          max_width: int | None = None) -> Any:
    """A rich table: a header ruled off, no frame; a column holding only numbers is
    right-aligned; None is an empty cell; with `max_width`, longer cells end in "…"."""
    from rich import box
    from rich.table import Table

    rows = [list(row) for row in rows]
    drawn = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for index, name in enumerate(columns):
        values = [row[index] for row in rows if row[index] is not None]
        numeric = bool(values) and all(_is_number(value) for value in values)
        drawn.add_column(name, justify="right" if numeric else "left", max_width=max_width,
                         overflow="ellipsis" if max_width else "fold",
                         no_wrap=bool(max_width))
    for row in rows:
        drawn.add_row(*(_cell(value) for value in row))
    return drawn


def _is_number(value: Any) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if getattr(value, "ndim", 0):  # a numpy array (a DuckDB list): [1, 2], not [1 2]
        value = value.tolist()
    if value is None:
        return ""
    if isinstance(value, float):
        return str(round(value, 6))
    return str(value)


def show(renderable: Any) -> None:
    """Draw a rich renderable on stdout."""
    from rich.console import Console

    terminal = sys.stdout.isatty()
    Console(file=sys.stdout, width=None if terminal else 100_000, markup=False,
            highlight=False, emoji=False).print(renderable)
