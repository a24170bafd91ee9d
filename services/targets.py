"""Target maintenance by the office: every change needs a reason and becomes a revision.

The replaced target keeps its row (``in_force`` off, ``superseded_on`` set),
so that progress in earlier quarters is judged against the target then in force.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Indicator, Plan, Responsibility, Target, TargetRevision, Unit
from indicators.vocabulary import Adoption, Comparator, RevisionKind, Role
from services.actor import Action, Actor, require
from services.audit import record


def _indicator(session: Session, plan_code: str, indicator_code: str) -> Indicator:
    indicator = session.scalar(
        select(Indicator).join(Plan).where(Plan.code == plan_code, Indicator.code == indicator_code)
    )
    if indicator is None:
        raise LookupError(f"计划“{plan_code}”中没有指标“{indicator_code}”")
    return indicator


def _reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise ValueError("修改目标或责任单位必须填写理由")
    return reason.strip()


_NEEDS_VALUE = (Comparator.GE, Comparator.GT, Comparator.LE, Comparator.LT, Comparator.EQ, Comparator.RANK)
OFFICE_SOURCE = "办公室目标维护"  # TargetRevision.source of the office's own changes (not consultation)


def _target_text(target: Target, measure_unit: str) -> str:
    """The target in words as every page writes it (``2027年 ≥ 5 家（原文：新增5家以上）``): what the
    revision record and the audit entry keep."""
    from ui.vocabulary import target_words  # pure words (no Streamlit): the pages' very wording

    return target_words(
        {"comparator": target.comparator, "year": target.year, "value": target.value,
         "value_high": target.value_high, "basis": target.basis, "maintain": target.maintain,
         "benchmark": target.benchmark, "text": target.text, "each_year": target.each_year},
        measure_unit,
    )  # fmt: skip


def _next_ref(session: Session, indicator_id: int) -> str:
    count = session.scalar(
        select(func.count(TargetRevision.id)).where(TargetRevision.indicator_id == indicator_id)
    )
    return f"office-{count + 1}"


def change_target(
    session: Session,
    actor: Actor,
    plan_code: str,
    indicator_code: str,
    target_key: str,
    *,
    comparator: Comparator,
    value: float | None,
    value_high: float | None = None,
    year: int | None = None,
    reason: str,
    effective_from: dt.date | None = None,
) -> Target:
    """Replace a target in force by a new one from ``effective_from`` (default: today)."""
    require(actor, Action.EDIT_TARGET)
    reason = _reason(reason)
    if comparator is Comparator.RANGE and (value is None or value_high is None or value_high < value):
        raise ValueError("区间目标须填写目标值和不小于目标值的上限")
    if value is None and comparator in _NEEDS_VALUE:
        raise ValueError("请填写目标值")
    indicator = _indicator(session, plan_code, indicator_code)
    old = session.scalar(select(Target).where(Target.indicator_id == indicator.id, Target.key == target_key))
    if old is None or not old.in_force:
        raise LookupError(f"指标“{indicator_code}”没有现行目标“{target_key}”")
    day = effective_from or dt.date.today()
    ref = _next_ref(session, indicator.id)
    new = Target(
        indicator_id=indicator.id,
        key=f"{target_key.split('@')[0]}@{ref}",
        year=year or old.year,
        comparator=comparator.value,
        value=value,
        value_high=value_high,
        basis=old.basis,
        maintain=old.maintain,
        each_year=old.each_year,  # a yearly (每年) target stays judged every year
        benchmark=old.benchmark,
        text=old.text if comparator is Comparator.MILESTONE else "",  # the plan's wording fits the old value
        note=f"办公室修改：{reason}",
        in_force=True,
        origin="admin",
        effective_from=day,
        position=old.position,
    )
    session.add(new)
    old.in_force, old.superseded_on = False, day
    session.flush()
    unit = indicator.measure_unit or ""
    session.add(
        TargetRevision(
            indicator_id=indicator.id,
            ref=ref,
            target_id=old.id,
            kind=RevisionKind.VALUE.value,
            old_text=_target_text(old, unit),
            proposed_text=_target_text(new, unit),
            proposed_target_id=new.id,
            adopted=Adoption.YES.value,
            reason=reason,
            date=day,
            source=OFFICE_SOURCE,
            recorded_by=actor.name,
        )
    )
    record(
        session,
        actor,
        Action.EDIT_TARGET.value,
        entity="target",
        entity_key=f"{indicator_code}/{target_key}",
        before={"target": _target_text(old, unit)},
        after={"target": _target_text(new, unit)},
        plan_code=plan_code,
        detail=reason,
    )
    session.flush()
    return new


def change_responsibility(
    session: Session,
    actor: Actor,
    plan_code: str,
    indicator_code: str,
    lead_unit_ids: list[int],
    co_unit_ids: list[int],
    reason: str,
) -> None:
    """Replace an indicator's lead/co units (the first lead reports the figure)."""
    require(actor, Action.EDIT_TARGET)
    reason = _reason(reason)
    if not lead_unit_ids:
        raise ValueError("至少需要一个牵头单位")
    indicator = _indicator(session, plan_code, indicator_code)
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    before = {r.role: [] for r in indicator.responsibilities}
    for resp in indicator.responsibilities:
        before.setdefault(resp.role, []).append(names[resp.unit_id])
    for resp in list(indicator.responsibilities):
        session.delete(resp)
    session.flush()
    wanted = [(uid, Role.LEAD.value) for uid in lead_unit_ids] + [(uid, Role.CO.value) for uid in co_unit_ids]
    for position, (unit_id, role) in enumerate(wanted):
        session.add(
            Responsibility(
                indicator_id=indicator.id,
                unit_id=unit_id,
                role=role,
                position=position,
                reports=position == 0,
            )
        )
    after = {"lead": [names[u] for u in lead_unit_ids], "co": [names[u] for u in co_unit_ids]}
    session.add(
        TargetRevision(
            indicator_id=indicator.id,
            ref=_next_ref(session, indicator.id),
            kind=RevisionKind.RESPONSIBILITY.value,
            old_text="牵头："
            + "、".join(before.get("lead", []))
            + "；配合："
            + "、".join(before.get("co", [])),
            proposed_text="牵头：" + "、".join(after["lead"]) + "；配合：" + "、".join(after["co"]),
            proposed_lead_units=after["lead"],
            proposed_co_units=after["co"],
            adopted=Adoption.YES.value,
            reason=reason,
            date=dt.date.today(),
            source=OFFICE_SOURCE,
            recorded_by=actor.name,
        )
    )
    record(
        session,
        actor,
        Action.EDIT_TARGET.value,
        entity="responsibility",
        entity_key=indicator_code,
        before=before,
        after=after,
        plan_code=plan_code,
        detail=reason,
    )
    session.expire(indicator, ["responsibilities"])
    session.flush()


def decide_revision(
    session: Session, actor: Actor, plan_code: str, indicator_code: str, ref: str, adopted: bool, reason: str
) -> None:
    """Record the office's decision on a consultation proposal whose adoption was unknown."""
    require(actor, Action.EDIT_TARGET)
    reason = _reason(reason)
    indicator = _indicator(session, plan_code, indicator_code)
    rev = session.scalar(
        select(TargetRevision).where(TargetRevision.indicator_id == indicator.id, TargetRevision.ref == ref)
    )
    if rev is None:
        raise LookupError(f"指标“{indicator_code}”没有修订“{ref}”")
    before = {"adopted": rev.adopted}
    rev.adopted = Adoption.YES.value if adopted else Adoption.NO.value
    rev.reason = f"{rev.reason}｜办公室决定：{reason}".lstrip("｜")
    rev.recorded_by = actor.name
    if adopted and rev.proposed_target_id:
        rev.proposed_target.in_force = True
        if rev.target is not None:
            rev.target.in_force = False
    if adopted and rev.kind == RevisionKind.DELETE.value and rev.target is not None:
        rev.target.in_force = False
    record(
        session,
        actor,
        Action.EDIT_TARGET.value,
        entity="revision",
        entity_key=f"{indicator_code}/{ref}",
        before=before,
        after={"adopted": rev.adopted},
        plan_code=plan_code,
        detail=reason,
    )
    session.flush()
