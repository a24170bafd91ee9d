"""index baselines by indicator (one plan's load must not scan every plan's baselines)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_baselines_indicator_id", "baselines", ["indicator_id"])


def downgrade() -> None:
    op.drop_index("ix_baselines_indicator_id", table_name="baselines")
