"""The desk store as carewire 0.1 (up to 680aa72) made it, before the desk had migrations.

It creates only what is missing, so it takes three kinds of store alike: a new one, one
made by 0.1 (every table there: nothing to do but record the revision), and one made before
the queue's filter columns existed (they are added, and `source` is filled from each item's
first mention, the one facet older items recorded).

The tables are written out as they were then, not taken from desk/schema.py: this is
history, and later revisions change the schema from here.

Revision ID: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
FILTER_COLUMNS = ("source", "language", "sentiment", "intent", "influence_tier")


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "desk_items" in present:
        _add_filter_columns()
    else:
        op.create_table(
            "desk_items",
            sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("delivery_key", sa.String, nullable=False, unique=True),
            sa.Column("route", sa.String, nullable=False),
            sa.Column("team", sa.String, nullable=False),
            sa.Column("priority", sa.String, nullable=False),
            sa.Column("sla_due_at", UTC, nullable=False, index=True),
            sa.Column("status", sa.String, nullable=False),
            sa.Column("assignee", sa.String),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("cluster_id", sa.String),
            sa.Column("rule_id", sa.String, nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("mentions", sa.Text, nullable=False),
            sa.Column("experts", sa.Text, nullable=False),
            sa.Column("created_at", UTC, nullable=False),
            sa.Column("updated_at", UTC, nullable=False),
            *(sa.Column(name, sa.String) for name in FILTER_COLUMNS),
            sa.CheckConstraint("status IN ('open', 'claimed', 'resolved')",
                               name="ck_desk_items_status"),
            sa.Index("ix_desk_items_queue", "team", "status", "sla_due_at", "item_id"),
            sa.Index("ix_desk_items_cluster", "cluster_id"),
        )
    if "desk_events" not in present:
        op.create_table(
            "desk_events",
            sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("item_id", sa.Integer, sa.ForeignKey("desk_items.item_id"),
                      nullable=False, index=True),
            sa.Column("kind", sa.String, nullable=False),
            sa.Column("actor", sa.String),
            sa.Column("at", UTC, nullable=False, index=True),
            sa.Column("data", sa.Text, nullable=False),
        )
    if "desk_users" not in present:
        op.create_table(
            "desk_users",
            sa.Column("name", sa.String, primary_key=True),
            sa.Column("password_hash", sa.String, nullable=False),
            sa.Column("role", sa.String, nullable=False),
            sa.Column("teams", sa.Text, nullable=False),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("failed_sign_ins", sa.Integer, nullable=False),
            sa.Column("locked_until", UTC),
            sa.Column("created_at", UTC, nullable=False),
            sa.CheckConstraint("role IN ('agent', 'lead', 'admin')", name="ck_desk_users_role"),
        )
    if "desk_sessions" not in present:
        op.create_table(
            "desk_sessions",
            sa.Column("token_sha256", sa.String, primary_key=True),
            sa.Column("user_name", sa.String, sa.ForeignKey("desk_users.name"), nullable=False),
            sa.Column("csrf_token", sa.String, nullable=False),
            sa.Column("created_at", UTC, nullable=False),
            sa.Column("last_seen_at", UTC, nullable=False),
        )
    if "desk_audit" not in present:
        op.create_table(
            "desk_audit",
            sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("at", UTC, nullable=False, index=True),
            sa.Column("actor", sa.String),
            sa.Column("action", sa.String, nullable=False),
            sa.Column("target", sa.String),
            sa.Column("ip", sa.String),
            sa.Column("detail", sa.Text, nullable=False),
        )
    if "desk_alerts" not in present:
        op.create_table(
            "desk_alerts",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("alert_id", sa.String, nullable=False, unique=True),
            sa.Column("fired_at", UTC, nullable=False),
            sa.Column("hour_start", UTC, nullable=False, index=True),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("explanation", sa.Text, nullable=False),
            sa.Column("data", sa.Text, nullable=False),
            sa.Column("acknowledged_by", sa.String),
            sa.Column("acknowledged_at", UTC),
        )


def _add_filter_columns() -> None:
    """Items from before the queue could be filtered: the columns (nullable, so ADD COLUMN
    is all it takes on either backend), the queue's indexes, and each item's source."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    columns = {c["name"] for c in inspector.get_columns("desk_items")}
    for name in FILTER_COLUMNS:
        if name not in columns:
            op.add_column("desk_items", sa.Column(name, sa.String))
    indexes = {i["name"] for i in inspector.get_indexes("desk_items")}
    if "ix_desk_items_sla_due_at" not in indexes:
        op.create_index("ix_desk_items_sla_due_at", "desk_items", ["sla_due_at"])
    if "ix_desk_items_queue" not in indexes:
        op.create_index("ix_desk_items_queue", "desk_items",
                        ["team", "status", "sla_due_at", "item_id"])
    if "ix_desk_items_cluster" not in indexes:
        op.create_index("ix_desk_items_cluster", "desk_items", ["cluster_id"])
    if "source" not in columns:
        for item_id, mentions in bind.execute(sa.text(
                "SELECT item_id, mentions FROM desk_items")).all():
            first = json.loads(mentions)[:1] if mentions else []
            if first:
                bind.execute(sa.text("UPDATE desk_items SET source = :source "
                                     "WHERE item_id = :item_id"),
                             {"source": first[0]["source"], "item_id": item_id})
