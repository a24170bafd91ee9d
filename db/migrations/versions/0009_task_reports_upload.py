"""task reports remember the upload that wrote them, so undoing the upload withdraws them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

A nullable ``task_reports.upload_id`` (FK uploads.id) with an index: the reports a 重点任务 sheet
wrote are found by their upload when it is undone. Reports from before this migration (and from
the web form) keep NULL.

SQLite: a plain ``ALTER TABLE … ADD COLUMN … REFERENCES`` (allowed for a nullable column). Batch
mode would copy and drop the table, which ``PRAGMA foreign_keys=ON`` refuses while evidence files
and later versions refer to its rows (and renaming the table rewrites those references). For the
same reason the downgrade on SQLite cannot drop the column (SQLite refuses ``DROP COLUMN`` for a
column with REFERENCES): it drops the index and leaves the nullable column, which 0008's code
never reads; the upgrade then adds the column only where it is missing.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        if "upload_id" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("task_reports")}:
            op.execute("ALTER TABLE task_reports ADD COLUMN upload_id INTEGER REFERENCES uploads (id)")
    else:
        op.add_column("task_reports", sa.Column("upload_id", sa.Integer(), nullable=True))
        op.create_foreign_key("task_reports_upload_id_fkey", "task_reports", "uploads", ["upload_id"], ["id"])
    op.create_index("ix_task_reports_upload_id", "task_reports", ["upload_id"])


def downgrade() -> None:
    op.drop_index("ix_task_reports_upload_id", table_name="task_reports")
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps the column (module docstring)
        op.drop_constraint("task_reports_upload_id_fkey", "task_reports", type_="foreignkey")
        op.drop_column("task_reports", "upload_id")
