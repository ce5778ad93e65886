"""`carewire quality`: the great-expectations gates between the warehouse's layers, run
by hand, shown, and the one way past them: a person releasing a held batch, with a note
that is kept."""

from __future__ import annotations

import sys
from typing import Annotated, Literal

import typer

from carewire.app.cli import clock, context, output
from carewire.app.cli.command_group import CommandGroup, one_of, option
from carewire.quality import SUITES
from carewire.core.labels import SET_ASIDE_STEPS

app = CommandGroup(
    "quality", short_help="data-quality gates: validate, show, release held batches, retry "
                        "set-aside records, data docs",
    help="The great-expectations suites between the warehouse's layers (docs/quality.md).")


@app.command(
    "validate", short_help="judge what no suite has judged yet; exit 1 on a failure",
    help="Run the suites on the rows they have not judged in their present version, store "
         "the results, quarantine failing rows and hold their batches. Exits 1 and lists "
         "every failed expectation when one fails.")
def validate(
    ctx: typer.Context,
    suite: Annotated[Literal[SUITES] | None, option(
        "--suite", metavar=one_of(SUITES),
        help="one suite only (default: all four, in pipeline order)")] = None,
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
) -> None:
    from carewire.app import pipeline
    from carewire.quality.report import render_gate

    now = clock.now()
    settings = context.settings(ctx)
    result = pipeline.gate(settings, [suite] if suite else list(SUITES),
                           f"cli-{now:%Y%m%dT%H%M%SZ}", now)
    context.republish(settings)
    output.emit(result, json=json, human=render_gate)
    if not result["success"]:
        print(f"carewire: {len(result['failed'])} expectations failed; the failing rows are "
              "in raw__quarantine (stage 'gate') and their batches are held from routing "
              "(docs/quality.md)", file=sys.stderr)
        raise SystemExit(1)


@app.command(
    "show", short_help="the last result per suite, its failures, the held batches",
    help="The last result of every suite with each failed expectation, and the batches held "
         "back from routing.")
def show(
    ctx: typer.Context,
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
) -> None:
    from carewire.quality.report import collect, render

    with context.read_snapshot(context.settings(ctx)) as con:
        report = collect(con)
    output.emit(report, json=json, human=render)


@app.command(
    "release", short_help="let a held batch through after checking it",
    help="Release a batch a gate held: its mentions are routed by the next run and its held "
         "deliveries go out. Say why in --note; it is kept.")
def release(
    ctx: typer.Context,
    batch_id: Annotated[str, typer.Argument(
        metavar="BATCH_ID", help="as `carewire quality show` lists it")],
    note: Annotated[str, option("--note", help="why it may go through")],
    by: Annotated[str | None, option(
        "--by", help="who releases it (default: your login name)")] = None,
) -> None:
    import getpass

    from carewire.quality import store
    from carewire.warehouse.db import connect

    settings = context.settings(ctx)
    with connect(settings.warehouse) as con:
        result = store.release(con, batch_id, by or getpass.getuser(), note, clock.now())
    context.republish(settings)
    print(f"released {result['batch_id']} (held by {', '.join(result['released_suites'])}); "
          f"{result['deliveries_released']} held deliveries go out with the next deliver, "
          "its mentions are routed by the next run")


@app.command(
    "retry", short_help="let the next run try again what a step set aside",
    help="A record that enrichment, clustering or routing failed on alone is set aside "
         "(raw__quarantine, stage STEP) while the rest of its batch goes on, and skipped "
         "from then on. After the fix, this lets the next run try it again: every record "
         "of STEP, or those named by --ref.")
def retry(
    ctx: typer.Context,
    step: Annotated[Literal[SET_ASIDE_STEPS], typer.Argument(metavar=one_of(SET_ASIDE_STEPS),
                                                   help="the step that set them aside")],
    ref: Annotated[list[str] | None, option(
        "--ref", metavar="SOURCE:ID", help="one record only (repeatable)")] = None,
) -> None:
    from carewire.warehouse.db import connect
    from carewire.warehouse.holds import retry as retry_step

    settings = context.settings(ctx)
    with connect(settings.warehouse) as con:
        count = retry_step(con, step, ref or None)
    context.republish(settings)
    print(f"{count} records set aside by {step} are tried again by the next run")


@app.command(
    "docs", short_help="build the great-expectations data docs; print index.html",
    help="Render the stored results as great-expectations data docs under <data_dir>/quality "
         "and print the path of index.html.")
def docs(ctx: typer.Context) -> None:
    from carewire.quality.docs import build

    settings = context.settings(ctx)
    with context.read_snapshot(settings) as con:
        print(build(con, settings, settings.data_dir / "quality"))
