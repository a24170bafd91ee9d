"""A figure entered through the service layer (services.observations) meets the rules an upload's
cells meet, whoever calls: an attacker, as a reporter, stored NaN, infinity, 9999Q4, another plan's
indicator, and a batch with one key twice (which forked the version chain); and, as anyone,
chose review_state="accepted" (review skipped) or is_demo=True (no audit entry) — those arguments
are gone."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Indicator, Observation, Plan, Responsibility
from db.session import read_scope, session_scope
from indicators.periods import Period
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.observations import FigureInput, record_figure, record_figures

OFFICE = system_actor("质量办")


def _reported(url, plan: str, code: str) -> tuple[int, int]:
    with read_scope(url) as s:
        return s.execute(
            select(Indicator.id, Responsibility.unit_id)
            .join(Responsibility, Responsibility.indicator_id == Indicator.id)
            .join(Plan, Plan.id == Indicator.plan_id)
            .where(Plan.code == plan, Indicator.code == code, Responsibility.reports.is_(True))
        ).first()


def _counts(url) -> tuple[int, int]:
    with read_scope(url) as s:
        return s.scalar(select(func.count(Observation.id))), s.scalar(select(func.count(AuditEntry.id)))


@pytest.mark.parametrize(
    ("code", "period", "value", "message"),
    [
        ("LA-PQ-01", "2025Q2", math.nan, "LA-PQ-01 的数值不是有限的数字（非数值或无穷大）"),
        ("LA-PQ-01", "2025Q2", math.inf, "LA-PQ-01 的数值不是有限的数字（非数值或无穷大）"),
        ("LA-BR-05", "2025Q2", 2.5, "LA-BR-05 按整数计（件），请填写整数：2.5"),
        ("LA-PQ-01", "9999Q4", 97.0, "9999年第4季度不在计划期内"),
        ("LA-PQ-01", "2019Q4", 97.0, "2019年第4季度不在计划期内"),
    ],
)
def test_what_no_unit_can_have_reported_is_refused(seeded_url, code, period, value, message):
    indicator_id, unit_id = _reported(seeded_url, "luan", code)
    clerk = Actor("clerk", ActorRole.REPORTER, frozenset({unit_id}))
    before = _counts(seeded_url)
    for actor in (clerk, OFFICE):
        with pytest.raises(ValueError) as refused, session_scope(seeded_url) as s:
            record_figure(s, actor, FigureInput(indicator_id, unit_id, Period.parse(period), value))
        assert str(refused.value) == message
    assert _counts(seeded_url) == before


def test_a_unit_records_only_indicators_it_reports(seeded_url):
    indicator_id, unit_id = _reported(seeded_url, "luan", "LA-PQ-01")
    other_plan, _ = _reported(seeded_url, "lingbi", "LB-PQ-07")  # 灵璧's indicator, not this unit's
    before = _counts(seeded_url)
    for actor in (Actor("clerk", ActorRole.REPORTER, frozenset({unit_id})), OFFICE):
        with pytest.raises(PermissionDenied, match="该单位不负责报送指标 LB-PQ-07"), session_scope(seeded_url) as s:
            record_figure(s, actor, FigureInput(other_plan, unit_id, Period(2025, 2), 41))
    assert _counts(seeded_url) == before
    with session_scope(seeded_url) as s:  # its own indicator: recorded, pending review, audited
        obs = record_figure(s, Actor("clerk", ActorRole.REPORTER, frozenset({unit_id})),
                            FigureInput(indicator_id, unit_id, Period(2025, 2), 97.5))  # fmt: skip
        assert (obs.review_state, obs.is_demo, obs.source) == ("pending", False, "manual")
    assert _counts(seeded_url) == (before[0] + 1, before[1] + 1)


def test_a_batch_with_one_figure_twice_is_refused_whole(seeded_url):
    indicator_id, unit_id = _reported(seeded_url, "luan", "LA-PQ-01")
    before = _counts(seeded_url)
    figures = [FigureInput(indicator_id, unit_id, Period(2025, 2), v) for v in (97.0, 98.0)]
    with pytest.raises(ValueError, match="2025年第2季度）的数据重复出现"), session_scope(seeded_url) as s:
        record_figures(s, OFFICE, figures)
    assert _counts(seeded_url) == before


def test_nobody_chooses_the_review_state_or_the_demo_flag():
    import inspect

    assert set(inspect.signature(record_figure).parameters) == {"session", "actor", "figure"}
