"""Satisfaction asked where the customer is (issue 15): a reply's `purpose` (an answer, or
a rating request, which is not a first response), and the one-time rating link each
resolved item of a team that asks gets. Written out as it was made (this is history).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("desk_replies") as batch:
        batch.add_column(sa.Column("purpose", sa.String, nullable=False,
                                   server_default="answer"))
    op.create_table(
        "desk_rating_links",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("desk_items.item_id"),
                  primary_key=True),
        sa.Column("token_sha256", sa.String, nullable=False, unique=True),
        sa.Column("reply_id", sa.Integer, sa.ForeignKey("desk_replies.reply_id"),
                  nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC))
