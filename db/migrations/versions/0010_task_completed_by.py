"""a key task may be completed by its linked one-off milestone indicator

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

``tasks.completed_by`` (the code of a linked milestone indicator, '' for none), from the
catalogue's tasks.csv column of the same name: a task that *is* a milestone (市政府设立质量发展基金 is
both LA-B2-01 and LA-QG-05) is completed on the day the milestone's accepted figure says it was
done, so the 督办台账 no longer chases a fund that the 总览 shows as set up.

An installed database keeps its plans when upgraded (``init-db`` does not reload them), so the
upgrade also fills the column in for the tasks of the bundled catalogue (data/catalogue, read with
the catalogue's own reader): an office that upgrades stops chasing those tasks at once. Other rows
keep ''; a later ``load-catalogue`` would set the same values (it is idempotent).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("completed_by", sa.String(40), nullable=False, server_default=""))
    _fill_from_bundled_catalogue()


def _fill_from_bundled_catalogue() -> None:
    from services.catalogue import CATALOGUE_DIR, read_catalogues

    try:
        plans = read_catalogues(CATALOGUE_DIR)
    except Exception:  # noqa: BLE001 - an unreadable catalogue is reported by init-db / load-catalogue
        return
    update = sa.text(
        "UPDATE tasks SET completed_by = :done WHERE code = :task "
        "AND plan_id = (SELECT id FROM plans WHERE code = :plan)"
    )
    for plan in plans:
        for task in plan.tasks:
            if task.completed_by:
                op.get_bind().execute(update, {"done": task.completed_by, "task": task.code, "plan": plan.code})


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # no batch copy: other tables refer to tasks (see 0009)
        op.execute("ALTER TABLE tasks DROP COLUMN completed_by")
    else:
        op.drop_column("tasks", "completed_by")
