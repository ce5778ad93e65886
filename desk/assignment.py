"""Assignment to agents, not only to teams (issue 16): the desk offers each waiting item to
one agent, the way Zendesk's omnichannel routing and Sprinklr do.

An agent has skills (the languages, sources and topics they handle), a capacity (how many
unresolved items they hold at once: open and claimed, in every team) and a status
(available, away, offline), in `desk_agents` (desk/schema.py). An item *waits* while it is
open with nobody assigned. A pass over a team gives its waiting items, the soonest SLA
deadline first, each to an agent who

- is available, active, in the item's team, and holds fewer items than their capacity;
- has the item's skills: its language and its source among theirs (an item without one
  needs none), and its intent among their topics when they list topics;

and among those to the one holding the fewest items, then the one assigned longest ago
(never first), then by name: round-robin among equals. It stops when nobody able has room.
An item the desk gave stays `open` with its `assignee` until the agent claims it (starts
it); an agent who goes away or offline gives back what they had not started, and a pass
hands it on. A reopened item goes back to the agent who resolved it when they are
available, still in its team and have room; otherwise it waits like a new one. A team whose
lead turned auto-assignment off (`desk_team_settings`) is left as before: claimed by hand.

Every assignment is a `desk_events` row of kind `assigned` (who, why: the skills matched,
their load and capacity, the rule), every release one of kind `unassigned`.

Safe with many writers at once (delivery steps, desk servers), on both backends: each
assignment is one transaction that holds the agent's row (SQLite: the store's write lock,
taken at BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE on the agent) while it counts
what they hold, and sets the item only if it still waits (a guarded UPDATE). Two deliveries
at once cannot both give an agent their last free slot, nor one item to two agents. Locks
are always taken agent first, then item, and never the other way round (an action on an
item that then needs an agent runs its pass after its own transaction), so they cannot
deadlock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Literal, Mapping

import sqlalchemy as sa

from carewire.desk.accounts import write_audit
from carewire.desk.errors import DeskError
from carewire.desk.schema import (AGENT_STATUSES, desk_agents, desk_events, desk_items,
                                  desk_team_settings, desk_users)

AgentStatus = Literal["available", "away", "offline"]
HELD = ("open", "claimed")
"""What counts against an agent's capacity: every unresolved item assigned to them."""
SCAN = 500
"""Waiting items one assignment reads at most, soonest deadline first, looking for one an
agent with room can take: bounds the cost when the head of a big queue needs a skill nobody
free has."""
_LOST_RACES = 100
"""Assignments a pass may lose in a row to other writers (PostgreSQL) before it stops;
each lost race is another writer's progress, and whatever is left waits for the next
pass."""
SKILL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class AssignmentError(DeskError):
    """An agent or team setting that cannot be made; the message says what to do."""


@dataclass(frozen=True)
class Agent:
    """An agent as assignment sees them, with `load`: the unresolved items they hold."""

    name: str
    teams: tuple[str, ...]
    languages: tuple[str, ...]
    sources: tuple[str, ...]
    topics: tuple[str, ...]
    capacity: int
    status: AgentStatus
    status_at: datetime | None
    last_assigned_at: datetime | None
    active: bool
    load: int

    @property
    def room(self) -> int:
        return max(self.capacity - self.load, 0)

    def skills_for(self, item: Mapping[str, Any]) -> dict[str, str] | None:
        """The skills of this agent `item` needs, matched; None when one is missing."""
        matched = {}
        for field, theirs in (("language", self.languages), ("source", self.sources)):
            if item[field] is not None:
                if item[field] not in theirs:
                    return None
                matched[field] = item[field]
        if self.topics and item["intent"] is not None:
            if item["intent"] not in self.topics:
                return None
            matched["topic"] = item["intent"]
        return matched


@dataclass(frozen=True)
class Assigned:
    item_id: int
    agent: str
    team: str
    rule: str


class Assignment:
    """Agents' skills, capacity and status, the teams' switch, and the passes that give
    waiting items to agents, in the desk store behind `engine` (an opened `Desk`'s)."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime]):
        self.engine = engine
        self._clock = clock

    # -- agents ----------------------------------------------------------------------

    def agents(self, team: str | None = None) -> list[Agent]:
        """Every agent (of `team`), by name, with what they hold."""
        with self.engine.connect() as conn:
            return [a for a in _agents(conn) if team is None or team in a.teams]

    def agent(self, name: str) -> Agent:
        with self.engine.connect() as conn:
            found = _agents(conn, [name])
        if not found:
            raise _not_an_agent(name)
        return found[0]

    def set_skills(self, name: str, actor: str, *, languages: Iterable[str] | None = None,
                   sources: Iterable[str] | None = None, topics: Iterable[str] | None = None,
                   capacity: int | None = None) -> Agent:
        """Replace the skills given (None keeps them) and the capacity. More room or new
        skills may fit waiting items: a pass follows. A capacity below what the agent
        holds takes nothing away; they get nothing new until they are under it."""
        changes: dict[str, Any] = {}
        for field, values in (("languages", languages), ("sources", sources),
                              ("topics", topics)):
            if values is not None:
                cleaned = sorted({v.strip() for v in values if v.strip()})
                bad = [v for v in cleaned if not SKILL.match(v)]
                if bad:
                    raise AssignmentError(f"{bad[0]!r} cannot be one of {name}'s {field}: use "
                                          "the value the queue's filter shows (en, reddit, "
                                          "complaint)")
                changes[field] = cleaned
        if capacity is not None:
            if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
                raise AssignmentError(f"capacity {capacity!r} for {name} is not allowed: give "
                                      "how many unresolved items they hold at once (0 or "
                                      "more)")
            changes["capacity"] = capacity
        if not changes:
            return self.agent(name)
        with self.engine.begin() as conn:
            _write_lock(conn)
            if not conn.execute(desk_agents.update().where(desk_agents.c.name == name)
                                .values(**changes)).rowcount:
                raise _not_an_agent(name)
            write_audit(conn, self._now(), actor, "agent_skills_set", name, None, changes)
        self.run(agents=[name])
        return self.agent(name)

    def set_status(self, name: str, status: str, actor: str) -> list[int]:
        """Available, away or offline. Going away or offline gives back, in the same
        transaction, every item assigned to them and not started (open), so nothing waits
        behind them; a pass then hands those on, and gives a newly available agent work.
        Returns the ids given back."""
        if status not in AGENT_STATUSES:
            raise AssignmentError(f"unknown status {status!r}: use one of "
                                  f"{', '.join(AGENT_STATUSES)}")
        now = self._now()
        released: list[int] = []
        with self.engine.begin() as conn:
            _write_lock(conn)
            row = conn.execute(sa.select(desk_agents.c.status).where(desk_agents.c.name == name)
                               .with_for_update()).one_or_none()
            if row is None:
                raise _not_an_agent(name)
            conn.execute(desk_agents.update().where(desk_agents.c.name == name)
                         .values(status=status, status_at=now))
            if status != "available":
                released = _release(conn, name, now, actor, f"{name} is {status}")
            if row.status != status:
                write_audit(conn, now, actor, "agent_status_set", name, None,
                            {"status": status, "was": row.status, "given_back": len(released)})
        self.run(agents=[name])
        return released

    # -- teams -----------------------------------------------------------------------

    def auto_assign(self, teams: Iterable[str]) -> dict[str, bool]:
        """Whether each team has auto-assignment on (the default)."""
        teams = list(teams)
        with self.engine.connect() as conn:
            off = _teams_off(conn, teams)
        return {team: team not in off for team in teams}

    def set_auto_assign(self, team: str, on: bool, actor: str) -> None:
        """A lead's switch. Off: the team's items wait in its queue to be claimed by hand,
        as before; what was already assigned stays with its agent. On: a pass follows."""
        now = self._now()
        with self.engine.begin() as conn:
            _write_lock(conn)
            values = {"auto_assign": on, "changed_by": actor, "changed_at": now}
            if not conn.execute(desk_team_settings.update()
                                .where(desk_team_settings.c.team == team)
                                .values(**values)).rowcount:
                conn.execute(desk_team_settings.insert().values(team=team, **values))
            write_audit(conn, now, actor, "auto_assign_set", team, None, {"on": on})
        if on:
            self.run(teams=[team])

    # -- assigning -------------------------------------------------------------------

    def run(self, teams: Iterable[str] = (), agents: Iterable[str] = ()) -> list[Assigned]:
        """A pass over `teams` and the teams of `agents`: what waits there goes to agents
        with room, the soonest deadline first, until nobody able has room left."""
        wanted = set(teams)
        names = [a for a in agents if a]
        if names:
            with self.engine.connect() as conn:
                for agent in _agents(conn, names):
                    wanted.update(agent.teams)
        done: list[Assigned] = []
        for team in sorted(wanted):
            lost = 0
            while lost < _LOST_RACES:
                outcome = self._assign_one(team)
                if outcome is None:
                    break
                if outcome is _LOST:
                    lost += 1
                    continue
                lost = 0
                done.append(outcome)
        return done

    def offer_back(self, item_id: int, agent: str | None) -> Assigned | None:
        """A reopened item to the agent who resolved it, when they are available, still in
        its team and have room (their skills are not asked again: they worked it);
        otherwise a pass of its team. None when nobody took it."""
        if agent:
            with self.engine.begin() as conn:
                _write_lock(conn)
                item = _waiting_item(conn, item_id)
                if item is not None and _team_on(conn, item["team"]):
                    holder = _locked_agent(conn, agent)
                    if (holder is not None and holder.status == "available"
                            and item["team"] in holder.teams and holder.load < holder.capacity):
                        why = (f"reopened: back to {agent}, who resolved it (holds "
                               f"{holder.load} of {holder.capacity})")
                        if _give(conn, item, holder, "previous_agent", {}, why, self._now()):
                            return Assigned(item_id, agent, item["team"], "previous_agent")
        with self.engine.connect() as conn:
            team = conn.scalar(sa.select(desk_items.c.team)
                               .where(desk_items.c.item_id == item_id))
        for done in self.run(teams=[team] if team else []):
            if done.item_id == item_id:
                return done
        return None

    def _assign_one(self, team: str) -> Assigned | object | None:
        """Give the first waiting item of `team` some agent can take to the best of them,
        in one transaction; None when there is none, _LOST when another writer changed the
        agent or the item between the choice and the write."""
        with self.engine.connect() as conn:  # no lock while nothing can be assigned
            if not _team_on(conn, team) or not _with_room(_agents(conn), team):
                return None
        with self.engine.begin() as conn:
            _write_lock(conn)
            if not _team_on(conn, team):
                return None
            free = _with_room(_agents(conn), team)
            found = _first_match(conn, team, free) if free else None
            if found is None:
                return None
            item, chosen, skills, able = found
            # Hold the agent's row, then count what they hold: another assignment to them
            # waits here until this one commits, and then counts this item too.
            holder = _locked_agent(conn, chosen.name)
            if (holder is None or holder.status != "available" or not holder.active
                    or team not in holder.teams or holder.load >= holder.capacity):
                return _LOST
            why = _why(holder, skills, able)
            if not _give(conn, item, holder, "least_loaded", skills, why, self._now()):
                return _LOST
            return Assigned(item["item_id"], holder.name, team, "least_loaded")

    def _now(self) -> datetime:
        return self._clock()


_LOST = object()


def _write_lock(conn: sa.Connection) -> None:
    """SQLite: take the store's write lock now, so what this transaction reads stays true
    until it commits (PostgreSQL locks rows instead: FOR UPDATE)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _agents(conn: sa.Connection, names: Iterable[str] | None = None) -> list[Agent]:
    query = (sa.select(desk_agents, desk_users.c.teams, desk_users.c.active)
             .join(desk_users, desk_users.c.name == desk_agents.c.name)
             .order_by(desk_agents.c.name))
    if names is not None:
        query = query.where(desk_agents.c.name.in_(sorted(set(names))))
    rows = conn.execute(query).mappings().all()
    loads = _loads(conn, [row["name"] for row in rows])
    return [_agent(row, loads.get(row["name"], 0)) for row in rows]


def _loads(conn: sa.Connection, names: list[str]) -> dict[str, int]:
    if not names:
        return {}
    query = (sa.select(desk_items.c.assignee, sa.func.count())
             .where(desk_items.c.assignee.in_(names), desk_items.c.status.in_(HELD))
             .group_by(desk_items.c.assignee))
    return {name: count for name, count in conn.execute(query)}


def _agent(row: Mapping[str, Any], load: int) -> Agent:
    return Agent(name=row["name"], teams=tuple(row["teams"] or ()),
                 languages=tuple(row["languages"]), sources=tuple(row["sources"]),
                 topics=tuple(row["topics"]), capacity=row["capacity"], status=row["status"],
                 status_at=row["status_at"], last_assigned_at=row["last_assigned_at"],
                 active=bool(row["active"]), load=load)


def _locked_agent(conn: sa.Connection, name: str) -> Agent | None:
    """The agent, their row held until the transaction ends, and their load counted after
    taking it (so it includes every assignment committed before)."""
    row = conn.execute(sa.select(desk_agents, desk_users.c.teams, desk_users.c.active)
                       .join(desk_users, desk_users.c.name == desk_agents.c.name)
                       .where(desk_agents.c.name == name)
                       .with_for_update(of=desk_agents)).mappings().one_or_none()
    return None if row is None else _agent(row, _loads(conn, [name]).get(name, 0))


def _with_room(agents: list[Agent], team: str) -> list[Agent]:
    return [a for a in agents
            if a.active and a.status == "available" and team in a.teams and a.room > 0]


def _team_on(conn: sa.Connection, team: str) -> bool:
    return not _teams_off(conn, [team])


def _teams_off(conn: sa.Connection, teams: list[str]) -> set[str]:
    return set(conn.scalars(sa.select(desk_team_settings.c.team).where(
        desk_team_settings.c.team.in_(teams), desk_team_settings.c.auto_assign.is_(False))))


def _waiting(team: str):
    return sa.and_(desk_items.c.team == team, desk_items.c.status == "open",
                   desk_items.c.assignee.is_(None))


def _waiting_item(conn: sa.Connection, item_id: int) -> Mapping[str, Any] | None:
    return conn.execute(sa.select(desk_items).where(
        desk_items.c.item_id == item_id, desk_items.c.status == "open",
        desk_items.c.assignee.is_(None))).mappings().one_or_none()


def _first_match(conn: sa.Connection, team: str, free: list[Agent]):
    """The waiting item with the soonest deadline that an agent in `free` can take, the
    agent to take it, the skills matched, and how many could: or None. SQL keeps to items
    whose language and source someone free has; topics are checked here."""
    languages = sorted({v for a in free for v in a.languages})
    sources = sorted({v for a in free for v in a.sources})
    query = (sa.select(desk_items).where(
        _waiting(team),
        sa.or_(desk_items.c.language.is_(None), desk_items.c.language.in_(languages)),
        sa.or_(desk_items.c.source.is_(None), desk_items.c.source.in_(sources)))
        .order_by(desk_items.c.sla_due_at, desk_items.c.item_id).limit(SCAN))
    for item in conn.execute(query).mappings():
        able = [(agent, skills) for agent in free
                if (skills := agent.skills_for(item)) is not None]
        if able:
            agent, skills = min(able, key=lambda pair: _turn(pair[0]))
            return item, agent, skills, len(able)
    return None


def _turn(agent: Agent) -> tuple:
    """Fewest held first; among equals, assigned longest ago (never: first); then name."""
    last = agent.last_assigned_at
    return agent.load, last is not None, last.timestamp() if last else 0.0, agent.name


def _why(agent: Agent, skills: dict[str, str], able: int) -> str:
    matched = ", ".join(f"{field} {value}" for field, value in skills.items()) or "no skill"
    return (f"{agent.name} has the skills it needs ({matched}); holds {agent.load} of "
            f"{agent.capacity}, the fewest of the {able} available agent(s) able to take it"
            "; among equals, the one assigned longest ago")


def _give(conn: sa.Connection, item: Mapping[str, Any], agent: Agent, rule: str,
          skills: dict[str, str], why: str, now: datetime) -> bool:
    """Assign `item` to `agent` if it still waits, with its event; False when it does not."""
    applied = conn.execute(desk_items.update().where(
        desk_items.c.item_id == item["item_id"], _waiting(item["team"]))
        .values(assignee=agent.name, updated_at=now)).rowcount
    if applied != 1:
        return False
    conn.execute(desk_agents.update().where(desk_agents.c.name == agent.name)
                 .values(last_assigned_at=now))
    conn.execute(desk_events.insert().values(
        item_id=item["item_id"], kind="assigned", actor=None, at=now,
        data={"team": item["team"], "agent": agent.name, "rule": rule, "skills": skills,
              "load": agent.load, "capacity": agent.capacity, "why": why}))
    return True


def _release(conn: sa.Connection, name: str, now: datetime, actor: str, why: str) -> list[int]:
    """Give back what `name` holds and has not started (open), each with its event."""
    rows = conn.execute(sa.select(desk_items.c.item_id, desk_items.c.team).where(
        desk_items.c.assignee == name, desk_items.c.status == "open")
        .order_by(desk_items.c.item_id)).all()
    released = []
    for item_id, team in rows:
        if conn.execute(desk_items.update().where(
                desk_items.c.item_id == item_id, desk_items.c.assignee == name,
                desk_items.c.status == "open").values(assignee=None, updated_at=now)).rowcount:
            conn.execute(desk_events.insert().values(
                item_id=item_id, kind="unassigned", actor=actor, at=now,
                data={"team": team, "agent": name, "why": why}))
            released.append(item_id)
    return released


def _not_an_agent(name: str) -> AssignmentError:
    return AssignmentError(f"{name} is not a desk agent: only users with the agent role take "
                           "assigned work (carewire desk user list)")
