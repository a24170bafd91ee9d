"""The engine's memos give what the functions they remember compute (issue 13: speed).

``status._target_texts`` remembers ``explain.target_text`` keyed on the four fields of a target
that ``target_text`` reads (comparator, value, value_high, basis): two targets alike in those and
different in everything else must get the texts ``target_text`` writes for each of them. If
``target_text`` ever reads another field, the second target below gets the first one's words and
this fails.
"""

from __future__ import annotations

import pytest

from indicators.explain import target_text
from indicators.model import TargetSpec
from indicators.status import _target_texts
from indicators.vocabulary import Comparator, Direction, MeasureKind, TargetBasis

C, D, K, B = Comparator, Direction, MeasureKind, TargetBasis


@pytest.mark.parametrize(
    ("comp", "value", "high", "basis", "unit", "kind", "direction", "level", "expected"),
    [
        (C.GE, 98.5, None, B.LEVEL, "%", K.RATE, D.HIGHER, 98.5, ("98.5%", "98.5%")),
        (C.LE, 5.0, None, B.LEVEL, "%", K.RATE, D.LOWER, 5.0, ("不高于 5%", "不高于 5%")),
        (C.RANGE, 1.0, 2.0, B.LEVEL, "家", K.STOCK, D.HIGHER, 1.0, ("1–2 家", "1–2 家")),
        (C.GE, 45.0, None, B.INCREASE, "个", K.STOCK, D.HIGHER, 185.0, ("新增 45 个（即 185 个）", "新增 45 个，即 185 个")),
        (C.GE, None, None, B.LEVEL, "%", K.RATE, D.HIGHER, None, ("（目标值未给出）", "（目标值未给出）")),
    ],
)
def test_target_texts_are_target_text_whatever_else_the_target_says(
    comp, value, high, basis, unit, kind, direction, level, expected
):
    first = TargetSpec(2025, comp, value, high, basis, text="原文甲", key="t2025")
    twin = TargetSpec(
        2027, comp, value, high, basis, maintain=True, benchmark="全省平均", text="原文乙（注）", key="t2027",
        each_year=True,
    )  # fmt: skip
    assert _target_texts(first, unit, kind, direction, level) == expected
    assert _target_texts(twin, unit, kind, direction, level) == expected  # remembered from ``first``
    for target in (first, twin):
        assert expected == (
            target_text(target, unit, kind, direction, level),
            target_text(target, unit, kind, direction, level, nested=True),
        )


def test_target_texts_differ_where_the_key_differs():
    rate = TargetSpec(2025, C.GE, 98.5)
    assert _target_texts(rate, "%", K.RATE, D.HIGHER, 98.5) == ("98.5%", "98.5%")
    assert _target_texts(rate, "‰", K.RATE, D.HIGHER, 98.5) == ("98.5‰", "98.5‰")
    lower = TargetSpec(2025, C.LT, 98.5)
    assert _target_texts(lower, "%", K.RATE, D.HIGHER, 98.5) == ("低于 98.5%", "低于 98.5%")
