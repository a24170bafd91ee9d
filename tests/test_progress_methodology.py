"""METHODOLOGY.md cannot drift from the code: settings defaults, thresholds, weights, the worked example.

Every number is parsed from the text (so changing the text or the code alone fails a test);
the worked example is also recomputed here by hand from the rule stated in the text.
"""

from __future__ import annotations

import math
import re
from dataclasses import MISSING, fields, replace

import pytest
from test_progress_support import SETTINGS, P, data, fig, spec, target

import indicators.progress as progress
from indicators.explain import fmt_ratio
from indicators.model import PlanSettings
from indicators.rollup import SEVERITY_WEIGHTS
from indicators.status import assess
from indicators.vocabulary import Comparator as C
from indicators.vocabulary import Status

TEXT = progress.methodology()
DEFAULTS = PlanSettings(baseline_year=2024, first_period=P("2025Q1"))


def section(number: str) -> str:
    """The text of section ``## 二、…`` up to the next section."""
    match = re.search(rf"^## {number}、.*?(?=^## |\Z)", TEXT, re.MULTILINE | re.DOTALL)
    assert match, number
    return match.group(0)


def table_rows(text: str) -> list[list[str]]:
    """Body rows of the markdown tables in ``text`` (header and rule lines left out)."""
    rows = []
    lines = [line.strip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        if i + 1 < len(lines) and set(lines[i + 1]) <= set("|-: ") and lines[i + 1].startswith("|"):
            continue  # a header row
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


SETTING_ROW = re.compile(r"`(\w+)`")
DEFAULT_VALUE = re.compile(r"^`?([\w.]+)`?")


def documented_settings() -> dict[str, str]:
    out = {}
    for row in table_rows(section("二")):
        key = SETTING_ROW.search(row[0])
        value = DEFAULT_VALUE.match(row[1])
        assert key and value, row
        out[key.group(1)] = value.group(1)
    return out


def test_every_setting_default_is_documented_with_its_value():
    rows = documented_settings()
    defaults = {f.name: f.default for f in fields(PlanSettings) if f.default is not MISSING}
    assert set(rows) == set(defaults)
    for name, default in defaults.items():
        if isinstance(default, str):
            assert rows[name] == default, name
        else:
            assert float(rows[name]) == pytest.approx(default), name


def _number(pattern: str, text: str = TEXT) -> list[float]:
    found = re.findall(pattern, text)
    assert found, pattern
    return [float(x) for x in (found[0] if isinstance(found[0], tuple) else found)]


def test_thresholds_stated_in_the_rules_match_the_defaults():
    on, behind = DEFAULTS.on_track_ratio * 100, DEFAULTS.behind_ratio * 100
    assert _number(r"不低于 (\d+)% 为\*\*正常\*\*，不低于 (\d+)% 为\*\*滞后\*\*", section("八")) == [on, behind]
    status_table = {row[0]: row[2] for row in table_rows(section("一"))}
    assert _number(r"完成序时进度的 (\d+)% 及以上", status_table["正常"]) == [on]
    assert _number(r"完成序时进度的 (\d+)%（含）到 (\d+)%", status_table["滞后"]) == [behind, on]
    assert _number(r"不足 (\d+)%", status_table["严重滞后"]) == [behind]
    gap = DEFAULTS.maintain_behind_gap
    assert _number(r"差距不超过 (\d+) 个百分点", status_table["滞后"]) == [gap]
    assert _number(r"差距不超过 (\d+) 个百分点", section("九")) == [gap]
    assert _number(r"差距超过 (\d+) 个百分点", section("九")) == [gap]
    assert _number(r"目标不超过 (\d+) 项的", section("七")) == [DEFAULTS.few_items]
    q = DEFAULTS.escalation_quarters
    assert _number(r"连续落后 (\d+) 个季度发\*\*预警通知单\*\*，连续 (\d+) 个季度转\*\*督办\*\*") == [q, 2 * q]
    assert _number(r"截止日（季度结束后 (\d+) 天") == [DEFAULTS.report_deadline_days]
    assert _number(r"典型变动（[^）]*）的 (\d+) 倍", section("六")) == [DEFAULTS.jump_factor]


def test_unit_score_weights_match():
    stated = dict(re.findall(r"([\u4e00-\u9fff]+) (\d) 分", section("十九").split("其余 0 分")[0]))
    weights = {Status(word): int(w) for word, w in stated.items()}
    assert weights == {s: w for s, w in SEVERITY_WEIGHTS.items() if w}
    assert max(weights.values()) == int(_number(r"总分 ÷ \((\d) × 该单位牵头指标数\)", section("十九"))[0])


def test_status_table_lists_every_status_once_with_a_colour():
    rows = table_rows(section("一"))
    assert sorted(r[0] for r in rows) == sorted(s.value for s in Status)
    colours = [r[1] for r in rows]
    assert all(colours) and len(set(colours)) == len(colours)


def test_every_status_is_explained():
    for status in Status:
        assert TEXT.count(status.value) >= 3, status  # in the table, a rule and an example


def test_ratio_display_table_matches_fmt_ratio():
    rows = table_rows(section("二十"))
    assert len(rows) >= 4
    for ratio, shown in rows:
        assert fmt_ratio(float(ratio)) == shown, ratio


def test_no_developer_words_for_the_clerk():
    """Outside the settings table (which names each setting as the administrator writes it), only Chinese."""
    clerk = TEXT.replace(section("二"), "")
    assert "`" not in clerk
    assert set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", clerk)) <= {"X"}


# --- the worked example (算例 7): 新增省级质量标杆企业, whole items, 45 by 2027, baseline 2024 ----------

EXAMPLE = re.compile(
    r"\| (\d{4}年第\d季度) \| 45 × ([\d.]+) ÷ 3 = ([\d.]+)，即 (\d+) 个 \| (\d+) 个 \| \d+ ÷ \d+ = (\S+) \| (\S+) \|"
)


def worked_rows() -> list[tuple]:
    rows = EXAMPLE.findall(section("七"))
    assert len(rows) == 2, rows
    return rows


def test_worked_example_is_right_by_hand():
    for quarter, elapsed, exact, whole, actual, shown, status in worked_rows():
        period = P(quarter.replace("年第", "Q").replace("季度", ""))
        # the rule as stated: baseline 0 at the end of 2024, 45 at the end of 2027, linear in time
        years = period.fractional_year - 2025.0
        assert float(elapsed) == pytest.approx(years)
        assert float(exact) == pytest.approx(45 * years / 3)
        assert int(whole) == math.floor(45 * years / 3)  # whole items: rounded down
        ratio = int(actual) / int(whole)
        assert fmt_ratio(ratio) == shown
        by_threshold = (
            Status.ON_TRACK
            if ratio >= DEFAULTS.on_track_ratio
            else Status.BEHIND
            if ratio >= DEFAULTS.behind_ratio
            else Status.SERIOUSLY_BEHIND
        )
        assert status == by_threshold.value


def test_worked_example_matches_the_engine():
    quarter, _, _, whole, actual, shown, status = worked_rows()[1]
    indicator = replace(spec(targets=(target(2027, C.GE, 45),)), whole_items=True)
    as_of = P(quarter.replace("年第", "Q").replace("季度", ""))
    a = assess(data(indicator, fig(str(as_of), float(actual))), as_of, SETTINGS)
    assert a.expected_value == int(whole)
    assert a.progress_ratio == pytest.approx(int(actual) / int(whole))
    assert a.status.value == status
    assert f"{whole} 个" in a.reason and shown in a.reason


def test_path_examples_quoted_by_the_path_tests():
    # tests/test_paths.py checks 26.25 and 10 (piecewise) and 69.28 / 70 (growth) against the engine
    seven = section("七")
    assert "20 + (45 − 20) × 0.5 ÷ 2 = 26.25" in seven and "20 × 0.5 ÷ 1 = 10 个" in seven
    assert "≈ 69.28（均匀推进为 70）" in seven


def test_public_api_is_importable():
    for name in progress.__all__:
        assert hasattr(progress, name), name
