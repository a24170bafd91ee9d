"""An office change of a target keeps what the value does not touch: 六安's LA-QG-04 (质量发展基金年递增率,
"每年以不低于*%的递增") is judged every year; filling in its open value must not turn it into a
2025-only target (change_target did not copy ``each_year``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db.models import Indicator, Plan, Target
from db.session import read_scope, session_scope
from indicators.vocabulary import Comparator
from services import targets
from services.actor import system_actor


def _in_force(url, code: str) -> list[tuple]:
    with read_scope(url) as s:
        return s.execute(
            select(Target.year, Target.value, Target.maintain, Target.each_year, Target.origin)
            .join(Indicator, Indicator.id == Target.indicator_id)
            .join(Plan, Plan.id == Indicator.plan_id)
            .where(Plan.code == "luan", Indicator.code == code, Target.in_force.is_(True))
        ).all()


def test_filling_in_an_open_yearly_target_keeps_it_yearly(seeded_url):
    assert _in_force(seeded_url, "LA-QG-04") == [(2025, None, True, True, "draft")]
    with session_scope(seeded_url) as s:
        targets.change_target(
            s, system_actor(), "luan", "LA-QG-04", "2025", comparator=Comparator.GE, value=8,
            reason="市政府确定年递增 8%", effective_from=dt.date(2024, 1, 1),
        )  # fmt: skip
    assert _in_force(seeded_url, "LA-QG-04") == [(2025, 8, True, True, "admin")]
