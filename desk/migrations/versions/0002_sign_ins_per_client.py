"""An index to count a client's failed sign-ins: the desk refuses a client that failed
too often, however many names it tries (desk/accounts.py).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_desk_audit_ip_at", "desk_audit", ["ip", "at"])
