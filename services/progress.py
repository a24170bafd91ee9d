"""Progress of a plan as of a quarter: database reads + the pure engine in indicators/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from db.queries import PlanInfo, get_plan, load_plan_data
from indicators.model import IndicatorData
from indicators.periods import Period, latest_due_period
from indicators.status import Assessment, Prepared, assess

STATUS_COLUMNS = [
    "plan", "indicator_code", "indicator", "current_value", "current_period", "expected_value",
    "target_year", "target_value", "progress_ratio", "status", "reason", "lead_units",
]  # fmt: skip


def default_as_of(plan: PlanInfo, today: dt.date | None = None) -> Period:
    """The latest quarter whose reporting deadline has passed, within the plan's span."""
    due = latest_due_period(today or dt.date.today(), plan.settings.report_deadline_days)
    if plan.horizon_years:
        due = min(due, Period(max(plan.horizon_years), 4))
    return max(due, plan.first_period)


def report_quarter(
    first_period: Period, horizon_years: Sequence[int | str], today: dt.date | None = None
) -> Period:
    """The quarter units report on now: the latest quarter that has ended, within the plan's span.

    The 填报上传 page's default quarter and the quarter of the key-task reports 我的待办 asks for.
    Not :func:`default_as_of` (the dashboards' quarter, whose deadline has passed): between a
    quarter's end and its deadline (1–10 October by default) the units report the quarter just ended, and the
    page offered the quarter before it, whose template a unit then filled with the new figures."""
    quarter = Period.containing(today or dt.date.today()).shift(-1)
    if horizon_years:
        quarter = min(quarter, Period(max(int(y) for y in horizon_years), 4))
    return max(quarter, first_period)


@dataclass(frozen=True)
class PlanProgress:
    plan: PlanInfo
    as_of: Period
    data: list[IndicatorData]
    assessments: list[Assessment]


def plan_progress(
    session: Session, plan_code: str, as_of: Period | str | None = None, include_pending: bool = False
) -> PlanProgress:
    plan = get_plan(session, plan_code)
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    period = Period.parse(as_of) if isinstance(as_of, str) else (as_of or default_as_of(plan))
    # Judge the quarter against the targets in force at its end (the office may change targets).
    plan, data = load_plan_data(session, plan_code, include_pending, on=period.end_date)
    assessments = [assess(item, period, plan.settings) for item in data]
    return PlanProgress(plan, period, data, assessments)


def quarter_in_plan(
    session: Session, plan_code: str, text: str, what: str, *, template: bool = False
) -> Period:
    """``text`` as a quarter of the plan, or a ValueError naming the plan's span (the command line;
    the pages offer only these quarters). ``template``: a template's or an export's quarter (up to
    the plan's last quarter plus the longest release lag, services.imports.context.template_quarters);
    otherwise a quarter to assess, from the plan's first quarter to the last of its horizon."""
    from services.imports.context import template_quarters

    plan = get_plan(session, plan_code)
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    period = Period.parse(text)
    if template:
        first, last = template_quarters(session, plan_code)
    else:
        first = plan.first_period
        last = Period(max(plan.horizon_years), 4) if plan.horizon_years else None
    if period < first or (last is not None and period > last):
        span = f"{first.label}至{last.label}" if last is not None else f"{first.label}起"
        raise ValueError(f"{what}{period.label}不在{plan.jurisdiction}计划的范围内（{span}）")
    return period


def target_boundaries(session: Session, plan_code: str) -> list[dt.date]:
    """The days on which a target of the plan came into or went out of force (sorted): two days
    with no boundary between them have the same targets in force."""
    from sqlalchemy import select

    from db.models import Indicator, Plan, Target

    rows = session.execute(
        select(Target.effective_from, Target.superseded_on)
        .join(Indicator, Indicator.id == Target.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Plan.code == plan_code)
    )
    return sorted({day for row in rows for day in row if day is not None})


def quarter_histories(
    session: Session,
    plan_code: str,
    as_of: Period,
    include_pending: bool = False,
    *,
    prepared_now: Sequence[Prepared] | None = None,
    data_now: Sequence[IndicatorData] | None = None,
) -> list[list[Assessment]]:
    """Per indicator (in the plan's order), one assessment per quarter from the plan's first quarter
    to ``as_of``, each quarter judged against the targets in force at its end, as the 总览 judges it
    when that quarter is chosen. A target changed later (目标维护, with its effective date) does not
    rewrite earlier quarters: the history, the 连续滞后 count and the 预警/督办 proposals then said
    滞后 for a quarter the 总览 showed 正常.

    ``prepared_now`` / ``data_now``: the indicators as loaded for ``as_of``'s own targets (the
    caller has them already); other target states are loaded once each, only when the plan's
    targets changed within the span (usually never)."""
    from bisect import bisect_right

    from indicators.periods import period_range
    from indicators.status import assess_at, prepare

    plan = get_plan(session, plan_code)
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    settings = plan.settings
    if prepared_now is None and data_now is not None:
        prepared_now = [prepare(d, settings) for d in data_now]
    if as_of < settings.first_period:
        count = len(prepared_now) if prepared_now is not None else len(load_plan_data(session, plan_code)[1])
        return [[] for _ in range(count)]
    quarters = period_range(settings.first_period, as_of)
    bounds = target_boundaries(session, plan_code)

    def state(q: Period) -> int:  # quarters with the same number of boundaries passed share targets
        return bisect_right(bounds, q.end_date)

    groups: dict[int, list[Period]] = {}
    for q in quarters:
        groups.setdefault(state(q), []).append(q)
    by_quarter: dict[Period, list[Assessment]] = {}
    for key, qs in groups.items():
        if key == state(as_of) and prepared_now is not None:
            prepared = list(prepared_now)
        else:
            _, datas = load_plan_data(session, plan_code, include_pending, on=qs[-1].end_date)
            prepared = [prepare(d, settings) for d in datas]
        for q in qs:
            by_quarter[q] = [assess_at(p, q) for p in prepared]
    count = len(by_quarter[quarters[0]])
    return [[by_quarter[q][i] for q in quarters] for i in range(count)]


def _number(value: float | None, digits: int = 4) -> str:
    """Up to ``digits`` decimals, no exponent, no trailing zeros: 9743812 stays 9743812 (``:g``
    printed 9.74381e+06, losing the last digits of a fund's size in the CSV)."""
    if value is None:
        return ""
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def status_rows(session: Session, plan_code: str, as_of: str | None = None) -> list[dict[str, str]]:
    """Rows of ``manage.py status`` (columns STATUS_COLUMNS; statuses in Chinese)."""
    progress = plan_progress(session, plan_code, as_of)
    rows = []
    for item, result in zip(progress.data, progress.assessments, strict=True):
        rows.append(
            {
                "plan": plan_code,
                "indicator_code": item.spec.code,
                "indicator": item.spec.name,
                "current_value": _number(result.current_value),
                "current_period": str(result.current_period) if result.current_period else "",
                "expected_value": _number(result.expected_value),
                "target_year": str(result.target_year) if result.target_year else "",
                "target_value": _number(result.target_value),
                "progress_ratio": _number(result.progress_ratio, 3),
                "status": result.status.value,
                "reason": result.reason,
                "lead_units": "|".join(item.spec.lead_units),
            }
        )
    return rows
