"""Replies posted on the platform (issue 15): `desk_replies` holds each reply an agent
wrote as an intent, with its idempotency key, before it is posted, and what became of it.
Written out as it was made (this is history), like 0001.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "desk_replies",
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
        sa.Column("next_attempt_at", UTC),
        sa.Column("last_error", sa.Text),
        sa.Column("external_id", sa.String),
        sa.Column("external_url", sa.String),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("posted_at", UTC),
        sa.Column("reviewed_by", sa.String),
        sa.Column("reviewed_at", UTC),
        sa.CheckConstraint("status IN ('awaiting_approval', 'rejected', 'queued', 'sending', 'retrying', "
                       "'posted', 'blocked', "
                           "'refused', 'by_hand', 'sent_by_hand')",
                           name="ck_desk_replies_status"))
