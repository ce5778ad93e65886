"""The `carewire` command. Every command has --help; errors are one clear line, exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from carewire.core.errors import CarewireError
from carewire.app.rerun_modes import REENRICH, REROUTE
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from carewire.quality import SUITES


def _settings(args):
    return load_settings(args.config)


def cmd_demo(args) -> None:
    from carewire.app import demo

    demo.run(load_settings(args.config or SAMPLE_CONFIG), datetime.now(timezone.utc))


def cmd_migrate(args) -> None:
    from carewire.app import pipeline

    settings = _settings(args)
    applied = pipeline.migrate(settings)
    print(f"{settings.warehouse}: applied {', '.join(applied)}" if applied else
          f"{settings.warehouse}: schema is current, nothing to apply")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date or time like "
                                         "2026-11-01 or 2026-11-01T12:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def cmd_enrich(args) -> None:
    from carewire.app import pipeline

    window = None
    if args.since:
        window = (args.since, args.until or datetime.now(timezone.utc))
    result = pipeline.enrich(_settings(args), window)
    print(json.dumps(result, indent=2, default=str))


def _since(text: str) -> datetime:
    """'30d', '12h', '2w' back from now, or a date or time."""
    from carewire.routing.policy import parse_duration

    delta = parse_duration(text)
    if isinstance(delta, timedelta):
        return datetime.now(timezone.utc) - delta
    return _moment(text)


def cmd_route_decide(args) -> None:
    from carewire.app import pipeline

    print(json.dumps(pipeline.route(_settings(args), datetime.now(timezone.utc)), indent=2,
                     default=str))


def cmd_route_deliver(args) -> None:
    from carewire.app import pipeline
    from carewire.app.credentials import for_destinations

    settings = _settings(args)
    result = pipeline.deliver(settings, for_destinations(settings), datetime.now(timezone.utc),
                              retry_blocked=args.retry_blocked)
    print(json.dumps(result, indent=2, default=str))


def cmd_route_sync(args) -> None:
    from carewire.app import pipeline
    from carewire.app.credentials import for_destinations

    settings = _settings(args)
    result = pipeline.sync_outcomes(settings, for_destinations(settings),
                                    datetime.now(timezone.utc))
    print(json.dumps(result, indent=2, default=str))


def _read_warehouse(settings):
    """The warehouse itself when no process holds it, else the last published snapshot."""
    from carewire.core.errors import WarehouseError
    from carewire.warehouse.db import connect

    try:
        return connect(settings.warehouse, read_only=True)
    except WarehouseError:
        print(f"(the warehouse is busy: reading the snapshot {settings.snapshot})",
              file=sys.stderr)
        return connect(settings.snapshot, read_only=True)


def cmd_route_explain(args) -> None:
    from carewire.routing.policy import load_policy
    from carewire.routing.review import explain, render_explanation

    settings = _settings(args)
    policy = load_policy(settings.routing.policy)
    with _read_warehouse(settings) as con:
        report = explain(con, policy, args.mention)
    print(json.dumps(report, indent=2, default=str) if args.json else render_explanation(report))


def cmd_route_simulate(args) -> None:
    from carewire.routing.policy import load_policy
    from carewire.routing.review import render_simulation, simulate

    settings = _settings(args)
    current, proposed = load_policy(settings.routing.policy), load_policy(args.policy)
    window = (args.since, args.until or datetime.now(timezone.utc))
    with _read_warehouse(settings) as con:
        result = simulate(con, current, proposed, window)
    print(json.dumps(result, indent=2, default=str) if args.json else render_simulation(result))


def cmd_alerts_detect(args) -> None:
    from carewire.app import pipeline
    from carewire.app.credentials import for_destinations

    settings = _settings(args)
    if not settings.alerts.enabled:
        raise CarewireError("alerts are switched off (alerts.enabled: false in the config); "
                            "`carewire alerts backtest` still shows what would fire")
    result = pipeline.detect_alerts(settings, datetime.now(timezone.utc),
                                    for_destinations(settings), args.since)
    print(json.dumps(result, indent=2, default=str))


def cmd_alerts_backtest(args) -> None:
    from carewire.alerts.backtest import backtest, render

    settings = _settings(args)
    knobs = {name: value for name, value in (("k", args.k), ("min_count", args.min_count))
             if value is not None}
    try:
        chosen = type(settings.alerts).model_validate({**settings.alerts.model_dump(), **knobs})
    except ValueError as exc:
        raise CarewireError(f"--k must be above 0 and --min-count at least 1 ({exc})") from exc
    with _read_warehouse(settings) as con:
        report = backtest(con, chosen, args.since, args.until or datetime.now(timezone.utc))
    print(json.dumps(report, indent=2, default=str) if args.json else render(report))


def cmd_sql(args) -> None:
    from carewire.warehouse.db import connect

    settings = _settings(args)
    with connect(settings.snapshot, read_only=True) as con:
        try:
            frame = con.execute(args.query).df()
        except Exception as exc:  # DuckDB's own message is the useful one
            raise CarewireError(f"query failed: {exc}") from exc
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        print(frame.to_json(orient="records", date_format="iso", force_ascii=False))
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", args.max_rows, "display.max_columns", None,
                               "display.width", 200, "display.max_colwidth", 60):
            print(frame.to_string(index=False) if len(frame) else "(no rows)")


def cmd_rerun(args) -> None:
    from carewire.app import rerun

    if args.since is None or args.until is None:
        raise CarewireError("a rerun needs --since and --until (the window of mentions and "
                            "landing intervals to do again); `carewire rerun report` shows "
                            "stored reports")
    report = rerun.rerun(_settings(args), (args.since, args.until), reload=args.reload,
                         reenrich=args.reenrich, reroute=args.reroute,
                         now=datetime.now(timezone.utc), label=args.label)
    print(json.dumps(report, indent=2, default=str) if args.json else rerun.render(report))


def cmd_rerun_report(args) -> None:
    from carewire.app import rerun

    if not args.rerun_id and not args.since and (args.until or args.label):
        raise CarewireError("--until and --label narrow a range: give its start with --since "
                            "(`carewire rerun report --since ... --until ... --label ...`)")
    settings = _settings(args)
    with _read_warehouse(settings) as con:
        if args.rerun_id:
            report = rerun.combined(con, [args.rerun_id])
        elif args.since:
            report = rerun.combined(con, rerun.in_range(
                con, args.since, args.until or datetime.now(timezone.utc), args.label))
        else:
            for run in rerun.recent(con):
                print(f"{run['rerun_id']:<48} {run['window_start']:%Y-%m-%d %H:%M} to "
                      f"{run['window_end']:%Y-%m-%d %H:%M}  reload {run['reload']!s:<5} "
                      f"reenrich {run['reenrich']:<14} reroute {run['reroute']:<7} "
                      f"{run['label'] or ''}".rstrip())
            return
    print(json.dumps(report, indent=2, default=str) if args.json else rerun.render(report))


def cmd_erase(args) -> None:
    from carewire.maintenance import requests, step

    settings = _settings(args)
    queued = []
    if args.handle:
        queued.append(requests.author_request(args.source, args.handle, args.reason or ""))
    if args.deleted_ids:
        queued.append(requests.deletion_request(args.source, requests.read_ids(args.deleted_ids),
                                                args.reason or "platform deletion"))
    if not queued:
        raise CarewireError("erase needs --handle NAME (an author) or --deleted-ids FILE "
                            "(platform deletions), with --source")
    for request in queued:
        path = requests.enqueue(settings, request)
        print(f"queued {request.kind} erasure {request.request_id} on {request.source} in {path}")
    if args.now:
        from carewire.app import pipeline

        pipeline.migrate(settings)
        for request in queued:
            row = step.apply(settings, request)
            print(f"erased {row['mentions']} mentions ({request.request_id}): {row['removed']}")
        step.compact(settings)  # freed bytes out of the file before the snapshot copies it
        print(f"published {pipeline.publish(settings)}")
    else:
        print("applied by the next maintenance run (daily, or `carewire maintenance run`)")


def cmd_maintenance_run(args) -> None:
    from carewire.app import pipeline

    print(json.dumps(pipeline.maintain(_settings(args), datetime.now(timezone.utc)), indent=2,
                     default=str))


def cmd_maintenance_audit(args) -> None:
    from carewire.maintenance import audit
    from carewire.warehouse.db import connect

    settings = _settings(args)
    if args.handle and not args.source:
        raise CarewireError("--handle needs --source (a handle is looked up per platform)")
    with connect(settings.snapshot, read_only=True) as con:
        found = audit.rows(con, settings, args.source, args.handle)
    if args.handle:
        print(f"{len(found)} erasure(s) of that handle on {args.source}")
    for row in found:
        print(f"{row['completed_at']:%Y-%m-%d %H:%M} {row['request_id']} {row['kind']:<17} "
              f"{row['source']:<7} mentions {row['mentions']:<4} reason: {row['reason']}\n"
              f"    removed: {row['removed']}")


def cmd_quality_validate(args) -> None:
    from carewire.app import pipeline
    from carewire.quality.report import render_gate

    now = datetime.now(timezone.utc)
    result = pipeline.gate(_settings(args), [args.suite] if args.suite else list(SUITES),
                           f"cli-{now:%Y%m%dT%H%M%SZ}", now)
    print(json.dumps(result, indent=2, default=str) if args.json else render_gate(result))
    if not result["success"]:
        print(f"carewire: {len(result['failed'])} expectations failed; the failing rows are "
              "in raw__quarantine (stage 'gate') and their batches are held from routing "
              "(docs/quality.md)", file=sys.stderr)
        raise SystemExit(1)


def cmd_quality_show(args) -> None:
    from carewire.quality.report import collect, render

    with _read_warehouse(_settings(args)) as con:
        report = collect(con)
    print(json.dumps(report, indent=2, default=str) if args.json else render(report))


def cmd_quality_release(args) -> None:
    import getpass

    from carewire.quality.store import release
    from carewire.warehouse.db import connect

    settings = _settings(args)
    with connect(settings.warehouse) as con:
        result = release(con, args.batch_id, args.by or getpass.getuser(), args.note,
                         datetime.now(timezone.utc))
    print(f"released {result['batch_id']} (held by {', '.join(result['released_suites'])}); "
          f"{result['deliveries_released']} held deliveries go out with the next deliver, "
          "its mentions are routed by the next run")


def cmd_quality_docs(args) -> None:
    from carewire.quality.docs import build

    settings = _settings(args)
    with _read_warehouse(settings) as con:
        print(build(con, settings, settings.data_dir / "quality"))


def cmd_status(args) -> None:
    from carewire.app import status

    report = status.collect(_settings(args), datetime.now(timezone.utc))
    print(json.dumps(report, indent=2, default=str) if args.json else status.render(report))


def cmd_desk(args) -> None:
    import uvicorn

    from carewire.desk.web import create_app
    from carewire.routing.policy import load_policy

    settings = _settings(args)
    host = args.host or settings.desk.host
    port = args.port or settings.desk.port
    app = create_app(settings, load_policy(settings.routing.policy).desk_teams())
    if not app.state.accounts.users():
        print("carewire desk: no users yet. Add the first with\n"
              "  carewire desk user add NAME --role admin", file=sys.stderr)
    print(f"carewire desk on http://{host}:{port}/ (queue store: "
          f"{app.state.desk.engine.url.render_as_string(hide_password=True)})", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _accounts(settings):
    from carewire.desk.accounts import Accounts
    from carewire.desk.store import Desk

    desk = Desk(settings.desk_url)
    return desk, Accounts(desk.engine, lambda: datetime.now(timezone.utc),
                          idle=settings.desk.session_idle, lifetime=settings.desk.session_lifetime)


def _new_password(args) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"password for {args.name} (12+ characters): ")
    if password != getpass.getpass("again: "):
        raise CarewireError("the two passwords differ; nothing was changed")
    return password


def cmd_desk_user_add(args) -> None:
    settings = _settings(args)
    password = _new_password(args)
    desk, accounts = _accounts(settings)
    with desk:
        user = accounts.add_user(args.name, password, args.role, args.team, actor="cli")
    print(f"added {user.role} {user.name}" + (f" (teams: {', '.join(user.teams)})"
                                             if user.teams else ""))


def cmd_desk_user_password(args) -> None:
    settings = _settings(args)
    password = _new_password(args)
    desk, accounts = _accounts(settings)
    with desk:
        accounts.set_password(args.name, password, actor="cli")
    print(f"new password set for {args.name}; their sessions ended and any lockout is lifted")


def cmd_desk_user_list(args) -> None:
    desk, accounts = _accounts(_settings(args))
    with desk:
        for user in accounts.users():
            print(f"{user.name:20} {user.role:6} {'active' if user.active else 'disabled':8} "
                  f"{', '.join(user.teams)}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carewire", description="Social care pipeline: listen, enrich, route, measure.")
    parser.add_argument("--config", type=Path, default=None,
                        help="config file (default: $CAREWIRE_CONFIG, then ./carewire.yaml, then the "
                             "bundled example)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="run the pipeline once on the bundled sample data and report",
        description="Ingest every configured stream for the last hour, load the warehouse, "
                    "publish the analyst snapshot and print what happened. Without --config "
                    f"it uses the bundled example ({SAMPLE_CONFIG}).")
    demo.set_defaults(func=cmd_demo)

    warehouse = commands.add_parser("warehouse", help="manage the DuckDB warehouse",
                                    description="Manage the DuckDB warehouse.")
    warehouse_commands = warehouse.add_subparsers(dest="warehouse_command", required=True,
                                                  metavar="COMMAND")
    migrate = warehouse_commands.add_parser(
        "migrate", help="apply pending schema migrations",
        description="Apply the numbered migrations in warehouse/migrations that the warehouse "
                    "has not seen yet; a no-op on a current warehouse.")
    migrate.set_defaults(func=cmd_migrate)

    enrich = commands.add_parser(
        "enrich", help="enrich and cluster new mentions; re-enrich a window",
        description="Enrich and cluster every mention that has no enrichment yet (what the "
                    "process DAG does after each load). With --since, also re-enrich the "
                    "mentions created in [since, until) whose models are not the configured "
                    "ones: after changing a model, this re-enriches just that window.")
    enrich.add_argument("--since", type=_moment, help="start of the window (UTC if no zone)")
    enrich.add_argument("--until", type=_moment, help="end of the window (default: now)")
    enrich.set_defaults(func=cmd_enrich)

    route = commands.add_parser(
        "route", help="routing: decide, deliver, sync outcomes, explain, simulate",
        description="Routing under the policy (routing.policy in carewire.yaml, default "
                    "routing/default_policy.yaml). The process and sync_outcomes DAGs run "
                    "decide, deliver and sync on schedule; these commands run them by hand.")
    route_commands = route.add_subparsers(dest="route_command", required=True, metavar="COMMAND")
    decide = route_commands.add_parser(
        "decide", help="decide every enriched mention without a decision; plan deliveries",
        description="Apply the policy to every enriched mention that has no decision yet, "
                    "store the decisions with their evidence and plan the deliveries.")
    decide.set_defaults(func=cmd_route_decide)
    deliver = route_commands.add_parser(
        "deliver", help="deliver pending work to the desk and the destinations",
        description="Hand every due delivery to its destination, once (idempotency keys). "
                    "Failures wait in the backlog with their error.")
    deliver.add_argument("--retry-blocked", action="store_true",
                         help="release deliveries held as blocked (after fixing the cause)")
    deliver.set_defaults(func=cmd_route_deliver)
    sync = route_commands.add_parser(
        "sync", help="bring back outcomes; queue answer offers and escalations",
        description="What the sync_outcomes DAG does: record what destinations report, offer "
                    "accepted answers to every author of the cluster, escalate unanswered "
                    "community items, and deliver those.")
    sync.set_defaults(func=cmd_route_sync)
    explain = route_commands.add_parser(
        "explain", help="why a mention went where it went",
        description="Print the stored decision for a mention: the rule, the comparisons "
                    "that made it, the rules tried before it, the scores and the policy "
                    "version, and what happened to its delivery.")
    explain.add_argument("mention", help="source:source_id, the mention's URL, or its id")
    explain.add_argument("--json", action="store_true", help="machine-readable output")
    explain.set_defaults(func=cmd_route_explain)
    simulate = route_commands.add_parser(
        "simulate", help="replay history under a changed policy; deliver nothing",
        description="Decide the mentions created in the window under the configured policy "
                    "and under --policy, and report what would move where. Read-only.")
    simulate.add_argument("--policy", type=Path, required=True, help="the proposed policy YAML")
    simulate.add_argument("--since", type=_since, required=True,
                          help="30d, 12h, 2w back from now, or a date like 2026-11-01")
    simulate.add_argument("--until", type=_moment, help="end of the window (default: now)")
    simulate.add_argument("--json", action="store_true", help="machine-readable output")
    simulate.set_defaults(func=cmd_route_simulate)

    desk = commands.add_parser(
        "desk", help="serve the care desk web app; manage its users",
        description="Serve the care desk (queues, items, dashboards, alerts) on "
                    "desk.host:desk.port (default http://127.0.0.1:8765/). Its queue store is "
                    "routing.desk_url; item context and dashboards come from the analyst "
                    "snapshot.")
    desk.add_argument("--host", help="address to listen on (default: desk.host)")
    desk.add_argument("--port", type=int, help="port (default: desk.port)")
    desk.set_defaults(func=cmd_desk)
    desk_commands = desk.add_subparsers(dest="desk_command", metavar="COMMAND")
    user = desk_commands.add_parser("user", help="add or list desk users",
                                    description="Add or list the desk's users.")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    user_add = user_commands.add_parser(
        "add", help="add a user (asks for the password)",
        description="Add a desk user. Agents see the queues of their teams; leads see every "
                    "queue, the dashboards and alerts; admins also manage users and read the "
                    "audit log.")
    user_add.add_argument("name")
    user_add.add_argument("--role", choices=["agent", "lead", "admin"], required=True)
    user_add.add_argument("--team", action="append", default=[],
                          help="a team whose queue the user works (repeat for several)")
    user_add.add_argument("--password-stdin", action="store_true",
                          help="read the password from the first line of stdin (scripts)")
    user_add.set_defaults(func=cmd_desk_user_add)
    user_password = user_commands.add_parser(
        "password", help="set a new password (asks for it); lifts a lockout",
        description="Set a user's password, end their sessions and lift a lockout after "
                    "failed sign-ins.")
    user_password.add_argument("name")
    user_password.add_argument("--password-stdin", action="store_true",
                               help="read the password from the first line of stdin")
    user_password.set_defaults(func=cmd_desk_user_password)
    user_list = user_commands.add_parser("list", help="list users",
                                         description="List desk users, roles and teams.")
    user_list.set_defaults(func=cmd_desk_user_list)

    alerts = commands.add_parser(
        "alerts", help="spike alerts: detect now, or backtest a past window",
        description="Spike alerts on mention volume and negative sentiment per brand, "
                    "source and topic (docs/alerts.md). The process DAG detects after each "
                    "enrich; these commands run it by hand or replay the past.")
    alerts_commands = alerts.add_subparsers(dest="alerts_command", required=True,
                                            metavar="COMMAND")
    detect = alerts_commands.add_parser(
        "detect", help="judge the recent hours now; store and send new alerts",
        description="Judge every complete hour of the last alerts.lookback (or since "
                    "--since), store the alerts that fire (once each) and send them, and "
                    "any earlier unsent ones, to the desk and alerts.destinations.")
    detect.add_argument("--since", type=_since,
                        help="judge from here instead of the lookback: 3d, 12h, or a date")
    detect.set_defaults(func=cmd_alerts_detect)
    backtest = alerts_commands.add_parser(
        "backtest", help="what would have fired in a past window; stores and sends nothing",
        description="Judge every complete hour of the window as the process DAG would, "
                    "and print per day what would have fired, with its explanation, and "
                    "the totals. Read-only.")
    backtest.add_argument("--since", type=_since, required=True,
                          help="90d, 2w back from now, or a date like 2026-09-01")
    backtest.add_argument("--until", type=_moment, help="end of the window (default: now)")
    backtest.add_argument("--k", type=float, help="try another k (default: alerts.k)")
    backtest.add_argument("--min-count", type=int,
                          help="try another min_count (default: alerts.min_count)")
    backtest.add_argument("--json", action="store_true", help="machine-readable output")
    backtest.set_defaults(func=cmd_alerts_backtest)

    sql = commands.add_parser(
        "sql", help="query the analyst snapshot",
        description="Run one SQL query against the analyst snapshot (read-only).")
    sql.add_argument("query", help='e.g. "SELECT * FROM out__mention_volume_daily"')
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql.add_argument("--max-rows", type=int, default=50, help="rows shown in table format")
    sql.set_defaults(func=cmd_sql)

    rerun = commands.add_parser(
        "rerun", help="do a window again from the landing files; report what changed",
        description="Reload the landing batches of a window from their files (no platform "
                    "is asked), re-enrich and re-route its mentions, and print and store "
                    "what changed: rows added, changed and removed per warehouse table, and "
                    "the decisions that changed route. Run it while the process DAG is not "
                    "running (one writer). docs/runbook.md has the recipes.")
    rerun.add_argument("--since", type=_moment, help="window start (UTC if no zone)")
    rerun.add_argument("--until", type=_moment, help="window end, exclusive")
    rerun.add_argument("--reload", action="store_true",
                       help="reload every landing batch whose interval overlaps the window, "
                            "even unchanged ones")
    rerun.add_argument("--reenrich", choices=REENRICH, default="off",
                       help="re-enrich the mentions created in the window: those whose "
                            "models differ from the configured ones, or all (default: off)")
    rerun.add_argument("--reroute", choices=REROUTE, default="off",
                       help="decide the window again: report only (dry_run) or replace the "
                            "changed decisions and move pending work (real) (default: off)")
    rerun.add_argument("--label", help="a name for the report, e.g. the change it follows")
    rerun.add_argument("--json", action="store_true", help="machine-readable output")
    rerun.set_defaults(func=cmd_rerun)
    rerun_commands = rerun.add_subparsers(dest="rerun_command", metavar="COMMAND")
    rerun_report = rerun_commands.add_parser(
        "report", help="show a stored rerun report, or one for all reruns in a range",
        description="Without arguments, list the recent reruns. With RERUN_ID, show its "
                    "report; with --since/--until, one report for every rerun whose window "
                    "lies in the range (the runs of a backfill), each changed row counted once.")
    rerun_report.add_argument("rerun_id", nargs="?", help="a rerun id from the list")
    rerun_report.add_argument("--since", type=_moment, help="range start (UTC if no zone)")
    rerun_report.add_argument("--until", type=_moment, help="range end (default: now)")
    rerun_report.add_argument("--label", help="only the reruns with this label")
    rerun_report.add_argument("--json", action="store_true", help="machine-readable output")
    rerun_report.set_defaults(func=cmd_rerun_report)

    erase = commands.add_parser(
        "erase", help="erase an author's content, or content the platform deleted",
        description="Queue an erasure (docs/privacy.md): everything one handle wrote on one "
                    "platform, or the ids a platform reports deleted (a file, one id a line: "
                    "tweet ids, Reddit fullnames). The maintenance run applies it to the "
                    "landing zone, warehouse, care desk, snapshot and exports, with an audit "
                    "row; --now applies it at once when the warehouse is free.")
    erase.add_argument("--source", required=True, help="x, reddit, feeds or forums")
    erase.add_argument("--handle", help="the author's handle as the platform shows it")
    erase.add_argument("--deleted-ids", type=Path, help="file of deleted ids, one a line")
    erase.add_argument("--reason", help="ticket or legal basis, kept in the audit row")
    erase.add_argument("--now", action="store_true",
                       help="apply now and republish (fails while the pipeline writes)")
    erase.set_defaults(func=cmd_erase)

    maintenance = commands.add_parser(
        "maintenance", help="erasures, platform deletions and retention; the audit",
        description="What the daily maintenance DAG does, and its audit log.")
    maintenance_commands = maintenance.add_subparsers(dest="maintenance_command",
                                                      required=True, metavar="COMMAND")
    maintenance_run = maintenance_commands.add_parser(
        "run", help="apply queued erasures and platform deletions, purge old raw payloads, "
                    "publish",
        description="Apply every queued erasure and the deletions the platforms reported, "
                    "purge raw payloads older than retention.raw_days, then publish.")
    maintenance_run.set_defaults(func=cmd_maintenance_run)
    maintenance_audit = maintenance_commands.add_parser(
        "audit", help="list erasures done (from the snapshot)",
        description="One line per erasure: when, which kind, where, how much was removed. "
                    "With --source and --handle, only that handle's (matched by its keyed "
                    "hash: the audit never stores the handle).")
    maintenance_audit.add_argument("--source", help="x, reddit, feeds or forums")
    maintenance_audit.add_argument("--handle", help="check whether this handle was erased")
    maintenance_audit.set_defaults(func=cmd_maintenance_audit)

    quality = commands.add_parser(
        "quality", help="data-quality gates: validate, show, release held batches, data docs",
        description="The great-expectations suites between the warehouse's layers "
                    "(docs/quality.md).")
    quality_commands = quality.add_subparsers(dest="quality_command", required=True,
                                              metavar="COMMAND")
    validate = quality_commands.add_parser(
        "validate", help="judge what no suite has judged yet; exit 1 on a failure",
        description="Run the suites on the rows they have not judged in their present "
                    "version, store the results, quarantine failing rows and hold their "
                    "batches. Exits 1 and lists every failed expectation when one fails.")
    validate.add_argument("--suite", choices=SUITES,
                          help="one suite only (default: all four, in pipeline order)")
    validate.add_argument("--json", action="store_true", help="machine-readable output")
    validate.set_defaults(func=cmd_quality_validate)
    show = quality_commands.add_parser(
        "show", help="the last result per suite, its failures, the held batches",
        description="The last result of every suite with each failed expectation, and the "
                    "batches held back from routing.")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=cmd_quality_show)
    release = quality_commands.add_parser(
        "release", help="let a held batch through after checking it",
        description="Release a batch a gate held: its mentions are routed by the next run "
                    "and its held deliveries go out. Say why in --note; it is kept.")
    release.add_argument("batch_id", metavar="BATCH_ID",
                         help="as `carewire quality show` lists it")
    release.add_argument("--note", required=True, help="why it may go through")
    release.add_argument("--by", help="who releases it (default: your login name)")
    release.set_defaults(func=cmd_quality_release)
    docs = quality_commands.add_parser(
        "docs", help="build the great-expectations data docs; print index.html",
        description="Render the stored results as great-expectations data docs under "
                    "<data_dir>/quality and print the path of index.html.")
    docs.set_defaults(func=cmd_quality_docs)

    status = commands.add_parser(
        "status", help="last run per stream, counts, cursor ages, quarantine",
        description="Show the last fetched interval and cursor of every stream, mention "
                    "counts per source and the quarantine, from the landing zone and snapshot.")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CarewireError as exc:
        print(f"carewire: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
