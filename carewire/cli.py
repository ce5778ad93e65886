"""The `carewire` command. Every command has --help; errors are one clear line, exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from carewire.errors import CarewireError
from carewire.settings import SAMPLE_CONFIG, load_settings


def _settings(args):
    return load_settings(args.config)


def cmd_demo(args) -> None:
    from carewire import demo

    demo.run(load_settings(args.config or SAMPLE_CONFIG))


def cmd_migrate(args) -> None:
    from carewire import pipeline

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
    from carewire import pipeline

    window = None
    if args.since:
        window = (args.since, args.until or datetime.now(timezone.utc))
    result = pipeline.enrich(_settings(args), window)
    print(json.dumps(result, indent=2, default=str))


def _since(text: str) -> datetime:
    """'30d', '12h', '2w' back from now, or a date or time."""
    from routing.policy import parse_duration

    delta = parse_duration(text)
    if isinstance(delta, timedelta):
        return datetime.now(timezone.utc) - delta
    return _moment(text)


def cmd_route_decide(args) -> None:
    from carewire import pipeline

    print(json.dumps(pipeline.route(_settings(args), datetime.now(timezone.utc)), indent=2,
                     default=str))


def cmd_route_deliver(args) -> None:
    from carewire import pipeline
    from carewire.credentials import for_destinations

    settings = _settings(args)
    result = pipeline.deliver(settings, for_destinations(settings), datetime.now(timezone.utc),
                              retry_blocked=args.retry_blocked)
    print(json.dumps(result, indent=2, default=str))


def cmd_route_sync(args) -> None:
    from carewire import pipeline
    from carewire.credentials import for_destinations

    settings = _settings(args)
    result = pipeline.sync_outcomes(settings, for_destinations(settings),
                                    datetime.now(timezone.utc))
    print(json.dumps(result, indent=2, default=str))


def _read_warehouse(settings):
    """The warehouse itself when no process holds it, else the last published snapshot."""
    from carewire.errors import WarehouseError
    from warehouse.db import connect

    try:
        return connect(settings.warehouse, read_only=True)
    except WarehouseError:
        print(f"(the warehouse is busy: reading the snapshot {settings.snapshot})",
              file=sys.stderr)
        return connect(settings.snapshot, read_only=True)


def cmd_route_explain(args) -> None:
    from routing.policy import load_policy
    from routing.review import explain, render_explanation

    settings = _settings(args)
    policy = load_policy(settings.routing.policy)
    with _read_warehouse(settings) as con:
        report = explain(con, policy, args.mention)
    print(json.dumps(report, indent=2, default=str) if args.json else render_explanation(report))


def cmd_route_simulate(args) -> None:
    from routing.policy import load_policy
    from routing.review import render_simulation, simulate

    settings = _settings(args)
    current, proposed = load_policy(settings.routing.policy), load_policy(args.policy)
    window = (args.since, args.until or datetime.now(timezone.utc))
    with _read_warehouse(settings) as con:
        result = simulate(con, current, proposed, window)
    print(json.dumps(result, indent=2, default=str) if args.json else render_simulation(result))


def cmd_alerts_detect(args) -> None:
    from carewire import pipeline
    from carewire.credentials import for_destinations

    settings = _settings(args)
    if not settings.alerts.enabled:
        raise CarewireError("alerts are switched off (alerts.enabled: false in the config); "
                            "`carewire alerts backtest` still shows what would fire")
    result = pipeline.detect_alerts(settings, datetime.now(timezone.utc),
                                    for_destinations(settings), args.since)
    print(json.dumps(result, indent=2, default=str))


def cmd_alerts_backtest(args) -> None:
    from alerts.backtest import backtest, render

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
    from warehouse.db import connect

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


def cmd_status(args) -> None:
    from carewire import status

    report = status.collect(_settings(args), datetime.now(timezone.utc))
    print(json.dumps(report, indent=2, default=str) if args.json else status.render(report))


def cmd_desk(args) -> None:
    import uvicorn

    from desk.web import create_app

    settings = _settings(args)
    host = args.host or settings.desk.host
    port = args.port or settings.desk.port
    app = create_app(settings)
    if not app.state.accounts.users():
        print("carewire desk: no users yet. Add the first with\n"
              "  carewire desk user add NAME --role admin", file=sys.stderr)
    print(f"carewire desk on http://{host}:{port}/ (queue store: "
          f"{app.state.desk.engine.url.render_as_string(hide_password=True)})", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _accounts(settings):
    from desk.accounts import Accounts
    from routing.desk import Desk

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
