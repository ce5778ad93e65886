"""Every table of the care desk's store, defined once, and the store's migrations.

The desk store is SQLAlchemy Core on SQLite (one machine) or PostgreSQL (scaled out):
queue items and their events (desk/store.py), users, sessions and the audit log
(desk/accounts.py), and the alerts a lead acknowledges (desk/alert_store.py). Its schema is
managed by Alembic (desk/migrations/): opening a store brings it to the newest revision,
under a lock, so workers that start together do not race. A store made before the desk
had migrations (carewire 0.1, up to 680aa72) is brought up by the first revision, which
creates only what is missing and adds the queue's filter columns to old items.

Datetimes are timezone-aware UTC in and out: PostgreSQL keeps them as timestamptz; SQLite
as ISO text, always normalised to UTC first so that text order is time order.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from carewire.core.types import dumps, utc

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "desk_alembic_version"
"""Not Alembic's default name: a desk on PostgreSQL may share a database with Airflow's
metadata, which keeps its own `alembic_version`."""
_DDL_LOCK = 0x6465736B  # "desk": PostgreSQL advisory lock key while migrating


class UtcDateTime(sa.TypeDecorator):
    """Aware UTC datetimes on every backend (naive input is taken to be UTC already)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = utc(value)
        # SQLite's text keeps no offset: store UTC wall time, give the tzinfo back on read.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else utc(value)


class JsonText(sa.TypeDecorator):
    """JSON kept as text on every backend: readable from any SQL shell, no dialect types."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> str | None:
        return None if value is None else dumps(value)

    def process_result_value(self, value: str | None, dialect) -> Any:
        return None if value is None else json.loads(value)


metadata = sa.MetaData()

desk_items = sa.Table(
    "desk_items", metadata,
    sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("delivery_key", sa.String, nullable=False, unique=True),
    sa.Column("route", sa.String, nullable=False),
    sa.Column("team", sa.String, nullable=False),
    sa.Column("priority", sa.String, nullable=False),
    sa.Column("sla_due_at", UtcDateTime, nullable=False, index=True),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("assignee", sa.String),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("cluster_id", sa.String),
    sa.Column("rule_id", sa.String, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("mentions", JsonText, nullable=False),
    sa.Column("experts", JsonText, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # What the queue filters on, from the first mention, so that a page of a 100,000-item
    # queue is one indexed query (older stores get them from the first migration).
    sa.Column("source", sa.String),
    sa.Column("language", sa.String),
    sa.Column("sentiment", sa.String),
    sa.Column("intent", sa.String),
    sa.Column("influence_tier", sa.String),
    # When the customer's rating was first recorded (revision 0003): an agent's rating is
    # an UPDATE guarded on it being NULL, so two at once cannot both be the first.
    sa.Column("rated_at", UtcDateTime),
    sa.CheckConstraint("status IN ('open', 'claimed', 'resolved')", name="ck_desk_items_status"),
    sa.Index("ix_desk_items_queue", "team", "status", "sla_due_at", "item_id"),
    sa.Index("ix_desk_items_cluster", "cluster_id"),
    # What an agent holds, counted against their capacity (revision 0006).
    sa.Index("ix_desk_items_assignee", "assignee", "status"),
)
desk_events = sa.Table(
    "desk_events", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("desk_items.item_id"), nullable=False,
              index=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("actor", sa.String),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("data", JsonText, nullable=False),
)

desk_replies = sa.Table(
    # An agent's reply on its way to the platform (revision 0004): recorded as an intent
    # before any post, with the key that stays the same on every try, and what became of
    # it. carewire.app.replies sends it; `find` before a retry keeps it to one post.
    "desk_replies", metadata,
    sa.Column("reply_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String, nullable=False, unique=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("desk_items.item_id"), nullable=False,
              index=True),
    sa.Column("author", sa.String, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("stream", sa.String, nullable=False),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("thread_id", sa.String),
    sa.Column("url", sa.String),
    sa.Column("status", sa.String, nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("external_id", sa.String),
    sa.Column("external_url", sa.String),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("posted_at", UtcDateTime),
    sa.Column("reviewed_by", sa.String),  # the lead who approved or rejected it
    sa.Column("reviewed_at", UtcDateTime),
    # `answer`, or `rating_request` (revision 0005): posted the same way, but not the
    # first response the KPIs count.
    sa.Column("purpose", sa.String, nullable=False, server_default="answer"),
    sa.CheckConstraint("status IN ('awaiting_approval', 'rejected', 'queued', 'sending', 'retrying', "
                       "'posted', 'blocked', "
                       "'refused', 'by_hand', 'sent_by_hand')", name="ck_desk_replies_status"),
)

desk_rating_links = sa.Table(
    # The one-time link of a rating request (revision 0005): one per item, ever; only the
    # token's hash is kept, like a session's, and the first rating through it uses it up.
    "desk_rating_links", metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("desk_items.item_id"), primary_key=True),
    sa.Column("token_sha256", sa.String, nullable=False, unique=True),
    sa.Column("reply_id", sa.Integer, sa.ForeignKey("desk_replies.reply_id"), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime),
)

desk_users = sa.Table(
    "desk_users", metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("password_hash", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("teams", JsonText, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("failed_sign_ins", sa.Integer, nullable=False),
    sa.Column("locked_until", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("role IN ('agent', 'lead', 'admin')", name="ck_desk_users_role"),
)

AGENT_STATUSES = ("available", "away", "offline")
DEFAULT_CAPACITY = 5
"""Unresolved items a new agent holds at once (`carewire desk user skills --capacity`)."""
desk_agents = sa.Table(
    # How an agent takes auto-assigned work (revision 0006, desk/assignment.py): the
    # languages, sources and topics (intents) they handle, how many unresolved items they
    # hold at once, and whether they take any now. One row per user with the agent role,
    # made with the user; an empty `topics` takes every intent.
    "desk_agents", metadata,
    sa.Column("name", sa.String, sa.ForeignKey("desk_users.name"), primary_key=True),
    sa.Column("languages", JsonText, nullable=False),
    sa.Column("sources", JsonText, nullable=False),
    sa.Column("topics", JsonText, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("status_at", UtcDateTime),
    sa.Column("last_assigned_at", UtcDateTime),  # who waited longest, among equals
    sa.CheckConstraint("status IN ('available', 'away', 'offline')",
                       name="ck_desk_agents_status"),
    sa.CheckConstraint("capacity >= 0", name="ck_desk_agents_capacity"),
)

desk_team_settings = sa.Table(
    # A lead's switches per team (revision 0006): auto-assignment on or off. A team
    # without a row has it on.
    "desk_team_settings", metadata,
    sa.Column("team", sa.String, primary_key=True),
    sa.Column("auto_assign", sa.Boolean, nullable=False),
    sa.Column("changed_by", sa.String),
    sa.Column("changed_at", UtcDateTime, nullable=False),
)

desk_sessions = sa.Table(
    "desk_sessions", metadata,
    sa.Column("token_sha256", sa.String, primary_key=True),
    sa.Column("user_name", sa.String, sa.ForeignKey("desk_users.name"), nullable=False),
    sa.Column("csrf_token", sa.String, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
)

desk_audit = sa.Table(
    "desk_audit", metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("actor", sa.String),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("target", sa.String),
    sa.Column("ip", sa.String),
    sa.Column("detail", JsonText, nullable=False),
    sa.Index("ix_desk_audit_ip_at", "ip", "at"),  # failed sign-ins per client (revision 0002)
)

desk_alerts = sa.Table(
    "desk_alerts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String, nullable=False, unique=True),
    sa.Column("fired_at", UtcDateTime, nullable=False),
    sa.Column("hour_start", UtcDateTime, nullable=False, index=True),  # the hour that rose
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("data", JsonText, nullable=False),
    sa.Column("acknowledged_by", sa.String),
    sa.Column("acknowledged_at", UtcDateTime),
)


def upgrade(engine: sa.Engine) -> None:
    """Bring the store at `engine` to the newest revision, holding the store's lock: on
    SQLite an immediate write transaction, on PostgreSQL an advisory lock."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DDL_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
