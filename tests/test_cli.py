"""The `carewire` command as a user meets it: help, the demo on the sample, sql, status."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from carewire.app import agent_session
from carewire.app.cli import main
from carewire.app.demo import EXAMPLE_QUERY
from carewire.connectors import configured_streams
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from carewire.connectors import CONNECTORS

SAMPLE_STREAMS = {f"{source}/{stream.name}" for source, streams in
                  configured_streams(load_settings(SAMPLE_CONFIG)).items() for stream in streams}
BROKEN_FEEDS = {"feeds/kestrelfans-blog", "feeds/deals-feed"}  # quarantined whole


@pytest.mark.parametrize("argv", [[], ["demo"], ["warehouse"], ["warehouse", "migrate"],
                                  ["sql"], ["status"]])
def test_every_command_has_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: carewire")
    assert len(out.splitlines()) > 3


@pytest.fixture
def sample_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One `carewire demo` for the tests that only read what it printed and published
    (each demo run costs a model pass and the quality gates)."""
    data = tmp_path_factory.mktemp("cli") / "data"
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
        patch.setenv("CAREWIRE_DATA_DIR", str(data))
        assert main(["demo"]) == 0
    return data, out.getvalue()


@pytest.fixture
def after_demo(demo_run, monkeypatch):
    """The environment of a shell right after `carewire demo`; the demo's output."""
    data, out = demo_run
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(data))
    return out


def test_demo_reports_every_stream_the_quarantine_and_the_snapshot(demo_run):
    sample_env, out = demo_run
    assert {source for source, _ in (s.split("/") for s in SAMPLE_STREAMS)} == set(CONNECTORS)
    for stream in SAMPLE_STREAMS:
        assert stream in out
    assert "HTML page instead of a feed" in out
    assert "malformed feed" in out
    assert "neither <id>/<guid> nor <link>" not in out  # keyed by their hash, loaded
    assert str(sample_env / "analytics.duckdb") in out
    assert EXAMPLE_QUERY in out
    assert f"never to a platform: {sample_env / 'replies_recorded.jsonl'}" in out


def test_sql_answers_from_the_snapshot_in_each_format(after_demo, capsys):
    assert main(["sql", EXAMPLE_QUERY, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {f"{row['source']}/{row['stream']}" for row in rows} == SAMPLE_STREAMS - BROKEN_FEEDS
    assert sum(row["mentions"] for row in rows) >= 300

    assert main(["sql", "SELECT stream, records FROM out__quarantine_summary ORDER BY 1",
                 "--format", "csv"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0] == "stream,records"
    assert "deals-feed,1" in csv_lines

    assert main(["sql", "SELECT count(*) AS n FROM core__authors"]) == 0
    assert capsys.readouterr().out.split()[0] == "n"

    days = "SELECT min(day) AS day FROM out__mention_volume_daily"  # a DATE stays a day
    assert main(["sql", days, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"day": "2026-10-06"}]  # the forum's history
    assert main(["sql", days]) == 0
    assert capsys.readouterr().out.split()[-1] == "2026-10-06"


def test_status_before_a_run(sample_env, capsys):
    assert main(["status"]) == 0
    before = capsys.readouterr().out
    assert "never" in before and "No analyst snapshot" in before


def test_status_after_a_run(after_demo, capsys):
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert all(s["last_interval_end"] for s in report["streams"])
    assert all(s["newest_mention_at"] for s in report["streams"]
               if f"{s['source']}/{s['stream']}" not in BROKEN_FEEDS)
    assert [row["source"] for row in report["warehouse"]["mentions"]] == sorted(CONNECTORS)


@pytest.mark.parametrize("argv, message", [
    (["sql", "SELECT 1"], "does not exist yet"),
    (["--config", "/nonexistent/carewire.yaml", "status"], "not found"),
])
def test_errors_are_one_line_and_exit_2(argv, message, sample_env, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("carewire: ") and message in err


def test_a_bad_query_says_what_duckdb_said(after_demo, capsys):
    assert main(["sql", "SELECT nope FROM core__mentions"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("carewire: query failed") and "nope" in err


def test_migrate_twice_applies_once(sample_env, capsys):
    assert main(["warehouse", "migrate"]) == 0
    assert "applied 0001_landing_and_mentions" in capsys.readouterr().out
    assert main(["warehouse", "migrate"]) == 0
    assert "schema is current" in capsys.readouterr().out


def test_right_after_the_demo_the_printed_query_works_with_no_config(tmp_path, monkeypatch,
                                                                     capsys):
    """What a newcomer does: `make demo`, then paste the query it printed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAREWIRE_CONFIG", raising=False)
    monkeypatch.delenv("CAREWIRE_DATA_DIR", raising=False)
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["sql", EXAMPLE_QUERY, "--format", "json"]) == 0
    assert sum(row["mentions"] for row in json.loads(capsys.readouterr().out)) >= 200
    assert (tmp_path / "data" / "analytics.duckdb").is_file()


def test_a_read_command_reads_the_snapshot_and_says_so_while_the_warehouse_is_held(
        after_demo, capsys):
    """Issue 23: a read command opened the live warehouse, so it failed while the pipeline
    wrote, and made a writer that started meanwhile fail; it reads only the snapshot."""
    import subprocess
    import sys

    from carewire.core.settings import load_settings

    warehouse = load_settings().warehouse
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(60)", str(warehouse)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["quality", "show"]) == 0
    finally:
        holder.kill()
        holder.wait()
    out, err = capsys.readouterr()
    assert f"(reading the snapshot {load_settings().snapshot}, published " in err
    assert "routing_decisions" in out


def test_the_demo_runs_for_the_recorded_week_and_its_clock_is_the_week_s_end(demo_run):
    """Posts are fetched for the interval they were recorded in, not replayed into the hour
    before the wall clock: the same output every day."""
    _, out = demo_run
    assert out.startswith("carewire demo: data interval 2026-11-17 07:00 to 2026-11-24 08:00 "
                          "UTC")
    assert "warehouse now holds 591 mentions by 241 authors, 5 quarantined records" in out
    assert "Quality gates (run demo-20261124T080000Z;" in out


def test_the_demo_s_agent_session_gives_the_care_kpis_real_numbers(demo_run):
    """Issue: no reply, resolution or rating was ever recorded in the demo, so every
    response and resolution KPI was NULL and every item was past its SLA."""
    import duckdb

    data, out = demo_run
    assert "7. Care outcomes (a recorded agent session" in out
    with duckdb.connect(str(data / "analytics.duckdb"), read_only=True) as con:
        kpis = con.execute("SELECT * FROM out__care_kpis WHERE grain = 'all'").df()
        kinds = dict(con.execute("SELECT kind, count(*) FROM core__events "
                                 "GROUP BY kind").fetchall())
        not_breached = con.execute("SELECT count(*) FROM out__care_items "
                                   "WHERE is_sla_breached IS NOT TRUE").fetchone()[0]
    row = kpis.iloc[0]
    for column in ("first_response_hours_median", "resolution_hours_median", "csat",
                   "customer_csat", "agent_csat", "resolution_rate"):
        assert row[column] == row[column] and row[column] is not None, column  # not NULL/NaN
    assert 0 < row["first_response_hours_median"] < 24
    assert row["responded"] > 0 and row["resolved"] > 0
    assert row["customer_ratings"] >= 2 and row["agent_ratings"] >= 1
    assert row["sla_met"] > 0 and not_breached > 0 and row["sla_breached"] < row["items"]
    assert {"claimed", "replied", "resolved", "rated", "synced"} <= set(kinds)
    assert kinds["synced"] == 1  # one sync_outcomes


def test_running_the_demo_again_duplicates_nothing(demo_run, tmp_path, monkeypatch, capsys):
    """The same batches, the same desk actions (each recognised as played), one sync at the
    same moment: every count stays as it was."""
    import shutil

    import duckdb

    data = tmp_path / "data"
    shutil.copytree(demo_run[0], data)

    def counts():
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
            events = dict(con.execute("SELECT kind, count(*) FROM core__events "
                                      "GROUP BY kind").fetchall())
            deliveries = con.execute("SELECT count(*) FROM core__deliveries").fetchone()[0]
        recorded = (data / "replies_recorded.jsonl").read_text().count("\n")
        return events, deliveries, recorded

    before = counts()
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(data))
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert counts() == before
    played = len(agent_session.load(agent_session.SAMPLE_SESSION).actions)
    assert f"actions played: none, all {played} were played by an earlier run" in out


def test_the_demo_prints_the_community_health_of_the_last_weeks(demo_run):
    """Issue 22, part 5: the report ends with the newest weeks of out__community_health,
    as the snapshot has them, and says the deflections are an estimate and how counted."""
    import duckdb

    data, out = demo_run
    section = out.split("\n8. Community health of the last 4 weeks (out__community_health in "
                        "the snapshot;", 1)[1].split("\n\n", 1)[0].splitlines()
    assert section[1].strip() == "space kestrel-community:"
    assert section[2].split() == ["week", "members", "attracted", "participating", "bound",
                                  "delighted", "integrated", "questions", "unanswered", "24h",
                                  "first", "reply", "by", "customers", "deflected"]
    with duckdb.connect(str(data / "analytics.duckdb"), read_only=True) as con:
        weeks = con.execute("""
            SELECT strftime(week, '%Y-%m-%d'), members, members_attracted,
                   members_participating, members_bound, members_delighted, members_integrated,
                   questions, questions_unanswered_24h, contacts_deflected, answers_received
            FROM out__community_health ORDER BY week DESC LIMIT 4""").fetchall()[::-1]
    printed = [line.split() for line in section[3:7]]
    assert [row[:9] for row in printed] == [[str(v) for v in week[:9]] for week in weeks]
    assert [row[-3:] for row in printed] == [[str(w[9]), "of", str(w[10])] for w in weeks]
    legend = " ".join(section[7:])
    assert "deflected is an estimate" in legend and "within 7 days" in legend


def test_the_demo_s_community_history_puts_members_in_every_phase(demo_run):
    """The sample forum's weeks before the recorded one make every phase of the last four
    weeks non-empty, with a real funnel: newcomers, members back again, regulars, helpers
    whose answers were accepted or liked, and contacts deflected (issue 22, part 5)."""
    import duckdb

    data, _ = demo_run
    with duckdb.connect(str(data / "analytics.duckdb"), read_only=True) as con:
        last = con.execute("""
            SELECT week, members_attracted, members_participating, members_bound,
                   members_delighted, members_integrated, contacts_deflected,
                   questions_unanswered_24h
            FROM out__community_health ORDER BY week DESC LIMIT 4""").fetchall()
        reasons = dict(con.execute("""
            SELECT phase, list(DISTINCT phase_reason) FROM out__community_members
            GROUP BY phase""").fetchall())
        weeks = con.execute("SELECT count(DISTINCT week) FROM out__community_members"
                            ).fetchone()[0]
    assert weeks >= 6
    for week, *phases, deflected, unanswered in last:
        assert all(count > 0 for count in phases), (week, phases)
    assert sum(row[6] for row in last) > 0 and sum(row[7] for row in last) > 0
    # integrated by accepted answers (the forum's own Solved marks), not only by tier
    assert any(why.endswith("answers accepted so far (2 or more)")
               for why in reasons["integrated"])
    assert any(why.startswith("posted in 3 of the last 4 weeks") for why in reasons["bound"])
