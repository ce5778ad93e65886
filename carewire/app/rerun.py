"""Reruns: a window of history done again from the landing files, and what that changed.

    reload    every landing batch whose interval overlaps the window is parsed and loaded
              again from its file, changed or not; no platform is asked
    reenrich  off | changed_models (mentions created in the window whose models are not
              the configured ones) | all (every mention created in the window)
    reroute   off | dry_run (decide again and report; no decision is written) | real
              (replace the decisions that changed, move the pending work: routing/reroute.py)

Every rerun stores a report (warehouse/migrations/0007_reruns.sql): for each warehouse
table the rows added, changed and removed, by primary key, from fingerprints taken before
and after (warehouse/diff.py); and the decisions whose route or rule moved. A rerun of
data that has not changed changes nothing, so its report is empty: that is how a rerun
shows it converged. A backfill is many reruns, one per interval; `combined` sums the
reruns of a range into one report.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import duckdb

from carewire.app import pipeline
from carewire.core.errors import CarewireError
from carewire.app.rerun_modes import REENRICH, REROUTE
from carewire.core.settings import Settings
from carewire.quality import GATES_AFTER, gates
from carewire.routing.policy import policy_for
from carewire.routing.reroute import reroute as decide_again
from carewire.warehouse.db import connect, records, registered, transaction
from carewire.warehouse.diff import diff, fingerprint



def rerun(settings: Settings, window: tuple[datetime, datetime], *, now: datetime,
          judged_at: datetime | None = None, reload: bool = False, reenrich: str = "off",
          reroute: str = "off", rerun_id: str | None = None,
          label: str | None = None) -> dict[str, Any]:
    """Do the window again as asked, store the report, and return it (see `combined`).

    `now` is the run's moment (a DAG run's `run_after`, the wall clock for the CLI):
    replaced decisions are decided for it, never for `datetime.now()` inside. `judged_at`
    (default `now`) is when the quality gates judge, the time the run executes: a backfill
    redoes a past day for that day, but what was seen since is not "in the future", and
    its verdicts sort after the ones made before it. `rerun_id`
    names the report; the same id run again replaces its report (a retried task), and
    the CLI makes up a new one."""
    _check(window, reload, reenrich, reroute)
    judged_at = judged_at or now
    rerun_id = rerun_id or f"cli-{uuid.uuid4().hex[:12]}"
    pipeline.migrate(settings)
    with connect(settings.warehouse) as con:
        before = fingerprint(con)
    failed: list[str] = []
    loaded = pipeline.load_landed(settings, window) if reload else {}
    if reload:  # as the process DAG does: a batch that fails is held from the re-route
        failed += pipeline.gate(settings, GATES_AFTER["load"], rerun_id, judged_at)["failed"]
    enriched = (pipeline.enrich(settings, window, reenrich == "all")
                if reenrich != "off" else {})
    if reenrich != "off":
        failed += pipeline.gate(settings, GATES_AFTER["enrich"], rerun_id,
                                judged_at)["failed"]
    with connect(settings.warehouse) as con:
        policy = policy_for(settings) if reroute != "off" else None
        routed = (decide_again(con, policy, window, now, reroute == "real")
                  if policy is not None else {})
        if reroute == "real":
            failed += gates.run(con, settings, GATES_AFTER["route"], rerun_id,
                                judged_at)["failed"]
        changes = diff(before, fingerprint(con))
        run = {"rerun_id": rerun_id, "label": label or None, "window_start": window[0],
               "window_end": window[1], "reload": reload, "reenrich": reenrich,
               "reroute": reroute, "ran_for": now,
               "batches_reloaded": loaded.get("batches_loaded", 0),
               "mentions_reenriched": enriched.get("enriched", 0),
               "decisions_compared": routed.get("compared", 0),
               "decisions_replaced": routed.get("replaced", 0),
               "left_with_person": routed.get("left_with_person", 0),
               "deliveries_cancelled": routed.get("deliveries_cancelled", 0),
               "deliveries_planned": routed.get("deliveries_planned", 0),
               "policy_version": policy.full_version if policy is not None else None,
               "models": (json.dumps(enriched["models"], sort_keys=True)
                          if enriched else None)}
        with transaction(con):
            _store(con, run, changes, routed.get("changes"))
        return {**combined(con, [rerun_id]), "quality_failed": failed}


def _check(window: tuple[datetime, datetime], reload: bool, reenrich: str,
           reroute: str) -> None:
    if reenrich not in REENRICH:
        raise CarewireError(f"reenrich must be one of {', '.join(REENRICH)}, not {reenrich!r}")
    if reroute not in REROUTE:
        raise CarewireError(f"reroute must be one of {', '.join(REROUTE)}, not {reroute!r}")
    if window[0].tzinfo is None or window[1].tzinfo is None:
        raise CarewireError("the window's ends need a time zone (UTC): a naive time is "
                            "ambiguous")
    if not window[0] < window[1]:
        raise CarewireError(f"the window is empty: since {window[0]:%Y-%m-%d %H:%M} is not "
                            f"before until {window[1]:%Y-%m-%d %H:%M}")
    if not reload and reenrich == "off" and reroute == "off":
        raise CarewireError("nothing to rerun: ask for --reload, --reenrich changed_models|all "
                            "or --reroute dry_run|real (DAG params reload, reenrich, reroute)")


def _store(con: duckdb.DuckDBPyConnection, run: dict[str, Any], changes, route_changes) -> None:
    for table in ("core__rerun_row_changes", "core__rerun_route_changes", "core__reruns"):
        con.execute(f"DELETE FROM {table} WHERE rerun_id = ?", [run["rerun_id"]])
    con.execute(f"INSERT INTO core__reruns ({', '.join(run)}) "
                f"VALUES ({', '.join('?' * len(run))})", list(run.values()))
    if not changes.empty:
        with registered(con, changes.assign(rerun_id=run["rerun_id"]), "row_changes") as name:
            con.execute(f"INSERT INTO core__rerun_row_changes BY NAME SELECT * FROM {name}")
    if route_changes is not None and not route_changes.empty:
        with registered(con, route_changes.assign(rerun_id=run["rerun_id"]),
                        "route_changes") as name:
            con.execute(f"INSERT INTO core__rerun_route_changes BY NAME SELECT * FROM {name}")


def in_range(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime,
             label: str | None = None) -> list[str]:
    """The reruns whose window lies inside [since, until) (and carry `label`), oldest first:
    the runs of a backfill over that range."""
    return [row[0] for row in con.execute("""
        SELECT rerun_id FROM core__reruns
        WHERE window_start >= ? AND window_end <= ? AND (? IS NULL OR label = ?)
        ORDER BY window_start, ran_for, rerun_id""", [since, until, label, label]).fetchall()]


def recent(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    return records(con, """
        SELECT rerun_id, label, window_start, window_end, reload, reenrich, reroute, ran_for
        FROM core__reruns ORDER BY ran_for DESC, rerun_id DESC LIMIT ?""", [limit])


def combined(con: duckdb.DuckDBPyConnection, rerun_ids: list[str]) -> dict[str, Any]:
    """One report for the reruns named: their settings and step counts, summed; per table
    each changed row once (added if a run added it, else removed if one removed it, else
    changed); per mention the route before the first run and after the last."""
    if not rerun_ids:
        raise CarewireError("no rerun matches: `carewire rerun report` lists the recent ones")
    runs = records(con, """
        SELECT * FROM core__reruns WHERE list_contains(?, rerun_id)
        ORDER BY window_start, ran_for, rerun_id""", [rerun_ids])
    missing = sorted(set(rerun_ids) - {run["rerun_id"] for run in runs})
    if missing:
        raise CarewireError(f"no stored rerun {', '.join(missing)}: `carewire rerun report` "
                            "lists the recent ones")
    order = [run["rerun_id"] for run in runs]
    tables = {row["table_name"]: {k: int(row[k]) for k in ("added", "changed", "removed")}
              for row in records(con, """
        WITH per_row AS (
            SELECT table_name, row_key,
                   CASE WHEN bool_or(change = 'added') THEN 'added'
                        WHEN bool_or(change = 'removed') THEN 'removed'
                        ELSE 'changed' END AS change
            FROM core__rerun_row_changes WHERE list_contains(?, rerun_id)
            GROUP BY ALL)
        SELECT table_name, count(*) FILTER (WHERE change = 'added') AS added,
               count(*) FILTER (WHERE change = 'changed') AS changed,
               count(*) FILTER (WHERE change = 'removed') AS removed
        FROM per_row GROUP BY ALL ORDER BY table_name""", [order])}
    moved = records(con, """
        SELECT c.source, c.source_id,
               arg_min(c.old_route, list_position(?, c.rerun_id)) AS old_route,
               arg_min(c.old_rule_id, list_position(?, c.rerun_id)) AS old_rule_id,
               arg_max(c.new_route, list_position(?, c.rerun_id)) AS new_route,
               arg_max(c.new_rule_id, list_position(?, c.rerun_id)) AS new_rule_id,
               arg_max(c.old_delivery_status, list_position(?, c.rerun_id))
                   AS old_delivery_status,
               arg_max(c.action, list_position(?, c.rerun_id)) AS action
        FROM core__rerun_route_changes c WHERE list_contains(?, c.rerun_id)
        GROUP BY ALL ORDER BY c.source, c.source_id""", [order] * 7)
    summed = ("batches_reloaded", "mentions_reenriched", "decisions_compared",
              "left_with_person", "deliveries_cancelled", "deliveries_planned")
    steps = {name: sum(int(run[name]) for run in runs) for name in summed}
    for name, mode in (("decisions_replaced", "real"), ("decisions_to_replace", "dry_run")):
        steps[name] = sum(int(run["decisions_replaced"]) for run in runs if run["reroute"] == mode)
    return {"reruns": order,
            "labels": sorted({run["label"] for run in runs if run["label"]}),
            "window": (min(run["window_start"] for run in runs),
                       max(run["window_end"] for run in runs)),
            "reload": sorted({run["reload"] for run in runs}),
            "reenrich": sorted({run["reenrich"] for run in runs}),
            "reroute": sorted({run["reroute"] for run in runs}),
            "policy_versions": sorted({run["policy_version"] for run in runs
                                       if run["policy_version"]}),
            "steps": steps,
            "tables": tables, "route_changes": moved}


def render(report: dict[str, Any], examples: int = 20) -> str:
    """The report as an operator reads it in a terminal or a task log."""
    start, end = report["window"]
    runs = report["reruns"]
    head = (f"Rerun {runs[0]}" if len(runs) == 1 else
            f"{len(runs)} reruns ({runs[0]} ... {runs[-1]})")
    steps = report["steps"]
    lines = [f"{head} of {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
             + (f", label {', '.join(report['labels'])}" if report["labels"] else ""),
             f"  reload {'/'.join('yes' if r else 'no' for r in report['reload'])}; "
             f"re-enrich {'/'.join(report['reenrich'])}; re-route {'/'.join(report['reroute'])}"
             + (f" (policy {', '.join(report['policy_versions'])})"
                if report["policy_versions"] else ""),
             f"  batches reloaded {steps['batches_reloaded']}, mentions re-enriched "
             f"{steps['mentions_reenriched']}, decisions compared {steps['decisions_compared']}",
             ""]
    if report["tables"]:
        lines.append(f"  {'table':<32} {'added':>8} {'changed':>8} {'removed':>8}")
        lines += [f"  {name:<32} {c['added']:>8} {c['changed']:>8} {c['removed']:>8}"
                  for name, c in report["tables"].items()]
    elif not any(steps[name] for name in ("batches_reloaded", "mentions_reenriched",
                                           "decisions_compared")):
        lines.append("  No table changed: nothing in the window to reload, re-enrich or "
                     "re-route.")
    else:
        lines.append("  No table changed: the warehouse already held what this rerun "
                     "produces (it converged).")
    if report.get("quality_failed"):
        lines += ["", "  Quality gates failed (their batches are held from routing; "
                      "`carewire quality show`):"] + [
            f"    {failed}" for failed in report["quality_failed"]]
    moved = report["route_changes"]
    if "dry_run" in report["reroute"]:
        lines += ["", f"  Dry run: decisions a real run would replace "
                      f"{steps['decisions_to_replace']}; nothing was written"]
    if "real" in report["reroute"]:
        lines += ["", f"  Decisions replaced {steps['decisions_replaced']}; deliveries "
                      f"cancelled {steps['deliveries_cancelled']}, planned "
                      f"{steps['deliveries_planned']}"]
    if moved:
        flows: dict[tuple[str, str], int] = {}
        for change in moved:
            flow = (f"{change['old_route'] or '(none)'}/{change['old_rule_id'] or '-'}",
                    f"{change['new_route']}/{change['new_rule_id']}")
            flows[flow] = flows.get(flow, 0) + 1
        lines += ["", f"  Decisions that changed route or rule: {len(moved)}",
                  f"  {'from route/rule':<36} {'to route/rule':<36} {'mentions':>8}"]
        lines += [f"  {old:<36} {new:<36} {count:>8}"
                  for (old, new), count in sorted(flows.items(), key=lambda f: -f[1])]
        kept = [c for c in moved if c["action"].endswith("leave_with_person")]
        if kept:
            lines += ["", f"  Already delivered, so left with the person who has it "
                          f"({len(kept)}); move by hand if the new route matters:"]
            lines += [f"    {c['source']}:{c['source_id']}  {c['old_route']} -> "
                      f"{c['new_route']}" for c in kept[:examples]]
        others = [c for c in moved if c not in kept]
        if others:
            lines += ["", "  Examples:"] + [
                f"    {c['source']}:{c['source_id']}  {c['old_route'] or '(none)'} -> "
                f"{c['new_route']} ({c['action']})" for c in others[:examples]]
        if len(kept) > examples or len(others) > examples:
            lines.append("    ... and more: --json lists every one")
    return "\n".join(lines)
