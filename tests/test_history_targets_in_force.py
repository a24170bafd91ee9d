"""Each quarter of an indicator's history is judged against the targets in force at that quarter's
end, as the 总览 judges it when that quarter is chosen. A walker raised LB-PQ-04's target (6 → 10,
in force from 2026-07-01): 指标详情 then showed 2026年第2季度 as 滞后 and 连续滞后 4 个季度, while the
same page set to 2026年第2季度 said 正常. Raising LB-PQ-02's (40 → 60) from 2026-12-02, after the
quarter, made the 督办台账 propose 督办 for an indicator the 总览 showed 正常."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.models import Indicator, Plan, Target
from db.session import read_scope, session_scope
from indicators.periods import Period, period_range
from indicators.vocabulary import Comparator
from services import notices, targets
from services.actor import system_actor
from services.progress import plan_progress, quarter_histories
from tests.apptest_support import demo_database

AS_OF, TODAY = Period(2026, 3), dt.date(2026, 12, 2)


def _raise(s, code: str, value: float, day: dt.date) -> None:
    key = s.scalar(
        select(Target.key)
        .join(Indicator, Indicator.id == Target.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Plan.code == "lingbi", Indicator.code == code, Target.in_force.is_(True), Target.year == 2027)
    )
    targets.change_target(
        s, system_actor(), "lingbi", code, key, comparator=Comparator.GE, value=value,
        reason="县政府常务会议决定提高目标", effective_from=day,
    )  # fmt: skip


@pytest.fixture(scope="module")
def changed_url(tmp_path_factory):
    url = demo_database(tmp_path_factory.mktemp("targets"))
    with session_scope(url) as s:
        _raise(s, "LB-PQ-04", 10, dt.date(2026, 7, 1))  # within 2026Q3: Q3 is judged against 10
        _raise(s, "LB-PQ-02", 60, dt.date(2026, 12, 2))  # after 2026Q3: no quarter shown is judged against 60
    return url


def test_every_quarter_of_the_history_is_the_verdict_of_that_quarter(changed_url):
    with read_scope(changed_url) as s:
        history = quarter_histories(s, "lingbi", AS_OF)
        first = plan_progress(s, "lingbi", AS_OF).plan.settings.first_period
        for q in period_range(first, AS_OF):
            view = plan_progress(s, "lingbi", q)  # what the 总览 says with the quarter chosen
            for h, a in zip(history, view.assessments, strict=True):
                got = next(x for x in h if x.as_of == q)
                assert (got.indicator_code, got.status, got.target_value) == (
                    a.indicator_code, a.status, a.target_value,
                ), q  # fmt: skip


def test_the_changed_targets_apply_from_their_dates_only(changed_url):
    with read_scope(changed_url) as s:
        by_code = {h[-1].indicator_code: {a.as_of: a for a in h} for h in quarter_histories(s, "lingbi", AS_OF)}
    assert by_code["LB-PQ-04"][Period(2026, 2)].target_value == 6
    assert by_code["LB-PQ-04"][Period(2026, 3)].target_value == 10
    assert {a.target_value for a in by_code["LB-PQ-02"].values() if a.target_value is not None} == {40}


def test_no_supervision_is_proposed_against_a_target_raised_after_the_quarter(changed_url):
    with read_scope(changed_url) as s:
        proposals = notices.indicator_escalations(s, "lingbi", TODAY)
        q3 = {a.indicator_code: a.status.value for a in plan_progress(s, "lingbi", AS_OF).assessments}
    assert q3["LB-PQ-02"] == "正常"
    assert "LB-PQ-02" not in {p["code"] for p in proposals}


def test_the_pages_history_is_the_same(changed_url):
    """指标详情's 各季度状态 and 连续滞后, 责任单位's streaks: the pages' shared plan model."""
    from ui.data import load_plan_model

    model = load_plan_model(changed_url, "lingbi", str(AS_OF))
    with read_scope(changed_url) as s:
        expected = quarter_histories(s, "lingbi", AS_OF)
    got = [[(a.as_of, a.status, a.target_value) for a in h] for h in model.histories()]
    assert got == [[(a.as_of, a.status, a.target_value) for a in h] for h in expected]
    pq04 = next(h for h in model.histories() if h[-1].indicator_code == "LB-PQ-04")
    assert {a.as_of: a.target_value for a in pq04}[Period(2026, 2)] == 6
