"""The single writer, in a process of its own that a test can kill: runs pipeline steps on
the data directory named by $CAREWIRE_DATA_DIR, called exactly as `carewire demo` calls
them for the moment `--now`.

    python -m tests.faults.writer --now 2026-11-24T08:00:00+00:00 [--wait] STEP...

It imports what the steps import lazily and prints `ready`, then (with --wait) waits for
a line on stdin, then prints `started STEP` before each step and `done STEP` after it,
flushed: a test times a kill from the moment a step began, and the step then runs about
as fast as it did inside the demo run it is compared with, not slowed by first imports.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import datetime

from carewire.app import pipeline
from carewire.core.settings import load_settings

STEPS = ("migrate", "load", "enrich", "route", "deliver", "publish")

WARM = {
    "migrate": ("carewire.warehouse.db", "carewire.warehouse.migrate"),
    "load": ("carewire.connectors.landing", "carewire.warehouse.load"),
    "enrich": ("carewire.enrichment.step", "carewire.enrichment.enricher",
               "carewire.enrichment.pairs", "carewire.warehouse.tags"),
    "route": ("carewire.routing.policy", "carewire.routing.step"),
    "deliver": ("carewire.routing.deliver", "carewire.routing.destinations",
                "carewire.desk.store"),
    "publish": ("carewire.warehouse.exports", "carewire.warehouse.snapshot"),
}
"""Step -> the modules it imports inside its function (app/pipeline.py)."""


def run_step(step: str, settings, now: datetime) -> None:
    """One step, with the arguments `demo.run` gives it (app/demo.py)."""
    if step == "migrate":
        pipeline.migrate(settings)
    elif step == "load":
        pipeline.load_landed(settings)
    elif step == "enrich":
        pipeline.enrich(settings)
    elif step == "route":
        pipeline.route(settings, now, now)  # on the sample the demo's clock is its window's end
    elif step == "deliver":
        pipeline.deliver(settings, {}, now)
    elif step == "publish":
        pipeline.publish(settings)
    else:
        raise SystemExit(f"unknown step {step!r}; one of {', '.join(STEPS)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.writer")
    parser.add_argument("--now", type=datetime.fromisoformat, required=True)
    parser.add_argument("--wait", action="store_true", help="start on a line from stdin")
    parser.add_argument("steps", nargs="+", choices=STEPS)
    args = parser.parse_args(argv)
    settings = load_settings()  # $CAREWIRE_CONFIG and $CAREWIRE_DATA_DIR
    for step in args.steps:
        for module in WARM[step]:
            importlib.import_module(module)
    print("ready", flush=True)
    if args.wait:
        sys.stdin.readline()
    for step in args.steps:
        print(f"started {step}", flush=True)
        run_step(step, settings, args.now)
        print(f"done {step}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
