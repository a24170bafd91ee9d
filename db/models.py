"""SQLAlchemy 2.x models of plans, units, indicators, targets and observations.

Nothing that a user reported is ever updated in place: observations are
versioned (a correction is a new row; ``superseded_by_id`` links the chain),
targets changed by a revision keep the superseded row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    jurisdiction: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(8))  # 市/县/区
    title: Mapped[str] = mapped_column(Text)
    source_document: Mapped[str] = mapped_column(Text, default="")
    baseline_year: Mapped[int] = mapped_column(Integer)
    horizon_years: Mapped[list[Any]] = mapped_column(default=list)
    first_period: Mapped[str] = mapped_column(String(8))  # first quarter that is reported
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    indicators: Mapped[list[Indicator]] = relationship(back_populates="plan", order_by="Indicator.position")


class Unit(Base):
    """A responsible unit (责任单位); names are unique only within a jurisdiction."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("jurisdiction", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id")


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    section: Mapped[str] = mapped_column(String(40), default="")  # 主要目标 / 工作任务 …
    measure_unit: Mapped[str] = mapped_column(String(16), default="")
    measure_kind: Mapped[str] = mapped_column(String(24))
    direction: Mapped[str] = mapped_column(String(8), default="higher")
    responsible_text: Mapped[str] = mapped_column(Text, default="")  # verbatim from the document
    source_text: Mapped[str] = mapped_column(Text, default="")  # the sentence that states the target
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Reporting metadata (see data/catalogue/README.md): when a figure is due and how it is counted.
    frequency: Mapped[str] = mapped_column(String(12), default="quarterly", server_default="quarterly")
    figure_basis: Mapped[str] = mapped_column(String(12), default="level", server_default="level")
    release_lag: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    whole_items: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    definition: Mapped[str] = mapped_column(Text, default="", server_default="")  # 统计口径 / 计算方法
    data_source: Mapped[str] = mapped_column(Text, default="", server_default="")

    plan: Mapped[Plan] = relationship(back_populates="indicators")
    targets: Mapped[list[Target]] = relationship(back_populates="indicator", order_by="Target.position")
    baselines: Mapped[list[Baseline]] = relationship(back_populates="indicator", order_by="Baseline.id")
    responsibilities: Mapped[list[Responsibility]] = relationship(
        back_populates="indicator", order_by="Responsibility.position"
    )


class Target(Base):
    """One target of an indicator (a year, a comparator, values).

    ``in_force`` is False for a draft target replaced by an adopted revision
    and for a target only proposed during consultation.
    """

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("indicator_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))  # stable within the indicator, from the catalogue
    year: Mapped[int] = mapped_column(Integer)
    comparator: Mapped[str] = mapped_column(String(24))
    value: Mapped[float | None] = mapped_column(Float)
    value_high: Mapped[float | None] = mapped_column(Float)
    basis: Mapped[str] = mapped_column(String(12), default="level")
    maintain: Mapped[bool] = mapped_column(Boolean, default=False)
    benchmark: Mapped[str] = mapped_column(String(40), default="")
    text: Mapped[str] = mapped_column(Text, default="")  # as written: "130家以上"
    note: Mapped[str] = mapped_column(Text, default="")
    in_force: Mapped[bool] = mapped_column(Boolean, default=True)
    origin: Mapped[str] = mapped_column(String(16), default="draft")  # draft / revision / admin
    effective_from: Mapped[dt.date | None]  # set when the office changes a target
    superseded_on: Mapped[dt.date | None]  # the day a later target replaced this one
    position: Mapped[int] = mapped_column(Integer, default=0)
    each_year: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())  # 每年

    indicator: Mapped[Indicator] = relationship(back_populates="targets")

    def in_force_on(self, day: dt.date) -> bool:
        """Whether this target applied on ``day`` (targets changed by the office keep their dates)."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.in_force or (self.superseded_on is not None and day < self.superseded_on)


class Baseline(Base):
    """A baseline value; the latest *accepted* row is in force, earlier ones are history.

    The office's entries are accepted at once; a unit's proposal (from its template) is
    ``pending`` until the office accepts it in review, and never replaces the office's value
    before that.
    """

    __tablename__ = "baselines"
    __table_args__ = (Index("ix_baselines_indicator_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"))
    review_state: Mapped[str] = mapped_column(String(12), default="accepted", server_default="accepted")
    proposed_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    indicator: Mapped[Indicator] = relationship(back_populates="baselines")


class BenchmarkValue(Base):
    """A benchmark (全省平均, 省控目标) of an indicator for a period, entered by the office.

    Append-only like observations: the latest row of (indicator, period) is in force,
    earlier ones are its history.
    """

    __tablename__ = "benchmark_values"
    __table_args__ = (Index("ix_benchmark_values_indicator", "indicator_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class FlagDecision(Base):
    """The office's decision on a data-quality flag of one figure version (核实无误).

    Tied to the observation version: a corrected figure (a new version) is checked again.
    Returning a flagged figure is an ordinary review return (``Observation.review_state``).
    """

    __tablename__ = "flag_decisions"
    __table_args__ = (UniqueConstraint("observation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(12), default="cleared")
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Responsibility(Base):
    __tablename__ = "responsibilities"
    __table_args__ = (UniqueConstraint("indicator_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(8))  # lead / co
    position: Mapped[int] = mapped_column(Integer, default=0)
    reports: Mapped[bool] = mapped_column(Boolean, default=False)  # this unit reports the figure

    indicator: Mapped[Indicator] = relationship(back_populates="responsibilities")
    unit: Mapped[Unit] = relationship()


class TargetRevision(Base):
    """A proposed change from consultation (征求意见) or from the office."""

    __tablename__ = "target_revisions"
    __table_args__ = (UniqueConstraint("indicator_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(40))  # stable key from the catalogue
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"))
    kind: Mapped[str] = mapped_column(String(16))
    old_text: Mapped[str] = mapped_column(Text, default="")
    proposed_text: Mapped[str] = mapped_column(Text, default="")
    proposed_target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"))
    proposed_lead_units: Mapped[list[Any]] = mapped_column(default=list)
    proposed_co_units: Mapped[list[Any]] = mapped_column(default=list)
    proposer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    adopted: Mapped[str] = mapped_column(String(8), default="unknown")
    reason: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.date | None]
    source: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(80), default="")

    indicator: Mapped[Indicator] = relationship()
    target: Mapped[Target | None] = relationship(foreign_keys=[target_id])
    proposed_target: Mapped[Target | None] = relationship(foreign_keys=[proposed_target_id])
    proposer: Mapped[Unit | None] = relationship()


class Upload(Base):
    """One imported file (or one manual batch); undo reverts it as a whole."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(String(8))
    file_name: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(80))
    actor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    undone_by: Mapped[str | None] = mapped_column(String(80))


class Observation(Base):
    """One version of a reported figure. Append-only.

    The current version of (indicator, unit, period) is the one with
    ``superseded_by_id`` NULL; ``retracted`` marks a version that withdraws
    the figure (an undone upload that had no earlier version).
    """

    __tablename__ = "observations"
    __table_args__ = (Index("ix_obs_current", "indicator_id", "unit_id", "period", "superseded_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(String(8))
    value: Mapped[float | None] = mapped_column(Float)
    field_size: Mapped[int | None] = mapped_column(Integer)  # rank indicators: units ranked
    benchmark_value: Mapped[float | None] = mapped_column(Float)  # e.g. 全省平均 for the period
    done_on: Mapped[dt.date | None]  # milestones
    note: Mapped[str] = mapped_column(Text, default="")
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"))
    source: Mapped[str] = mapped_column(String(12), default="manual")  # file / manual / demo
    file_name: Mapped[str] = mapped_column(Text, default="")
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    review_state: Mapped[str] = mapped_column(String(12), default="accepted")  # pending/accepted/returned
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    entered_by: Mapped[str] = mapped_column(String(80))
    entered_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, server_default=func.now())

    indicator: Mapped[Indicator] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])


class User(Base):
    """An account. Passwords are stored only as argon2 hashes."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[str] = mapped_column(String(12))  # admin / reporter / viewer
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    units: Mapped[list[UserUnit]] = relationship(cascade="all, delete-orphan")


class UserSession(Base):
    """A browser sign-in that survives reload and new tabs (migration 0008).

    The browser holds an opaque random token in a cookie; only its SHA-256 is stored here.
    ``stamp`` is the account's session stamp at sign-in (services.accounts.session_stamp): a
    changed password, role, units or a disabled account no longer matches it. Ended (``ended_at``)
    by sign-out, password change, reset or disable; idle for longer than the window, it is void.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    stamp: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str] = mapped_column(String(24), default="")


class UserUnit(Base):
    """Binds a reporter to a unit it reports for."""

    __tablename__ = "user_units"
    __table_args__ = (UniqueConstraint("user_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))

    unit: Mapped[Unit] = relationship()


class PeriodLock(Base):
    """A quarter of a plan locked after review; unlocking needs an admin and a reason."""

    __tablename__ = "period_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    locked_by: Mapped[str] = mapped_column(String(80))
    locked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    unlocked_by: Mapped[str | None] = mapped_column(String(80))
    unlocked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unlock_reason: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    """Append-only record of every write and every refused attempt.

    Database triggers (migration 0002) refuse UPDATE and DELETE on this table, and (0005)
    REPLACE and an insert over an existing id; ``prev_hash``/``entry_hash`` chain the
    entries (db/audit_chain.py) so that ``manage.py audit verify`` finds a changed or removed row.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    actor: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(12), default="")
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(12), default="ok")  # ok / refused
    plan_code: Mapped[str] = mapped_column(String(40), default="")
    unit: Mapped[str] = mapped_column(String(120), default="")
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_key: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))


# --- supervision loop (督办闭环): key tasks, evidence, notices, reminders, working days (migration 0006)


class Task(Base):
    """A key task (重点任务) of a plan, from the catalogue's tasks.csv; reported on each quarter."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(Text, default="")
    source_text: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    indicator_codes: Mapped[list[Any]] = mapped_column(default=list)  # indicators measuring the task
    # a linked one-off milestone whose completion (accepted) completes the task (services/tasks.py)
    completed_by: Mapped[str] = mapped_column(String(40), default="", server_default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    units: Mapped[list[TaskUnit]] = relationship(order_by="TaskUnit.position", cascade="all, delete-orphan")
    nodes: Mapped[list[TaskNode]] = relationship(order_by="TaskNode.position", cascade="all, delete-orphan")


class TaskUnit(Base):
    __tablename__ = "task_units"
    __table_args__ = (UniqueConstraint("task_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(8))  # lead / co
    position: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship()


class TaskNode(Base):
    """A time node (时间节点) of a task: what is due by the end of a quarter."""

    __tablename__ = "task_nodes"
    __table_args__ = (UniqueConstraint("task_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))  # due by the end of this quarter
    text: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class TaskReport(Base):
    """One version of a unit's quarterly progress on a task (进展情况). Append-only like observations.

    review_state: pending (待审核) → accepted (已通过) / returned (已退回) / confirmed (确认完成);
    withdrawn (已撤回): a version written by undoing the upload that introduced the report (empty
    progress) — a current withdrawn version means "no report" to every reader (services/tasks.py).
    upload_id: the upload whose 重点任务 sheet wrote this version (NULL: the web form, an undo, or
    written before migration 0009).
    """

    __tablename__ = "task_reports"
    __table_args__ = (
        Index("ix_task_reports_current", "task_id", "unit_id", "period", "superseded_by_id"),
        Index("ix_task_reports_upload_id", "upload_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(String(8))
    progress: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))  # not_started / in_progress / done / behind
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("task_reports.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("task_reports.id"))
    review_state: Mapped[str] = mapped_column(String(12), default="pending")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(12), default="web")  # web / file / undo
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"))
    entered_by: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    task: Mapped[Task] = relationship()
    unit: Mapped[Unit] = relationship()


class Notice(Base):
    """A 预警通知单 or 督办通知单 as a record: issued → answered → closed (销号) or returned; escalated."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    number: Mapped[str] = mapped_column(String(40))  # 预警〔2026〕1号
    level: Mapped[str] = mapped_column(String(12))  # warning (预警) / supervision (督办)
    # issued / answered / returned / closed (销号) / escalated
    state: Mapped[str] = mapped_column(String(12), default="issued")
    as_of: Mapped[str] = mapped_column(String(8), default="")  # the quarter the notice speaks of
    issued_by: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    issued_on: Mapped[dt.date]
    response_days: Mapped[int] = mapped_column(Integer, default=10)
    respond_by: Mapped[dt.date]
    request: Mapped[str] = mapped_column(Text, default="")  # what the office asks for
    causes: Mapped[str] = mapped_column(Text, default="")  # the unit's latest answer
    measures: Mapped[str] = mapped_column(Text, default="")  # 整改措施
    expected_on: Mapped[dt.date | None]
    answered_by: Mapped[str | None] = mapped_column(String(80))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verified_by: Mapped[str | None] = mapped_column(String(80))
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verify_comment: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))  # the 预警 a 督办 escalates

    plan: Mapped[Plan] = relationship()
    unit: Mapped[Unit] = relationship()
    items: Mapped[list[NoticeItem]] = relationship(
        order_by="NoticeItem.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[NoticeEvent]] = relationship(order_by="NoticeEvent.id", cascade="all, delete-orphan")


class NoticeItem(Base):
    """An indicator or a task a notice is about, with what was said of it when issued."""

    __tablename__ = "notice_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    code: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class NoticeEvent(Base):
    """The history of a notice: issued, answered, returned, closed, escalated (append-only)."""

    __tablename__ = "notice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EvidenceFile(Base):
    """An evidence file (佐证材料) attached to a task report or a notice answer.

    The bytes live once per sha256 in the evidence store (services/evidence.py); this row is
    one attachment of them (the same file attached twice is two rows, one stored copy).
    """

    __tablename__ = "evidence_files"
    __table_args__ = (Index("ix_evidence_sha256", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(Text, default="")  # as uploaded, shown only as text
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    task_report_id: Mapped[int | None] = mapped_column(ForeignKey("task_reports.id"))
    notice_event_id: Mapped[int | None] = mapped_column(ForeignKey("notice_events.id"))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class UnitContact(Base):
    """A unit's contact person (联络员), kept by the office; reminders go to their e-mail."""

    __tablename__ = "unit_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    unit: Mapped[Unit] = relationship()


class ReminderLog(Base):
    """One reminder sent (or attempted) on one channel to one recipient; ``key`` makes sending idempotent."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(12))  # email / webhook
    recipient: Mapped[str] = mapped_column(String(200))
    plan_code: Mapped[str] = mapped_column(String(40), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending / sent / failed
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CalendarDay(Base):
    """A day the office loaded from its CSV: a working day or a day off (overrides chinesecalendar)."""

    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date]
    workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    loaded_by: Mapped[str] = mapped_column(String(80), default="")
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class DataVersion(Base):
    """Counters bumped by every write transaction (db/versioning.py); the pages' caches key on them.

    Rows: ``data`` (any write to any table but this one and audit_log) and ``plans`` (a write to
    the plans table: the plan list is cached on its own).
    """

    __tablename__ = "data_version"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
