"""Load and remove demo figures, baselines and benchmarks (all ``is_demo``; real data is never touched).

Demo rows are written in bulk (one Core insert per table and plan); each load and each removal
is one audit entry with the counts.  Removal deletes exactly the rows whose ``is_demo`` is true,
whoever recorded them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.models import Baseline, BenchmarkValue, Indicator, Observation, PeriodLock, Plan, Unit
from db.queries import list_plans, load_plan_data
from indicators.demo import demo_plan
from indicators.periods import Period, latest_due_period
from services.actor import Action, Actor, require
from services.audit import record

DEMO_SOURCE = "演示数据（demo）"


def default_demo_end(
    plan_horizon: tuple[int, ...], deadline_days: int, today: dt.date | None = None
) -> Period:
    """The latest quarter whose deadline has passed, at most one year after the plan's last year
    (annual statistics of the last year arrive then; maintenance targets are still reported)."""
    due = latest_due_period(today or dt.date.today(), deadline_days)
    if plan_horizon:
        due = min(due, Period(max(plan_horizon) + 1, 4))
    return due


def load_demo(
    session: Session, actor: Actor, plan_code: str | None = None, today: dt.date | None = None
) -> int:
    """Add demo figures (and demo baselines and benchmarks where none exist); return how many figures."""
    require(actor, Action.MANAGE_DEMO)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    added = 0
    for plan in list_plans(session):
        if plan_code and plan.code != plan_code:
            continue
        last = default_demo_end(plan.horizon_years, plan.settings.report_deadline_days, today)
        _, data = load_plan_data(session, plan.code, include_pending=True)
        demo = demo_plan(plan.code, [d.spec for d in data], plan.settings, last)
        plan_id = session.scalar(select(Plan.id).where(Plan.code == plan.code))
        indicator_ids = dict(
            session.execute(select(Indicator.code, Indicator.id).where(Indicator.plan_id == plan_id)).all()
        )
        unit_ids = dict(
            session.execute(select(Unit.name, Unit.id).where(Unit.jurisdiction == plan.jurisdiction)).all()
        )
        ids = list(indicator_ids.values())
        # never stack demo rows on real (or earlier demo) ones, nor write into a locked quarter
        taken = set(
            session.execute(
                select(Observation.indicator_id, Observation.unit_id, Observation.period).where(
                    Observation.indicator_id.in_(ids), Observation.superseded_by_id.is_(None)
                )
            ).all()
        )
        locked = set(
            session.scalars(
                select(PeriodLock.period).where(
                    PeriodLock.plan_id == plan_id, PeriodLock.unlocked_at.is_(None)
                )
            )
        )
        has_baseline = set(
            session.scalars(select(Baseline.indicator_id).where(Baseline.indicator_id.in_(ids)))
        )
        has_benchmark = set(
            session.execute(
                select(BenchmarkValue.indicator_id, BenchmarkValue.period).where(
                    BenchmarkValue.indicator_id.in_(ids)
                )
            ).all()
        )
        baselines = [
            {
                "indicator_id": indicator_ids[b.indicator_code],
                "value": b.value,
                "year": b.year,
                "source": DEMO_SOURCE,
                "recorded_by": actor.name,
                "recorded_at": now,
                "review_state": "accepted",
                "review_comment": "",
                "is_demo": True,
            }
            for b in demo.baselines
            if indicator_ids[b.indicator_code] not in has_baseline
        ]
        benchmarks = [
            {
                "indicator_id": indicator_ids[b.indicator_code],
                "period": str(b.period),
                "value": b.value,
                "source": b.source,
                "recorded_by": actor.name,
                "recorded_at": now,
                "is_demo": True,
            }
            for b in demo.benchmarks
            if (indicator_ids[b.indicator_code], str(b.period)) not in has_benchmark
        ]
        figures = []
        for f in demo.figures:
            key = (indicator_ids[f.indicator_code], unit_ids[f.unit], str(f.period))
            if key in taken or str(f.period) in locked:
                continue
            figures.append(
                {
                    "indicator_id": key[0],
                    "unit_id": key[1],
                    "period": key[2],
                    "value": f.value,
                    "field_size": f.field_size,
                    "benchmark_value": None,
                    "done_on": f.done_on,
                    "note": "",
                    "retracted": False,
                    "version": 1,
                    "supersedes_id": None,
                    "source": "demo",
                    "file_name": "",
                    "upload_id": None,
                    "is_demo": True,
                    "review_state": "accepted",
                    "review_comment": "",
                    "entered_by": actor.name,
                    "entered_unit_id": None,
                    "entered_at": min(f.entered_at, now) if f.entered_at else now,
                }
            )
        for model, rows in ((Baseline, baselines), (BenchmarkValue, benchmarks), (Observation, figures)):
            if rows:
                session.execute(insert(model), rows)
        added += len(figures)
        record(
            session,
            actor,
            Action.MANAGE_DEMO.value,
            entity="demo",
            entity_key=plan.code,
            after={"figures": len(figures), "baselines": len(baselines), "benchmarks": len(benchmarks)},
            plan_code=plan.code,
            detail=f"加载演示数据（截至{last.label}）",
        )
    session.flush()
    return added


def remove_demo(session: Session, actor: Actor, plan_code: str | None = None) -> int:
    """Delete demo figures, demo baselines and demo benchmarks (``is_demo``); return how many figures."""
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
        delete(Baseline).where(Baseline.is_demo.is_(True), Baseline.indicator_id.in_(plan_filter))
    )
    benchmarks = session.execute(
        delete(BenchmarkValue).where(
            BenchmarkValue.is_demo.is_(True), BenchmarkValue.indicator_id.in_(plan_filter)
        )
    )
    removed = result.rowcount or 0
    record(
        session,
        actor,
        Action.MANAGE_DEMO.value,
        entity="demo",
        entity_key=plan_code or "*",
        before={
            "figures": removed,
            "baselines": baselines.rowcount or 0,
            "benchmarks": benchmarks.rowcount or 0,
        },
        plan_code=plan_code or "",
        detail="删除演示数据",
    )
    session.flush()
    return removed
