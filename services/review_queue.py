"""What the 数据审核 page shows for each figure awaiting review, and the quarters one may lock.

Per figure: the value in force (the latest accepted version of the same indicator, unit and
quarter) → the new value, the reporter's note, who sent it when and from which file, and the
data-quality flag the new value would raise (indicators.quality, with the pending figures
counted), and the office's comment when it returned an earlier version of the same figure (the
reviewer sees whether the correction answers it). Read-only; the decisions go through services.review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from db.models import Indicator, Observation, PeriodLock, Plan, Unit
from indicators.explain import fmt_quantity
from indicators.periods import Period, period_range
from ui.vocabulary import actor_name  # pure words (no Streamlit)


@dataclass(frozen=True)
class PendingFigure:
    id: int
    period: str
    period_label: str
    indicator_code: str
    indicator: str
    unit: str
    old: str  # the value in force, formatted ("—" when none)
    new: str
    note: str
    entered_by: str
    entered_at: dt.datetime
    file_name: str
    source: str  # file / manual / demo (pages show ui.vocabulary.SOURCE_LABELS)
    version: int
    flag: str  # data-quality reason, "" when none
    earlier_return: str = ""  # the office's last return of this figure and why, "" when never returned
    previous: str = ""  # the unit's figure in use for the period before ("2026年第3季度 7 家"), "" when none


def figure_text(obs: Observation | None, measure_unit: str, kind: str) -> str:
    """A stored figure as the office and the unit read it: 未完成 / 已完成（日期）for a milestone,
    第 3 位（共 16 个）for a rank, the value with its unit otherwise (a milestone's stored 0 is
    never shown as "0")."""
    if obs is None:
        return "—（首次报送）"
    if obs.retracted:
        return "（已撤回）"
    if kind == "milestone":
        return f"已完成（{obs.done_on:%Y-%m-%d}）" if obs.done_on else "未完成"
    text = fmt_quantity(obs.value, measure_unit, grouping=True)
    if kind == "rank" and obs.field_size:
        text = f"第 {fmt_quantity(obs.value, '')} 位（共 {obs.field_size} 个）"
    if obs.benchmark_value is not None:
        text += f"（基准 {fmt_quantity(obs.benchmark_value, measure_unit, grouping=True)}）"
    return text


def _return_text(obs: Observation | None, measure_unit: str, kind: str) -> str:
    """The last return ("第 2 版 31 家，管理员 2026-10-12 退回：与统计年报不符"), "" when none."""
    if obs is None:
        return ""
    when = f" {obs.reviewed_at:%Y-%m-%d}" if obs.reviewed_at else ""
    by = actor_name(obs.reviewed_by) or "质量办"
    return (f"第 {obs.version} 版 {figure_text(obs, measure_unit, kind)}，{by}{when} 退回："
            f"{obs.review_comment or '（无意见）'}")  # fmt: skip


def _in_force_text(
    old: Observation | None, obs: Observation, returned: Observation | None, measure_unit: str, kind: str
) -> str:
    """原值: the accepted value in force; without one, why not: a first report, or earlier versions
    returned ("原值 —（首次报送） → 新值 29 家（第 2 版）" read as a first report and a second version)."""
    if old is not None:
        return figure_text(old, measure_unit, kind)
    if obs.version == 1:
        return "—（首次报送）"
    if returned is not None:
        return f"—（第 {returned.version} 版已退回，尚无审核通过的数值）"
    return "—（尚无审核通过的数值）"


def _pending_flags(session: Session, plan_code: str) -> dict[tuple[str, str, str], str]:
    from db.queries import load_plan_data
    from indicators.series import prepare_series

    plan, datas = load_plan_data(session, plan_code, include_pending=True)
    out: dict[tuple[str, str, str], str] = {}
    for item in datas:
        for flag in prepare_series(item, plan.settings).flags:
            out[(flag.indicator_code, flag.unit, str(flag.period))] = flag.reason
    return out


def _earlier_version(session: Session, obs: Observation, state: str) -> Observation | None:
    """The latest earlier version of the same figure (indicator, unit, quarter) in ``state``."""
    earlier = aliased(Observation)
    return session.scalar(
        select(earlier)
        .where(
            earlier.indicator_id == obs.indicator_id,
            earlier.unit_id == obs.unit_id,
            earlier.period == obs.period,
            earlier.review_state == state,
            earlier.version < obs.version,
        )
        .order_by(earlier.version.desc())
        .limit(1)
    )


def pending_figures(session: Session, plan_code: str) -> list[PendingFigure]:
    accepted = aliased(Observation)
    query = (
        select(
            Observation, Indicator.code, Indicator.name, Indicator.measure_unit, Indicator.measure_kind,
            Unit.name,
        )  # fmt: skip
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .join(Unit, Unit.id == Observation.unit_id)
        .where(
            Plan.code == plan_code,
            Observation.review_state == "pending",
            Observation.superseded_by_id.is_(None),
        )
        .order_by(Observation.period, Indicator.position, Unit.name)
    )
    rows = session.execute(query).all()
    flags = _pending_flags(session, plan_code) if rows else {}
    out = []
    for obs, code, name, measure_unit, kind, unit in rows:
        old = _earlier_version(session, obs, "accepted")
        returned = _earlier_version(session, obs, "returned")
        before = session.scalar(  # the same unit's figure in use for an earlier period (a cumulative
            # count of 8 is judged against last quarter's 7, which the reporter's template showed)
            select(accepted)
            .where(
                accepted.indicator_id == obs.indicator_id,
                accepted.unit_id == obs.unit_id,
                accepted.period < obs.period,
                accepted.review_state == "accepted",
            )
            .order_by(accepted.period.desc(), accepted.version.desc())
            .limit(1)
        )
        out.append(
            PendingFigure(
                id=obs.id, period=obs.period, period_label=Period.parse(obs.period).label,
                indicator_code=code, indicator=name, unit=unit,
                old=_in_force_text(old, obs, returned, measure_unit, kind),
                new=figure_text(obs, measure_unit, kind),
                note=obs.note or "", entered_by=obs.entered_by, entered_at=obs.entered_at,
                file_name=obs.file_name or "", source=obs.source, version=obs.version,
                flag=flags.get((code, unit, obs.period), ""),
                earlier_return=_return_text(returned, measure_unit, kind),
                previous=""
                if before is None
                else f"{Period.parse(before.period).label} {figure_text(before, measure_unit, kind)}",
            )  # fmt: skip
        )
    return out


@dataclass(frozen=True)
class QuarterState:
    period: Period
    locked: bool
    pending: int  # figures awaiting review
    returned: int  # returned, awaiting the unit's correction
    figures: int  # current figures of the quarter
    flagged: int = 0  # figures in use with a data-quality flag not yet decided (待核实)

    @property
    def label(self) -> str:
        if self.locked:
            state = "已锁定"
        elif not self.figures:
            state = "尚无数据"
        elif self.pending or self.returned:
            parts = [f"{self.pending} 条待审核"] if self.pending else []
            parts += [f"{self.returned} 条退回待更正"] if self.returned else []
            state = "，".join(parts)
        elif self.flagged:  # not "已全部审核，可锁定" while a 待核实 figure waits for the office's decision
            state = f"已全部审核，{self.flagged} 条待核实"
        else:
            state = "已全部审核，可锁定"
        return f"{self.period.label}（{state}）"

    @property
    def ready(self) -> bool:
        return not self.locked and self.figures > 0 and not self.pending and not self.returned


def quarter_states(
    session: Session, plan_code: str, until: Period, flagged: dict[str, int] | None = None
) -> list[QuarterState]:
    """Every quarter from the plan's first to ``until``, newest first, with its review state;
    ``flagged``: quarter → figures 待核实 (services.review.flags_to_check, which the page has read)."""
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    if plan is None:
        return []
    locked = set(
        session.scalars(
            select(PeriodLock.period).where(PeriodLock.plan_id == plan.id, PeriodLock.unlocked_at.is_(None))
        )
    )
    counts: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(Observation.period, Observation.review_state, Observation.retracted)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(Indicator.plan_id == plan.id, Observation.superseded_by_id.is_(None))
    )
    for period, state, retracted in rows:  # a retraction awaiting review is awaiting review too
        bucket = counts.setdefault(period, {})
        bucket[state] = bucket.get(state, 0) + 1
        if not retracted:
            bucket["figures"] = bucket.get("figures", 0) + 1
    out = []
    for p in reversed(period_range(Period.parse(plan.first_period), until)):
        c = counts.get(str(p), {})
        pending, returned = c.get("pending", 0), c.get("returned", 0)
        flags = (flagged or {}).get(str(p), 0)
        out.append(QuarterState(p, str(p) in locked, pending, returned, c.get("figures", 0), flags))
    return out
