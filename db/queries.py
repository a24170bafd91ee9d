"""Read-only queries: rows for pages and exports, and the progress engine's inputs.

Each function takes an open session (the caller owns it) and returns plain
Python values or domain objects, never ORM instances bound to the session.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from db.models import (
    Baseline,
    BenchmarkValue,
    FlagDecision,
    Indicator,
    Observation,
    Plan,
    Responsibility,
    Target,
    TargetRevision,
    Unit,
    Upload,
)
from indicators.catalogue import split_stored_settings
from indicators.model import (
    BaselineSpec,
    Benchmark,
    IndicatorData,
    IndicatorSpec,
    PendingFigure,
    PlanSettings,
    ReportRecord,
    TargetSpec,
)
from indicators.periods import Period
from indicators.vocabulary import (
    Comparator,
    Direction,
    FigureBasis,
    Frequency,
    MeasureKind,
    Role,
    TargetBasis,
)

EXPORT_TARGET_COLUMNS = [
    "plan", "indicator_code", "indicator", "category", "year", "comparator", "value", "value_high",
    "measure_unit", "lead_units", "co_units", "revised_from", "revision_proposer", "revision_adopted",
]  # fmt: skip


@dataclass(frozen=True)
class PlanInfo:
    id: int
    code: str
    jurisdiction: str
    level: str
    title: str
    baseline_year: int
    horizon_years: tuple[int, ...]
    first_period: Period
    settings: PlanSettings
    provenance_note: str = ""  # e.g. a catalogue reconstructed from feedback quotes (plan.yaml)

    @property
    def label(self) -> str:
        return f"{self.jurisdiction}（{self.code}）"


def _plan_info(plan: Plan) -> PlanInfo:
    first = Period.parse(plan.first_period)
    engine_settings, notes = split_stored_settings(plan.settings)
    return PlanInfo(
        id=plan.id,
        code=plan.code,
        jurisdiction=plan.jurisdiction,
        level=plan.level,
        title=plan.title,
        baseline_year=plan.baseline_year,
        horizon_years=tuple(plan.horizon_years or ()),
        first_period=first,
        settings=PlanSettings.from_mapping(plan.baseline_year, first, engine_settings),
        provenance_note=notes.get("provenance_note", ""),
    )


def list_plans(session: Session) -> list[PlanInfo]:
    from db.plan_data import plan_infos

    return plan_infos(session)


def get_plan(session: Session, code: str) -> PlanInfo | None:
    plan = session.scalar(select(Plan).where(Plan.code == code))
    return _plan_info(plan) if plan else None


def _indicators(session: Session, plan_id: int) -> list[Indicator]:
    return list(
        session.scalars(
            select(Indicator)
            .where(Indicator.plan_id == plan_id)
            .order_by(Indicator.position, Indicator.id)
            .options(
                selectinload(Indicator.targets),
                selectinload(Indicator.baselines),
                selectinload(Indicator.responsibilities).selectinload(Responsibility.unit),
            )
        )
    )


def baseline_in_force(baselines: list[Baseline]) -> Baseline | None:
    """The latest *accepted* baseline (by when it took effect); pending and returned proposals never count.

    An office entry takes effect when recorded, a unit's proposal when the office accepts it.
    """
    accepted = [b for b in baselines if b.review_state == "accepted"]
    if not accepted:
        return None
    return max(accepted, key=lambda b: (b.reviewed_at or b.recorded_at or dt.datetime.min, b.id))


def _unit_names(indicator: Indicator, role: Role) -> tuple[str, ...]:
    return tuple(r.unit.name for r in indicator.responsibilities if r.role == role.value)


def target_spec(target: Any) -> TargetSpec:
    """A target row (ORM object or plain row with the same columns) as the engine sees it."""
    return TargetSpec(
        year=target.year,
        comparator=Comparator(target.comparator),
        value=target.value,
        value_high=target.value_high,
        basis=TargetBasis(target.basis),
        maintain=target.maintain,
        benchmark=target.benchmark,
        text=target.text,
        key=target.key,
        each_year=bool(target.each_year),
    )


def indicator_spec(indicator: Indicator, on: dt.date | None = None) -> IndicatorSpec:
    """The indicator as the engine sees it, with the targets in force now (or on ``on``)."""
    baseline = baseline_in_force(indicator.baselines)
    targets = [t for t in indicator.targets if (t.in_force_on(on) if on else t.in_force)]
    return IndicatorSpec(
        code=indicator.code,
        name=indicator.name,
        measure_kind=MeasureKind(indicator.measure_kind),
        direction=Direction(indicator.direction),
        measure_unit=indicator.measure_unit,
        category=indicator.category,
        targets=tuple(target_spec(t) for t in targets),
        baseline=BaselineSpec(baseline.value, baseline.year, baseline.source) if baseline else None,
        lead_units=_unit_names(indicator, Role.LEAD),
        co_units=_unit_names(indicator, Role.CO),
        reporting_units=tuple(r.unit.name for r in indicator.responsibilities if r.reports),
        frequency=Frequency(indicator.frequency or Frequency.QUARTERLY),
        figure_basis=FigureBasis(indicator.figure_basis or FigureBasis.LEVEL),
        release_lag=indicator.release_lag or 0,
        whole_items=bool(indicator.whole_items),
        definition=indicator.definition or "",
        data_source=indicator.data_source or "",
    )


def current_observations(session: Session, plan_id: int, include_pending: bool = False) -> list[Observation]:
    """The figure of every (indicator, unit, quarter) of a plan that counts.

    By default that is the latest *accepted* version: a correction awaiting review
    (待审核) or returned (退回) does not replace the figure the office accepted.
    ``include_pending`` also counts versions awaiting review.
    """
    states = ("accepted", "pending") if include_pending else ("accepted",)
    latest = (
        select(
            Observation.indicator_id,
            Observation.unit_id,
            Observation.period,
            func.max(Observation.version).label("version"),
        )
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(Indicator.plan_id == plan_id, Observation.review_state.in_(states))
        .group_by(Observation.indicator_id, Observation.unit_id, Observation.period)
        .subquery()
    )
    query = (
        select(Observation)
        .join(
            latest,
            (Observation.indicator_id == latest.c.indicator_id)
            & (Observation.unit_id == latest.c.unit_id)
            & (Observation.period == latest.c.period)
            & (Observation.version == latest.c.version),
        )
        .options(selectinload(Observation.unit))
    )
    return list(session.scalars(query))


def load_plan_data(
    session: Session, plan_code: str, include_pending: bool = False, on: dt.date | None = None
) -> tuple[PlanInfo, list[IndicatorData]]:
    """Everything the progress engine needs for one plan (targets in force on ``on``, default now).

    Plain column queries, no ORM objects: see db/plan_data.py.
    """
    from db.plan_data import load_plan_data as _load

    return _load(session, plan_code, include_pending, on)


def _cleared_observation_ids(session: Session, plan_id: int) -> set[int]:
    """Figure versions whose data-quality flag the office cleared (核实无误)."""
    return set(
        session.scalars(
            select(FlagDecision.observation_id)
            .join(Observation, Observation.id == FlagDecision.observation_id)
            .join(Indicator, Indicator.id == Observation.indicator_id)
            .where(Indicator.plan_id == plan_id, FlagDecision.decision == "cleared")
        )
    )


def _benchmark_rows(session: Session, plan_id: int) -> list[BenchmarkValue]:
    return list(
        session.scalars(
            select(BenchmarkValue)
            .join(Indicator, Indicator.id == BenchmarkValue.indicator_id)
            .where(Indicator.plan_id == plan_id)
            .order_by(BenchmarkValue.indicator_id, BenchmarkValue.period, BenchmarkValue.id)
        )
    )


def _benchmarks_in_force(session: Session, plan_id: int) -> dict[int, list[Benchmark]]:
    """The latest benchmark row of every (indicator, period), sorted by period."""
    latest: dict[tuple[int, str], BenchmarkValue] = {}
    for row in _benchmark_rows(session, plan_id):
        latest[(row.indicator_id, row.period)] = row  # rows come oldest first: the last one wins
    out: dict[int, list[Benchmark]] = defaultdict(list)
    for (indicator_id, period), row in sorted(latest.items()):
        out[indicator_id].append(Benchmark(Period.parse(period), row.value, row.source, row.is_demo))
    return out


def _pending_figures(session: Session, plan_id: int) -> dict[int, list[PendingFigure]]:
    """Current versions awaiting review (待审核), per indicator, by period and unit."""
    query = (
        select(Observation.indicator_id, Observation.period, Unit.name, Observation.entered_at)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .join(Unit, Unit.id == Observation.unit_id)
        .where(
            Indicator.plan_id == plan_id,
            Observation.review_state == "pending",
            Observation.superseded_by_id.is_(None),
            Observation.retracted.is_(False),
        )
        .order_by(Observation.indicator_id, Observation.period, Unit.name)
    )
    out: dict[int, list[PendingFigure]] = defaultdict(list)
    for indicator_id, period, unit, entered_at in session.execute(query):
        out[indicator_id].append(PendingFigure(Period.parse(period), unit, entered_at))
    return out


def report_records(session: Session, plan_id: int) -> list[ReportRecord]:
    """When each (indicator, unit, period) figure first arrived, retracted chains excluded."""
    current = aliased(Observation)
    first_version = (
        select(
            Observation.indicator_id,
            Observation.unit_id,
            Observation.period,
            func.min(Observation.entered_at).label("first_at"),
        )
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(Indicator.plan_id == plan_id)
        .group_by(Observation.indicator_id, Observation.unit_id, Observation.period)
        .subquery()
    )
    rows = session.execute(
        select(Indicator.code, Unit.name, first_version.c.period, first_version.c.first_at)
        .join(Indicator, Indicator.id == first_version.c.indicator_id)
        .join(Unit, Unit.id == first_version.c.unit_id)
        .join(
            current,
            (current.indicator_id == first_version.c.indicator_id)
            & (current.unit_id == first_version.c.unit_id)
            & (current.period == first_version.c.period)
            & current.superseded_by_id.is_(None)
            & current.retracted.is_(False),
        )
    )
    return [ReportRecord(code, unit, Period.parse(period), at) for code, unit, period, at in rows]


def has_demo_data(session: Session, plan_id: int | None = None) -> bool:
    query = select(func.count(Observation.id)).where(Observation.is_demo.is_(True))
    if plan_id is not None:
        query = query.join(Indicator, Indicator.id == Observation.indicator_id).where(
            Indicator.plan_id == plan_id
        )
    return bool(session.scalar(query))


def _format_number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if abs(value) < 1e15 else str(value)


def _export_comparator(target: Target) -> str:
    """The comparator code; ``increase:`` marks a target on figure − baseline (新增45件)."""
    if target.basis == TargetBasis.INCREASE.value:
        return f"increase:{target.comparator}"
    return target.comparator


def export_targets_rows(session: Session, plan_code: str | None = None) -> list[dict[str, str]]:
    """One row per target (draft and proposed), columns EXPORT_TARGET_COLUMNS.

    A proposed target's row names its proposer, adoption and the draft text it
    would replace (``revised_from``). Wording, responsibility and deletion
    proposals are shown on the draft target rows of their indicator.
    """
    plans = session.scalars(
        select(Plan).order_by(Plan.id).where(Plan.code == plan_code if plan_code else True)
    )
    rows: list[dict[str, str]] = []
    for plan in plans:
        revisions = session.scalars(
            select(TargetRevision)
            .join(Indicator, Indicator.id == TargetRevision.indicator_id)
            .where(Indicator.plan_id == plan.id)
            .options(selectinload(TargetRevision.proposer))
        ).all()
        by_proposed = {r.proposed_target_id: r for r in revisions if r.proposed_target_id}
        other_by_indicator: dict[int, list[TargetRevision]] = defaultdict(list)
        for rev in revisions:
            if not rev.proposed_target_id:
                other_by_indicator[rev.indicator_id].append(rev)
        for ind in _indicators(session, plan.id):
            lead = "|".join(_unit_names(ind, Role.LEAD))
            co = "|".join(_unit_names(ind, Role.CO))
            for target in sorted(ind.targets, key=lambda t: (t.position, t.id)):
                rev = by_proposed.get(target.id)
                attached = (
                    [rev]
                    if rev
                    else [r for r in other_by_indicator[ind.id] if r.target_id in (None, target.id)]
                )
                if not rev and target.origin != "draft":
                    attached = []
                rows.append(
                    {
                        "plan": plan.code,
                        "indicator_code": ind.code,
                        "indicator": ind.name,
                        "category": ind.category,
                        "year": str(target.year),
                        "comparator": _export_comparator(target),
                        "value": _format_number(target.value),
                        "value_high": _format_number(target.value_high),
                        "measure_unit": ind.measure_unit,
                        "lead_units": lead,
                        "co_units": co,
                        "revised_from": "|".join(r.old_text for r in attached),
                        "revision_proposer": "|".join(
                            r.proposer.name if r.proposer else "" for r in attached
                        ),
                        "revision_adopted": "|".join(r.adopted for r in attached),
                    }
                )
    return rows


def catalogue_rows(session: Session, plan_code: str) -> list[dict[str, Any]]:
    """The plan's indicators with targets in force, baseline and units, for the catalogue page."""
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    if plan is None:
        return []
    rows = []
    for ind in _indicators(session, plan.id):
        baseline = baseline_in_force(ind.baselines)
        rows.append(
            {
                "code": ind.code,
                "name": ind.name,
                "category": ind.category,
                "section": ind.section,
                "measure_kind": ind.measure_kind,
                "measure_unit": ind.measure_unit,
                "direction": ind.direction,
                "targets": [_target_dict(t) for t in ind.targets],
                "baseline": None if baseline is None else f"{baseline.value:g}（{baseline.year}年）",
                "lead_units": list(_unit_names(ind, Role.LEAD)),
                "co_units": list(_unit_names(ind, Role.CO)),
                "responsible_text": ind.responsible_text,
                "source_text": ind.source_text,
                "note": ind.note,
                "frequency": ind.frequency,
                "figure_basis": ind.figure_basis,
                "release_lag": ind.release_lag,
                "whole_items": ind.whole_items,
                "definition": ind.definition,
                "data_source": ind.data_source,
            }
        )
    return rows


def _target_dict(target: Target) -> dict[str, Any]:
    return {
        "key": target.key,
        "year": target.year,
        "comparator": target.comparator,
        "value": target.value,
        "value_high": target.value_high,
        "basis": target.basis,
        "maintain": target.maintain,
        "benchmark": target.benchmark,
        "text": target.text,
        "in_force": target.in_force,
        "origin": target.origin,
        "each_year": target.each_year,
    }


def revision_rows(session: Session, plan_code: str) -> list[dict[str, Any]]:
    """Every target revision of a plan, with the draft and proposed targets."""
    query = (
        select(TargetRevision, Indicator)
        .join(Indicator, Indicator.id == TargetRevision.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Plan.code == plan_code)
        .order_by(Indicator.position, TargetRevision.id)
        .options(
            selectinload(TargetRevision.proposer),
            selectinload(TargetRevision.target),
            selectinload(TargetRevision.proposed_target),
        )
    )
    return [
        {
            "indicator_code": ind.code,
            "indicator": ind.name,
            "ref": rev.ref,
            "kind": rev.kind,
            "old_text": rev.old_text,
            "proposed_text": rev.proposed_text,
            "proposer": rev.proposer.name if rev.proposer else "",
            "adopted": rev.adopted,
            "reason": rev.reason,
            "date": rev.date,
            "source": rev.source,
            "draft_in_force": rev.target.in_force if rev.target else None,
            "proposed_in_force": rev.proposed_target.in_force if rev.proposed_target else None,
            "draft_target": _target_dict(rev.target) if rev.target else None,
            "proposed_target": _target_dict(rev.proposed_target) if rev.proposed_target else None,
            "measure_unit": ind.measure_unit or "",
        }
        for rev, ind in session.execute(query)
    ]


def observation_history(session: Session, plan_code: str, indicator_code: str) -> list[dict[str, Any]]:
    """Every version of every figure of one indicator, newest first (provenance included)."""
    query = (
        select(Observation, Unit.name, Upload.file_name)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .join(Unit, Unit.id == Observation.unit_id)
        .outerjoin(Upload, Upload.id == Observation.upload_id)
        .where(Plan.code == plan_code, Indicator.code == indicator_code)
        .order_by(Observation.period.desc(), Observation.version.desc())
    )
    return [
        {
            "period": obs.period,
            "unit": unit,
            "value": obs.value,
            "field_size": obs.field_size,
            "benchmark_value": obs.benchmark_value,
            "done_on": obs.done_on,
            "version": obs.version,
            "current": obs.superseded_by_id is None,
            "retracted": obs.retracted,
            "source": obs.source,
            "file_name": obs.file_name or (file_name or ""),
            "entered_by": obs.entered_by,
            "entered_at": obs.entered_at,
            "review_state": obs.review_state,
            "is_demo": obs.is_demo,
            "note": obs.note,
        }
        for obs, unit, file_name in session.execute(query)
    ]


def units_of_plan(session: Session, plan_code: str) -> list[dict[str, Any]]:
    """Units responsible for at least one indicator of the plan, in first-mention order."""
    query = (
        select(Unit, Responsibility.role, Indicator.code)
        .join(Responsibility, Responsibility.unit_id == Unit.id)
        .join(Indicator, Indicator.id == Responsibility.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Plan.code == plan_code)
        .order_by(Indicator.position, Responsibility.position)
    )
    units: dict[int, dict[str, Any]] = {}
    for unit, role, code in session.execute(query):
        entry = units.setdefault(
            unit.id, {"id": unit.id, "name": unit.name, "kind": unit.kind, "lead": [], "co": []}
        )
        entry["lead" if role == Role.LEAD.value else "co"].append(code)
    return list(units.values())


def audit_rows(
    session: Session,
    actor: str = "",
    action: str = "",
    outcome: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 5000,
) -> list[dict[str, Any]]:
    """Audit log entries, newest first, filtered."""
    from db.models import AuditEntry

    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if outcome:
        query = query.where(AuditEntry.outcome == outcome)
    if since:
        query = query.where(AuditEntry.at >= dt.datetime.combine(since, dt.time()))
    if until:
        query = query.where(AuditEntry.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    return [
        {
            "时间": e.at,
            "用户": e.actor,
            "角色": e.actor_role,
            "操作": e.action,
            "结果": "已拒绝" if e.outcome == "refused" else "成功",
            "计划": e.plan_code,
            "单位": e.unit,
            "对象": f"{e.entity} {e.entity_key}".strip(),
            "修改前": "" if e.before is None else str(e.before),
            "修改后": "" if e.after is None else str(e.after),
            "文件指纹": e.file_sha256,
            "说明": e.detail,
            # the stored fields, for the page's sentence (ui.vocabulary.audit_sentence)
            "_entry": {"actor": e.actor, "actor_role": e.actor_role, "action": e.action, "outcome": e.outcome,
                       "unit": e.unit, "entity": e.entity, "entity_key": e.entity_key, "before": e.before,
                       "after": e.after, "detail": e.detail},  # fmt: skip
        }
        for e in session.scalars(query)
    ]


def pending_rows(session: Session, plan_code: str) -> list[dict[str, Any]]:
    """Current figures awaiting review (待审核) for the review page."""
    query = (
        select(Observation, Indicator.code, Indicator.name, Unit.name)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .join(Unit, Unit.id == Observation.unit_id)
        .where(
            Plan.code == plan_code,
            Observation.review_state == "pending",
            Observation.superseded_by_id.is_(None),
        )
        .order_by(Observation.period, Indicator.position)
    )
    return [
        {
            "id": obs.id,
            "季度": obs.period,
            "指标": f"{code} {name}",
            "单位": unit,
            "数值": obs.value,
            "版本": obs.version,
            "填报人": obs.entered_by,
            "填报时间": obs.entered_at,
            "文件": obs.file_name,
        }
        for obs, code, name, unit in session.execute(query)
    ]


def period_lock_rows(session: Session, plan_code: str) -> list[dict[str, Any]]:
    from db.models import PeriodLock

    query = (
        select(PeriodLock).join(Plan, Plan.id == PeriodLock.plan_id).where(Plan.code == plan_code)
        .order_by(PeriodLock.id.desc())
    )  # fmt: skip
    return [
        {
            "季度": lock.period,
            "锁定人": lock.locked_by,
            "锁定时间": lock.locked_at,
            "状态": "已解锁" if lock.unlocked_at else "锁定中",
            "解锁人": lock.unlocked_by or "",
            "解锁理由": lock.unlock_reason,
        }
        for lock in session.scalars(query)
    ]


def unit_names(session: Session, unit_ids: list[int]) -> list[str]:
    return list(session.scalars(select(Unit.name).where(Unit.id.in_(unit_ids)).order_by(Unit.name)))


# ------------------------------------------------------------------- office: benchmarks, baselines, flags


def benchmark_rows(session: Session, plan_code: str, history: bool = False) -> list[dict[str, Any]]:
    """The plan's benchmarks (the value in force per indicator and period; ``history``: every row)."""
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    if plan is None:
        return []
    names = {
        i.id: (i.code, i.name, i.position)
        for i in session.execute(select(Indicator.id, Indicator.code, Indicator.name, Indicator.position)
                                 .where(Indicator.plan_id == plan.id))
    }  # fmt: skip
    rows = _benchmark_rows(session, plan.id)
    latest = {(r.indicator_id, r.period): r.id for r in rows}
    out = [
        {
            "indicator_code": names[r.indicator_id][0],
            "indicator": names[r.indicator_id][1],
            "period": r.period,
            "value": r.value,
            "source": r.source,
            "recorded_by": r.recorded_by,
            "recorded_at": r.recorded_at,
            "is_demo": r.is_demo,
            "current": latest[(r.indicator_id, r.period)] == r.id,
            "_order": (names[r.indicator_id][2], r.indicator_id, r.period, -r.id),
        }
        for r in rows
        if history or latest[(r.indicator_id, r.period)] == r.id
    ]
    out.sort(key=lambda row: row.pop("_order"))
    return out


BASELINE_STATE_LABELS = {
    "accepted": "已生效", "pending": "待审核", "returned": "已退回", "withdrawn": "已撤回",
}  # fmt: skip


def baseline_rows(session: Session, plan_code: str) -> list[dict[str, Any]]:
    """Every baseline row of a plan (office entries and units' proposals), with which one is in force."""
    proposer = aliased(Unit)
    query = (
        select(Baseline, Indicator.code, Indicator.name, proposer.name)
        .join(Indicator, Indicator.id == Baseline.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .outerjoin(proposer, proposer.id == Baseline.proposed_by_unit_id)
        .where(Plan.code == plan_code)
        .order_by(Indicator.position, Indicator.id, Baseline.id)
    )
    result = session.execute(query).all()
    by_indicator: dict[int, list[Baseline]] = defaultdict(list)
    for baseline, *_ in result:
        by_indicator[baseline.indicator_id].append(baseline)
    in_force = {ind: getattr(baseline_in_force(rows), "id", None) for ind, rows in by_indicator.items()}
    return [
        {
            "id": b.id,
            "indicator_code": code,
            "indicator": name,
            "value": b.value,
            "year": b.year,
            "source": b.source,
            "state": b.review_state,
            "in_force": in_force.get(b.indicator_id) == b.id,
            "proposed_by": unit or "",
            "recorded_by": b.recorded_by,
            "recorded_at": b.recorded_at,
            "reviewed_by": b.reviewed_by or "",
            "reviewed_at": b.reviewed_at,
            "review_comment": b.review_comment,
            "is_demo": b.is_demo,
        }
        for b, code, name, unit in result
    ]


def pending_baseline_rows(session: Session, plan_code: str) -> list[dict[str, Any]]:
    """Units' baseline proposals awaiting the office's review, with the value in force beside them."""
    rows = baseline_rows(session, plan_code)
    current = {r["indicator_code"]: r for r in rows if r["in_force"]}
    out = []
    for row in rows:
        if row["state"] != "pending":
            continue
        now = current.get(row["indicator_code"])
        shown = {"current_value": now["value"], "current_year": now["year"]} if now else {}
        out.append({**row, "current_value": None, "current_year": None, **shown})
    return out


def current_figure_refs(session: Session, plan_id: int) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(indicator code, unit name, period) → the counted (latest accepted) version and its flag decision.

    The review page maps the engine's data-quality flags to the versions the office can clear.
    """
    names = {
        ind_id: code
        for ind_id, code in session.execute(
            select(Indicator.id, Indicator.code).where(Indicator.plan_id == plan_id)
        )
    }
    cleared = _cleared_observation_ids(session, plan_id)
    return {
        (names[obs.indicator_id], obs.unit.name, obs.period): {
            "id": obs.id,
            "value": obs.value,
            "version": obs.version,
            "entered_by": obs.entered_by,
            "entered_at": obs.entered_at,
            "is_demo": obs.is_demo,
            "cleared": obs.id in cleared,
        }
        for obs in current_observations(session, plan_id)
        if not obs.retracted
    }
