"""great-expectations data docs, rendered from the results stored in the warehouse.

The warehouse is the record; the docs are a view of it, rebuilt on demand under
<data_dir>/quality (a great-expectations file project: its suites, the stored results and
the HTML site). The results carry counts and bounds only, so the pages show which
expectation failed and on how many rows, never a mention's text or author.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from carewire.core.settings import Settings
from carewire.quality import SUITES, suites


def build(con: duckdb.DuckDBPyConnection, settings: Settings, directory: Path,
          runs: int = 50) -> Path:
    """Write the last `runs` results of every suite into a data docs site; return its
    index.html."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier, ValidationResultIdentifier)

    directory.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=directory)
    now = datetime.now(timezone.utc)
    for name in SUITES:  # the suites as the code defines them now
        context.suites.add_or_update(suites.build(name, now, settings.quality))
    rows = con.execute("""
        SELECT run_id, suite, validated_at, result FROM quality__results
        QUALIFY row_number() OVER (PARTITION BY suite ORDER BY validated_at DESC) <= ?
        ORDER BY validated_at""", [runs]).fetchall()
    for run_id, suite, validated_at, result in rows:
        key = ValidationResultIdentifier(
            ExpectationSuiteIdentifier(name=suite),
            RunIdentifier(run_name=run_id, run_time=validated_at), f"carewire-{suite}")
        context.validation_results_store.set(
            key, ExpectationSuiteValidationResult(**json.loads(result)))
    sites = context.build_data_docs()
    return Path(sites["local_site"].removeprefix("file://"))
