"""Counts per unit (lead and co apart), category and plan; ranking of units."""

from __future__ import annotations

import pytest
from test_progress_support import P

from indicators.rollup import rank_units, rollup_by_category, rollup_by_unit, rollup_plan, unit_score
from indicators.status import Assessment
from indicators.vocabulary import Role
from indicators.vocabulary import Status as S


def mk(
    code: str, status: S, lead: tuple[str, ...], co: tuple[str, ...] = (), category: str = ""
) -> Assessment:
    return Assessment(code, P("2026Q2"), status, None, None, None, None, None, None, None, "", (), (), code,
                      category, lead, co)  # fmt: skip


ASSESSMENTS = [
    mk("1", S.SERIOUSLY_BEHIND, ("甲局",), ("丁局",), "产品质量"),
    mk("2", S.ON_TRACK, ("甲局",), (), "产品质量"),
    mk("3", S.BEHIND, ("乙局",), ("甲局",), "工程质量"),
    mk("4", S.NOT_REPORTED, ("丙局",), (), "服务质量"),
    mk("5", S.BEHIND, ("丙局",), (), ""),
    mk("6", S.SERIOUSLY_BEHIND, ("丙局",), (), "服务质量"),
    mk("7", S.ON_TRACK, ("丙局",), (), "服务质量"),
    mk("8", S.ACHIEVED, ("戊局",), (), "品牌建设"),
    mk("9", S.CANNOT_ASSESS, ("戊局",), (), "品牌建设"),
]


def test_plan_counts():
    counts = rollup_plan(ASSESSMENTS)
    assert counts.total == 9
    assert counts.as_dict() == {
        "已达标": 1, "正常": 2, "滞后": 2, "严重滞后": 2, "未报送": 1, "无法评估": 1, "逾期完成": 0, "未完成": 0,
    }  # fmt: skip
    assert counts.behind == 5
    assert counts.weighted == 2 * 1 + 2 * 3 + 1 * 2


def test_category_counts():
    by = rollup_by_category(ASSESSMENTS)
    assert list(by) == ["产品质量", "工程质量", "服务质量", "未分类", "品牌建设"]
    assert by["服务质量"][S.SERIOUSLY_BEHIND] == 1 and by["服务质量"].total == 3
    assert by["未分类"][S.BEHIND] == 1


def test_unit_rollup_keeps_lead_and_co_apart():
    rows = rollup_by_unit(ASSESSMENTS)
    keys = [(r.unit, r.role) for r in rows]
    assert keys == [("甲局", Role.LEAD), ("乙局", Role.LEAD), ("丙局", Role.LEAD), ("戊局", Role.LEAD),
                    ("丁局", Role.CO), ("甲局", Role.CO)]  # fmt: skip
    lead_jia = rows[0]
    assert lead_jia.counts.total == 2 and lead_jia.indicator_codes == ["1", "2"]
    co_jia = rows[-1]
    assert co_jia.counts[S.BEHIND] == 1 and co_jia.indicator_codes == ["3"]
    assert [r.unit for r in rollup_by_unit(ASSESSMENTS, Role.CO)] == ["丁局", "甲局"]


def test_rank_units_by_lag_index():
    ranking = rank_units(ASSESSMENTS)
    # 丙局: (2+1+3+0)/(3×4) = 50, weighted 6; 甲局: 3/(3×2) = 50, weighted 3; 乙局: 1/3; 戊局: 0
    assert [(u.rank, u.unit, u.score, u.weighted) for u in ranking] == [
        (1, "丙局", 50.0, 6),
        (2, "甲局", 50.0, 3),
        (3, "乙局", pytest.approx(33.33), 1),
        (4, "戊局", 0.0, 0),
    ]
    assert ranking[0].seriously_behind == 1 and ranking[0].not_reported == 1 and ranking[0].behind == 1
    assert all(u.role is Role.LEAD for u in ranking)
    assert [u.unit for u in rank_units(ASSESSMENTS, Role.CO)] == ["丁局", "甲局"]


def test_unit_score_bounds():
    rows = rollup_by_unit([mk("x", S.SERIOUSLY_BEHIND, ("甲",)), mk("y", S.SERIOUSLY_BEHIND, ("甲",))])
    assert unit_score(rows[0].counts) == 100.0
    assert rank_units([]) == []


def test_units_equal_on_every_criterion_share_a_rank():
    """灵璧's 责任单位 numbered six units with nothing behind 2–7 by name: an order that is not there."""
    ranking = rank_units([
        mk("1", S.SERIOUSLY_BEHIND, ("甲局",)),
        mk("2", S.ACHIEVED, ("乙局",)), mk("3", S.ON_TRACK, ("丙局",)), mk("4", S.ACHIEVED, ("丁局",)),
        mk("5", S.BEHIND, ("戊局",)), mk("6", S.ON_TRACK, ("戊局",)),  # 1/(3×2) = 16.67
        mk("7", S.BEHIND, ("己局",)), mk("8", S.ACHIEVED, ("己局",)),  # the same score and weights
    ])  # fmt: skip
    assert [(u.rank, u.unit) for u in ranking] == [
        (1, "甲局"), (2, "己局"), (2, "戊局"), (4, "丁局"), (4, "丙局"), (4, "乙局"),
    ]  # fmt: skip
