"""The progress engine's public API in one place (see METHODOLOGY.md for the rules).

Pure functions over :mod:`indicators.model` inputs: no Streamlit, no SQL.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from indicators.completeness import (
    LATE,
    MISSING,
    ON_TIME,
    PENDING,
    STATE_LABELS,
    Completeness,
    Obligation,
    ReportingRate,
    completeness,
)
from indicators.explain import fmt_number, fmt_quantity, fmt_ratio
from indicators.history import (
    BEHIND_STATUSES,
    SUPERVISION,
    WARNING,
    Escalation,
    assess_history,
    behind_streak,
    escalation_level,
    escalations,
    running_streaks,
    unit_streaks,
)
from indicators.paths import build_knots, expected_value
from indicators.quality import QualityFlag, quality_flags
from indicators.rollup import (
    SEVERITY_WEIGHTS,
    StatusCounts,
    UnitRollup,
    UnitScore,
    count_statuses,
    rank_units,
    rollup_by_category,
    rollup_by_unit,
    rollup_plan,
    unit_score,
)
from indicators.status import (
    ASSESSMENT_COLUMNS,
    Assessment,
    Prepared,
    assess,
    assess_at,
    assess_plan,
    check_settings,
    prepare,
)

METHODOLOGY_PATH = Path(__file__).with_name("METHODOLOGY.md")


@cache
def methodology() -> str:
    """METHODOLOGY.md verbatim (the app's 方法说明 page and the README include it)."""
    return METHODOLOGY_PATH.read_text(encoding="utf-8")


__all__ = [
    "ASSESSMENT_COLUMNS", "BEHIND_STATUSES", "LATE", "METHODOLOGY_PATH", "MISSING", "ON_TIME", "PENDING",
    "SEVERITY_WEIGHTS", "STATE_LABELS", "SUPERVISION", "WARNING", "Assessment", "Completeness", "Escalation",
    "Obligation", "Prepared", "QualityFlag", "ReportingRate", "StatusCounts", "UnitRollup", "UnitScore",
    "assess", "assess_at", "assess_history", "assess_plan", "behind_streak", "build_knots", "check_settings",
    "completeness",
    "count_statuses", "escalation_level", "escalations", "expected_value", "fmt_number", "fmt_quantity",
    "fmt_ratio", "methodology", "prepare", "quality_flags", "rank_units", "rollup_by_category",
    "rollup_by_unit", "rollup_plan", "running_streaks", "unit_score", "unit_streaks",
]  # fmt: skip
