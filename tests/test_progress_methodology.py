"""METHODOLOGY.md cannot drift from the code: settings defaults and the worked example."""

from __future__ import annotations

import re
from dataclasses import MISSING, fields

import pytest
from test_progress_support import SETTINGS, P, data, fig, spec, target

import indicators.progress as progress
from indicators.model import PlanSettings
from indicators.rollup import SEVERITY_WEIGHTS
from indicators.status import assess
from indicators.vocabulary import Comparator as C
from indicators.vocabulary import Status

TEXT = progress.methodology()
ROW = re.compile(r"^\|\s*`(\w+)`\s*\|\s*([^|]+?)\s*\|", re.MULTILINE)


def documented() -> dict[str, str]:
    return dict(ROW.findall(TEXT))


def test_every_setting_default_is_documented_with_its_value():
    rows = documented()
    defaults = {f.name: f.default for f in fields(PlanSettings) if f.default is not MISSING}
    assert set(rows) == set(defaults)
    for name, default in defaults.items():
        if isinstance(default, str):
            assert rows[name] == default, name
        else:
            assert float(rows[name]) == pytest.approx(default), name


def test_thresholds_in_the_text_match_the_defaults():
    s = PlanSettings(baseline_year=2024, first_period=P("2025Q1"))
    assert f"| `on_track_ratio` | {s.on_track_ratio} |" in TEXT
    assert f"| `behind_ratio` | {s.behind_ratio} |" in TEXT


def test_unit_score_weights_match():
    w = SEVERITY_WEIGHTS
    assert (
        f"严重滞后 {w[Status.SERIOUSLY_BEHIND]} 分、未报送 {w[Status.NOT_REPORTED]} 分、滞后 {w[Status.BEHIND]} 分"
        in TEXT
    )


def test_worked_example_matches_the_engine():
    a = assess(data(spec(targets=(target(2027, C.GE, 45),)), fig("2026Q2", 18)), P("2026Q2"), SETTINGS)
    assert (a.expected_value, a.progress_ratio, a.status) == (22.5, 0.8, Status.BEHIND)
    assert f"“{a.reason}”" in TEXT


def test_every_status_is_explained():
    for status in Status:
        assert status.value in TEXT


def test_public_api_is_importable():
    for name in progress.__all__:
        assert hasattr(progress, name), name
