"""a key task may be completed by its linked one-off milestone indicator

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

``tasks.completed_by`` (the code of a linked milestone indicator, '' for none), from the
catalogue's tasks.csv column of the same name: a task that *is* a milestone (市政府设立质量发展基金 is
both LA-B2-01 and LA-QG-05) is completed on the day the milestone's accepted figure says it was
done, so the 督办台账 no longer chases a fund that the 总览 shows as set up. Existing rows get ''
(the next catalogue load fills the column in).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("completed_by", sa.String(40), nullable=False, server_default=""))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # no batch copy: other tables refer to tasks (see 0009)
        op.execute("ALTER TABLE tasks DROP COLUMN completed_by")
    else:
        op.drop_column("tasks", "completed_by")
