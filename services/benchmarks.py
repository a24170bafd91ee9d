"""Benchmarks (全省平均, 省控目标) entered by the office, with their source and period.

Reporters are not asked for benchmarks any more: the office (admin role) records the value
of each period once, for every unit judged against it. Rows are append-only like figures:
the latest row of (indicator, period) is in force, earlier ones are its history; each
change is audited with before → after. A benchmark of a locked quarter is refused
(:class:`services.review.PeriodLocked`, audited by :func:`services.audit.perform`).

Validation (Chinese messages, ``ValueError``): the value is a finite number within the
indicator's range (a rate 0–100, a count ≥ 0, any magnitude ≤ 10¹²), the period a valid
quarter of the years 1949–2100, the source is required (at most 500 characters, no control
characters), and the indicator has a target in force that is relative to a benchmark.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import BenchmarkValue, Indicator, Plan
from indicators.periods import Period
from indicators.vocabulary import Comparator
from services.actor import Action, Actor, require
from services.audit import record
from services.review import ensure_unlocked

BENCHMARK_COMPARATORS = frozenset(
    {
        Comparator.BELOW_BENCHMARK.value,
        Comparator.ABOVE_BENCHMARK.value,
        Comparator.NOT_ABOVE_BENCHMARK.value,
        Comparator.NOT_BELOW_BENCHMARK.value,
    }
)
MIN_YEAR, MAX_YEAR = 1949, 2100
MAX_MAGNITUDE = 1e12
MAX_SOURCE_CHARS = 500
NONNEGATIVE_KINDS = frozenset({"rate", "new_since_baseline", "stock", "per_capita", "score", "ratio"})


def _number_text(value: float) -> str:
    return f"{value:g}"


def check_value(value: Any, measure_kind: str, what: str) -> float:
    """A finite number plausible for the measure kind, or ValueError with a Chinese message."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what}须为数字")
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{what}须为数字：“{value}”") from None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}须为数字") from None
    if not math.isfinite(number):
        raise ValueError(f"{what}须为有限的数字")
    if abs(number) > MAX_MAGNITUDE:
        raise ValueError(f"{what}超出合理范围：{_number_text(number)}")
    if measure_kind == "rate" and not 0 <= number <= 100:
        raise ValueError(f"比率类指标的{what}须在 0–100 之间：{_number_text(number)}")
    if measure_kind in NONNEGATIVE_KINDS and number < 0:
        raise ValueError(f"{what}不能为负：{_number_text(number)}")
    return number


def check_year(value: Any, what: str = "年份") -> int:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what}须为四位年份")
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}须为四位年份：“{value}”") from None
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{what}须为四位年份：“{value}”")
    if not MIN_YEAR <= int(number) <= MAX_YEAR:
        raise ValueError(f"{what}须在 {MIN_YEAR}–{MAX_YEAR} 之间：{int(number)}")
    return int(number)


def check_period(value: Any) -> Period:
    period = Period.parse(str(value or "").strip())  # ValueError with a Chinese message
    if not MIN_YEAR <= period.year <= MAX_YEAR:
        raise ValueError(f"季度须在 {MIN_YEAR}–{MAX_YEAR} 年之间：{period}")
    return period


def check_source(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValueError("须填写来源（如 省市场监管局通报、统计年鉴）")
    if len(text) > MAX_SOURCE_CHARS:
        raise ValueError(f"来源过长（{len(text)} 字），上限 {MAX_SOURCE_CHARS} 字")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValueError("来源中含有控制字符，请删除后重新填写")
    return text


def find_indicator(session: Session, plan_code: str, indicator_code: str) -> Indicator:
    indicator = session.scalar(
        select(Indicator)
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Plan.code == plan_code, Indicator.code == indicator_code)
        .options(selectinload(Indicator.targets), selectinload(Indicator.baselines))
    )
    if indicator is None:
        raise LookupError(f"计划“{plan_code}”中没有指标“{indicator_code}”")
    return indicator


def benchmark_name(indicator: Indicator) -> str:
    """The benchmark a target in force is relative to (全省平均), or "" when none is."""
    for target in indicator.targets:
        if target.in_force and target.comparator in BENCHMARK_COMPARATORS:
            return target.benchmark or "基准值"
    return ""


def current_benchmark(session: Session, indicator_id: int, period: Period | str) -> BenchmarkValue | None:
    return session.scalar(
        select(BenchmarkValue)
        .where(BenchmarkValue.indicator_id == indicator_id, BenchmarkValue.period == str(period))
        .order_by(BenchmarkValue.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class BenchmarkChange:
    indicator_code: str
    period: str
    before: dict[str, Any] | None
    after: dict[str, Any]


def record_benchmark(
    session: Session,
    actor: Actor,
    plan_code: str,
    indicator_code: str,
    period: Period | str,
    value: Any,
    source: Any,
    *,
    file_sha256: str = "",
    detail: str = "",
) -> BenchmarkValue | None:
    """Append the office's benchmark of a period; None when it equals the one in force.

    Refused for anyone but the office (PermissionDenied) and in a locked quarter (PeriodLocked).
    """
    require(actor, Action.RECORD_BENCHMARK)
    indicator = find_indicator(session, plan_code, indicator_code)
    the_period = check_period(period)
    name = benchmark_name(indicator)
    if not name:
        raise ValueError(f"指标“{indicator_code}”的现行目标不以基准值（如全省平均）衡量，无需录入基准值")
    number = check_value(value, indicator.measure_kind, name)
    text = check_source(source)
    ensure_unlocked(session, indicator.id, the_period)
    previous = current_benchmark(session, indicator.id, the_period)
    if previous is not None and (previous.value, previous.source) == (number, text):
        return None
    row = BenchmarkValue(
        indicator_id=indicator.id, period=str(the_period), value=number, source=text, recorded_by=actor.name
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        Action.RECORD_BENCHMARK.value,
        entity="benchmark",
        entity_key=f"{indicator_code}/{the_period}",
        before=None if previous is None else {"value": previous.value, "source": previous.source},
        after={"value": number, "source": text, "benchmark": name},
        plan_code=plan_code,
        file_sha256=file_sha256,
        detail=detail,
    )
    return row
