"""`carewire alerts backtest` through the real command line: what would have fired, per
day, and nothing written anywhere."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import duckdb
import pytest

from carewire.app.cli import main
from carewire.warehouse.snapshot import Publication, publish
from tests.alerts.conftest import SPIKE_HOUR, WATCHED_FROM, build, flat_history


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A warehouse at <data>/warehouse.duckdb with a steady series and one spike, closed;
    a config that points nowhere else."""
    data = tmp_path / "data"
    data.mkdir()
    warehouse = build(data / "warehouse.duckdb")
    warehouse.watch("x")
    flat_history(warehouse, WATCHED_FROM, SPIKE_HOUR + timedelta(days=1))
    warehouse.mentions(SPIKE_HOUR, 20, sentiment="negative", cluster="cl-outage",
                       text="no signal since 9")
    warehouse.flush()
    warehouse.con.close()
    publish(data / "warehouse.duckdb", data / "analytics.duckdb",  # what the commands read
            Publication(SPIKE_HOUR + timedelta(days=1), "test"), storage_version="v1.0.0")
    (tmp_path / "carewire.yaml").write_text("alerts:\n  k: 4\n")
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(data))
    monkeypatch.setenv("CAREWIRE_CONFIG", str(tmp_path / "carewire.yaml"))
    return data


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backtest_prints_what_would_have_fired_and_writes_nothing(data_dir, capsys):
    warehouse, snapshot = data_dir / "warehouse.duckdb", data_dir / "analytics.duckdb"
    before = sha(warehouse), sha(snapshot)

    code = main(["alerts", "backtest", "--since", "2026-11-23", "--until", "2026-11-25"])

    out = capsys.readouterr().out
    assert code == 0
    assert "2026-11-24 Tue" in out
    assert "  09:00  negative  Negative relevant mentions of Kestrel Mobile / x / topic " \
           "billing: 21 in the hour" in out
    assert '"no signal since 9" (20)' in out
    assert "Would have fired: 2 alerts" in out and "mentions 1, negative 1" in out
    assert (sha(warehouse), sha(snapshot)) == before
    assert sorted(p.name for p in data_dir.iterdir()) == ["analytics.duckdb", "warehouse.duckdb"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core__alerts").fetchone() == (0,)


def test_backtest_as_json_and_with_another_k(data_dir, capsys):
    main(["alerts", "backtest", "--since", "2026-11-23", "--until", "2026-11-25", "--json",
          "--k", "50"])

    report = json.loads(capsys.readouterr().out)
    assert report["settings"]["k"] == 50
    assert [a["metric"] for a in report["alerts"]] == []
    assert report["totals"]["alerts"] == 0 and report["totals"]["series_hours_judged"] > 0


def test_backtest_reports_hours_without_enough_history(data_dir, capsys):
    main(["alerts", "backtest", "--since", WATCHED_FROM.isoformat(),
          "--until", (WATCHED_FROM + timedelta(weeks=2)).isoformat()])

    out = capsys.readouterr().out
    assert "No alert would have fired." in out
    assert "Not enough history:" in out and "Kestrel Mobile / x / topic billing" in out


def test_a_bad_k_is_one_clear_line(data_dir, capsys):
    assert main(["alerts", "backtest", "--since", "2026-11-23", "--k", "0"]) == 2
    assert "--k must be above 0" in capsys.readouterr().err
