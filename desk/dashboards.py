"""The dashboard page: care KPIs, volume and sentiment, influencers, open issues and share
of voice, for leads and analysts.

Every figure is read from an `out__` view of the analyst snapshot (the views are defined
in warehouse/migrations/0004_kpis.sql and explained in docs/dashboards.md), and the page
names the view under each chart and table, so an analyst who queries that view gets the
same number. Nothing is computed here but sums of a view's counts over the days shown
(and the shares those sums make).
The snapshot is the warehouse as of the last process or sync_outcomes run: what agents did
on the desk reaches these figures when sync_outcomes (every 30 minutes) has recorded it
and published. The page also says which clock each team's SLA runs on (24/7, or its
business hours from carewire.yaml): the breach rate counts the due times that clock made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Request

from carewire.core.business_time import describe
from carewire.core.errors import WarehouseError
from carewire.core.settings import RoutingSettings
from carewire.desk import charts
from carewire.desk.pages import render
from carewire.desk.session import Viewer, lead_viewer
from carewire.warehouse.db import connect, records
from carewire.warehouse.latency import recent, seconds

router = APIRouter()

DEFAULT_WEEKS = 8
MAX_WEEKS = 104
TOP = 10
"""Rows in the influencer and open-cluster tables."""
TOPIC_LINES = 6
"""Topics drawn over time (the busiest); the bar chart lists them all."""


@dataclass
class Dashboard:
    """What the page shows, or `problem` saying why it cannot."""

    problem: str = ""
    snapshot_at: datetime | None = None
    since: date | None = None
    teams: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    grain: str = "all"
    weekly_grain: str = "week"
    headline: dict[str, Any] = field(default_factory=dict)
    weekly: list[dict[str, Any]] = field(default_factory=list)
    by_team: list[dict[str, Any]] = field(default_factory=list)
    by_source: list[dict[str, Any]] = field(default_factory=list)
    volume: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    topic_days: list[dict[str, Any]] = field(default_factory=list)
    influencers: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    voice: list[dict[str, Any]] = field(default_factory=list)
    not_scored: int = 0
    """Own mentions in the period whose sentiment was not scored (no model for their
    language): in no average and no negative share."""
    clocks: dict[str, str] = field(default_factory=dict)
    """Team -> the clock its SLA runs on, as said on the page (`sla_clocks`)."""
    latency: dict[str, Any] | None = None
    """Post-to-queue over the hour before the page's clock (warehouse/latency.py); None
    on a snapshot from before migration 0020."""


def published_at(snapshot: Path) -> datetime | str:
    """When the analyst snapshot was published (its file's time, as the pages show it), or
    why there is none to read."""
    try:
        return datetime.fromtimestamp(snapshot.stat().st_mtime, timezone.utc)
    except FileNotFoundError:
        return (f"There is no analyst snapshot at {snapshot} yet: run the process DAG or "
                "`carewire demo` first.")


def read(snapshot: Path, weeks: int, team: str | None, source: str | None,
         share_of_voice: bool, now: datetime) -> Dashboard:
    """The figures for the last `weeks` weeks (by the snapshot's time), for one team and/or
    one source when given; and how long posts took to reach a queue in the hour before
    `now` (all teams and sources: the pipeline's pace, not a team's)."""
    snapshot_at = published_at(snapshot)
    if isinstance(snapshot_at, str):
        return Dashboard(problem=snapshot_at)
    this_week = snapshot_at.date() - timedelta(days=snapshot_at.weekday())
    since = this_week - timedelta(weeks=weeks - 1)
    keys = [name for name, value in (("team", team), ("source", source)) if value]
    grain = "_".join(keys) or "all"
    weekly_grain = "_".join([*keys, "week"])
    kpi_filter = "team IS NOT DISTINCT FROM ? AND source IS NOT DISTINCT FROM ?"
    try:
        with connect(snapshot, read_only=True) as con:
            board = Dashboard(snapshot_at=snapshot_at, since=since, grain=grain,
                              weekly_grain=weekly_grain)
            # Each view is computed once per page; the page's several cuts read the copy.
            con.execute("CREATE TEMP TABLE kpis AS SELECT * FROM out__care_kpis")
            con.execute("""CREATE TEMP TABLE volume AS SELECT * FROM out__volume_sentiment_daily
                           WHERE day >= ? AND (? IS NULL OR source = ?)""",
                        [since, source, source])
            board.teams = [r[0] for r in con.execute(
                "SELECT team FROM kpis WHERE grain = 'team' ORDER BY team").fetchall()]
            board.sources = [r[0] for r in con.execute(
                "SELECT source FROM kpis WHERE grain = 'source' ORDER BY source").fetchall()]
            headline = records(con, f"SELECT * FROM kpis WHERE grain = ? AND {kpi_filter}",
                             [grain, team, source])
            board.headline = headline[0] if headline else {}
            board.weekly = records(con, f"""
                SELECT * FROM kpis WHERE grain = ? AND {kpi_filter} AND week >= ?
                ORDER BY week""", [weekly_grain, team, source, since])
            board.by_team = records(con, """
                SELECT * FROM kpis WHERE grain = ? AND source IS NOT DISTINCT FROM ?
                ORDER BY items DESC, team""", ["team_source" if source else "team", source])
            board.by_source = records(con, """
                SELECT * FROM kpis WHERE grain = ? AND team IS NOT DISTINCT FROM ?
                ORDER BY items DESC, source""", ["team_source" if team else "source", team])
            board.volume = records(con, """
                SELECT day, source, mentions, negative, avg_sentiment_score FROM volume
                WHERE grain = 'source' ORDER BY day, source""")
            # a mention not scored (no sentiment model for its language) is counted apart:
            # the negative share is of the scored ones
            board.topics = records(con, """
                SELECT topic, sum(mentions) AS mentions, sum(negative) AS negative,
                       sum(not_scored) AS not_scored,
                       sum(negative) / nullif(sum(negative) + sum(neutral) + sum(positive), 0)
                           AS negative_share
                FROM volume WHERE grain = 'topic'
                GROUP BY topic ORDER BY mentions DESC, topic""")
            board.not_scored = int(con.execute(
                "SELECT coalesce(sum(not_scored), 0) FROM volume WHERE grain = 'source'"
            ).fetchone()[0])
            board.topic_days = records(con, """
                SELECT day, topic, sum(mentions) AS mentions FROM volume WHERE grain = 'topic'
                GROUP BY day, topic ORDER BY day, topic""")
            board.influencers = records(con, f"""
                SELECT * FROM out__top_authors
                WHERE tier IN ('influencer', 'superfan') AND (? IS NULL OR source = ?)
                ORDER BY rank_overall, source, author_id LIMIT {TOP}""", [source, source])
            board.clusters = records(con, f"""
                SELECT * FROM out__open_clusters
                WHERE (? IS NULL OR list_contains(sources, ?))
                  AND (? IS NULL OR list_contains(teams, ?))
                LIMIT {TOP}""", [source, source, team, team])
            board.latency = recent(con, now)
            if share_of_voice:
                board.voice = records(con, """
                    SELECT * FROM out__share_of_voice WHERE week >= ?
                    ORDER BY week, is_competitor, brand""", [since])
    except WarehouseError as exc:
        return Dashboard(problem=str(exc))
    except duckdb.CatalogException as exc:
        return Dashboard(problem=f"The analyst snapshot has no KPI views yet ({exc}). They "
                                 "appear after the next process run (migrate, then publish).")
    return board


def sla_clocks(routing: RoutingSettings, teams: Iterable[str]) -> dict[str, str]:
    """Which clock each team's SLA runs on, for the page: "24/7", or "business hours,
    Europe/Berlin, mon-fri 08:00-20:00" (routing.business_hours). Every team in the KPIs,
    and every team with business hours."""
    return {team: describe(routing.clock_for(team))
            for team in sorted({*teams, *routing.business_hours})}


def figure(value: Any, kind: str = "number") -> str:
    """A KPI as the page prints it; a dash when there is nothing to measure yet."""
    if value is None:
        return "–"
    return {"percent": charts.percent, "hours": charts.hours, "rating": "{:.2f}".format,
            "score": "{:+.2f}".format}.get(kind, charts.number)(value)


def _series(rows: list[dict[str, Any]], x: str, name: str, value: str,
            names: list[str] | None = None) -> tuple[list[str], dict[str, list[float | None]]]:
    """Rows of (x, name, value) as chart series aligned on the sorted x values."""
    xs = sorted({row[x] for row in rows})
    names = names or sorted({row[name] for row in rows})
    found = {(row[x], row[name]): row[value] for row in rows}
    return ([str(v) for v in xs],
            {n: [found.get((v, n)) for v in xs] for n in names})


def draw(board: Dashboard) -> dict[str, Any]:
    """The charts of a dashboard, as SVG markup."""
    weeks = [str(row["week"]) for row in board.weekly]
    rates = {label: [row[column] for row in board.weekly] for label, column in (
        ("resolution rate", "resolution_rate"), ("SLA breach rate", "sla_breach_rate"),
        ("CSAT, customers", "customer_csat"), ("CSAT, agent-recorded", "agent_csat"))}
    times = {label: [row[column] for row in board.weekly] for label, column in (
        ("resolution median", "resolution_hours_median"),
        ("resolution p90", "resolution_hours_p90"),
        ("first response median", "first_response_hours_median"))}
    volume_x, volume = _series(board.volume, "day", "source", "mentions")
    sentiment_x, sentiment = _series(board.volume, "day", "source", "avg_sentiment_score")
    busiest = [row["topic"] for row in board.topics[:TOPIC_LINES]]
    topic_x, topic_lines = _series([r for r in board.topic_days if r["topic"] in busiest],
                                   "day", "topic", "mentions", busiest)
    voice_x, voice = _series(board.voice, "week", "brand", "share_of_voice",
                             list(dict.fromkeys(row["brand"] for row in board.voice)))
    return {
        "rates": charts.line_chart(weeks, rates, title="Resolution, SLA breach and CSAT by "
                                   "week", fmt=charts.percent, y_range=(0, 1)),
        "times": charts.line_chart(weeks, times, title="Resolution and first response time "
                                   "by week (hours)", fmt=charts.hours),
        "teams": charts.bar_chart([(r["team"], r["items"]) for r in board.by_team],
                                  title="Care items per team"),
        "team_breaches": charts.bar_chart(
            [(r["team"], r["sla_breach_rate"]) for r in board.by_team
             if r["sla_breach_rate"] is not None],
            title="SLA breach rate per team", fmt=charts.percent),
        "sources": charts.bar_chart([(r["source"] or "(no mention)", r["items"])
                                     for r in board.by_source], title="Care items per source"),
        "volume": charts.line_chart(volume_x, volume, title="Mentions per day by source"),
        "sentiment": charts.line_chart(sentiment_x, sentiment, title="Average sentiment per "
                                       "day by source (-1 to +1)", fmt="{:+.2f}".format,
                                       y_range=(-1, 1)),
        "topics": charts.bar_chart([(r["topic"], r["mentions"]) for r in board.topics],
                                   title="Mentions per topic"),
        "topic_negative": charts.bar_chart(
            [(r["topic"], r["negative_share"]) for r in board.topics
             if r["negative_share"] is not None],
            title="Share of negative mentions per topic (of those scored)", fmt=charts.percent),
        "topic_lines": charts.line_chart(topic_x, topic_lines, title="Mentions per day by "
                                         "topic (busiest topics)"),
        "influencers": charts.bar_chart(
            [(f"{r['handle'] or r['author_id']} ({r['source']}, {r['tier']})", r["score"])
             for r in board.influencers], title="Influence score", fmt="{:.2f}".format),
        "clusters": charts.bar_chart(
            [(" ".join(str(r["founder_text"]).split()), r["size"]) for r in board.clusters],
            title="Largest open issue clusters (mentions)", label_chars=60),
        "voice": charts.line_chart(voice_x, voice, title="Share of voice by week",
                                   fmt=charts.percent, y_range=(0, 1)),
    }


@router.get("/dashboard")
def dashboard(request: Request, weeks: int = DEFAULT_WEEKS, team: str = "", source: str = "",
              who: Viewer = Depends(lead_viewer)):
    settings = request.app.state.settings
    weeks = min(max(weeks, 1), MAX_WEEKS)
    has_competitors = any(brand.competitor for brand in settings.brands)
    board = read(settings.snapshot, weeks, team or None, source or None, has_competitors,
                 request.app.state.clock())
    board.clocks = sla_clocks(settings.routing, board.teams)
    for name, value, known in (("team", team, board.teams), ("source", source, board.sources)):
        if value and not board.problem and value not in known:
            raise HTTPException(404, f"there is no {name} {value!r} in the KPIs: choose one of "
                                     f"{', '.join(known) or 'none yet'}")
    return render(request, "dashboard.html", who, board=board,
                  charts=draw(board) if not board.problem else {}, weeks=weeks, team=team,
                  source=source, has_competitors=has_competitors, figure=figure,
                  seconds=seconds)
