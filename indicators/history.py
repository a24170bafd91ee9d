"""Status history per quarter, consecutive quarters behind, and escalation (预警 → 督办).

A quarter counts as *behind* when its status is 滞后, 严重滞后 or 未报送: a unit that
stops reporting must not escape escalation by doing so.  已达标, 正常 and 无法评估
break a run (无法评估 is usually the plan's gap — no target or baseline — not the
unit's).  A unit is behind in a quarter when any indicator it is responsible for (in
the given role) is behind.  A run of ``escalation_quarters`` quarters calls for a
warning notice (预警); twice as long, for formal supervision (督办).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indicators.model import IndicatorData, PlanSettings
from indicators.periods import Period, period_range
from indicators.status import Assessment, assess_at, prepare
from indicators.vocabulary import Role, Status

BEHIND_STATUSES = frozenset({Status.BEHIND, Status.SERIOUSLY_BEHIND, Status.NOT_REPORTED})
WARNING = "预警"
SUPERVISION = "督办"


def assess_history(
    data: IndicatorData, as_of: Period, settings: PlanSettings, first: Period | None = None
) -> list[Assessment]:
    """One assessment per quarter from ``first`` (default ``settings.first_period``) to ``as_of``.

    The indicator is prepared once, so this costs O(figures + quarters × log figures).
    """
    prepared = prepare(data, settings)
    return [assess_at(prepared, q) for q in period_range(first or settings.first_period, as_of)]


def is_behind(status: Status) -> bool:
    return status in BEHIND_STATUSES


def running_streaks(history: Sequence[Assessment]) -> list[int]:
    """For each quarter of a history, the number of consecutive quarters behind ending there."""
    out: list[int] = []
    run = 0
    for a in history:
        run = run + 1 if a.status in BEHIND_STATUSES else 0
        out.append(run)
    return out


def behind_streak(history: Sequence[Assessment]) -> int:
    """Consecutive quarters behind ending at the last quarter of ``history``."""
    run = 0
    for a in reversed(history):
        if a.status not in BEHIND_STATUSES:
            break
        run += 1
    return run


def _units(a: Assessment, role: Role) -> tuple[str, ...]:
    return a.lead_units if role is Role.LEAD else a.co_units


def unit_streaks(histories: Iterable[Sequence[Assessment]], role: Role = Role.LEAD) -> dict[str, int]:
    """Consecutive quarters (ending at the latest quarter seen) in which each unit had an indicator behind."""
    behind: dict[str, set[Period]] = {}
    last: Period | None = None
    for history in histories:
        for a in history:
            if last is None or a.as_of > last:
                last = a.as_of
            units = _units(a, role)
            for unit in units:
                quarters = behind.setdefault(unit, set())
                if a.status in BEHIND_STATUSES:
                    quarters.add(a.as_of)
    out: dict[str, int] = {}
    for unit, quarters in behind.items():
        run = 0
        q = last
        while q is not None and q in quarters:
            run += 1
            q = q.shift(-1)
        out[unit] = run
    return out


def escalation_level(streak: int, settings: PlanSettings) -> str | None:
    """预警 from ``escalation_quarters`` consecutive quarters behind, 督办 from twice that."""
    n = max(1, settings.escalation_quarters)
    if streak >= 2 * n:
        return SUPERVISION
    if streak >= n:
        return WARNING
    return None


@dataclass(frozen=True, slots=True)
class Escalation:
    """An indicator or a unit behind for ``streak`` consecutive quarters up to ``as_of``."""

    subject: str  # "indicator" or "unit"
    key: str  # indicator code or unit name
    name: str
    streak: int
    level: str  # WARNING or SUPERVISION
    since: Period
    as_of: Period
    units: tuple[str, ...] = ()  # for an indicator: its lead units
    reason: str = ""


def escalations(
    histories: Iterable[Sequence[Assessment]], settings: PlanSettings, role: Role = Role.LEAD
) -> list[Escalation]:
    """Indicators, then units, whose run of quarters behind reaches the escalation threshold."""
    histories = [h for h in histories if h]
    out: list[Escalation] = []
    for h in histories:
        streak = behind_streak(h)
        level = escalation_level(streak, settings)
        if level:
            last = h[-1]
            since = last.as_of.shift(1 - streak)
            out.append(
                Escalation(
                    "indicator", last.indicator_code, last.indicator_name, streak, level, since, last.as_of,
                    last.lead_units, f"自{since.label}起连续 {streak} 个季度进度滞后或未报送：{last.reason}",
                )
            )  # fmt: skip
    for unit, streak in sorted(unit_streaks(histories, role).items(), key=lambda kv: (-kv[1], kv[0])):
        level = escalation_level(streak, settings)
        if level:
            as_of = max(h[-1].as_of for h in histories)
            since = as_of.shift(1 - streak)
            out.append(
                Escalation(
                    "unit", unit, unit, streak, level, since, as_of, (unit,),
                    f"自{since.label}起连续 {streak} 个季度有指标进度滞后或未报送",
                )
            )  # fmt: skip
    return out
