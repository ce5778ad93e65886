"""`carewire desk`: serve the care desk, and manage its users from a shell, since the
first admin has to exist before anyone can sign in to add the others."""

from __future__ import annotations

import sys
from typing import Annotated, Literal

import typer

from carewire.app.cli import clock, context, output
from carewire.app.cli.command_group import CommandGroup, one_of, option
from carewire.core.errors import CarewireError

ROLES = ("agent", "lead", "admin")
AGENT_STATUSES = ("available", "away", "offline")

app = CommandGroup(
    "desk", invoke_without_command=True,
    short_help="serve the care desk web app; manage its users",
    help="Serve the care desk (queues, items, dashboards, alerts) on desk.host:desk.port "
         "(default http://127.0.0.1:8765/). Its queue store is routing.desk_url; item "
         "context and dashboards come from the analyst snapshot.")
users = CommandGroup("user", short_help="add or list desk users; agents' skills and status",
                     help="Add or list the desk's users; set an agent's skills, capacity "
                          "and status, which decide what the desk assigns them "
                          "(docs/desk.md, Assignment).")
app.add_typer(users)


@app.callback()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, option(
        "--host", help="address to listen on (default: desk.host)")] = None,
    port: Annotated[int | None, option("--port", help="port (default: desk.port)")] = None,
) -> None:
    """`carewire desk` alone serves; `carewire desk user ...` only manages users."""
    if ctx.invoked_subcommand:
        return
    import uvicorn

    from carewire.desk.web import create_app
    from carewire.routing.policy import policy_for

    settings = context.settings(ctx)
    host = host or settings.desk.host
    port = port or settings.desk.port
    web = create_app(settings, policy_for(settings).desk_teams())
    if not web.state.accounts.users():
        print("carewire desk: no users yet. Add the first with\n"
              "  carewire desk user add NAME --role admin", file=sys.stderr)
    print(f"carewire desk on http://{host}:{port}/ (queue store: "
          f"{web.state.desk.engine.url.render_as_string(hide_password=True)})", file=sys.stderr)
    uvicorn.run(web, host=host, port=port, log_level="warning")


def _accounts(settings):
    from carewire.desk.accounts import Accounts
    from carewire.desk.store import Desk
    from carewire.routing.policy import policy_for

    desk = Desk(settings.desk_url)
    return desk, Accounts(desk.engine, clock.now, idle=settings.desk.session_idle,
                          lifetime=settings.desk.session_lifetime,
                          known_teams=policy_for(settings).desk_teams().queues)


def _new_password(name: str, from_stdin: bool) -> str:
    """Asked twice on the terminal (never an argument: it would sit in the shell's
    history), or the first line of stdin for scripts. Accounts judges it (12+ characters,
    hard to guess: desk/accounts.py password_problem) and refuses a weak one with
    zxcvbn's advice."""
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"password for {name} (12+ characters, hard to guess): ")
    if password != getpass.getpass("again: "):
        raise CarewireError("the two passwords differ; nothing was changed")
    return password


@users.command(
    "add", short_help="add a user (asks for the password)",
    help="Add a desk user. Agents see the queues of their teams; leads see every queue, the "
         "dashboards and alerts; admins also manage users and read the audit log.")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    role: Annotated[Literal[ROLES], option("--role", metavar=one_of(ROLES))],
    team: Annotated[list[str] | None, option(
        "--team", help="a team whose queue the user works (repeat for several)")] = None,
    password_stdin: Annotated[bool, option(
        "--password-stdin",
        help="read the password from the first line of stdin (scripts)")] = False,
) -> None:
    settings = context.settings(ctx)
    password = _new_password(name, password_stdin)
    desk, accounts = _accounts(settings)
    with desk:
        user = accounts.add_user(name, password, role, list(team or []), actor="cli")
    print(f"added {user.role} {user.name}" + (f" (teams: {', '.join(user.teams)})"
                                             if user.teams else ""))


@users.command(
    "password", short_help="set a new password (asks for it); lifts a lockout",
    help="Set a user's password, end their sessions and lift a lockout after failed "
         "sign-ins.")
def password(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    password_stdin: Annotated[bool, option(
        "--password-stdin", help="read the password from the first line of stdin")] = False,
) -> None:
    settings = context.settings(ctx)
    new = _new_password(name, password_stdin)
    desk, accounts = _accounts(settings)
    with desk:
        accounts.set_password(name, new, actor="cli")
    print(f"new password set for {name}; their sessions ended and any lockout is lifted")


@users.command("list", short_help="list users",
               help="List desk users, roles and teams; for agents also their availability, "
                    "what they hold of their capacity, and their skills.")
def list_users(ctx: typer.Context) -> None:
    desk, accounts = _accounts(context.settings(ctx))
    with desk:
        found = accounts.users()
        agents = {a.name: a for a in desk.assignment.agents()}
    rows = []
    for user in found:
        agent = agents.get(user.name)
        rows.append((user.name, user.role, "active" if user.active else "disabled",
                     ", ".join(user.teams),
                     agent and agent.status, agent and f"{agent.load}/{agent.capacity}",
                     agent and " ".join(agent.languages), agent and " ".join(agent.sources),
                     agent and (" ".join(agent.topics) or "any")))
    output.show(output.table(
        ["name", "role", "status", "teams", "availability", "holds", "languages", "sources",
         "topics"], rows))


@users.command(
    "skills", short_help="set an agent's languages, sources, topics and capacity",
    help="Set what the desk may assign an agent: an item goes only to an agent who has its "
         "language and its source, and its intent when they list topics (none listed: every "
         "intent), and who holds fewer unresolved items than their capacity. Each option "
         "given replaces that list; those not given are kept.")
def skills(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    language: Annotated[list[str] | None, option(
        "--language", help="a language they answer in, as the queue shows it: en (repeat "
        "for several)")] = None,
    source: Annotated[list[str] | None, option(
        "--source", help="a source they work: x, reddit, a forum's or blog's name (repeat)"
    )] = None,
    topic: Annotated[list[str] | None, option(
        "--topic", help="an intent they take, e.g. complaint (repeat); without any, every "
        "intent")] = None,
    any_topic: Annotated[bool, option(
        "--any-topic", help="forget their topics: they take every intent")] = False,
    capacity: Annotated[int | None, option(
        "--capacity", help="unresolved items they hold at once (new agents: 5)")] = None,
) -> None:
    desk, _ = _accounts(context.settings(ctx))
    with desk:
        agent = desk.assignment.set_skills(
            name, "cli", languages=language, sources=source,
            topics=[] if any_topic else topic, capacity=capacity)
    print(f"{agent.name}: languages {' '.join(agent.languages) or '(none)'}; sources "
          f"{' '.join(agent.sources) or '(none)'}; topics {' '.join(agent.topics) or 'any'}; "
          f"holds {agent.load} of {agent.capacity}; {agent.status}")


@users.command(
    "status", short_help="set an agent available, away or offline",
    help="Set an agent's availability (agents set their own on the desk's home page). Away "
         "or offline gives back every item assigned to them and not yet claimed, for the "
         "desk to hand on; available lets the desk assign them work at once.")
def status(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    to: Annotated[Literal[AGENT_STATUSES], typer.Argument(metavar=one_of(AGENT_STATUSES))],
) -> None:
    desk, _ = _accounts(context.settings(ctx))
    with desk:
        released = desk.assignment.set_status(name, to, "cli")
        agent = desk.assignment.agent(name)
    print(f"{name} is {to}; holds {agent.load} of {agent.capacity}"
          + (f"; gave back {len(released)} item(s) not started" if released else ""))


@app.command(
    "auto-assign", short_help="turn a team's auto-assignment on or off",
    help="With it on (the default), the desk gives each item of the team to an available "
         "agent with the skills and room; off, the team's items wait in its queue to be "
         "claimed by hand. Leads also switch it on the desk's Agents page.")
def auto_assign(
    ctx: typer.Context,
    team: Annotated[str, typer.Argument(metavar="TEAM")],
    switch: Annotated[Literal["on", "off"], typer.Argument(metavar="{on,off}")],
) -> None:
    from carewire.routing.policy import policy_for

    settings = context.settings(ctx)
    teams = policy_for(settings).desk_teams().queues
    if team not in teams:
        raise CarewireError(f"no queue for team {team}: the teams are {', '.join(teams)}")
    desk, _ = _accounts(settings)
    with desk:
        desk.assignment.set_auto_assign(team, switch == "on", "cli")
    print(f"auto-assignment {switch} for {team}")


replies = CommandGroup(
    "replies", short_help="send the replies agents wrote; retry the held ones",
    help="Replies agents write on the desk are posted on the platform where the customer "
         "wrote, exactly once (docs/replies.md). The send_replies DAG sends them every 2 "
         "minutes; these commands do it by hand.")
app.add_typer(replies)


@replies.command(
    "send", short_help="post every due reply now",
    help="Queue the rating requests due (desk.rating_request_teams), then post every reply "
         "that is due on its platform, asking the platform first where an earlier try may "
         "have gone through, and print what was posted and what waits.")
def send(ctx: typer.Context) -> None:
    from carewire.app import replies as sender
    from carewire.app.credentials import for_replies

    settings = context.settings(ctx)
    output.emit(sender.send(settings, for_replies(settings), clock.now()), json=True)


@replies.command(
    "retry", short_help="try blocked and waiting replies at the next send",
    help="After fixing what blocked them (a Connection, a raised write budget): blocked "
         "replies, and those waiting for a later try, are sent by the next `send`.")
def retry(ctx: typer.Context) -> None:
    from carewire.desk.store import Desk

    with Desk(context.settings(ctx).desk_url) as desk:
        count = desk.outbox.retry_now()
    print(f"{count} replies are tried again by the next send")
