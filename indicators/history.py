"""Status history per quarter, consecutive quarters behind, and escalation (预警 → 督办).

A quarter counts as *behind* when its status is 滞后, 严重滞后, 未完成 or 未报送 on an
indicator that has a target value: a unit that stops reporting must not escape
escalation by doing so.  已达标, 正常, 逾期完成 and 无法评估 break a run (无法评估 is the
plan's gap — no target value, baseline or benchmark — never the unit's), and so does a
figure awaiting the office's review (the unit did report).

Escalation is per indicator × responsible unit: each lead unit of an indicator behind
for ``escalation_quarters`` consecutive quarters gets a warning notice (预警), for twice
as long formal supervision (督办).  For 未报送 on an indicator reported by several
units, only the units whose figure is missing are counted.  A unit's overall standing is
not "any one indicator behind" but the 滞后指数 over all its lead indicators
(:mod:`indicators.rollup`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indicators.model import IndicatorData, PlanSettings
from indicators.periods import Period, period_range
from indicators.status import Assessment, Prepared, assess_at, prepare
from indicators.vocabulary import Role, Status

BEHIND_STATUSES = frozenset(
    {Status.BEHIND, Status.SERIOUSLY_BEHIND, Status.NOT_REPORTED, Status.NOT_ACHIEVED}
)
WARNING = "预警"
SUPERVISION = "督办"


def assess_history(
    data: IndicatorData, as_of: Period, settings: PlanSettings, first: Period | None = None
) -> list[Assessment]:
    """One assessment per quarter from ``first`` (default ``settings.first_period``) to ``as_of``.

    The indicator is prepared once, so this costs O(figures + quarters × log figures). A caller
    that has prepared it already (for the current verdict) passes that to :func:`history_of`.
    """
    return history_of(prepare(data, settings), as_of, first)


def history_of(prepared: Prepared, as_of: Period, first: Period | None = None) -> list[Assessment]:
    """:func:`assess_history` from an indicator already prepared (series, flags and paths shared)."""
    quarters = period_range(first or prepared.settings.first_period, as_of)
    return [assess_at(prepared, q) for q in quarters]


def is_behind(status: Status) -> bool:
    return status in BEHIND_STATUSES


def counts_as_behind(a: Assessment, unit: str | None = None) -> bool:
    """Does this quarter count towards escalation (for ``unit``, if given)?"""
    if a.status not in BEHIND_STATUSES or not a.has_target_value:
        return False
    if unit is not None and a.status is Status.NOT_REPORTED and a.missing_units:
        return unit in a.missing_units
    return True


def running_streaks(history: Sequence[Assessment]) -> list[int]:
    """For each quarter of a history, the number of consecutive quarters behind ending there."""
    out: list[int] = []
    run = 0
    for a in history:
        run = run + 1 if counts_as_behind(a) else 0
        out.append(run)
    return out


def behind_streak(history: Sequence[Assessment], unit: str | None = None) -> int:
    """Consecutive quarters behind ending at the last quarter of ``history`` (for ``unit``, if given)."""
    run = 0
    for a in reversed(history):
        if not counts_as_behind(a, unit):
            break
        run += 1
    return run


def _units(a: Assessment, role: Role) -> tuple[str, ...]:
    return a.lead_units if role is Role.LEAD else a.co_units


def unit_streaks(histories: Iterable[Sequence[Assessment]], role: Role = Role.LEAD) -> dict[str, int]:
    """Each unit's longest current run behind on one of its indicators (in ``role``).

    This is the run of the unit's worst indicator × unit pair (escalation is per pair);
    a unit is never "behind" merely because different indicators lagged in different quarters.
    """
    out: dict[str, int] = {}
    for history in histories:
        if not history:
            continue
        for unit in _units(history[-1], role):
            out[unit] = max(out.get(unit, 0), behind_streak(history, unit))
    return out


def escalation_level(streak: int, settings: PlanSettings, missed: bool = False) -> str | None:
    """预警 from ``escalation_quarters`` consecutive quarters behind, 督办 from twice that.

    ``missed``: the last quarter is 未完成 (a target year has ended, the target not met). There is
    no next quarter in which to catch up, so it is 预警 at once, even after one quarter behind: an
    ended plan's count targets (正常 until their year ends, METHODOLOGY 七) were otherwise never
    chased at its final meeting."""
    n = max(1, settings.escalation_quarters)
    if streak >= 2 * n:
        return SUPERVISION
    if streak >= n or (missed and streak >= 1):
        return WARNING
    return None


def is_missed(a: Assessment) -> bool:
    """未完成 with a target value: what :func:`escalation_level`'s ``missed`` means."""
    return a.status is Status.NOT_ACHIEVED and a.has_target_value


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
    missed: bool = False  # 预警 because its target was missed at the year's end, not for the run

    @property
    def why(self) -> str:
        """Why it is escalated, in words: 到期未完成 or 连续 N 个季度滞后或未报送."""
        return "到期未完成" if self.missed else f"连续 {self.streak} 个季度滞后或未报送"


def escalation_rule(settings: PlanSettings) -> str:
    """The rule in one sentence, as every page, to-do list and notice states it (METHODOLOGY 十八)."""
    n = max(1, settings.escalation_quarters)
    return f"连续 {n} 个季度滞后或未报送、或目标到期未完成的为预警，连续 {2 * n} 个季度及以上的为督办"


def escalations(
    histories: Iterable[Sequence[Assessment]], settings: PlanSettings, role: Role = Role.LEAD
) -> list[Escalation]:
    """Indicator × responsible-unit pairs whose run of quarters behind reaches the threshold.

    One entry per indicator, listing the units concerned (``units``); an indicator whose
    units differ in their runs (未报送 by one of several reporting units) gets one entry per run.
    """
    out: list[Escalation] = []
    for h in histories:
        if not h:
            continue
        last = h[-1]
        runs: dict[int, list[str]] = {}
        missed = is_missed(last)
        for unit in _units(last, role) or ("",):
            streak = behind_streak(h, unit or None)
            if escalation_level(streak, settings, missed):
                runs.setdefault(streak, []).append(unit)
        for streak, units in sorted(runs.items(), reverse=True):
            level = escalation_level(streak, settings, missed)
            assert level is not None
            at_once = level == WARNING and missed and escalation_level(streak, settings) is None
            since = last.as_of.shift(1 - streak)
            out.append(
                Escalation(
                    "indicator", last.indicator_code, last.indicator_name, streak, level, since, last.as_of,
                    tuple(u for u in units if u),
                    f"{last.as_of.label}到期未完成：{last.reason}"
                    if at_once
                    else f"自{since.label}起连续 {streak} 个季度进度滞后或未报送：{last.reason}",
                    at_once,
                )
            )
    return out
