"""Load and remove demo figures (marked ``is_demo``; real data is never touched)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.models import Baseline, Indicator, Observation, Plan, Unit
from db.queries import list_plans, load_plan_data
from indicators.demo import demo_baseline, demo_figures
from indicators.periods import Period, latest_due_period
from services.actor import Action, Actor, require
from services.audit import record
from services.observations import FigureInput, current_version, record_figure

DEMO_SOURCE = "演示数据（demo）"


def default_demo_end(
    plan_horizon: tuple[int, ...], deadline_days: int, today: dt.date | None = None
) -> Period:
    due = latest_due_period(today or dt.date.today(), deadline_days)
    if plan_horizon:
        due = min(due, Period(max(plan_horizon), 4))
    return due


def load_demo(
    session: Session, actor: Actor, plan_code: str | None = None, today: dt.date | None = None
) -> int:
    """Add demo figures (and demo baselines where none exist); return how many figures were added."""
    require(actor, Action.MANAGE_DEMO)
    added = 0
    for plan in list_plans(session):
        if plan_code and plan.code != plan_code:
            continue
        last = default_demo_end(plan.horizon_years, plan.settings.report_deadline_days, today)
        _, data = load_plan_data(session, plan.code, include_pending=True)
        indicator_ids = dict(
            session.execute(select(Indicator.code, Indicator.id).where(Indicator.plan_id == plan.id)).all()
        )
        unit_ids = dict(
            session.execute(select(Unit.name, Unit.id).where(Unit.jurisdiction == plan.jurisdiction)).all()
        )
        for item in data:
            baseline = item.spec.baseline.value if item.spec.baseline else None
            extra = demo_baseline(item.spec, plan.settings)
            if extra is not None:
                session.add(
                    Baseline(
                        indicator_id=indicator_ids[item.spec.code],
                        value=extra.value,
                        year=extra.year,
                        source=DEMO_SOURCE,
                        recorded_by="demo",
                    )
                )
                baseline = extra.value
            for fig in demo_figures(plan.code, item.spec, plan.settings, last, baseline):
                figure = FigureInput(
                    indicator_id=indicator_ids[fig.indicator_code],
                    unit_id=unit_ids[fig.unit],
                    period=fig.period,
                    value=fig.value,
                    field_size=fig.field_size,
                    benchmark_value=fig.benchmark_value,
                    done_on=fig.done_on,
                )
                if current_version(session, figure.indicator_id, figure.unit_id, figure.period) is not None:
                    continue  # never stack demo figures on real (or earlier demo) ones
                record_figure(session, actor, figure, source="demo", is_demo=True, entered_at=fig.entered_at)
                added += 1
    session.flush()
    record(session, actor, Action.MANAGE_DEMO.value, entity="demo", entity_key=plan_code or "全部计划",
           after={"figures_added": added}, detail=f"加载演示数据 {added} 条")  # fmt: skip
    return added


def remove_demo(session: Session, actor: Actor, plan_code: str | None = None) -> int:
    """Delete demo figures and demo baselines; return how many figures were deleted."""
    require(actor, Action.MANAGE_DEMO)
    plan_filter = select(Indicator.id).join(Plan, Plan.id == Indicator.plan_id)
    if plan_code:
        plan_filter = plan_filter.where(Plan.code == plan_code)
    demo_ids = select(Observation.id).where(
        Observation.is_demo.is_(True), Observation.indicator_id.in_(plan_filter)
    )
    # Real versions that corrected a demo figure keep their value but lose the link.
    session.execute(
        update(Observation).where(Observation.supersedes_id.in_(demo_ids)).values(supersedes_id=None)
    )
    session.execute(update(Observation).where(Observation.id.in_(demo_ids)).values(superseded_by_id=None))
    result = session.execute(
        delete(Observation).where(Observation.is_demo.is_(True), Observation.indicator_id.in_(plan_filter))
    )
    baselines = session.execute(
        delete(Baseline).where(Baseline.recorded_by == "demo", Baseline.indicator_id.in_(plan_filter))
    )
    session.flush()
    removed = result.rowcount or 0
    record(session, actor, Action.MANAGE_DEMO.value, entity="demo", entity_key=plan_code or "全部计划",
           before={"figures": removed, "baselines": baselines.rowcount or 0},
           detail=f"删除演示数据 {removed} 条、演示基期值 {baselines.rowcount or 0} 条")  # fmt: skip
    return removed
