"""The hot path's parts as ops read them: each in its own log group, closed even when the
part fails, with its time, and its result kept under its name. (The whole task runs in
tests/dags/test_quality_gates.py and test_dag_runs.py.)"""

from __future__ import annotations

import logging

import pytest

from carewire.dag_tasks.hot_path import run_part


def test_a_part_is_grouped_timed_and_kept_by_name(caplog):
    kept = {}
    with caplog.at_level(logging.INFO):
        result = run_part("route", lambda: {"decided": 3},
                          lambda name, value, seconds: kept.update({name: (value, seconds)}))
    assert result == {"decided": 3}
    assert kept["route"][0] == {"decided": 3} and kept["route"][1] >= 0
    messages = caplog.messages
    assert messages[0] == "::group::route"
    assert messages[1].startswith("route done in ") and messages[1].endswith("{'decided': 3}")
    assert messages[2] == "::endgroup::"
    assert messages[3].startswith("route: ") and messages[3].endswith(" s")


def test_a_failing_part_closes_its_group_keeps_nothing_and_raises(caplog):
    kept = {}

    def fail() -> dict:
        raise RuntimeError("the desk is down")

    with caplog.at_level(logging.INFO), pytest.raises(RuntimeError, match="desk is down"):
        run_part("deliver", fail, lambda name, value, seconds: kept.update({name: value}))
    assert kept == {}
    assert caplog.messages[:2] == ["::group::deliver", "::endgroup::"]
    assert caplog.messages[2].startswith("deliver failed after ")
