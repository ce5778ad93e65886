"""kill -9 in the middle of every step, then the step again: the pipeline converges to what
the demo run that was never killed holds (tests/conftest.py: `demo_run_steps`).

The test runs the demo on the sample for the same moment as that run, in this process.
Before each step that writes (load, enrich, route, deliver, publish) it runs the step in
a writer process of its own (tests/faults/writer.py) and kills it with SIGKILL at a few
points, each kill on what the one before left, as Airflow retries a task that died; then
the demo's own call of the step is the retry that gets through, and the run goes on.

What it proves: at the start of every step the warehouse holds, row for row, what the
never-killed run held at the start of that step (so a kill and a retry of one step leave
the next nothing different to start from), and at the end the warehouse, the desk store,
the snapshot and the exports match, with nothing left over (`assert_converged`).

Where a kill lands: at a mark the writer leaves (its first write to the warehouse since
the step started, a temporary file of publish), or at a fraction of the time the step
took in the never-killed run after it started. A kill that came after the step had
finished proves less, but the data must converge all the same: a slower or faster
machine changes what a kill proves, never the verdict. Each step has a kill at a mark
that shows it still running (a write, a temporary file), so every step is killed at least
once while it works, and the test asserts that.

Why one run and not one test per step: the retry of a killed load must enrich the whole
sample, about ten seconds of CPU on top of the enrich the killed enrich already does, and
each step's retry would run the gates and the deliveries after it once more.
"""

from __future__ import annotations

import signal

from carewire.app import demo, pipeline
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from tests.conftest import DEMO_NOW, DEMO_STEPS
from tests.faults.conftest import (Kill, assert_converged, differing, found_existing,
                                   reference_rows, run_and_kill, warehouse_rows)

KILLS = {
    # one transaction per landing batch: at the first batch's commit, halfway through the
    # retry, and a third of the way into the writes of the retry after that
    "load": (Kill("write"), Kill("start", of_step=0.5), Kill("write", of_step=0.3)),
    # one transaction for the enrichments (after the models ran), then clustering,
    # influence and tags: 0.2 s after the enrichments' commit began, in the clustering
    "enrich": (Kill("write", seconds=0.2),),
    # one transaction: as its commit is written, then halfway through the retry
    "route": (Kill("write"), Kill("start", of_step=0.5)),
    # one transaction per delivery, after the desk's own: at the first, then some way into
    # the retry's (a third try would mostly find the work done)
    "deliver": (Kill("write"), Kill("write", of_step=0.2)),
    # a half-copied snapshot, a half-written exports folder, then halfway through
    "publish": (Kill(".analytics.duckdb.*"), Kill(".exports.*"), Kill("start", of_step=0.5)),
}

KILLED = -signal.SIGKILL


def test_every_step_killed_mid_write_and_retried_converges_to_the_run_never_killed(
        demo_run_steps, tmp_path, monkeypatch):
    run = demo_run_steps
    data = tmp_path / "data"
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(data))
    codes: dict[str, list[int]] = {}
    drift: dict[str, dict[str, str]] = {}

    def killed_first(step, retry):
        def call(*args, **kwargs):
            drift[step] = differing(warehouse_rows(data / "warehouse.duckdb"),
                                    reference_rows(run.before[step] / "warehouse.duckdb"))
            codes[step] = [run_and_kill(data, step, kill, run.seconds[step])
                           for kill in KILLS[step]]
            return retry(*args, **kwargs)
        return call

    for step, name in DEMO_STEPS.items():
        monkeypatch.setattr(pipeline, name, killed_first(step, getattr(pipeline, name)))
    demo.run(load_settings(SAMPLE_CONFIG), DEMO_NOW, say=lambda line: None,
             play_session=False)

    assert {step: KILLED in codes[step] for step in KILLS} == dict.fromkeys(KILLS, True)
    assert {step: found for step, found in drift.items() if found} == {}
    assert_converged(data, run.data)
    # A kill between the desk's commit and the warehouse's loses the record of one
    # delivery; the retry finds the desk's item by its key instead of making another.
    assert found_existing(data) <= codes["deliver"].count(KILLED)
