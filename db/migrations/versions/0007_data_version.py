"""data version counters: one read per page replaces the COUNT fingerprint of the caches

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Two rows, ``data`` (bumped by every write transaction) and ``plans`` (bumped when the plans
table is written), incremented at commit by db/versioning.py.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.bulk_insert(table, [{"name": "data", "version": 1}, {"name": "plans", "version": 1}])


def downgrade() -> None:
    op.drop_table("data_version")
