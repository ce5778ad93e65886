"""Running one suite on one frame with great-expectations, and reading its result.

Validation asks for every failing row's `row_id` (great-expectations' unexpected index
list), so a failure can be traced to its rows and their batches. The result kept for the
warehouse and the data docs is stripped of every row value: counts, bounds and observed
aggregates stay, the values and indexes of unexpected rows go.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from carewire.core.settings import QualitySettings
from carewire.quality import suites

ROW_VALUE_KEYS = ("unexpected_list", "partial_unexpected_list", "unexpected_index_list",
                  "partial_unexpected_index_list", "partial_unexpected_counts",
                  "unexpected_index_query", "details")
"""Parts of a great-expectations result that repeat row values: never stored."""


@dataclass(frozen=True)
class Failure:
    expectation_type: str
    column: str | None
    kwargs: dict[str, Any]
    description: str
    observed_value: Any
    unexpected_count: int | None
    row_ids: list[int] | None  # None: a table-level failure, every row's batch is held

    @property
    def name(self) -> str:
        return f"{self.expectation_type}({self.column})" if self.column else self.expectation_type


@dataclass(frozen=True)
class Validation:
    success: bool
    statistics: dict[str, Any]
    result: dict[str, Any]  # great-expectations' result as JSON, without row values
    failures: list[Failure]


def _column(kwargs: dict[str, Any]) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    return None


def _quiet(package: str) -> None:
    """WARNING and above from every logger of `package`: great-expectations sets INFO on
    some of its own, which would put ~150 lines of chatter in each gate task's log."""
    for name in list(logging.root.manager.loggerDict):
        if name == package or name.startswith(package + "."):
            logging.getLogger(name).setLevel(logging.WARNING)


def validate(name: str, frame: pd.DataFrame, now: datetime,
             settings: QualitySettings) -> Validation:
    """Validate `frame` (with a `row_id` column) against suite `name`."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # before its import
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _quiet("great_expectations")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = context.suites.add(suites.build(name, now, settings))
    batch = (context.data_sources.add_pandas("carewire").add_dataframe_asset(name)
             .add_batch_definition_whole_dataframe("this_run")
             .get_batch(batch_parameters={"dataframe": frame}))
    outcome = batch.validate(suite, result_format={
        "result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"],
        "partial_unexpected_count": 0, "include_unexpected_rows": False})
    failures = []
    for result in outcome.results:
        if result.success:
            continue
        config = result.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        details = result.result or {}
        index = details.get("unexpected_index_list")
        failures.append(Failure(
            expectation_type=config.type, column=_column(kwargs),
            kwargs=json.loads(json.dumps(kwargs, default=str)),
            description=config.description or "",
            observed_value=details.get("observed_value",
                                       (result.exception_info or {}).get("exception_message")),
            unexpected_count=details.get("unexpected_count"),
            row_ids=None if index is None else sorted({int(i["row_id"]) for i in index})))
    stored = json.loads(json.dumps(outcome.to_json_dict(), default=str))
    for result in stored["results"]:
        for key in ROW_VALUE_KEYS:
            (result.get("result") or {}).pop(key, None)
    stored["meta"].pop("batch_markers", None)  # a fingerprint of the frame's values
    return Validation(bool(outcome.success), stored["statistics"], stored, failures)
