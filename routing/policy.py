"""The routing policy: ordered rules in a versioned YAML file, reviewed like code.

A rule has an id, a `when` (every condition must hold) and a `then` (route, team,
priority, SLA, and optionally the destination, the unit and an expert offer). The first
rule whose conditions all hold decides; the last rule must have no conditions, so every
mention gets a decision and none falls through unexplained.

Conditions compare enrichment fields:
- a list means "one of" (`intent: [question, feature_idea]`, `tier: [influencer]`);
  `sentiment: [negative]` never holds for a mention whose sentiment was not scored (no
  model for its language): name `not_scored` in the list to catch those;
- a boolean must be equal (`relevant: false`, `is_reply: true`);
- the conversation: `parent_tier: [brand]` (who wrote the post this one answers),
  `same_author_as_parent: true`, `open_case: true` (the author has an open one-to-one
  case in this conversation; `then: {unit: case}` joins it, docs/routing.md);
- `{min: .., max: ..}` is an inclusive range (`sentiment_score: {max: -0.5}`,
  `cluster_size: {min: 2}`, `reach: {min: 10000}`, `private_score: {min: 0.4}`: how likely
  helping needs the customer's own records, from enrichment/private_channel.py);
- `matches: [order_number, email]`: one of the policy's named regular expressions
  occurs in the text; `keywords: [refund, cancel]`: one of the words occurs.

The recorded policy version is the declared `version` plus a hash of the file's content,
so an edit that forgets to bump the version is still told apart.

A rule's `sla` is counted on its team's SLA clock: business hours where carewire.yaml
gives the team some (`routing.business_hours`, joined to the policy by `policy_for`),
else around the clock.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr,
                      StringConstraints, ValidationError, field_validator, model_validator)

from carewire.core.business_time import BusinessHours, due
from carewire.core.errors import ConfigError
from carewire.core.labels import (LANGUAGE_CODE, Intent, Priority, Route, SentimentLabel, Source,
                                  Tier)
from carewire.core.settings import Settings
from carewire.desk.store import DeskTeams

DEFAULT_POLICY = Path(__file__).parent / "default_policy.yaml"



_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: object) -> object:
    """'30m', '4h', '2d', '1w' as a timedelta; anything else goes to pydantic unchanged
    (seconds or ISO 8601 also work)."""
    if isinstance(value, str) and (found := _DURATION.match(value)):
        return timedelta(**{_UNITS[found.group(2)]: float(found.group(1))})
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if self.min is None and self.max is None:
            raise ValueError("a range needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class When(_Strict):
    """The conditions of a rule; the field names are the columns `decide` compares."""

    intent: list[Intent] | None = None
    sentiment: list[SentimentLabel] | None = None
    language: list[Annotated[str, StringConstraints(pattern=LANGUAGE_CODE)]] | None = None
    source: list[Source] | None = None
    tier: list[Tier] | None = None
    relevant: bool | None = None
    is_reply: bool | None = None
    parent_tier: list[Tier] | None = None
    same_author_as_parent: bool | None = None
    open_case: bool | None = None
    sentiment_score: Range | None = None
    cluster_size: Range | None = None
    reach: Range | None = None
    influence_score: Range | None = None
    private_score: Range | None = None
    matches: list[str] | None = None
    keywords: list[str] | None = None

    def conditions(self) -> dict[str, object]:
        return {name: value for name, value in self if value is not None}


class Experts(_Strict):
    """Offer the question to superfans who gave liked answers to similar questions."""

    min_similarity: float = Field(default=0.6, gt=0, le=1)
    limit: int = Field(default=3, ge=1)


class Then(_Strict):
    route: Route
    team: str | None = None
    priority: Priority = "normal"
    sla: Duration = timedelta(hours=24)
    destination: str | None = Field(
        default=None, description="A destination name; default: the policy's per route.")
    unit: Literal["mention", "cluster", "case"] | None = Field(
        default=None, description="One item per mention, one per issue cluster, or `case`: "
        "join the author's open case in the conversation (its item and agent; needs "
        "`open_case: true`); default: cluster for community, mention otherwise.")
    offer_to_experts: Experts | None = None
    fallback: "Then | None" = Field(
        default=None, description="With offer_to_experts: what happens when no superfan "
        "has answered anything like it before.")

    @property
    def delivery_unit(self) -> str:
        return self.unit or ("cluster" if self.route == "community" else "mention")


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str
    when: When = Field(default_factory=When)
    then: Then


class Escalation(_Strict):
    """A community item with no accepted answer after `after` moves to the contact center."""

    after: Duration = timedelta(hours=48)
    team: str = "care"
    priority: Priority = "high"
    sla: Duration = timedelta(hours=8)


class Policy(_Strict):
    version: str
    description: str = ""
    patterns: dict[str, str] = Field(default_factory=dict)
    public_patterns: list[str] = Field(
        default_factory=list, description="Patterns whose matches are ordinary words (a "
        "complaint's vocabulary), shown as found in a decision's evidence. What every other "
        "pattern matches may be personal data (an order number, an address) and is masked.")
    destinations: dict[Literal["community", "contact_center", "advocacy"], str] = Field(
        default_factory=dict, description="Which destination each route uses; default desk.")
    teams: dict[Literal["community", "contact_center", "advocacy"], str] = Field(
        default_factory=lambda: {"community": "community", "contact_center": "care",
                                 "advocacy": "advocacy"})
    escalation: Escalation | None = Field(default_factory=Escalation)
    rules: list[Rule]
    content_sha: str = ""
    _business_hours: dict[str, BusinessHours] = PrivateAttr(default_factory=dict)
    """Per team, the hours its SLA clock runs; from carewire.yaml, not from the policy
    file (`with_business_hours`)."""

    def with_business_hours(self, hours: Mapping[str, BusinessHours]) -> "Policy":
        """This policy with SLA clocks that count `hours` (team -> business hours); the
        teams not named keep 24/7 clocks. The recorded version does not change: the rules
        did not, and a decision records its due time."""
        policy = self.model_copy()
        policy._business_hours = dict(hours)
        return policy

    @property
    def business_hours(self) -> Mapping[str, BusinessHours]:
        """The teams whose SLA clocks count business hours; the others run 24/7."""
        return MappingProxyType(self._business_hours)

    def clock_for(self, team: str | None) -> BusinessHours | None:
        """The business hours `team`'s SLA clock counts; None: 24/7."""
        return self._business_hours.get(team) if team is not None else None

    def sla_due(self, team: str | None, start: datetime, sla: timedelta) -> datetime:
        """When work for `team` that started at `start` is due under an SLA of `sla`,
        counted on the team's clock (in UTC)."""
        return due(self.clock_for(team), start, sla)

    def desk_teams(self) -> DeskTeams:
        """Every team work can reach (the escalation team too), and the team of each route
        an agent can send an item to, for the care desk."""
        queues = set(self.teams.values()) | ({self.escalation.team} if self.escalation else set())
        return DeskTeams(tuple(sorted(queues)), {
            route: self.teams[route] for route in ("community", "contact_center")
            if route in self.teams})

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: dict[str, str]) -> dict[str, str]:
        for name, pattern in patterns.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {name!r} is not a valid regular expression: {exc}")
        return patterns

    @model_validator(mode="after")
    def _coherent(self) -> "Policy":
        if not self.rules:
            raise ValueError("a policy needs at least one rule")
        ids = [rule.id for rule in self.rules]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids must be unique, repeated: {', '.join(repeated)}")
        unknown = set(self.public_patterns) - set(self.patterns)
        if unknown:
            raise ValueError(f"public_patterns names unknown patterns {', '.join(sorted(unknown))}"
                             "; define them under patterns")
        for rule in self.rules:
            unknown = set(rule.when.matches or ()) - set(self.patterns)
            if unknown:
                raise ValueError(f"rule {rule.id!r} matches unknown patterns "
                                 f"{', '.join(sorted(unknown))}; define them under patterns")
            if rule.then.unit == "case" and rule.when.open_case is not True:
                raise ValueError(f"rule {rule.id!r} joins the open case (unit: case) but does "
                                 "not require one: add `open_case: true` to its when")
            if rule.then.fallback is not None and rule.then.offer_to_experts is None:
                raise ValueError(f"rule {rule.id!r} has a fallback but no offer_to_experts")
            queues = self.desk_teams().queues
            for then in (rule.then, rule.then.fallback):
                if then is not None and then.team is not None and then.team not in queues:
                    raise ValueError(
                        f"rule {rule.id!r} sends work to team {then.team!r}, which is not one "
                        f"of the policy's teams ({', '.join(queues)}): the desk would show "
                        "its items in no queue; fix the name or add it under teams")
        if self.rules[-1].when.conditions():
            raise ValueError(f"the last rule ({self.rules[-1].id!r}) must have no conditions, "
                             "so that every mention is decided by some rule")
        return self

    @property
    def full_version(self) -> str:
        return f"{self.version}+{self.content_sha[:8]}"

    @cached_property
    def compiled(self) -> dict[str, re.Pattern]:
        return {name: re.compile(pattern) for name, pattern in self.patterns.items()}

    def destination_for(self, then: Then) -> str:
        return then.destination or self.destinations.get(then.route, "desk")

    def team_for(self, then: Then) -> str:
        return then.team or self.teams.get(then.route, then.route)


def policy_for(settings: Settings) -> Policy:
    """The deployment's policy (`routing.policy`, or the default), checked against its
    settings too: every destination it names is the care desk or one configured under
    `routing.destinations`, so a misspelt name is refused at load, not at delivery; and
    every team with `routing.business_hours` is one of its teams. Its SLA clocks count
    those business hours."""
    policy = load_policy(settings.routing.policy)
    known = {"desk", *(d.name for d in settings.routing.destinations)}
    named = {*policy.destinations.values(),
             *(rule.then.destination for rule in policy.rules if rule.then.destination)}
    unknown = sorted(named - known)
    if unknown:
        raise ConfigError(
            f"routing policy {settings.routing.policy or DEFAULT_POLICY} names destinations "
            f"{', '.join(unknown)}, which are neither the care desk (`desk`) nor configured "
            f"under routing.destinations ({', '.join(sorted(known))}): fix the name or add it")
    teams = policy.desk_teams().queues
    strangers = sorted(set(settings.routing.business_hours) - set(teams))
    if strangers:
        raise ConfigError(
            f"routing.business_hours names teams {', '.join(strangers)}, which the routing "
            f"policy {settings.routing.policy or DEFAULT_POLICY} sends no work to (its teams: "
            f"{', '.join(teams)}): fix the name, or their SLA clocks would stay 24/7")
    return policy.with_business_hours({team: hours.clock for team, hours
                                       in settings.routing.business_hours.items()})


def load_policy(path: Path | None = None) -> Policy:
    """Read and check a policy file; every problem is listed with where it is."""
    path = Path(path or DEFAULT_POLICY)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"routing policy {path} cannot be read ({exc}); set routing.policy in "
                          "carewire.yaml to an existing file") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"routing policy {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"routing policy {path} must hold a mapping at the top level")
    try:
        return Policy(**raw, content_sha=hashlib.sha256(text.encode()).hexdigest())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                             for err in exc.errors())
        raise ConfigError(f"routing policy {path} is invalid: {problems}") from exc
