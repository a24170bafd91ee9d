"""Pure helpers behind the dashboard pages: plain rows, no SQL, no Streamlit.

Everything returns lists/dicts of str, float, int and None, so the results can be
cached (pickled) by the UI layer as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from indicators.history import BEHIND_STATUSES, assess_history, behind_streak, escalation_level
from indicators.model import IndicatorData, IndicatorSpec, PlanSettings
from indicators.periods import Period
from indicators.rollup import UNCATEGORISED, count_statuses, rank_units, rollup_by_unit
from indicators.status import Assessment, baseline_of
from indicators.vocabulary import STATUS_SEVERITY, Comparator, Role, Status, TargetBasis


def assessment_row(a: Assessment, spec: IndicatorSpec) -> dict[str, Any]:
    """One assessment as a plain dict (the unit of everything cached for the pages)."""
    return {
        "code": a.indicator_code,
        "name": a.indicator_name or spec.name,
        "category": a.category or UNCATEGORISED,
        "status": a.status.value,
        "severity": STATUS_SEVERITY[a.status],
        "reason": a.reason,
        "current_value": a.current_value,
        "current_period": str(a.current_period) if a.current_period else "",
        "expected_value": a.expected_value,
        "target_year": a.target_year,
        "target_value": a.target_value,
        "progress_ratio": a.progress_ratio,
        "measure_unit": spec.measure_unit,
        "measure_kind": spec.measure_kind.value,
        "lead_units": list(a.lead_units),
        "co_units": list(a.co_units),
        "missing": list(a.missing),
        # 待核实: the figure in use carries a data-quality flag (shown with its reason, never dropped)
        "flag": "；".join(f.reason for f in a.flags),
        "awaiting_review": a.awaiting_review,
        "due_period": str(a.due_period) if a.due_period else "",
    }


# The order statuses are shown in (tiles, legends, tables): met, on track, behind by severity,
# then the two that say nothing about progress.
DISPLAY_ORDER: tuple[Status, ...] = (
    Status.ACHIEVED,
    Status.ACHIEVED_LATE,
    Status.ON_TRACK,
    Status.BEHIND,
    Status.SERIOUSLY_BEHIND,
    Status.NOT_ACHIEVED,
    Status.NOT_REPORTED,
    Status.CANNOT_ASSESS,
)
assert set(DISPLAY_ORDER) == set(Status), "every status has a place in the display order"


def status_counts(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Status word → count, every status present, in :data:`DISPLAY_ORDER`."""
    counts = dict.fromkeys((s.value for s in DISPLAY_ORDER), 0)
    for r in rows:
        counts[r["status"]] += 1
    return counts


def matrix_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the traffic-light matrix: ``column`` is the indicator's place in its category."""
    seen: dict[str, int] = {}
    out = []
    for r in rows:
        seen[r["category"]] = seen.get(r["category"], 0) + 1
        out.append({**r, "column": seen[r["category"]]})
    return out


def most_behind(rows: Sequence[dict[str, Any]], limit: int = 10) -> list[dict[str, Any]]:
    """Indicators behind (未完成, 严重滞后, 未报送, 滞后), worst first, then lowest progress ratio."""
    lagging = {*BEHIND_STATUSES, Status.NOT_ACHIEVED}
    behind = [r for r in rows if Status(r["status"]) in lagging]
    behind.sort(
        key=lambda r: (
            r["severity"],
            r["progress_ratio"] if r["progress_ratio"] is not None else float("inf"),
            r["code"],
        )
    )
    return behind[:limit]


def unit_ranking(assessments: Sequence[Assessment], role: Role = Role.LEAD) -> list[dict[str, Any]]:
    """Units from most to least behind (滞后指数, see :mod:`indicators.rollup`)."""
    not_achieved = {
        r.unit: r.counts[Status.NOT_ACHIEVED] for r in rollup_by_unit(assessments, role)
    }  # 未完成 is counted by the rollup; the ranking rows carry it for the tables and charts
    return [
        {
            "rank": u.rank,
            "unit": u.unit,
            "role": u.role.value,
            "score": u.score,
            "indicators": u.indicators,
            "seriously_behind": u.seriously_behind,
            "not_achieved": not_achieved.get(u.unit, 0),
            "not_reported": u.not_reported,
            "behind": u.behind,
        }
        for u in rank_units(assessments, role)
    ]


def streaks(histories: Sequence[Sequence[Assessment]]) -> dict[str, int]:
    """Indicator code → consecutive quarters behind ending at the as-of quarter."""
    return {h[-1].indicator_code: behind_streak(h) for h in histories if h}


def histories(
    datas: Sequence[IndicatorData], settings: PlanSettings, as_of: Period
) -> list[list[Assessment]]:
    """Per indicator, one assessment per quarter from the plan's first quarter to ``as_of``."""
    if as_of < settings.first_period:
        return [[] for _ in datas]
    return [assess_history(d, as_of, settings) for d in datas]


def unit_indicators(
    rows: Sequence[dict[str, Any]], streak_by_code: dict[str, int], settings: PlanSettings
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Unit → {"lead": [...], "co": [...]}: its indicators with status and streak, worst first."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in rows:
        streak = streak_by_code.get(r["code"], 0)
        missed = r["status"] == Status.NOT_ACHIEVED.value  # 到期未完成: 预警 at once (escalation_level)
        item = {**r, "streak": streak, "escalation": escalation_level(streak, settings, missed) or ""}
        for role, units in (("lead", r["lead_units"]), ("co", r["co_units"])):
            for unit in units:
                out.setdefault(unit, {"lead": [], "co": []})[role].append(item)
    for roles in out.values():
        for items in roles.values():
            items.sort(key=lambda i: (i["severity"], -i["streak"], i["code"]))
    return out


def target_lines(spec: IndicatorSpec, settings: PlanSettings) -> list[dict[str, Any]]:
    """The plan's numeric targets on the figure's scale: interim (earlier years) and final."""
    baseline = baseline_of(spec, settings)
    base = baseline[0] if baseline else None
    numeric = [
        t
        for t in spec.targets
        if t.value is not None
        and t.comparator not in (Comparator.MILESTONE, Comparator.BELOW_BENCHMARK, Comparator.ABOVE_BENCHMARK)
    ]
    final_year = max((t.year for t in numeric), default=None)
    out = []
    for t in numeric:
        value = t.value
        if t.comparator is Comparator.RANK and value is not None and value <= 1:
            continue  # a share of the field: the level depends on the field size each quarter
        if t.basis is TargetBasis.INCREASE:
            if base is None:
                continue
            value = base + value  # type: ignore[operator]
        out.append(
            {
                "year": t.year,
                "value": value,
                "value_high": t.value_high,
                "final": t.year == final_year,
                "comparator": t.comparator.value,
                "text": t.text,
            }
        )
    return out


def indicator_timeline(data: IndicatorData, settings: PlanSettings, as_of: Period) -> dict[str, Any]:
    """Everything the indicator chart needs, per quarter up to ``as_of``."""
    spec = data.spec
    history = histories([data], settings, as_of)[0]
    baseline = baseline_of(spec, settings)
    quarters = [
        {
            "period": str(a.as_of),
            "label": a.as_of.label,
            "t": a.as_of.fractional_year,
            "status": a.status.value,
            "reason": a.reason,
            "value": a.current_value if a.current_period == a.as_of else None,
            "expected": a.expected_value,
            "target_value": a.target_value,
            "progress_ratio": a.progress_ratio,
        }
        for a in history
    ]
    figures = [
        {
            "period": str(f.period),
            "t": f.period.fractional_year,
            "unit": f.unit,
            "value": f.value,
            "benchmark_value": f.benchmark_value,
            "field_size": f.field_size,
            "done_on": f.done_on.isoformat() if f.done_on else "",
            "is_demo": f.is_demo,
        }
        for f in data.figures
        if f.period <= as_of
    ]
    benchmark = any(
        t.comparator
        in (
            Comparator.BELOW_BENCHMARK,
            Comparator.ABOVE_BENCHMARK,
            Comparator.NOT_ABOVE_BENCHMARK,
            Comparator.NOT_BELOW_BENCHMARK,
        )
        for t in spec.targets
    )
    return {
        "baseline": None
        if baseline is None
        else {"value": baseline[0], "year": baseline[1], "t": float(baseline[1] + 1)},
        "quarters": quarters,
        "figures": figures,
        "targets": target_lines(spec, settings),
        "benchmark": benchmark,
        # the office's benchmarks (全省平均 …), which the engine judges by; not a figure's own
        # benchmark_value, which the engine ignores (the chart of 六安's LA-PQ-04 drew no 全省平均)
        "benchmarks": [
            {"period": str(b.period), "value": b.value, "source": b.source}
            for b in sorted(data.benchmarks, key=lambda b: b.period.index)
            if b.period <= as_of
        ],
        "benchmark_name": next((t.benchmark for t in spec.targets if t.benchmark), "") or "基准值",
        "streak": behind_streak(history) if history else 0,
    }


def overall_counts(assessments: Sequence[Assessment]) -> dict[str, int]:
    counts = count_statuses(assessments).as_dict()
    return {s.value: counts.get(s.value, 0) for s in DISPLAY_ORDER}
