"""The gates the process DAG runs between its steps: judge, record, hold, quarantine, return.

A gate never raises for failed expectations: the good batches flow on to routing and
delivery, the failing ones wait, held. The run is failed at its end, where ops see it
(the process DAG's `quality_gates` task, `carewire quality validate`), with every failed
expectation listed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

import duckdb

from carewire.core.settings import Settings
from carewire.quality import SUITES, frames
from carewire.quality.store import record


def judged_rows(con: duckdb.DuckDBPyConnection, settings: Settings, suite: str) -> frames.Judged:
    """The rows suite `suite` has not judged in their present version."""
    if suite == "landing_raw":
        from carewire.connectors import configured_streams

        configured = [(source, stream.name)
                      for source, streams in configured_streams(settings).items()
                      for stream in streams]
        return frames.landing_raw(con, settings.quality, configured)
    if suite not in SUITES:
        raise ValueError(f"unknown quality suite {suite!r}; the suites are {', '.join(SUITES)}")
    return getattr(frames, suite)(con)


def run(con: duckdb.DuckDBPyConnection, settings: Settings, suite_names: Sequence[str],
        run_id: str, now: datetime) -> dict[str, Any]:
    """Judge each suite on what it has not judged yet; a suite with nothing new is skipped
    (and its last result stands)."""
    from carewire.quality.validate import validate

    results: dict[str, Any] = {}
    for suite in suite_names:
        judged = judged_rows(con, settings, suite)
        if judged.empty:
            results[suite] = None
            continue
        validation = validate(suite, judged.frame, now, settings.quality)
        results[suite] = record(con, suite, run_id, now, judged, validation)
    failed = [f"{suite}: {failure['expectation']}" for suite, result in results.items()
              if result for failure in result["failures"]]
    return {"run_id": run_id, "success": not failed, "failed": failed, "suites": results}
