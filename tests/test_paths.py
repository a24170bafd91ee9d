"""Expected paths: linear 序时进度, constant growth, piecewise milestones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.paths import GROWTH, LINEAR, build_knots, check_method, expected_value, segment_value
from indicators.periods import Period, year_end

finite = st.floats(-1e6, 1e6, allow_nan=False)
positive = st.floats(0.01, 1e6, allow_nan=False)


@given(st.integers(2015, 2030), st.integers(1, 10), finite, finite, st.sampled_from([LINEAR, GROWTH]))
def test_path_starts_at_baseline_and_ends_at_target(base_year, span, base, goal, method):
    knots = build_knots(year_end(base_year), base, year_end(base_year + span), goal)
    assert expected_value(knots, year_end(base_year), method) == base
    assert expected_value(knots, year_end(base_year + span), method) == pytest.approx(goal)
    assert expected_value(knots, year_end(base_year) - 3, method) == base  # before the baseline
    assert expected_value(knots, year_end(base_year + span) + 3, method) == goal  # after the target year


@given(finite, finite, st.floats(0, 1), st.sampled_from([LINEAR, GROWTH]))
def test_path_stays_between_its_ends(base, goal, share, method):
    t = 2025 + 3 * share
    v = segment_value(t, 2025.0, base, 2028.0, goal, method)
    assert (
        min(base, goal) - 1e-6 * max(1, abs(base), abs(goal))
        <= v
        <= max(base, goal) + 1e-6 * max(1, abs(base), abs(goal))
    )


@given(positive, positive, st.floats(0, 1))
def test_growth_path_has_constant_rate(base, goal, share):
    v = segment_value(2025 + 2 * share, 2025.0, base, 2027.0, goal, GROWTH)
    assert v == pytest.approx(base * (goal / base) ** share, rel=1e-9)


@given(st.dictionaries(st.integers(2026, 2029), finite, max_size=4), finite, finite)
def test_piecewise_path_passes_through_every_milestone(milestones, base, goal):
    knots = build_knots(2025.0, base, 2031.0, goal, [(year_end(y), v) for y, v in milestones.items()])
    assert len(knots) == len(milestones) + 2
    assert knots[0] == (2025.0, base) and knots[-1] == (2031.0, goal)
    for t, v in knots:
        assert expected_value(knots, t) == pytest.approx(v)


@pytest.mark.parametrize(
    ("as_of", "method", "expected"),
    [
        ("2025Q1", LINEAR, 0 + 45 * 0.25 / 3),
        ("2026Q2", LINEAR, 22.5),
        ("2027Q4", LINEAR, 45),
        ("2029Q1", LINEAR, 45),
        ("2024Q3", LINEAR, 0),
    ],
)
def test_linear_quarters(as_of, method, expected):
    knots = build_knots(year_end(2024), 0, year_end(2027), 45)
    assert expected_value(knots, Period.parse(as_of).fractional_year, method) == pytest.approx(expected)


def test_piecewise_example_from_methodology():
    knots = build_knots(year_end(2024), 0, year_end(2027), 45, [(year_end(2025), 20)])
    assert expected_value(knots, Period.parse("2026Q2").fractional_year) == pytest.approx(26.25)
    assert expected_value(knots, Period.parse("2025Q2").fractional_year) == pytest.approx(10)


def test_growth_example_from_methodology():
    knots = build_knots(year_end(2024), 60, year_end(2027), 80)
    t = Period.parse("2026Q2").fractional_year
    assert expected_value(knots, t, GROWTH) == pytest.approx(69.28, abs=0.005)
    assert expected_value(knots, t, LINEAR) == pytest.approx(70)


def test_growth_from_zero_falls_back_to_linear():
    assert segment_value(2026.5, 2025.0, 0.0, 2028.0, 45.0, GROWTH) == pytest.approx(22.5)


def test_target_at_or_before_baseline_is_flat():
    knots = build_knots(year_end(2025), 10, year_end(2024), 20)
    assert expected_value(knots, 2020.0) == 20 and expected_value(knots, 2030.0) == 20


def test_unknown_method():
    assert check_method(GROWTH) == GROWTH
    with pytest.raises(ValueError):
        check_method("cagr")


def test_growth_path_from_a_tiny_baseline_does_not_overflow():
    """Found by hypothesis: (goal / base) overflowed to inf for a subnormal baseline."""
    v = segment_value(2026.5, 2025.0, 2.2250738585e-313, 2028.0, 1.0, GROWTH)
    assert 2.2250738585e-313 <= v <= 1.0
