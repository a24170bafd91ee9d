"""reporting metadata, each-year targets, baselines under review, office benchmarks, flag decisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("frequency", sa.String(12), nullable=False, server_default="quarterly"))
        batch.add_column(sa.Column("figure_basis", sa.String(12), nullable=False, server_default="level"))
        batch.add_column(sa.Column("release_lag", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("whole_items", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("definition", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("data_source", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("each_year", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("baselines") as batch:
        batch.add_column(sa.Column("review_state", sa.String(12), nullable=False, server_default="accepted"))
        batch.add_column(sa.Column("proposed_by_unit_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(80), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("review_comment", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_foreign_key("fk_baselines_proposed_by_unit", "units", ["proposed_by_unit_id"], ["id"])
    # Demo baselines were marked only by who recorded them; from now on by the flag (demo remove
    # deletes only flagged rows, never by an account's name).
    op.execute(
        "UPDATE baselines SET is_demo = true WHERE recorded_by = 'demo' AND source = '演示数据（demo）'"
    )
    op.create_table(
        "benchmark_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_benchmark_values_indicator", "benchmark_values", ["indicator_id", "period"])
    op.create_table(
        "flag_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(80), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["observation_id"], ["observations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("observation_id"),
    )


def downgrade() -> None:
    op.drop_table("flag_decisions")
    op.drop_index("ix_benchmark_values_indicator", table_name="benchmark_values")
    op.drop_table("benchmark_values")
    with op.batch_alter_table("baselines") as batch:
        batch.drop_constraint("fk_baselines_proposed_by_unit", type_="foreignkey")
        for name in ("is_demo", "review_comment", "reviewed_at", "reviewed_by", "proposed_by_unit_id", "review_state"):
            batch.drop_column(name)
    with op.batch_alter_table("targets") as batch:
        batch.drop_column("each_year")
    with op.batch_alter_table("indicators") as batch:
        for name in ("data_source", "definition", "whole_items", "release_lag", "figure_basis", "frequency"):
            batch.drop_column(name)
