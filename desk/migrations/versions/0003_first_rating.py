"""When an item's rating was first recorded: agents rate an item once, and the database
decides which of two agents rating at once was first (desk/store.py: `Desk.rate`).
Items rated before get the time of their first `rated` event.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desk_items") as batch:
        batch.add_column(sa.Column("rated_at", sa.DateTime(timezone=True)))
    op.execute("""
        UPDATE desk_items SET rated_at = (
            SELECT min(e.at) FROM desk_events e
            WHERE e.item_id = desk_items.item_id AND e.kind = 'rated')""")
