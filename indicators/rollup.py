"""Counts of statuses per unit, category and plan, and the ranking of units.

Lead (牵头) and co-responsible (配合) units are counted apart: a unit's lead
indicators are its own responsibility, co indicators are shared.

Ranking score (滞后指数, 0–100): each indicator of the unit weighs
未完成 and 严重滞后 3, 未报送 2, 滞后 1, others 0 (逾期完成 and 无法评估 included);
the score is the weighted sum divided by 3 × the number of the unit's indicators,
× 100.  0 means nothing behind, 100 means everything seriously behind.
Averaging keeps a unit with many indicators from being
ranked worse merely for carrying more of the plan; ties are broken by the weighted
sum (more lagging work first), then by the count of 严重滞后; units equal on all three
share a rank (1, 2, 2, 4) and are listed by name.
Not reporting weighs more than being behind because it hides the real position, and
less than being seriously behind, which is measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from indicators.status import Assessment
from indicators.vocabulary import Role, Status

SEVERITY_WEIGHTS: Mapping[Status, int] = {
    Status.NOT_ACHIEVED: 3,
    Status.SERIOUSLY_BEHIND: 3,
    Status.NOT_REPORTED: 2,
    Status.BEHIND: 1,
}
MAX_WEIGHT = max(SEVERITY_WEIGHTS.values())
UNCATEGORISED = "未分类"


@dataclass
class StatusCounts:
    """How many indicators have each status (every status present, possibly 0)."""

    counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))

    def add(self, status: Status) -> None:
        self.counts[status] += 1

    def __getitem__(self, status: Status) -> int:
        return self.counts[status]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def behind(self) -> int:
        """滞后 + 严重滞后 + 未报送."""
        return sum(self.counts[s] for s in SEVERITY_WEIGHTS)

    @property
    def weighted(self) -> int:
        return sum(self.counts[s] * w for s, w in SEVERITY_WEIGHTS.items())

    def as_dict(self) -> dict[str, int]:
        """Chinese status words → counts, in the enum's order (for tables and charts)."""
        return {s.value: n for s, n in self.counts.items()}


def count_statuses(assessments: Iterable[Assessment]) -> StatusCounts:
    counts = StatusCounts()
    for a in assessments:
        counts.add(a.status)
    return counts


def rollup_plan(assessments: Iterable[Assessment]) -> StatusCounts:
    return count_statuses(assessments)


def rollup_by_category(assessments: Iterable[Assessment]) -> dict[str, StatusCounts]:
    """Category → counts, categories in order of first appearance (empty → 未分类)."""
    out: dict[str, StatusCounts] = {}
    for a in assessments:
        out.setdefault(a.category or UNCATEGORISED, StatusCounts()).add(a.status)
    return out


@dataclass
class UnitRollup:
    unit: str
    role: Role
    counts: StatusCounts
    indicator_codes: list[str]


def rollup_by_unit(assessments: Iterable[Assessment], role: Role | None = None) -> list[UnitRollup]:
    """One row per (unit, role): lead rows first, then co rows, each in order of first appearance."""
    roles = (Role.LEAD, Role.CO) if role is None else (role,)
    rows: dict[tuple[Role, str], UnitRollup] = {}
    items = list(assessments)
    for r in roles:
        for a in items:
            for unit in a.lead_units if r is Role.LEAD else a.co_units:
                row = rows.get((r, unit))
                if row is None:
                    row = rows[(r, unit)] = UnitRollup(unit, r, StatusCounts(), [])
                row.counts.add(a.status)
                row.indicator_codes.append(a.indicator_code)
    return list(rows.values())


@dataclass(frozen=True)
class UnitScore:
    rank: int
    unit: str
    role: Role
    score: float  # 滞后指数 0–100
    weighted: int
    indicators: int
    seriously_behind: int
    not_reported: int
    behind: int


def severity_weights_text() -> str:
    """``未完成、严重滞后 3 分，未报送 2 分，滞后 1 分``: the 滞后指数 weights, from the table above."""
    from indicators.dashboard import DISPLAY_ORDER

    by_weight: dict[int, list[str]] = {}
    for status in DISPLAY_ORDER:
        if SEVERITY_WEIGHTS.get(status):
            by_weight.setdefault(SEVERITY_WEIGHTS[status], []).append(status.value)
    return "，".join(f"{'、'.join(words)} {w} 分" for w, words in sorted(by_weight.items(), reverse=True))


def score_rule_text() -> str:
    """The 滞后指数 in one sentence, for the briefing's readers (the slide and the bulletin)."""
    return (
        f"滞后指数按各单位牵头的指标计算：{severity_weights_text()}，合计分除以（{MAX_WEIGHT}×牵头指标数）"
        "再乘以 100；0 为没有滞后，100 为全部未完成或严重滞后"
    )


def unit_score(counts: StatusCounts) -> float:
    """滞后指数: 100 × Σ weights / (3 × indicators); 0 for a unit without indicators."""
    n = counts.total
    return 100.0 * counts.weighted / (MAX_WEIGHT * n) if n else 0.0


def rank_units(assessments: Iterable[Assessment], role: Role = Role.LEAD) -> list[UnitScore]:
    """Units ordered from most to least behind (see the module doc for the score)."""
    rows = rollup_by_unit(assessments, role)
    def standing(r: UnitRollup) -> tuple:
        return (-unit_score(r.counts), -r.counts.weighted, -r.counts[Status.SERIOUSLY_BEHIND])

    scored = sorted(rows, key=lambda r: (standing(r), r.unit))
    out: list[UnitScore] = []
    rank = 0
    for i, r in enumerate(scored):
        # units equal on every criterion share a rank (1, 2, 2, 4): six units with nothing behind
        # numbered 2–7 by their names read as an order that is not there
        if i == 0 or standing(r) != standing(scored[i - 1]):
            rank = i + 1
        out.append(
            UnitScore(
                rank, r.unit, r.role, round(unit_score(r.counts), 2), r.counts.weighted, r.counts.total,
                r.counts[Status.SERIOUSLY_BEHIND], r.counts[Status.NOT_REPORTED], r.counts[Status.BEHIND],
            )
        )  # fmt: skip
    return out
