"""`carewire community`: what carewire does in the brand's own Discourse besides delivering
questions (routing/community.py, docs/community.md): recognise helpful answers, bring the
superfans a lead approves into the helpers group, post fact sheets to the helpers."""

from __future__ import annotations

from typing import Annotated

import typer

from carewire.app.cli import clock, context, output
from carewire.app.cli.command_group import CommandGroup, option

app = CommandGroup(
    "community", short_help="recognise helpers, add superfans to the helpers group, post "
                            "fact sheets",
    help="The brand's own Discourse (community in carewire.yaml): badges and thank-yous for "
         "accepted or liked answers, the helpers group, fact sheets for the helpers. Each act "
         "is recorded as planned, then done exactly once (core__events).")


def _clients(settings):
    from carewire.app.credentials import for_destinations
    from carewire.routing.community import discourse

    credentials = for_destinations(settings)
    names = {r.destination for r in settings.community.recognition}
    if settings.community.destination:
        names.add(settings.community.destination)
    return {name: discourse(settings, name, credentials, "community") for name in sorted(names)}


def _writing(ctx: typer.Context, act):
    from carewire.warehouse.db import connect

    settings = context.settings(ctx)
    with connect(settings.warehouse) as con:
        result = act(con, settings, _clients(settings))
    context.republish(settings)
    return result


@app.command(
    "recognise", short_help="badge and thank the authors of accepted or liked answers",
    help="Read every delivered community thread of the teams under community.recognition, "
         "and grant the badge and/or post the thank-you for each accepted answer (or one "
         "with min_likes likes) by a customer, once. Staff, moderators, admins and the "
         "brand's accounts are never recognised.")
def recognise(ctx: typer.Context) -> None:
    from carewire.routing import community

    output.emit(_writing(ctx, lambda con, settings, clients: community.recognise(
        con, settings, clients, clock.now())), json=True)


@app.command(
    "candidates", short_help="the forums' superfans, and who is in the helpers group",
    help="List the superfans of the Discourse forums (core__author_influence), best helpers "
         "first, with whether carewire added them to the helpers group. Read-only.")
def candidates(
    ctx: typer.Context,
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
) -> None:
    from carewire.routing import community

    settings = context.settings(ctx)
    with context.read_snapshot(settings) as con:
        found = community.helper_candidates(con)
    output.emit(found, json=json, human=lambda rows: output.table(
        ["username", "helpful_replies", "member", "why"],
        [[r["username"], r["helpful_replies"], r["member"], r["why"]] for r in rows]))


@app.command(
    "add-helpers", short_help="a lead approves superfans into the helpers group",
    help="Record the lead's approval of each USERNAME, then add them to the helpers group "
         "(community.helpers_group_id), once: a member already is a success.")
def add_helpers(
    ctx: typer.Context,
    usernames: Annotated[list[str], typer.Argument(metavar="USERNAME",
                                                   help="Discourse usernames")],
    by: Annotated[str, option("--by", help="the lead who approves them")],
) -> None:
    from carewire.routing import community

    output.emit(_writing(ctx, lambda con, settings, clients: community.add_helpers(
        con, settings.community, clients, usernames, by, clock.now())), json=True)


@app.command(
    "fact-sheet", short_help="post a fact sheet for an issue cluster or spike alert, once",
    help="Post \"what we know, what to tell people, when we will update\" to the helpers' "
         "private category (community.helpers_category_id), once, linked from the cluster "
         "or alert (a fact_sheet_posted event; `carewire community fact-sheets` lists them).")
def fact_sheet(
    ctx: typer.Context,
    title: Annotated[str, option("--title", help="the topic's title")],
    known: Annotated[str, option("--known", help="what we know")],
    tell: Annotated[str, option("--tell", help="what to tell people")],
    next_update: Annotated[str, option("--next-update", help="when we will update")],
    by: Annotated[str, option("--by", help="the agent who wrote it")],
    cluster: Annotated[str | None, option("--cluster", help="the issue cluster id")] = None,
    alert: Annotated[str | None, option("--alert", help="the spike alert id")] = None,
) -> None:
    from carewire.routing import community

    output.emit(_writing(ctx, lambda con, settings, clients: community.post_fact_sheet(
        con, settings.community, clients, title=title, known=known, tell=tell,
        next_update=next_update, by=by, now=clock.now(), cluster_id=cluster,
        alert_id=alert)), json=True)


@app.command(
    "fact-sheets", short_help="the fact sheets posted, per cluster or alert",
    help="List the fact sheets posted to the helpers, newest first. Read-only.")
def fact_sheets(
    ctx: typer.Context,
    cluster: Annotated[str | None, option("--cluster", help="only this cluster's")] = None,
    alert: Annotated[str | None, option("--alert", help="only this alert's")] = None,
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
) -> None:
    from carewire.warehouse.community import fact_sheets as posted

    settings = context.settings(ctx)
    with context.read_snapshot(settings) as con:
        found = posted(con, cluster, alert)
    output.emit(found, json=json, human=lambda rows: output.table(
        ["posted_at", "cluster_id", "alert_id", "title", "url", "by"],
        [[r[c] for c in ("posted_at", "cluster_id", "alert_id", "title", "url", "by")]
         for r in rows]))


@app.command(
    "finish", short_help="retry the acts planned and not done",
    help="Do every planned badge, thank-you, group add and fact sheet that failed before "
         "(the forum was down, a timeout outlasted the retries), once.")
def finish(ctx: typer.Context) -> None:
    from carewire.routing import community

    output.emit(_writing(ctx, lambda con, settings, clients: community.finish(
        con, clients, clock.now())), json=True)
