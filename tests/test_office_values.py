"""Office benchmarks, baselines (entered or proposed and reviewed) and flag decisions.

On SQLite and PostgreSQL, through the service layer as the pages and the CLI call it
(``services.audit.perform``: refusals audited). Expectations are written by hand.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Baseline, BenchmarkValue, FlagDecision, Indicator, Observation, Plan, Unit
from db.queries import baseline_rows, benchmark_rows, load_plan_data, pending_baseline_rows
from db.session import read_scope, session_scope
from indicators.model import Benchmark
from indicators.periods import Period
from services import review
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.audit import perform
from services.baselines import propose_baseline, record_baseline
from services.benchmarks import record_benchmark
from services.observations import FigureInput, record_figure

ROOT = Path(__file__).resolve().parent.parent
OFFICE = system_actor("质量办")
PLAN = "luan"


def _ids(url, code):
    with read_scope(url) as s:
        ind = s.scalar(select(Indicator).join(Plan).where(Plan.code == PLAN, Indicator.code == code))
        return ind.id, ind.responsibilities[0].unit_id


def _data(url, code, include_pending=False):
    with read_scope(url) as s:
        _plan, data = load_plan_data(s, PLAN, include_pending=include_pending)
    return next(d for d in data if d.spec.code == code)


def _counts(url):
    with read_scope(url) as s:
        return tuple(
            s.scalar(select(func.count(model.id))) for model in (BenchmarkValue, Baseline, FlagDecision, Observation)
        )


def _refusals(url):
    with read_scope(url) as s:
        return [
            (e.actor, e.action)
            for e in s.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused").order_by(AuditEntry.id))
        ]


# --------------------------------------------------------------------------- benchmarks


def test_office_benchmark_is_append_only_audited_and_reaches_the_engine(seeded_url):
    url = seeded_url
    perform(url, OFFICE, "record_benchmark",
            lambda s: record_benchmark(s, OFFICE, PLAN, "LA-PQ-04", "2025Q2", 0.21, "省局2025年第2季度通报"))  # fmt: skip
    perform(url, OFFICE, "record_benchmark",
            lambda s: record_benchmark(s, OFFICE, PLAN, "LA-PQ-04", "2025Q2", "0.19", " 省局更正通报 "))  # fmt: skip
    perform(url, OFFICE, "record_benchmark",
            lambda s: record_benchmark(s, OFFICE, PLAN, "LA-PQ-04", "2024Q4", 0.25, "省局2024年通报"))  # fmt: skip
    same = perform(url, OFFICE, "record_benchmark",
                   lambda s: record_benchmark(s, OFFICE, PLAN, "LA-PQ-04", "2025Q2", 0.19, "省局更正通报"))  # fmt: skip
    assert same is None  # equal to the value in force: nothing appended
    data = _data(url, "LA-PQ-04")
    assert data.benchmarks == (
        Benchmark(Period(2024, 4), 0.25, "省局2024年通报"),
        Benchmark(Period(2025, 2), 0.19, "省局更正通报"),
    )
    with read_scope(url) as s:
        assert s.scalar(select(func.count(BenchmarkValue.id))) == 3
        entries = [
            (e.entity_key, e.before, e.after["value"])
            for e in s.scalars(
                select(AuditEntry).where(AuditEntry.action == "record_benchmark").order_by(AuditEntry.id)
            )
        ]
        current = benchmark_rows(s, PLAN)
        history = benchmark_rows(s, PLAN, history=True)
    assert entries == [
        ("LA-PQ-04/2025Q2", None, 0.21),
        ("LA-PQ-04/2025Q2", {"value": 0.21, "source": "省局2025年第2季度通报"}, 0.19),
        ("LA-PQ-04/2024Q4", None, 0.25),
    ]
    assert [(r["period"], r["value"], r["recorded_by"]) for r in current] == [
        ("2024Q4", 0.25, "质量办"), ("2025Q2", 0.19, "质量办"),
    ]  # fmt: skip
    assert [(r["period"], r["value"], r["current"]) for r in history] == [
        ("2024Q4", 0.25, True), ("2025Q2", 0.19, True), ("2025Q2", 0.21, False),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "code, period, value, source, message",
    [
        ("LA-PQ-04", "2025Q2", float("nan"), "通报", "有限的数字"),
        ("LA-PQ-04", "2025Q2", "inf", "通报", "有限的数字"),
        ("LA-PQ-04", "2025Q2", "1e309", "通报", "有限的数字"),
        ("LA-PQ-04", "2025Q2", "abc", "通报", "须为数字"),
        ("LA-PQ-04", "2025Q2", -0.1, "通报", "不能为负"),
        ("LA-PQ-04", "2025Q5", 0.2, "通报", "无法识别的季度"),
        ("LA-PQ-04", "1900Q1", 0.2, "通报", "1949–2100"),
        ("LA-PQ-04", "2025Q2", 0.2, "  ", "须填写来源"),
        ("LA-PQ-04", "2025Q2", 0.2, "通报\x1b[31m", "控制字符"),
        ("LA-PQ-01", "2025Q2", 95, "通报", "无需录入基准值"),
        ("LA-XX-99", "2025Q2", 95, "通报", "没有指标"),
    ],
)
def test_benchmark_input_is_validated_in_chinese(schema_url_seeded, code, period, value, source, message):
    url = schema_url_seeded
    before = _counts(url)
    with pytest.raises((ValueError, LookupError), match=message):
        perform(url, OFFICE, "record_benchmark",
                lambda s: record_benchmark(s, OFFICE, PLAN, code, period, value, source))  # fmt: skip
    assert _counts(url) == before


@pytest.fixture(scope="module")
def _seeded_once(tmp_path_factory):
    from services.setup import init_database

    url = f"sqlite:///{tmp_path_factory.mktemp('office') / 'seeded.db'}"
    init_database(url)
    return url


@pytest.fixture
def schema_url_seeded(_seeded_once):
    """One seeded SQLite file shared by the validation cases (each leaves it unchanged)."""
    return _seeded_once


# --------------------------------------------------------------------------- roles × actions


def _reporter(url):
    _ind, unit = _ids(url, "LA-PQ-04")
    return Actor("填报员甲", ActorRole.REPORTER, frozenset({unit}))


ACTIONS = {
    "record_benchmark": lambda s, a, obs: record_benchmark(s, a, PLAN, "LA-PQ-04", "2025Q2", 0.2, "通报"),
    "record_baseline": lambda s, a, obs: record_baseline(s, a, PLAN, "LA-PQ-04", 0.3, 2020, "统计公报"),
    "clear_flag": lambda s, a, obs: review.clear_flag(s, a, obs, "核实无误"),
    "review": lambda s, a, obs: review.review_baselines(s, a, [obs], True),
}


@pytest.mark.parametrize("role", ["reporter", "viewer"])
def test_only_the_office_records_benchmarks_baselines_and_clears_flags(seeded_url, role):
    url = seeded_url
    ind, unit = _ids(url, "LA-PQ-01")
    with session_scope(url) as s:
        obs = record_figure(s, OFFICE, FigureInput(ind, unit, Period(2025, 2), 150.0)).id
    actor = _reporter(url) if role == "reporter" else Actor("领导", ActorRole.VIEWER)
    before = _counts(url)
    for action, work in ACTIONS.items():
        with pytest.raises(PermissionDenied):
            perform(url, actor, action, lambda s, work=work: work(s, actor, obs))
    assert _counts(url) == before  # database unchanged
    assert _refusals(url) == [(actor.name, a) for a in ACTIONS]


def test_locked_quarter_refuses_benchmarks_flags_and_baselines_and_is_audited(seeded_url):
    url = seeded_url
    ind, unit = _ids(url, "LA-PQ-01")
    with session_scope(url) as s:
        obs = record_figure(s, OFFICE, FigureInput(ind, unit, Period(2025, 2), 150.0)).id
        review.lock_period(s, OFFICE, PLAN, Period(2025, 2))
    before = _counts(url)
    with pytest.raises(review.PeriodLocked, match="2025年第2季度"):
        perform(url, OFFICE, "record_benchmark", lambda s: ACTIONS["record_benchmark"](s, OFFICE, obs))
    with pytest.raises(review.PeriodLocked):
        perform(url, OFFICE, "clear_flag", lambda s: review.clear_flag(s, OFFICE, obs, ""))
    # another quarter's benchmark and the baseline (first quarter 2022Q1 not locked) are allowed
    perform(url, OFFICE, "record_benchmark",
            lambda s: record_benchmark(s, OFFICE, PLAN, "LA-PQ-04", "2025Q3", 0.2, "通报"))  # fmt: skip
    perform(url, OFFICE, "record_baseline", lambda s: ACTIONS["record_baseline"](s, OFFICE, obs))
    assert _counts(url) == (before[0] + 1, before[1] + 1, before[2], before[3])
    with session_scope(url) as s:
        review.lock_period(s, OFFICE, PLAN, Period(2022, 1))
    with pytest.raises(review.PeriodLocked, match="首个填报季度2022年第1季度"):
        perform(url, OFFICE, "record_baseline",
                lambda s: record_baseline(s, OFFICE, PLAN, "LA-PQ-04", 0.4, 2020, "统计公报"))  # fmt: skip
    assert _refusals(url) == [("质量办", "record_benchmark"), ("质量办", "clear_flag"), ("质量办", "record_baseline")]
    assert _data(url, "LA-PQ-04").spec.baseline.value == 0.3


# --------------------------------------------------------------------------- baselines


def test_unit_proposal_is_pending_until_accepted_and_never_replaces_the_office_value(seeded_url):
    url = seeded_url
    ind, unit = _ids(url, "LA-PQ-01")
    clerk = Actor("填报员甲", ActorRole.REPORTER, frozenset({unit}))
    perform(url, OFFICE, "record_baseline",
            lambda s: record_baseline(s, OFFICE, PLAN, "LA-PQ-01", 96.0, 2020, "2020年统计公报"))  # fmt: skip
    first = perform(url, clerk, "propose_baseline", lambda s: propose_baseline(s, clerk, ind, unit, 95.2, 2020).id)
    again = perform(url, clerk, "propose_baseline", lambda s: propose_baseline(s, clerk, ind, unit, 95.2, 2020))
    assert again is None  # the same proposal still awaiting review: nothing new
    assert _data(url, "LA-PQ-01").spec.baseline.value == 96.0  # pending: not in force
    with read_scope(url) as s:
        pending = pending_baseline_rows(s, PLAN)
    assert [(r["id"], r["value"], r["current_value"], r["proposed_by"]) for r in pending] == [
        (first, 95.2, 96.0, "市市场监管局")
    ]
    with pytest.raises(ValueError, match="必须填写意见"):
        perform(url, OFFICE, "review", lambda s: review.review_baselines(s, OFFICE, [first], False, " "))
    perform(url, OFFICE, "review", lambda s: review.review_baselines(s, OFFICE, [first], True))
    assert _data(url, "LA-PQ-01").spec.baseline.value == 95.2  # accepted: in force from now
    second = perform(url, clerk, "propose_baseline", lambda s: propose_baseline(s, clerk, ind, unit, 90.0, 2019).id)
    perform(url, OFFICE, "review", lambda s: review.review_baselines(s, OFFICE, [second], False, "与统计公报不符"))
    assert _data(url, "LA-PQ-01").spec.baseline.value == 95.2  # returned: never in force
    with read_scope(url) as s:
        rows = {r["id"]: r for r in baseline_rows(s, PLAN) if r["indicator_code"] == "LA-PQ-01"}
        reviews = [
            (e.before, e.after["review_state"])
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "review_baseline"))
        ]
        proposals = [
            (e.actor, e.unit) for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "propose_baseline"))
        ]
    assert [(r["value"], r["state"], r["in_force"]) for r in rows.values()] == [
        (96.0, "accepted", False), (95.2, "accepted", True), (90.0, "returned", False),
    ]  # fmt: skip
    assert rows[second]["review_comment"] == "与统计公报不符"
    assert reviews == [
        ({"value": 96.0, "year": 2020}, "accepted"), ({"value": 95.2, "year": 2020}, "returned"),
    ]  # fmt: skip
    assert proposals == [("填报员甲", "市市场监管局")] * 2


def test_reporter_cannot_propose_for_another_unit(seeded_url):
    url = seeded_url
    ind, unit = _ids(url, "LA-PQ-01")
    clerk = Actor("填报员乙", ActorRole.REPORTER, frozenset({unit + 1000}))
    before = _counts(url)
    with pytest.raises(PermissionDenied):
        perform(url, clerk, "propose_baseline", lambda s: propose_baseline(s, clerk, ind, unit, 95.2, 2020))
    assert _counts(url) == before and _refusals(url) == [("填报员乙", "record_figure")]


@pytest.mark.parametrize(
    "value, year, message",
    [(101, 2020, "0–100"), (95, 1948, "1949–2100"), (95, 2101, "1949–2100"), (95, "二〇二〇", "四位年份"),
     (float("inf"), 2020, "有限的数字"), (95, 2020.5, "四位年份")],
)  # fmt: skip
def test_baseline_input_is_validated(schema_url_seeded, value, year, message):
    url = schema_url_seeded
    before = _counts(url)
    with pytest.raises(ValueError, match=message):
        perform(url, OFFICE, "record_baseline",
                lambda s: record_baseline(s, OFFICE, PLAN, "LA-PQ-01", value, year, "统计公报"))  # fmt: skip
    assert _counts(url) == before


# --------------------------------------------------------------------------- flags


def test_cleared_flag_reaches_the_engine_input_and_leaves_the_list(seeded_url):
    url = seeded_url
    ind, unit = _ids(url, "LA-PQ-01")
    with session_scope(url) as s:
        obs = record_figure(s, OFFICE, FigureInput(ind, unit, Period(2025, 2), 150.0)).id
    with read_scope(url) as s:
        flagged = [r for r in review.flags_to_check(s, PLAN) if r["indicator_code"] == "LA-PQ-01"]
    assert [(r["id"], r["period"], r["unit"], r["value"]) for r in flagged] == [(obs, "2025Q2", "市市场监管局", 150.0)]
    assert "100" in flagged[0]["reason"]
    assert not next(f for f in _data(url, "LA-PQ-01").figures if f.period == Period(2025, 2)).flag_cleared
    decision = perform(url, OFFICE, "clear_flag", lambda s: review.clear_flag(s, OFFICE, obs, "系统口径调整").id)
    assert perform(url, OFFICE, "clear_flag", lambda s: review.clear_flag(s, OFFICE, obs, "")) is None
    assert next(f for f in _data(url, "LA-PQ-01").figures if f.period == Period(2025, 2)).flag_cleared
    with read_scope(url) as s:
        assert [r for r in review.flags_to_check(s, PLAN) if r["id"] == obs] == []
        stored = s.get(FlagDecision, decision)
        assert (stored.decision, stored.comment, stored.decided_by) == ("cleared", "系统口径调整", "质量办")
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "clear_flag")).one()
        assert entry.after == {"decision": "cleared", "comment": "系统口径调整"} and entry.plan_code == PLAN
    # a correction is a new version: checked again
    with session_scope(url) as s:
        new = record_figure(s, OFFICE, FigureInput(ind, unit, Period(2025, 2), 160.0)).id
    with read_scope(url) as s:
        assert [r["id"] for r in review.flags_to_check(s, PLAN) if r["indicator_code"] == "LA-PQ-01"] == [new]


def test_pending_figures_reach_the_engine_input(seeded_url):
    url = seeded_url
    ind, unit = _ids(url, "LA-PQ-01")
    clerk = Actor("填报员甲", ActorRole.REPORTER, frozenset({unit}))
    with session_scope(url) as s:
        record_figure(s, clerk, FigureInput(ind, unit, Period(2025, 3), 97.0))
    data = _data(url, "LA-PQ-01")
    assert [(p.period, p.unit) for p in data.pending] == [(Period(2025, 3), "市市场监管局")]
    assert data.pending[0].submitted_at is not None
    assert all(f.period != Period(2025, 3) for f in data.figures)
    assert _data(url, "LA-PQ-01", include_pending=True).pending == ()


# --------------------------------------------------------------------------- command line


def _manage(url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_benchmark_baseline_and_listing(seeded_url):
    url = seeded_url
    ok = _manage(url, "benchmark", "--plan", PLAN, "--indicator", "LA-PQ-04", "--period", "2025Q2",
                 "--value", "0.21", "--source", "省局通报")  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "已录入 LA-PQ-04 2025Q2 的基准值 0.21" in ok.stdout
    bad = _manage(url, "benchmark", "--plan", PLAN, "--indicator", "LA-PQ-04", "--period", "2025Q2",
                  "--value", "nan", "--source", "省局通报")  # fmt: skip
    assert bad.returncode == 2 and "有限的数字" in bad.stderr
    base = _manage(url, "baseline", "--plan", PLAN, "--indicator", "LA-PQ-01", "--year", "2021",
                   "--value", "96.5", "--source", "2021年统计公报")  # fmt: skip
    assert base.returncode == 0, base.stderr
    assert _data(url, "LA-PQ-01").spec.baseline.value == 96.5
    listing = _manage(url, "benchmarks", "--plan", PLAN)
    assert listing.returncode == 0, listing.stderr
    rows = list(csv.DictReader(io.StringIO(listing.stdout)))
    assert [(r["indicator_code"], r["period"], r["value"], r["source"], r["recorded_by"], r["current"]) for r in rows] == [
        ("LA-PQ-04", "2025Q2", "0.21", "省局通报", "manage.py", "yes")
    ]
    with session_scope(url) as s:
        review.lock_period(s, OFFICE, PLAN, Period(2025, 2))
    locked = _manage(url, "benchmark", "--plan", PLAN, "--indicator", "LA-PQ-04", "--period", "2025Q2",
                     "--value", "0.3", "--source", "省局通报")  # fmt: skip
    assert locked.returncode == 2 and "锁定" in locked.stderr
    assert _refusals(url) == [("manage.py", "record_benchmark")]
    with read_scope(url) as s:
        assert s.scalar(select(func.count(BenchmarkValue.id))) == 1
        assert s.scalar(select(Unit.id).where(Unit.name == "市市场监管局")) is not None
