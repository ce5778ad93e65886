"""The Community page: whether the brand's own spaces grow and answer, for leads.

It shows, for one space at a time (a Discourse forum or a subreddit the brand runs), the
five phases of its members as a funnel and as a weekly trend, how fast questions get a
first reply (from anybody, and from another customer), the customers' share of the
answers, and the contacts the community deflected, plus the helpers ranked for expert
routing. Every figure is a row of an `out__` view of the analyst snapshot
(out__community_health, out__community_members, out__helper_ranking; defined in the table
registry, explained in docs/dashboards.md), and the page names the view under each chart:
`carewire sql` on the same view gives the same numbers. Medians and shares are per week as
the view has them; nothing is added up across weeks or spaces here but the period's
counts of contacts deflected and answers received, which are counts of people per week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Request

from carewire.core.errors import WarehouseError
from carewire.desk import charts
from carewire.desk.dashboards import DEFAULT_WEEKS, MAX_WEEKS, figure, published_at
from carewire.desk.pages import render
from carewire.desk.session import Viewer, lead_viewer
from carewire.warehouse.db import connect, records

router = APIRouter()

PHASES = ("attracted", "participating", "bound", "delighted", "integrated")
"""The five phases, in the order a member grows through them (out__community_members)."""
HELPERS = 10
"""Rows of the helper ranking shown."""


@dataclass
class CommunityBoard:
    """What the page shows, or `problem` saying why it cannot."""

    problem: str = ""
    snapshot_at: datetime | None = None
    since: date | None = None
    spaces: list[str] = field(default_factory=list)
    space: str = ""
    weekly: list[dict[str, Any]] = field(default_factory=list)
    """out__community_health rows of the space since `since`, oldest first."""
    members: list[dict[str, Any]] = field(default_factory=list)
    """out__community_members rows of the space in the newest week shown."""
    helpers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def latest(self) -> dict[str, Any]:
        """The newest week shown (it may still be running)."""
        return self.weekly[-1] if self.weekly else {}

    def total(self, column: str) -> int:
        return sum(row[column] or 0 for row in self.weekly)


def read(snapshot: Path, weeks: int, space: str | None) -> CommunityBoard:
    """The figures of the last `weeks` weeks of community data (up to the newest week in the
    views, so an old snapshot still shows its last weeks) for `space`, or for the space
    with the most members when none is named."""
    snapshot_at = published_at(snapshot)
    if isinstance(snapshot_at, str):
        return CommunityBoard(problem=snapshot_at)
    try:
        with connect(snapshot, read_only=True) as con:
            board = CommunityBoard(snapshot_at=snapshot_at)
            newest = con.execute("SELECT max(week) FROM out__community_health").fetchone()[0]
            board.since = (newest or snapshot_at.date()) - timedelta(weeks=weeks - 1)
            board.spaces = [row[0] for row in con.execute("""
                SELECT space FROM out__community_health GROUP BY space
                ORDER BY sum(members) DESC, space""").fetchall()]
            board.space = space or (board.spaces[0] if board.spaces else "")
            board.weekly = records(con, """
                SELECT * FROM out__community_health WHERE space = ? AND week >= ?
                ORDER BY week""", [board.space, board.since])
            if board.weekly:
                board.members = records(con, """
                    SELECT coalesce(handle, author_id) AS member, source, phase, posts,
                           answers, answers_accepted, answers_recognised,
                           phase_reason
                    FROM out__community_members WHERE space = ? AND week = ?
                    ORDER BY list_position(?, phase) DESC, posts DESC, member""",
                                        [board.space, board.latest["week"], list(PHASES)])
            board.helpers = records(con, f"SELECT * FROM out__helper_ranking ORDER BY rank "
                                         f"LIMIT {HELPERS}")
    except WarehouseError as exc:
        return CommunityBoard(problem=str(exc))
    except duckdb.CatalogException as exc:
        return CommunityBoard(problem=f"The analyst snapshot has no community views yet "
                                      f"({exc}). They appear after the next process run "
                                      "(migrate, then publish).")
    return board


def draw(board: CommunityBoard) -> dict[str, Any]:
    """The charts of the page, as SVG markup."""
    weeks = [str(row["week"]) for row in board.weekly]

    def by_week(pairs: tuple[tuple[str, str], ...]) -> dict[str, list[Any]]:
        return {label: [row[column] for row in board.weekly] for label, column in pairs}

    latest = board.latest
    return {
        "funnel": charts.bar_chart(
            [(phase, latest.get(f"members_{phase}") or 0) for phase in PHASES],
            title=f"Members by phase, week of {latest.get('week', '')}"),
        "phases": charts.line_chart(weeks, by_week(tuple(
            (phase, f"members_{phase}") for phase in PHASES)), title="Members by phase, "
            "by week"),
        "responsiveness": charts.line_chart(weeks, by_week((
            ("first reply, median", "first_reply_hours_median"),
            ("first reply by a customer, median", "first_customer_reply_hours_median"))),
            title="Hours to the first reply to a question, by week", fmt=charts.hours),
        "questions": charts.line_chart(weeks, by_week((
            ("questions", "questions"),
            ("unanswered after 24 h", "questions_unanswered_24h"))),
            title="Questions customers asked, by week"),
        "customers_share": charts.line_chart(weeks, by_week((
            ("answered by customers", "answered_by_customers_share"),)),
            title="Customers' share of the answers, by week", fmt=charts.percent,
            y_range=(0, 1)),
        "deflected": charts.line_chart(weeks, by_week((
            ("received a community answer", "answers_received"),
            ("contacts deflected (estimate)", "contacts_deflected"))),
            title="Contacts deflected, by week"),
    }


@router.get("/community")
def community(request: Request, weeks: int = DEFAULT_WEEKS, space: str = "",
              who: Viewer = Depends(lead_viewer)):
    settings = request.app.state.settings
    weeks = min(max(weeks, 1), MAX_WEEKS)
    board = read(settings.snapshot, weeks, space or None)
    if space and not board.problem and space not in board.spaces:
        raise HTTPException(404, f"there is no space {space!r} in the community views: "
                                 f"choose one of {', '.join(board.spaces) or 'none yet'}")
    return render(request, "community.html", who, board=board,
                  charts=draw(board) if not board.problem else {}, weeks=weeks,
                  figure=figure)
