"""The command line's shared pieces: the one --json switch, its tables, the one clock, usage
errors as argparse gave them, and a start that imports nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta, timezone

import pytest

from carewire.app.cli import clock, main, moments, output

REPORT = {"totals": {"alerts": 2}, "at": clock.now()}


def test_emit_prints_json_for_scripts(capsys):
    output.emit(REPORT, json=True, human=lambda report: "not this")
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"totals": {"alerts": 2}, "at": str(REPORT["at"])}


def test_emit_prints_the_human_text_as_it_is(capsys):
    output.emit(REPORT, json=False, human=lambda report: f"Alerts: {report['totals']['alerts']}")
    assert capsys.readouterr().out == "Alerts: 2\n"


def test_emit_without_a_human_form_is_json(capsys):
    output.emit({"decided": 3}, json=False)
    assert json.loads(capsys.readouterr().out) == {"decided": 3}


def test_a_table_is_plain_text_one_row_a_line_when_stdout_is_not_a_terminal(capsys):
    reason = "DSAR 9 [ticket 1234] " + "a long reason that would wrap at eighty columns " * 3
    rows = [("ann", 12, reason), ("bob", None, "x")]
    output.emit(rows, json=False, human=lambda rows: output.table(["name", "mentions",
                                                                   "reason"], rows))
    out = capsys.readouterr().out
    assert "\x1b[" not in out  # no colour codes
    lines = out.splitlines()
    assert lines[0].split() == ["name", "mentions", "reason"]
    assert reason.strip() in lines[2]  # not wrapped, [ticket 1234] not taken for markup
    assert lines[2].startswith("ann") and lines[3].split() == ["bob", "x"]
    assert lines[2].index("12") > lines[0].index("mentions")  # numbers right-aligned


def test_moments_are_utc_unless_zoned_and_since_counts_back_from_the_clock(monkeypatch):
    assert moments.moment("2026-11-01").tzinfo == timezone.utc
    assert moments.moment("2026-11-01T12:00+01:00").utcoffset() == timedelta(hours=1)
    fixed = moments.moment("2026-11-24T09:00")
    monkeypatch.setattr(clock, "now", lambda: fixed)
    assert moments.since("2d") == fixed - timedelta(days=2)
    assert moments.since("2026-11-01") == moments.moment("2026-11-01")


@pytest.mark.parametrize("argv, message", [
    ([], "carewire: error: Missing command."),
    (["route", "explain"], "carewire route explain: error: Missing argument 'MENTION'."),
    (["alerts", "backtest", "--since", "soon"],
     "carewire alerts backtest: error: Invalid value for '--since': 'soon' is not a date"),
    (["sql", "SELECT 1", "--format", "xml"],
     "carewire sql: error: Invalid value for '--format': 'xml' is not one of"),
])
def test_a_usage_error_exits_2_with_the_usage_and_the_error_on_stderr(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: carewire") and message in err


def test_the_command_line_starts_without_the_heavy_libraries():
    heavy = ("duckdb", "pandas", "great_expectations", "torch", "sqlalchemy", "rich")
    code = ("import sys, carewire.app.cli as cli\n"
            "try:\n    cli.main(['rerun', 'report', '--help'])\nexcept SystemExit:\n    pass\n"
            f"print([m for m in {heavy!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
