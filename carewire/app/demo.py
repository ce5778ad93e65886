"""`carewire demo`: one pass of the whole pipeline on the bundled sample, then a report.

It runs the same steps as the DAGs (ingest every stream, then migrate, load, enrich,
route, deliver and publish), so what it prints is what a scheduled run would do. On the
bundled sample the data interval is the week the recordings cover, and the clock every
step is given is that interval's end (carewire/sample/agent_session.yaml): the output is
the same on every run and every day. Then a recorded agent session is played on the desk
(carewire/app/agent_session.py), outcomes are synced once and the snapshot published
again, so the care KPIs have real numbers. Last, the community health of the brand's own
spaces over the newest weeks (out__community_health): the sample's forum carries several
weeks of history before the recorded one, which its first read fetches as any first read
of a forum fetches its recently active topics. The sample config delivers to the built-in
care desk only; no outside system is called.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from carewire.app import agent_session, pipeline
from carewire.connectors import configured_streams
from carewire.core.errors import SourceError
from carewire.core.settings import Settings
from carewire.core.types import Interval
from carewire.quality import GATES_AFTER

EXAMPLE_QUERY = ("SELECT source, stream, count(*) AS mentions, min(created_at) AS oldest, "
                 "max(created_at) AS newest FROM core__mentions GROUP BY ALL ORDER BY mentions DESC")


def run(settings: Settings, now: datetime, say: Callable[[str], None] = print, *,
        play_session: bool = True) -> dict:
    """One pass for the window the bundled sample was recorded over, every step decided
    for that window's end, then the recorded agent session (unless `play_session` is
    False), one sync of outcomes and a fresh snapshot. On another recording, with no known
    window and no session, one pass for the hour before `now` (the CLI's wall clock)."""
    session = agent_session.for_settings(settings)
    interval = session.window if session is not None else Interval.hour_before(now)
    now = interval.end if session is not None else now
    say(f"carewire demo: data interval {interval.start:%Y-%m-%d %H:%M} to "
        f"{interval.end:%Y-%m-%d %H:%M} UTC"
        + (" (the week the sample was recorded over)" if session is not None else "") + "\n")
    fetched = []
    for source, streams in configured_streams(settings).items():
        for stream in streams:
            try:
                fetched.append(pipeline.ingest_stream(settings, source, stream.name, interval))
            except SourceError as exc:  # one broken source must not stop the others
                fetched.append({"source": source, "stream": stream.name, "error": str(exc)})
    say(f"1. Fetched into the landing zone ({settings.landing})")
    say(f"   {'source/stream':30} {'pages':>5} {'HTTP':>8} {'entries':>8} {'new':>5} "
        f"{'rejected':>9}")
    for row in fetched:
        name = f"{row['source']}/{row['stream']}"
        if "error" in row:
            say(f"   {name:30} failed: {row['error']}")
            continue
        status = ",".join(str(s) for s in sorted(set(row["statuses"])))
        say(f"   {name:30} {len(row['statuses']):>5} {status:>8} {row['entries']:>8} "
            f"{row['new']:>5} {row['rejected']:>9}")

    applied = pipeline.migrate(settings)
    load = pipeline.load_landed(settings)
    run_id = f"demo-{now:%Y%m%dT%H%M%SZ}"  # on the sample, the window's end: same every run
    gates = [pipeline.gate(settings, GATES_AFTER["load"], run_id, now)]
    enriched = pipeline.enrich(settings)
    gates.append(pipeline.gate(settings, GATES_AFTER["enrich"], run_id, now))
    alerted = pipeline.detect_alerts(settings, interval.end)
    routed = pipeline.route(settings, interval.end, now)
    gates.append(pipeline.gate(settings, GATES_AFTER["route"], run_id, now))
    delivered = pipeline.deliver(settings, {}, now)
    snapshot = pipeline.publish(settings, run_id=run_id, interval=interval, now=now)
    totals = load["warehouse_totals"]
    say(f"\n2. Loaded into the warehouse ({settings.warehouse})")
    say(f"   migrations applied now: {', '.join(applied) or 'none, schema is current'}")
    say(f"   batches loaded: {load['batches_loaded']} "
        f"(unchanged since last load: {load['batches_unchanged']})")
    say(f"   warehouse now holds {totals['mentions']} mentions by {totals['authors']} authors, "
        f"{totals['quarantined']} quarantined records")
    models = dict(enriched["models"])
    if made_for := models.pop("sentiment_languages", None):
        models["sentiment"] += f" (made for {made_for})"
    say(f"\n3. Enriched {enriched['enriched']} new mentions (models: "
        f"{', '.join(models.values())})")
    for line in _enrichment_lines(settings):
        say(f"   {line}")
    say(f"   issue clusters: {enriched['clustered']} mentions clustered, "
        f"{enriched['clusters_founded']} new clusters, "
        f"{enriched['joined_open_clusters']} joined clusters from earlier runs")
    say("   authors by tier: " + ", ".join(f"{tier} {count}" for tier, count
                                           in enriched["influence_tiers"].items()))
    if alerted.get("enabled", True):
        say(f"   spike alerts, hours {alerted['window'][0][:16]} to {alerted['window'][1][:16]} "
            f"UTC: {alerted['series_hours_judged']} series-hours judged, {alerted['fired']} "
            f"fired, {alerted['not_enough_history']} without the "
            f"{settings.alerts.min_history_weeks} weeks of history a baseline needs")
    say(f"\n4. Routed {routed['decided']} new mentions (policy {routed['policy_version']}); "
        "what went where, by rule, over the whole warehouse:")
    for line in _routing_lines(settings):
        say(f"   {line}")
    say(f"   delivered now: {delivered['delivered']} new items ({delivered['found_existing']} "
        f"found already delivered); backlog: "
        + (", ".join(f"{b['destination']} {b['status']} {b['items']}" for b in delivered["backlog"])
           or "empty"))
    say(f"   care desk queue store: {settings.desk_url}")
    say("   why one mention went where it did: .venv/bin/carewire route explain <source:id>")
    if load["quarantine_reasons"]:
        say("\n5. Quarantined in raw__quarantine (original bytes kept), by reason:")
        for reason, count in sorted(load["quarantine_reasons"].items()):
            say(f"   {count:>3} x {reason}")
    set_aside = pipeline.set_aside_in(enriched, routed)
    if set_aside:
        say("\n   Set aside by a step that failed on them alone (the rest went on): "
            + ", ".join(f"{step} {count}" for step, count in set_aside.items())
            + "; after the fix: .venv/bin/carewire quality retry STEP")
    say(f"\n6. Quality gates (run {run_id}; docs/quality.md):")
    for line in _quality_lines(gates):
        say(f"   {line}")
    outcomes = None
    if session is not None and play_session:
        outcomes = _play(settings, session, run_id, interval, say)
        snapshot = outcomes["snapshot"]
    say(f"\n8. Community health of the last {COMMUNITY_WEEKS} weeks (out__community_health in "
        "the snapshot; docs/dashboards.md, \"Community health\")")
    for line in _community_lines(settings):
        say(f"   {line}")
    say(f"\nAnalyst snapshot published: {snapshot}")
    say("Query it (read-only, never blocks the pipeline):")
    say(f'   .venv/bin/carewire sql "{EXAMPLE_QUERY}"')
    say(f"Parquet exports of every core__ table and out__ view, with manifest.json: "
        f"{settings.exports}")
    say("What each table and column means: .venv/bin/carewire sql \"SELECT * FROM "
        "meta__columns\", or docs/dictionary.md; how fresh: SELECT * FROM meta__snapshot")
    say(f"\nThe care desk (queues, items, dashboards, alerts): .venv/bin/carewire desk, then "
        f"open http://{settings.desk.host}:{settings.desk.port}/")
    say("   sign in after adding yourself: .venv/bin/carewire desk user add YOU --role admin")
    if settings.http.replay_dir is not None:
        from carewire.connectors.recorder import RECORDED

        say("   answer an item there, then post what agents sent: .venv/bin/carewire desk "
            "replies send (the send_replies DAG does it every 2 minutes). While the demo "
            "replays recordings, replies go to a local recorder, never to a platform: "
            f"{settings.data_dir / RECORDED}")
    return {"fetched": fetched, "load": load, "enriched": enriched, "snapshot": str(snapshot),
            "quality": gates, "outcomes": outcomes}


def _play(settings: Settings, session: agent_session.Session, run_id: str,
          interval: Interval, say: Callable[[str], None]) -> dict:
    """The recorded agent session, then one sync of outcomes at the window's end and a
    fresh snapshot; section 7 of the report."""
    now = interval.end
    played = agent_session.play(settings, session)
    synced = pipeline.sync_outcomes(settings, {}, now)
    snapshot = pipeline.publish(settings, run_id=run_id, interval=interval, now=now)
    say("\n7. Care outcomes (a recorded agent session: carewire/sample/agent_session.yaml)")
    actions = ", ".join(f"{kind} {count}" for kind, count in played.applied.items())
    say(f"   actions played: {actions}" + (f"; {played.skipped} played before" if played.skipped
                                              else "") if actions else
        f"   actions played: none, all {played.skipped} were played by an earlier run")
    say(f"   by agents {', '.join(session.agents)}"
        + (f" (desk users added: {', '.join(played.agents_added)})" if played.agents_added
           else "")
        + f"; posted to the local recorder by send_replies: {played.replies_posted} "
        f"(the replies, and {played.rating_requests} rating requests under resolved items)")
    say(f"   sync_outcomes at {now:%Y-%m-%d %H:%M} UTC: "
        f"{sum(synced['outcomes_recorded'].values())} outcomes recorded, "
        f"{synced['escalated']} community items escalated to the contact center, "
        f"{synced['answer_offers_queued']} answer offers")
    for line in _kpi_lines(settings):
        say(f"   {line}")
    return {"played": played, "synced": synced, "snapshot": snapshot}


def _kpi_lines(settings: Settings) -> list[str]:
    """The overall row of out__care_kpis, read from the snapshot just published."""
    from carewire.warehouse.db import connect

    with connect(settings.snapshot, read_only=True) as con:
        row = con.execute("""SELECT items, responded, resolved, resolution_rate,
                                    first_response_hours_median, resolution_hours_median,
                                    customer_ratings, customer_csat, agent_ratings, agent_csat,
                                    sla_breached, sla_met, items - sla_breached - sla_met
                             FROM out__care_kpis WHERE grain = 'all'""").fetchone()
    (items, responded, resolved, rate, first_response, resolution, customer_n, customer_csat,
     agent_n, agent_csat, breached, met, not_due) = row

    def hours(value):
        return "n/a" if value is None else f"{value:.1f} h"

    def share(value):
        return "n/a" if value is None else f"{value:.0%}"

    return [f"care KPIs, all items (out__care_kpis, grain 'all'): {items} items, "
            f"{responded} responded, {resolved} resolved (resolution rate {share(rate)})",
            f"median first response {hours(first_response)}, median resolution "
            f"{hours(resolution)}",
            f"CSAT: customers {share(customer_csat)} of {customer_n} ratings, agents "
            f"{share(agent_csat)} of {agent_n}",
            f"SLA: {breached} breached, {met} met, {not_due} open and not due yet",
            "the dashboard: .venv/bin/carewire desk, then open /dashboard"]


COMMUNITY_WEEKS = 4
"""How many of the newest UTC weeks of the brand's own spaces the report shows."""


def _community_lines(settings: Settings) -> list[str]:
    """out__community_health for the newest weeks of each of the brand's own spaces, read
    from the snapshot just published: members by phase, questions, and contacts deflected,
    with what each means."""
    from datetime import timedelta

    from carewire.warehouse.db import connect

    with connect(settings.snapshot, read_only=True) as con:
        rows = con.execute("""SELECT space, week, members, members_attracted,
                                     members_participating, members_bound, members_delighted,
                                     members_integrated, questions, questions_unanswered_24h,
                                     first_reply_hours_median, answered_by_customers_share,
                                     answers_received, contacts_deflected
                              FROM out__community_health ORDER BY space, week""").fetchall()
    if not rows:
        return ["nothing yet: no post in a space the brand runs (community.spaces in "
                "carewire.yaml; by default every forum under sources.forums)"]
    by_space: dict[str, dict] = {}
    for space, week, *figures in rows:
        by_space.setdefault(space, {})[week] = figures
    newest = max(week for _, week, *_ in rows)
    weeks = [newest - timedelta(weeks=n) for n in range(COMMUNITY_WEEKS - 1, -1, -1)]
    lines = []
    for space, figures_of in by_space.items():
        lines.append(f"space {space}:")
        lines.append(f"{'week':10} {'members':>7} {'attracted':>9} "
                     f"{'participating':>13} {'bound':>5} {'delighted':>9} {'integrated':>10} "
                     f"{'questions':>9} {'unanswered 24h':>14} {'first reply':>11} "
                     f"{'by customers':>12} {'deflected':>9}")
        for week in weeks:
            (members, attracted, participating, bound, delighted, integrated, questions,
             unanswered, first_reply, by_customers, reached, deflected) = figures_of.get(
                week, [0] * 8 + [None, None, 0, 0])
            lines.append(
                f"{week:%Y-%m-%d} {members:>7} {attracted:>9} "
                f"{participating:>13} {bound:>5} {delighted:>9} {integrated:>10} "
                f"{questions:>9} {unanswered:>14} "
                f"{'n/a' if first_reply is None else f'{first_reply:.1f} h':>11} "
                f"{'n/a' if by_customers is None else f'{by_customers:.0%}':>12} "
                f"{f'{deflected} of {reached}':>9}")
    return lines + [
        "members, each in one phase a week: attracted (first post), participating (posted "
        "again), bound (posted in 3 of the last 4 weeks), delighted (an answer of theirs "
        "accepted, liked or recognised that week), integrated (a superfan, or 2 or more answers accepted)",
        "questions asked that week: unanswered 24h (no reply by anyone else within a day), "
        "first reply (median), by customers (of those answered, the share a customer answered)",
        "deflected is an estimate: of the people a community answer reached that week (the "
        "accepted answer to their question, or one sent to them), those who opened no "
        "one-to-one case about the same issue within 7 days; judged once the 7 days are over, "
        "so the newest weeks show fewer",
        "each member's phase and why: .venv/bin/carewire sql \"SELECT * FROM "
        "out__community_members ORDER BY week DESC, phase\""]


def _quality_lines(gates: list[dict]) -> list[str]:
    """One line per suite judged, and one per failed expectation."""
    lines = []
    for gate in gates:
        for suite, result in gate["suites"].items():
            if result is None:
                lines.append(f"{suite:18} nothing new to judge")
                continue
            lines.append(f"{suite:18} {'passed' if result['success'] else 'FAILED':6} "
                         f"{result['rows_checked']:>5} rows, {result['batches_checked']} "
                         f"batches; held {len(result['batches_held'])}, quarantined "
                         f"{result['rows_quarantined']}")
            lines += [f"  failed: {f['expectation']}: {f['description']}"
                      for f in result["failures"]]
    lines.append("results: .venv/bin/carewire quality show; data docs: .venv/bin/carewire "
                 "quality docs")
    return lines


def _enrichment_lines(settings: Settings) -> list[str]:
    """What the warehouse now says about all mentions: the distributions an agent sees."""
    from carewire.warehouse.db import connect

    with connect(settings.warehouse, read_only=True) as con:
        lines = []
        for column in ("sentiment", "intent", "language", "relevant"):
            counts = con.execute(f"SELECT {column}, count(*) AS n FROM core__enrichments "
                                 "GROUP BY ALL ORDER BY n DESC, 1 LIMIT 6").fetchall()
            lines.append(f"{column}: " + ", ".join(f"{value} {n}" for value, n in counts))
        top = con.execute("SELECT customers, size, representative_text FROM out__issue_clusters "
                          "LIMIT 3").fetchall()
        for customers, size, text in top:
            lines.append(f"issue of {customers} customers ({size} mentions): "
                         f"{' '.join(text.split())[:60]!r}")
    return lines


def _routing_lines(settings: Settings) -> list[str]:
    from carewire.warehouse.db import connect

    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute("""SELECT route, rule_id, sum(mentions), sum(items)
                              FROM out__routing_by_rule GROUP BY ALL
                              ORDER BY route, sum(mentions) DESC""").fetchall()
    lines = [f"{'route':<15} {'rule':<18} {'mentions':>8} {'items':>6}"]
    lines += [f"{route:<15} {rule:<18} {mentions:>8} {items:>6}"
              for route, rule, mentions, items in rows]
    return lines
