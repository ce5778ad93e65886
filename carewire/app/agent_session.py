"""The demo's recorded agent session (carewire/sample/agent_session.yaml), played on the
demo's desk through the desk's own functions: those the desk's web pages call for a claim,
a reply, a resolution (of one item or a whole issue cluster) and an agent's rating, the
sender the send_replies DAG runs (its rating requests included), and the public rating
page's for a customer's rating. Each action runs on a desk whose clock is the action's own
moment, so the outcomes the KPIs count carry realistic times.

An action already applied is skipped: its event (kind, actor, moment) is on its item
already. So a second demo run records nothing twice.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from carewire.core.errors import ConfigError
from carewire.core.settings import Settings
from carewire.core.types import Interval, utc

SAMPLE_SESSION = Path(__file__).parents[1] / "sample" / "agent_session.yaml"
SAMPLE_CASSETTES = SAMPLE_SESSION.parent / "cassettes"
SEND_EVERY = timedelta(minutes=2)
"""The send_replies DAG's schedule: what an action queues is posted this long after it."""
KINDS = {"claim": "claimed", "reply": "reply_queued", "resolve": "resolved",
         "resolve_cluster": "resolved", "rating": "rated", "customer_rating": "rated"}
"""Action -> the desk event it leaves on its item (how a replayed action is recognised)."""
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_TOKEN = re.compile(r"/rate/([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class Action:
    item: str
    after: timedelta
    do: str
    agent: str | None = None
    text: str | None = None
    score: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class Session:
    window: Interval
    agents: dict[str, tuple[str, ...]]
    rating_request_teams: tuple[str, ...]
    actions: tuple[Action, ...]


@dataclass
class Played:
    applied: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    replies_posted: int = 0
    rating_requests: int = 0
    agents_added: list[str] = field(default_factory=list)


def for_settings(settings: Settings) -> Session | None:
    """The session of the bundled sample when `settings` replay its cassettes, else None
    (another recording has no known window nor session)."""
    replay = settings.http.replay_dir
    if replay is None or Path(replay).resolve() != SAMPLE_CASSETTES.resolve():
        return None
    return load(SAMPLE_SESSION)


def load(path: Path) -> Session:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    window = Interval(utc(raw["recorded_window"]["start"]), utc(raw["recorded_window"]["end"]))
    actions = []
    for n, entry in enumerate(raw.get("actions") or [], start=1):
        entry = dict(entry)
        if entry.get("do") not in KINDS:
            raise ConfigError(f"{path}: action {n} does {entry.get('do')!r}; one of "
                              f"{', '.join(KINDS)}")
        if entry["do"] != "customer_rating" and not entry.get("agent"):
            raise ConfigError(f"{path}: action {n} ({entry['do']}) names no agent")
        actions.append(Action(item=str(entry["item"]), after=_duration(str(entry["after"])),
                              do=entry["do"], agent=entry.get("agent"),
                              text=" ".join(str(entry.get("text") or "").split()) or None,
                              score=entry.get("score"), comment=entry.get("comment") or ""))
    return Session(window, {a["name"]: tuple(a["teams"]) for a in raw.get("agents") or []},
                   tuple(raw.get("rating_request_teams") or ()), tuple(actions))


def _duration(text: str) -> timedelta:
    match = _DURATION.match(text.replace(" ", ""))
    if not match or not any(match.groups()):
        raise ConfigError(f"{text!r} is not a duration like 45m, 3h05m or 1d2h")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


class _Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def play(settings: Settings, session: Session) -> Played:
    """Every action of `session`, oldest first, each at its own moment; a send_replies
    pass SEND_EVERY after each reply and resolution."""
    from carewire.app import replies
    from carewire.connectors.recorder import ReplyRecorder
    from carewire.connectors.replies import CHANNELS
    from carewire.desk.store import Desk

    items, posted = _items(settings, {a.item for a in session.actions})
    timed = sorted(((utc(posted[a.item] + a.after), n, a) for n, a in
                    enumerate(session.actions)), key=lambda t: (t[0], t[1]))
    late = [f"{a.item} {a.do}" for at, _, a in timed if at > session.window.end]
    if late:
        raise ConfigError(f"agent session actions after the window's end: {', '.join(late)}")
    # rating requests as a brand that turned them on for these teams (docs/replies.md);
    # the link leads to the desk this machine serves
    sending = settings.model_copy(update={"desk": settings.desk.model_copy(update={
        "rating_request_teams": list(session.rating_request_teams),
        "public_url": settings.desk.public_url
        or f"http://{settings.desk.host}:{settings.desk.port}"})})
    played = Played()
    clock = _Clock(session.window.start)
    with Desk(settings.desk_url, clock=clock) as desk:
        played.agents_added = _add_agents(settings, desk, session, clock)
        for at, _, action in timed:
            clock.now = at
            item_id = items[action.item]
            if _applied(desk, item_id, action, at):
                played.skipped += 1
                continue
            _act(settings, desk, item_id, action, session)
            played.applied[action.do] = played.applied.get(action.do, 0) + 1
            if action.do in ("reply", "resolve", "resolve_cluster"):
                send_at = at + SEND_EVERY
                channels = {source: ReplyRecorder(source, settings.data_dir,
                                                  clock=lambda moment=send_at: moment)
                            for source in CHANNELS}
                sent = replies.send(sending, {}, send_at, channels)
                played.replies_posted += sent["posted"]
                played.rating_requests += sent["rating_requests_queued"]
    return played


def _items(settings: Settings, keys: set[str]) -> tuple[dict[str, int], dict[str, datetime]]:
    """Mention key -> the desk item delivered for it, and when the customer posted it."""
    from carewire.warehouse.db import connect

    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute("""
            SELECT m.source || ':' || m.source_id, v.external_id, m.created_at
            FROM core__delivery_mentions d
            JOIN core__deliveries v USING (delivery_key)
            JOIN core__mentions m ON m.source = d.source AND m.source_id = d.source_id
            WHERE v.destination = 'desk' AND v.status = 'delivered'
              AND list_contains(?, m.source || ':' || m.source_id)""", [sorted(keys)]).fetchall()
    items: dict[str, set[int]] = {}
    posted = {}
    for key, external_id, created_at in rows:
        items.setdefault(key, set()).add(int(external_id))
        posted[key] = created_at
    problems = [key for key in sorted(keys) if len(items.get(key, ())) != 1]
    if problems:
        raise ConfigError("the agent session names mentions that are not on exactly one desk "
                          f"item: {', '.join(problems)}")
    return {key: ids.pop() for key, ids in items.items()}, posted


def _add_agents(settings: Settings, desk, session: Session, clock: _Clock) -> list[str]:
    from carewire.desk.accounts import Accounts
    from carewire.routing.policy import policy_for

    accounts = Accounts(desk.engine, clock, idle=settings.desk.session_idle,
                        lifetime=settings.desk.session_lifetime,
                        known_teams=policy_for(settings).desk_teams().queues)
    have = {user.name for user in accounts.users()}
    added = []
    for name, teams in session.agents.items():
        if name not in have:
            # nobody is told the password: the demo's agents act only through the session
            accounts.add_user(name, secrets.token_urlsafe(24), "agent", teams, actor="demo")
            added.append(name)
    return added


def _applied(desk, item_id: int, action: Action, at: datetime) -> bool:
    actor = "customer" if action.do == "customer_rating" else action.agent
    return any(e.kind == KINDS[action.do] and e.actor == actor and utc(e.at) == at
               for e in desk.events(at, [item_id]))


def _act(settings: Settings, desk, item_id: int, action: Action, session: Session) -> Any:
    from carewire.desk.context import reply_target
    from carewire.desk.errors import DeskError

    if action.do == "customer_rating":
        return _customer_rates(desk, item_id, action)
    agent = desk.within(session.agents.get(action.agent))
    if action.do == "claim":
        return agent.claim(item_id, action.agent)
    if action.do == "reply":  # as the item page's reply form does (desk/queues.py)
        first = desk.item(item_id).mentions[0]
        target = reply_target(settings.snapshot, first.source, first.source_id, first.url)
        if isinstance(target, str):
            raise DeskError(f"the agent session cannot reply on item {item_id}: {target}")
        return agent.reply(item_id, action.agent, action.text or "", target,
                           settings.desk.approval_teams)
    if action.do == "resolve":
        return agent.resolve(item_id, action.agent)
    if action.do == "resolve_cluster":
        cluster = desk.item(item_id).cluster_id
        if cluster is None:
            raise DeskError(f"desk item {item_id} is in no issue cluster to resolve")
        return agent.resolve_cluster(cluster, action.agent)
    return agent.rate(item_id, int(action.score), action.agent)  # "rating"


def _customer_rates(desk, item_id: int, action: Action) -> int:
    """The customer follows the link in the rating request posted under their post and
    rates on the public rating page (desk/rating_page.py: `link`, then `rate`)."""
    from carewire.desk.errors import DeskError

    asked = [r for r in desk.outbox.of_items([item_id])
             if r.purpose == "rating_request" and r.status == "posted"]
    found = _TOKEN.search(asked[-1].reply.text) if asked else None
    if found is None:
        raise DeskError(f"no rating request was posted for desk item {item_id}: the customer "
                        "has no link to rate with (is its team in rating_request_teams?)")
    link = desk.ratings.link(found.group(1))
    if link is None or link.state != "open":
        raise DeskError(f"the rating link of desk item {item_id} is "
                        f"{'unknown' if link is None else link.state}")
    return desk.ratings.rate(found.group(1), int(action.score), action.comment)
