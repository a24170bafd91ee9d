"""Figures are versioned, demo figures come and go without touching real ones, backups are consistent."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from db.backup import backup_sqlite
from db.models import AuditEntry, Baseline, BenchmarkValue, Indicator, Observation, Plan, Unit
from db.queries import has_demo_data, load_plan_data, observation_history
from db.session import read_scope, session_scope
from indicators.demo import demo_figures, demo_plan, left_without_baseline, numeric_targets
from indicators.due import DUE_QUARTERS, due_periods
from indicators.model import BaselineSpec, IndicatorSpec, PlanSettings, TargetSpec
from indicators.periods import Period
from indicators.quality import quality_flags
from indicators.status import assess
from indicators.vocabulary import Comparator, FigureBasis, Frequency, MeasureKind, Status
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.demo import DEMO_SOURCE, default_demo_end, load_demo, remove_demo
from services.observations import FigureInput, record_figure

TODAY = dt.date(2026, 11, 24)


def ids(session, plan_code: str, indicator_code: str) -> tuple[int, int]:
    indicator = session.scalar(
        select(Indicator).join(Plan).where(Plan.code == plan_code, Indicator.code == indicator_code)
    )
    unit_id = indicator.responsibilities[0].unit_id
    return indicator.id, unit_id


def test_a_correction_is_a_new_version_and_the_old_one_stays(seeded_url):
    with session_scope(seeded_url) as session:
        indicator_id, unit_id = ids(session, "luan", "LA-PQ-01")
        first = record_figure(
            session, system_actor(), FigureInput(indicator_id, unit_id, Period(2024, 2), 97.1)
        )
        second = record_figure(
            session, system_actor(), FigureInput(indicator_id, unit_id, Period(2024, 2), 97.6)
        )
        same = record_figure(
            session, system_actor(), FigureInput(indicator_id, unit_id, Period(2024, 2), 97.6)
        )
        assert same is None
        assert (first.version, second.version) == (1, 2)
        assert first.superseded_by_id == second.id and second.supersedes_id == first.id
    with read_scope(seeded_url) as session:
        history = observation_history(session, "luan", "LA-PQ-01")
    assert [(h["value"], h["version"], h["current"]) for h in history] == [(97.6, 2, True), (97.1, 1, False)]


def test_reporters_write_only_their_units_and_viewers_nothing(seeded_url):
    with session_scope(seeded_url) as session:
        indicator_id, unit_id = ids(session, "luan", "LA-PQ-03")
        other_unit = session.scalar(select(Unit.id).where(Unit.id != unit_id))
        figure = FigureInput(indicator_id, unit_id, Period(2024, 1), 98.2)
        with pytest.raises(PermissionDenied):
            record_figure(session, Actor("leader", ActorRole.VIEWER), figure)
        with pytest.raises(PermissionDenied):
            record_figure(session, Actor("clerk", ActorRole.REPORTER, frozenset({other_unit})), figure)
        obs = record_figure(session, Actor("clerk", ActorRole.REPORTER, frozenset({unit_id})), figure)
        assert obs.entered_by == "clerk" and obs.entered_unit_id == unit_id


def count(url, model, *where):
    with read_scope(url) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_remove_keeps_real_figures_and_catalogue(seeded_url):
    with session_scope(seeded_url) as session:
        indicator_id, unit_id = ids(session, "lingbi", "LB-PQ-07")
        record_figure(session, system_actor(), FigureInput(indicator_id, unit_id, Period(2025, 2), 44))
    with session_scope(seeded_url) as session:
        added = load_demo(session, system_actor(), today=TODAY)
    assert added > 100
    assert count(seeded_url, Observation, Observation.is_demo.is_(True)) == added
    with read_scope(seeded_url) as session:
        assert has_demo_data(session)
    # the real 2025Q2 figure was not stacked on
    assert (
        count(
            seeded_url, Observation, Observation.indicator_id == indicator_id, Observation.period == "2025Q2"
        )
        == 1
    )
    with session_scope(seeded_url) as session:
        removed = remove_demo(session, system_actor())
    assert removed == added
    assert count(seeded_url, Observation) == 1
    assert count(seeded_url, Baseline, Baseline.is_demo.is_(True)) == 0
    with read_scope(seeded_url) as session:
        assert not has_demo_data(session)


def test_demo_figures_are_deterministic(tmp_path):
    from services.setup import init_database

    values = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / name}.db"
        init_database(url)
        with session_scope(url) as session:
            load_demo(session, system_actor(), "lingbi", today=TODAY)
        with read_scope(url) as session:
            values.append(
                session.execute(
                    select(Observation.indicator_id, Observation.period, Observation.value).order_by(
                        Observation.id
                    )
                ).all()
            )
    assert values[0] == values[1] and len(values[0]) > 50


def test_demo_load_is_refused_for_a_viewer(seeded_url):
    with pytest.raises(PermissionDenied), session_scope(seeded_url) as session:
        load_demo(session, Actor("leader", ActorRole.VIEWER), today=TODAY)
    assert count(seeded_url, Observation) == 0


def test_backup_is_a_consistent_copy_and_never_overwrites(tmp_path):
    from services.setup import init_database

    url = f"sqlite:///{tmp_path / 'live.db'}"
    init_database(url)
    with session_scope(url) as session:
        load_demo(session, system_actor(), "luan", today=TODAY)
    target = backup_sqlite(tmp_path / "copy.db", url)
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copied = copy.execute("SELECT count(*) FROM observations").fetchone()[0]
    finally:
        copy.close()
    assert copied == count(url, Observation)
    with pytest.raises(FileExistsError):
        backup_sqlite(target, url)


# --- demo figures that look like real reporting (driven by each indicator's metadata) ---------------


def test_every_demo_row_is_marked_and_remove_deletes_only_marked_rows(seeded_url):
    with session_scope(seeded_url) as session:
        indicator_id, unit_id = ids(session, "luan", "LA-PQ-04")  # a benchmark indicator without a baseline
        # real rows recorded by an account that happens to be called "demo": never removed
        session.add(
            Baseline(indicator_id=indicator_id, value=0.3, year=2021, source="统计年报", recorded_by="demo")
        )
        session.add(
            BenchmarkValue(indicator_id=indicator_id, period="2021Q4", value=0.25, recorded_by="demo")
        )
        record_figure(
            session, Actor("demo", ActorRole.ADMIN), FigureInput(indicator_id, unit_id, Period(2022, 4), 0.2)
        )
    with session_scope(seeded_url) as session:
        added = load_demo(session, system_actor(), today=TODAY)
    assert count(seeded_url, Observation, Observation.is_demo.is_(True)) == added
    assert count(seeded_url, Observation, Observation.is_demo.is_(False)) == 1
    assert count(seeded_url, Observation, Observation.source == "demo", Observation.is_demo.is_(False)) == 0
    demo_baselines = count(seeded_url, Baseline, Baseline.is_demo.is_(True))
    assert demo_baselines > 5
    assert count(seeded_url, Baseline, Baseline.source == DEMO_SOURCE, Baseline.is_demo.is_(False)) == 0
    assert count(seeded_url, BenchmarkValue, BenchmarkValue.is_demo.is_(True)) > 0
    # the real baseline was kept, so no demo baseline was added on top of it
    assert count(seeded_url, Baseline, Baseline.indicator_id == indicator_id) == 1
    with session_scope(seeded_url) as session:
        removed = remove_demo(session, system_actor(), "luan")
    with read_scope(seeded_url) as session:
        luan = select(Indicator.id).join(Plan).where(Plan.code == "luan")
        left = session.execute(
            select(Observation.value, Observation.entered_by).where(Observation.indicator_id.in_(luan))
        ).all()
        assert left == [(0.2, "demo")]
        assert session.scalars(select(Baseline.source).where(Baseline.indicator_id.in_(luan))).all() == [
            "统计年报"
        ]
        assert session.scalars(
            select(BenchmarkValue.value).where(BenchmarkValue.indicator_id.in_(luan))
        ).all() == [0.25]
        # lingbi's demo rows are still there; both the load and the removal are audited
        assert session.scalar(
            select(func.count()).select_from(Observation).where(Observation.is_demo.is_(True))
        ) == (added - removed)
        actions = session.execute(
            select(AuditEntry.plan_code, AuditEntry.detail).where(AuditEntry.action == "manage_demo")
        ).all()
    assert ("luan", "删除演示数据") in actions and sum(
        1 for a in actions if a[1].startswith("加载演示数据")
    ) == 2


@pytest.fixture(scope="module")
def demo_plans(tmp_path_factory):
    """Both seed plans with their demo figures (SQLite; the generator is pure, the backend does not matter)."""
    from services.setup import init_database

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    init_database(url)
    with session_scope(url) as session:
        load_demo(session, system_actor(), today=TODAY)
    out = {}
    with read_scope(url) as session:
        for code in ("luan", "lingbi"):
            plan, data = load_plan_data(session, code)
            last = default_demo_end(plan.horizon_years, plan.settings.report_deadline_days, TODAY)
            out[code] = (plan, data, demo_plan(code, [d.spec for d in data], plan.settings, last), last)
    return out


PLANS = ["luan", "lingbi"]


@pytest.mark.parametrize("code", PLANS)
def test_demo_figures_are_only_for_due_periods(demo_plans, code):
    plan, data, demo, last = demo_plans[code]
    for d in data:
        due = set(due_periods(d.spec, plan.settings.first_period, last))
        final = max((t.year for t in d.spec.targets), default=None)
        for f in d.figures:
            if final is not None and f.period > Period(final, 4):
                # a lagging unit may go on reporting after the final year: period ends only, never owed
                assert f.period.quarter in DUE_QUARTERS[d.spec.frequency], (d.spec.code, f.period)
                assert f.period.shift(d.spec.release_lag) <= last, (d.spec.code, f.period)
                continue
            assert f.period in due, (d.spec.code, f.period)
        if d.spec.frequency is Frequency.ANNUAL:
            assert all(f.period.quarter == 4 for f in d.figures), d.spec.code


def test_a_demo_fund_is_a_plausible_budget_not_a_few_hundred_yuan(demo_plans):
    """LA-QG-03 市政府质量发展基金规模 (元, target still open): a walker saw 455.04 元."""
    _, data, _, _ = demo_plans["luan"]
    fund = next(d for d in data if d.spec.code == "LA-QG-03")
    assert fund.spec.measure_unit == "元" and fund.figures
    assert all(3_000_000 <= f.value <= 25_000_000 for f in fund.figures), [f.value for f in fund.figures]


@pytest.mark.parametrize(
    ("value", "text"),
    [(9743812.0, "9743812"), (97.3, "97.3"), (5.0, "5"), (0.392, "0.392"), (-0.0, "0"), (-1.25, "-1.25"),
     (0.00004, "0"), (123456789.123456, "123456789.1235"), (None, "")],
)  # fmt: skip
def test_the_status_csv_writes_figures_in_full_without_exponents(value, text):
    """manage.py status printed a fund of 9,743,812 元 as 9.74381e+06 (six digits, the rest lost)."""
    from services.progress import _number

    assert _number(value) == text


def test_annual_statistics_arrive_after_their_release_lag(demo_plans):
    plan, data, _, last = demo_plans["luan"]
    lagged = [d for d in data if d.spec.frequency is Frequency.ANNUAL and d.spec.release_lag == 2]
    assert lagged
    for d in lagged:
        # as of 2026Q3 the 2025 figure (published 2026Q2) is in, entered after its publication quarter ends
        assert max(f.period for f in d.figures) == Period(2025, 4), d.spec.code
        for f in d.figures:
            assert f.reported_at.date() > f.period.shift(2).end_date - dt.timedelta(days=10), (
                d.spec.code,
                f.period,
            )


@pytest.mark.parametrize("code", PLANS)
def test_counts_are_whole_never_fall_and_plateau_except_the_one_outlier(demo_plans, code):
    plan, data, demo, _ = demo_plans[code]
    assert demo.outlier is not None
    seen_outlier = False
    for d in data:
        spec = d.spec
        for unit in spec.reporters:
            values = [(f.period, f.value) for f in d.figures if f.unit == unit and f.value is not None]
            if spec.whole_items:
                assert all(v == int(v) for _, v in values), spec.code
            if spec.measure_kind is MeasureKind.RATE:
                assert all(0 <= v <= 100 for p, v in values if not _is(demo.outlier, spec, unit, p)), (
                    spec.code
                )
            if spec.measure_kind in (
                MeasureKind.NEW_SINCE_BASELINE,
                MeasureKind.STOCK,
            ) and spec.figure_basis in (
                FigureBasis.LEVEL,
                FigureBasis.CUMULATIVE,
            ):
                clean = [(p, v) for p, v in values if not _is(demo.outlier, spec, unit, p)]
                seen_outlier |= len(clean) < len(values)
                assert all(b >= a for (_, a), (_, b) in zip(clean, clean[1:], strict=False)), (
                    spec.code,
                    clean,
                )
                goal = max((t.value for t in numeric_targets(spec)), default=None)
                if (
                    goal is not None
                    and spec.baseline is None
                    and spec.measure_kind is MeasureKind.NEW_SINCE_BASELINE
                ):
                    assert max(v for _, v in clean) <= goal, spec.code  # plateau at the target
    assert seen_outlier


def _is(outlier, spec, unit, period) -> bool:
    return outlier is not None and (outlier.indicator_code, outlier.unit, outlier.period) == (
        spec.code,
        unit,
        period,
    )


@pytest.mark.parametrize("code", PLANS)
def test_the_outlier_is_a_figure_the_quality_check_flags(demo_plans, code):
    plan, data, demo, _ = demo_plans[code]
    flags = [f for d in data for f in quality_flags(d, plan.settings)]
    flagged = {(f.indicator_code, f.unit, f.period) for f in flags}
    assert (demo.outlier.indicator_code, demo.outlier.unit, demo.outlier.period) in flagged
    assert len(flags) == 1, [(f.indicator_code, str(f.period), f.reason) for f in flags]


@pytest.mark.parametrize("code", PLANS)
def test_some_indicators_have_no_baseline_and_cannot_be_assessed(demo_plans, code):
    plan, data, demo, last = demo_plans[code]
    without = left_without_baseline(code, [d.spec for d in data])
    assert without
    by_code = {d.spec.code: d for d in data}
    assert all(by_code[c].spec.baseline is None for c in without)
    assert {b.indicator_code for b in demo.baselines}.isdisjoint(without)
    for c in without:
        # before the final year ends (after it, a missed target is 未完成 whatever the baseline)
        as_of = min(last, Period(max(t.year for t in by_code[c].spec.targets), 2))
        a = assess(by_code[c], as_of, plan.settings)
        if a.status is not Status.ACHIEVED:
            assert a.status is Status.CANNOT_ASSESS and "基期" in a.reason, (c, a.status, a.reason)


@pytest.mark.parametrize("code", PLANS)
def test_milestones_are_done_in_some_year_with_a_date(demo_plans, code):
    _, data, _, _ = demo_plans[code]
    milestones = [d for d in data if d.spec.measure_kind is MeasureKind.MILESTONE]
    assert milestones
    done_somewhere = False
    for d in milestones:
        each_year = any(t.each_year for t in d.spec.targets)
        done = False
        for f in d.figures:
            if f.value == 1:
                assert f.done_on is not None and f.done_on <= f.period.end_date, (d.spec.code, f.period)
                done = done_somewhere = True
            else:
                assert f.value == 0 and f.done_on is None
                assert each_year or not done, d.spec.code  # once done, a one-off milestone stays done
    assert done_somewhere


def _flow_spec(basis: FigureBasis, kind=MeasureKind.NEW_SINCE_BASELINE) -> IndicatorSpec:
    return IndicatorSpec(
        code="T-FLOW",
        name="新增技术改造项目",
        measure_kind=kind,
        measure_unit="个",
        targets=(TargetSpec(2025, Comparator.GE, 130),),
        lead_units=("市经信局",),
        figure_basis=basis,
        whole_items=True,
    )


DEMO_SETTINGS = PlanSettings(baseline_year=2021, first_period=Period(2022, 1))


def test_flows_are_the_quarters_own_amounts():
    figures = demo_figures("test", _flow_spec(FigureBasis.FLOW), DEMO_SETTINGS, Period(2025, 4), None)
    values = [f.value for f in figures]
    assert len(values) >= 14 and all(v >= 0 and v == int(v) for v in values)
    assert any(b < a for a, b in zip(values, values[1:], strict=False))  # a flow may be smaller
    assert max(values) < 130 / 4  # each is one quarter's amount (about 130 ÷ 16), never the running total
    assert 0.6 * 130 <= sum(values) <= 1.4 * 130  # summed, they reach about the target (130 by 2025)


def test_year_to_date_figures_restart_each_january():
    figures = demo_figures("test", _flow_spec(FigureBasis.YTD), DEMO_SETTINGS, Period(2025, 4), None)
    by_year: dict[int, list[float]] = {}
    for f in figures:
        by_year.setdefault(f.period.year, []).append(f.value)
    assert len(by_year) == 4
    for year, values in by_year.items():
        assert values == sorted(values), year  # within a year a year-to-date total only grows
        assert max(values) < 130 / 2, year  # one year's items, not the total since 2021
    rate = IndicatorSpec(
        code="T-YTD", name="覆盖率", measure_kind=MeasureKind.RATE, measure_unit="%",
        targets=(TargetSpec(2025, Comparator.GE, 100),), baseline=BaselineSpec(100, 2021),
        lead_units=("市卫健委",), figure_basis=FigureBasis.YTD,
    )  # fmt: skip
    q = {f.period: f.value for f in demo_figures("test", rate, DEMO_SETTINGS, Period(2023, 4), 100)}
    # accrued over the year: about a quarter of the year's level in Q1, all of it by Q4
    assert (
        15 <= q[Period(2023, 1)] <= 35
        and q[Period(2023, 4)] >= 95
        and q[Period(2023, 4)] > q[Period(2023, 1)]
    )


def test_annual_indicator_gets_only_q4_figures():
    spec = replace(_flow_spec(FigureBasis.CUMULATIVE), frequency=Frequency.ANNUAL, release_lag=2)
    figures = demo_figures("test", spec, DEMO_SETTINGS, Period(2025, 1), None)
    assert [str(f.period) for f in figures] == ["2022Q4", "2023Q4"]  # 2024's is published in 2025Q2
