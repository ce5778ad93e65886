"""`carewire route`: the routing steps the process and sync_outcomes DAGs run on schedule,
by hand, and the two read-only questions a policy owner asks: why did this mention go
there (explain), and what would a changed policy move (simulate)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from carewire.app.cli import clock, context, moments, output
from carewire.app.cli.command_group import CommandGroup, option

app = CommandGroup(
    "route", short_help="routing: decide, deliver, sync outcomes, explain, simulate",
    help="Routing under the policy (routing.policy in carewire.yaml, default "
         "routing/default_policy.yaml). The process and sync_outcomes DAGs run decide, "
         "deliver and sync on schedule; these commands run them by hand.")


@app.command(
    "decide", short_help="decide every enriched mention without a decision; plan deliveries",
    help="Apply the policy to every enriched mention that has no decision yet, store the "
         "decisions with their evidence and plan the deliveries.")
def decide(ctx: typer.Context) -> None:
    from carewire.app import pipeline

    settings = context.settings(ctx)
    now = clock.now()
    output.emit(pipeline.route(settings, now, now), json=True)
    context.republish(settings)


@app.command(
    "deliver", short_help="deliver pending work to the desk and the destinations",
    help="Hand every due delivery to its destination, once (idempotency keys). Failures "
         "wait in the backlog with their error.")
def deliver(
    ctx: typer.Context,
    retry_blocked: Annotated[bool, option(
        "--retry-blocked",
        help="release deliveries held as blocked (after fixing the cause)")] = False,
) -> None:
    from carewire.app import pipeline
    from carewire.app.credentials import for_destinations

    settings = context.settings(ctx)
    output.emit(pipeline.deliver(settings, for_destinations(settings), clock.now(),
                                 retry_blocked=retry_blocked), json=True)
    context.republish(settings)


@app.command(
    "sync", short_help="bring back outcomes; queue answer offers and escalations",
    help="What the sync_outcomes DAG does: record what destinations report, offer accepted "
         "answers to every author of the cluster, escalate unanswered community items, "
         "deliver those, and recognise helpful answers where community.recognition is "
         "configured (`carewire community recognise`).")
def sync(ctx: typer.Context) -> None:
    from carewire.app import pipeline
    from carewire.app.credentials import for_destinations

    settings = context.settings(ctx)
    output.emit(pipeline.sync_outcomes(settings, for_destinations(settings), clock.now()),
                json=True)
    context.republish(settings)


@app.command(
    "explain", short_help="why a mention went where it went",
    help="Print the stored decision for a mention: the rule, the comparisons that made it, "
         "the rules tried before it, the scores and the policy version, and what happened "
         "to its delivery.")
def explain(
    ctx: typer.Context,
    mention: Annotated[str, typer.Argument(
        metavar="MENTION", help="source:source_id, the mention's URL, or its id")],
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
) -> None:
    from carewire.routing import review
    from carewire.routing.policy import policy_for

    settings = context.settings(ctx)
    policy = policy_for(settings)
    with context.read_snapshot(settings) as con:
        report = review.explain(con, policy, mention)
    output.emit(report, json=json, human=review.render_explanation)


@app.command(
    "simulate", short_help="replay history under a changed policy; deliver nothing",
    help="Decide the mentions created in the window under the configured policy and under "
         "--policy, and report what would move where. Read-only.")
def simulate(
    ctx: typer.Context,
    policy: Annotated[Path, option("--policy", help="the proposed policy YAML")],
    since: Annotated[datetime, option(
        "--since", parser=moments.since,
        help="30d, 12h, 2w back from now, or a date like 2026-11-01")],
    until: Annotated[datetime | None, option(
        "--until", parser=moments.moment, help="end of the window (default: now)")] = None,
    labels: Annotated[Path | None, option(
        "--labels", help="a CSV of source, source_id, route: the right route of mentions, "
        "for each rule's precision (besides what the care team settled on)")] = None,
    json: Annotated[bool, option("--json", help="machine-readable output")] = False,
) -> None:
    import pandas as pd

    from carewire.core.errors import ConfigError
    from carewire.routing import review
    from carewire.routing.policy import load_policy, policy_for

    settings = context.settings(ctx)
    current, proposed = policy_for(settings), load_policy(policy)
    given = pd.read_csv(labels, dtype=str) if labels else None
    if given is not None and {"source", "source_id", "route"} - set(given.columns):
        raise ConfigError(f"{labels} needs the columns source, source_id and route; it has "
                          f"{', '.join(given.columns)}")
    with context.read_snapshot(settings) as con:
        result = review.simulate(con, current, proposed, (since, until or clock.now()), given)
    output.emit(result, json=json, human=review.render_simulation)
