"""Assignment to agents, not only to teams (issue 16): each agent's skills (languages,
sources, topics), capacity and availability (`desk_agents`, a row for every existing agent:
offline, capacity 5, no skills yet, so nothing is assigned until they are set), a lead's
auto-assignment switch per team (`desk_team_settings`), and an index to count what an
agent holds. Written out as it was made (this is history), like 0001.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "desk_agents",
        sa.Column("name", sa.String, sa.ForeignKey("desk_users.name"), primary_key=True),
        sa.Column("languages", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("topics", sa.Text, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("status_at", UTC),
        sa.Column("last_assigned_at", UTC),
        sa.CheckConstraint("status IN ('available', 'away', 'offline')",
                           name="ck_desk_agents_status"),
        sa.CheckConstraint("capacity >= 0", name="ck_desk_agents_capacity"))
    op.create_table(
        "desk_team_settings",
        sa.Column("team", sa.String, primary_key=True),
        sa.Column("auto_assign", sa.Boolean, nullable=False),
        sa.Column("changed_by", sa.String),
        sa.Column("changed_at", UTC, nullable=False))
    op.create_index("ix_desk_items_assignee", "desk_items", ["assignee", "status"])
    op.execute("""
        INSERT INTO desk_agents (name, languages, sources, topics, capacity, status)
        SELECT name, '[]', '[]', '[]', 5, 'offline' FROM desk_users WHERE role = 'agent'""")
