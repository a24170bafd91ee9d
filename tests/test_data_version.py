"""The data version counters (db/versioning.py): every write transaction bumps them, reads never do;
the plain plan loader (db/plan_data.py) returns what the ORM loader did; a figure accepted in review
shows on the overview at the next rerun; demo benchmarks come and go with the demo."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import defaultdict

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from db import queries
from db.models import AuditEntry, BenchmarkValue, Indicator, Observation, Plan, Responsibility, Unit
from db.plan_data import load_plan_data as plain_load
from db.session import read_scope, session_scope
from db.versioning import mark_written, read_versions, written_table
from indicators.demo import BENCHMARK_COMPARATORS
from indicators.due import due_periods
from indicators.model import Figure, IndicatorData
from indicators.periods import Period
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.demo import default_demo_end, load_demo, remove_demo

TODAY = dt.date(2026, 11, 24)
ADMIN = Actor("office", ActorRole.ADMIN)


def versions(url: str) -> tuple[int, int]:
    with read_scope(url) as session:
        return read_versions(session)


def _ids(session, plan_code: str, indicator_code: str) -> tuple[int, int]:
    indicator_id = session.scalar(
        select(Indicator.id).join(Plan).where(Plan.code == plan_code, Indicator.code == indicator_code)
    )
    unit_id = session.scalar(
        select(Responsibility.unit_id).where(Responsibility.indicator_id == indicator_id).limit(1)
    )
    return indicator_id, unit_id


def test_written_table_recognises_dml_of_every_form():
    assert written_table("INSERT INTO observations (a) VALUES (?)") == "observations"
    assert written_table('  insert or replace into "plans" (a) values (1)') == "plans"
    assert written_table("UPDATE baselines SET value=%(v)s") == "baselines"
    assert written_table("DELETE FROM benchmark_values WHERE id = 1") == "benchmark_values"
    assert written_table("REPLACE INTO units VALUES (1)") == "units"
    assert written_table("SELECT * FROM observations") is None
    assert written_table("BEGIN IMMEDIATE") is None
    assert written_table("SELECT to_regclass('data_version')") is None


def test_every_kind_of_write_bumps_the_counter_and_reads_do_not(seeded_url):
    url = seeded_url
    start = versions(url)
    assert start[0] >= 1 and start[1] >= 1
    # reads: the loaders, counts, a raw SELECT
    with read_scope(url) as session:
        queries.list_plans(session)
        queries.load_plan_data(session, "luan")
        session.scalar(select(func.count(Observation.id)))
    with session_scope(url) as session:  # a write session that only reads
        session.execute(text("SELECT count(*) FROM units")).all()
    assert versions(url) == start

    with session_scope(url) as session:
        indicator_id, unit_id = _ids(session, "luan", "LA-PQ-01")
    steps: list[tuple[str, bool]] = []  # (what, plans counter expected to move)

    with session_scope(url) as session:  # ORM: new object
        session.add(Unit(jurisdiction="六安市", name="测试局", kind="部门", aliases=[]))
    steps.append(("orm insert", False))
    with session_scope(url) as session:  # ORM: dirty object of the plans table
        plan = session.scalar(select(Plan).where(Plan.code == "luan"))
        plan.title = plan.title + "（修订）"
    steps.append(("orm update plans", True))
    with session_scope(url) as session:  # ORM: deleted object
        session.delete(session.scalar(select(Unit).where(Unit.name == "测试局")))
    steps.append(("orm delete", False))
    rows = [
        {
            "indicator_id": indicator_id, "unit_id": unit_id, "period": f"{2020 + k}Q4", "value": 90.0 + k,
            "source": "file", "entered_by": "t", "entered_at": dt.datetime(2026, 1, 1),
        }
        for k in range(3)
    ]  # fmt: skip
    with session_scope(url) as session:  # Core bulk insert (executemany), as the import path writes
        session.execute(insert(Observation), rows)
    steps.append(("core executemany insert", False))
    with session_scope(url) as session:  # Core update
        session.execute(update(Observation).where(Observation.value == 90.0).values(note="核对"))
    steps.append(("core update", False))
    with session_scope(url) as session:  # textual SQL
        session.execute(text("UPDATE observations SET note = '' WHERE value = 91.0"))
    steps.append(("text update", False))
    with session_scope(url) as session:  # Core delete
        session.execute(delete(Observation).where(Observation.value.in_([90.0, 91.0, 92.0])))
    steps.append(("core delete", False))
    with session_scope(url) as session:  # a write SQLAlchemy does not see (COPY)
        mark_written(session)
    steps.append(("mark_written", False))

    expected = list(start)
    # replay: each step was one transaction = one bump (the plans counter only for the plans table)
    for _what, plans_too in steps:
        expected[0] += 1
        expected[1] += 1 if plans_too else 0
    assert versions(url) == tuple(expected)

    # a rolled-back write bumps nothing; an audit-only transaction (a refused attempt) neither
    before = versions(url)
    with pytest.raises(RuntimeError), session_scope(url) as session:
        session.execute(insert(Observation), rows[:1])
        raise RuntimeError("abandon")
    from services.audit import perform

    with pytest.raises(PermissionDenied):
        perform(url, Actor("leader", ActorRole.VIEWER), "manage_demo", lambda s: load_demo(s, Actor(
            "leader", ActorRole.VIEWER)))  # fmt: skip
    assert versions(url) == before
    with read_scope(url) as session:  # the refusal was audited all the same
        assert session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.outcome == "refused", AuditEntry.actor == "leader"
            )
        )


def test_each_service_write_bumps_the_counter(seeded_url, tmp_path):
    """Demo, a reporter's figure, review, locks, benchmarks, baselines, targets, flags, catalogue."""
    from indicators.vocabulary import Comparator
    from services.baselines import record_baseline
    from services.benchmarks import record_benchmark
    from services.catalogue import CATALOGUE_DIR, load_catalogues, read_catalogues
    from services.observations import FigureInput, record_figure
    from services.review import lock_period, review_figures, unlock_period
    from services.targets import change_target

    url = seeded_url
    changed = tmp_path / "catalogue"  # the office's corrected plan: a new title
    shutil.copytree(CATALOGUE_DIR / "lingbi", changed / "lingbi")
    plan_yaml = changed / "lingbi" / "plan.yaml"
    plan_yaml.write_text(plan_yaml.read_text(encoding="utf-8").replace('（征求意见稿）"', '"', 1), "utf-8")
    with session_scope(url) as session:
        indicator_id, unit_id = _ids(session, "luan", "LA-PQ-01")
        target_key = session.scalar(
            select(queries.Target.key).where(queries.Target.indicator_id == indicator_id).limit(1)
        )
    reporter = Actor("reporter", ActorRole.REPORTER, frozenset({unit_id}))
    obs_id: list[int] = []

    def figure(session):
        obs = record_figure(session, reporter, FigureInput(indicator_id, unit_id, Period(2025, 2), 97.5))
        obs_id.append(obs.id)

    writes = [
        ("demo load", lambda s: load_demo(s, system_actor(), "lingbi", today=TODAY)),
        ("reporter figure", figure),
        ("review accept", lambda s: review_figures(s, ADMIN, obs_id, accept=True)),
        ("lock", lambda s: lock_period(s, ADMIN, "luan", Period(2022, 1))),
        ("unlock", lambda s: unlock_period(s, ADMIN, "luan", Period(2022, 1), "更正")),
        ("benchmark", lambda s: record_benchmark(s, ADMIN, "luan", "LA-PQ-04", "2025Q4", 0.5, "省级通报")),
        ("baseline", lambda s: record_baseline(s, ADMIN, "luan", "LA-PQ-04", 0.4, 2020, "统计年报")),
        ("target", lambda s: change_target(
            s, ADMIN, "luan", "LA-PQ-01", target_key, comparator=Comparator.GE, value=99.0, reason="调整"
        )),
        ("catalogue load", lambda s: load_catalogues(s, read_catalogues(changed), system_actor())),
        ("demo remove", lambda s: remove_demo(s, system_actor(), "lingbi")),
    ]  # fmt: skip
    for what, work in writes:
        before = versions(url)
        with session_scope(url) as session:
            work(session)
        after = versions(url)
        assert after[0] == before[0] + 1, what
        assert after[1] == before[1] + (what == "catalogue load"), what  # only that one writes plans
    # reloading an unchanged catalogue writes only its audit entry: nothing a page shows changed
    before = versions(url)
    with session_scope(url) as session:
        load_catalogues(session, read_catalogues(changed), system_actor())
    assert versions(url) == before


# --- the plain loader equals the ORM loader it replaced ---------------------------------------


def orm_reference(session, plan_code: str, include_pending: bool = False, on: dt.date | None = None):
    """The former db.queries.load_plan_data (ORM objects), kept here as the reference."""
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    cleared = queries._cleared_observation_ids(session, plan.id)
    figures: dict[int, list[Figure]] = defaultdict(list)
    for obs in queries.current_observations(session, plan.id, include_pending):
        if obs.retracted:
            continue
        figures[obs.indicator_id].append(
            Figure(
                period=Period.parse(obs.period), value=obs.value, unit=obs.unit.name, field_size=obs.field_size,
                benchmark_value=obs.benchmark_value, done_on=obs.done_on, reported_at=obs.entered_at,
                is_demo=obs.is_demo, note=obs.note, flag_cleared=obs.id in cleared,
            )
        )  # fmt: skip
    benchmarks = queries._benchmarks_in_force(session, plan.id)
    pending = {} if include_pending else queries._pending_figures(session, plan.id)
    data = [
        IndicatorData(
            spec=queries.indicator_spec(ind, on),
            figures=tuple(sorted(figures.get(ind.id, []), key=lambda f: (f.period, f.unit))),
            benchmarks=tuple(benchmarks.get(ind.id, ())),
            pending=tuple(pending.get(ind.id, ())),
        )
        for ind in queries._indicators(session, plan.id)
    ]
    return queries._plan_info(plan), data


def test_plain_loader_returns_what_the_orm_loader_did(seeded_url):
    from services.observations import FigureInput, record_figure
    from services.review import clear_flag

    url = seeded_url
    with session_scope(url) as session:
        load_demo(session, system_actor(), today=TODAY)
    with session_scope(url) as session:  # a correction awaiting review, a retraction, a cleared flag
        indicator_id, unit_id = _ids(session, "luan", "LA-PQ-01")
        reporter = Actor("reporter", ActorRole.REPORTER, frozenset({unit_id}))
        record_figure(session, reporter, FigureInput(indicator_id, unit_id, Period(2025, 2), 11.0))
        flagged = session.scalar(select(Observation.id).where(Observation.is_demo.is_(True)).limit(1))
        clear_flag(session, ADMIN, flagged)
        session.add(BenchmarkValue(indicator_id=indicator_id, period="2024Q4", value=1.0, recorded_by="x"))
        session.add(BenchmarkValue(indicator_id=indicator_id, period="2024Q4", value=2.0, recorded_by="x"))
    with read_scope(url) as session:
        for code in ("luan", "lingbi"):
            for include_pending in (False, True):
                for on in (None, dt.date(2023, 6, 30)):
                    assert plain_load(session, code, include_pending, on) == orm_reference(
                        session, code, include_pending, on
                    ), (code, include_pending, on)
        assert queries.list_plans(session)[0].code == session.scalar(select(Plan.code).order_by(Plan.id))
        with pytest.raises(LookupError):
            plain_load(session, "nowhere")


# --- demo benchmarks -------------------------------------------------------------------------


def test_demo_writes_a_benchmark_per_due_period_some_met_some_not_and_removes_them(seeded_url):
    from services.progress import plan_progress

    url = seeded_url
    with session_scope(url) as session:
        load_demo(session, system_actor(), today=TODAY)
    with read_scope(url) as session:
        plan, data = queries.load_plan_data(session, "luan")
        last = default_demo_end(plan.horizon_years, plan.settings.report_deadline_days, TODAY)
        relative = [d for d in data if any(t.comparator in BENCHMARK_COMPARATORS for t in d.spec.targets)]
        assert len(relative) >= 3
        for d in relative:
            owed = due_periods(d.spec, plan.first_period, last)
            assert [b.period for b in d.benchmarks] == owed, d.spec.code  # one per due period
            assert all(b.is_demo and b.source.startswith("演示数据") for b in d.benchmarks)
        stored = session.execute(
            select(BenchmarkValue.is_demo, BenchmarkValue.source, func.count()).group_by(
                BenchmarkValue.is_demo, BenchmarkValue.source
            )
        ).all()
        assert stored and all(is_demo for is_demo, _, _ in stored)
        assert sum(n for *_, n in stored) == sum(len(d.benchmarks) for d in relative)
        progress = plan_progress(session, "luan", str(last))
    verdicts = {
        d.spec.code: a.status.value for d, a in zip(progress.data, progress.assessments, strict=True)
        if d in relative
    }  # fmt: skip
    assert "已达标" in verdicts.values(), verdicts
    assert set(verdicts.values()) - {"已达标", "无法评估"}, verdicts  # some not met
    with session_scope(url) as session:
        remove_demo(session, system_actor())
    with read_scope(url) as session:
        assert session.scalar(select(func.count(BenchmarkValue.id))) == 0


# --- a figure accepted in review shows at the next rerun (AppTest) --------------------------


def _tiles(at) -> dict[str, int]:
    html = next(m.value for m in at.markdown if "status-tile" in m.value)
    return {
        s: int(n.replace(",", ""))
        for s, n in re.findall(r'data-status="([^"]+)".*?tile-count">([\d,]+)<', html)
    }


def test_a_figure_accepted_in_review_shows_on_the_overview_at_the_next_rerun(tmp_path, monkeypatch):
    pytest.importorskip("streamlit.testing.v1")
    from streamlit.testing.v1 import AppTest

    from indicators.dashboard import status_counts
    from indicators.vocabulary import Comparator, Status
    from services.observations import FigureInput, record_figure
    from services.progress import plan_progress
    from services.review import review_figures
    from tests.conftest import ROOT

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["auth_actor"] = Actor("leader", ActorRole.VIEWER)
    at.session_state["auth_last_seen"] = dt.datetime.now()
    at.session_state["selected_plan"] = "luan"
    at.run()  # first start: schema, catalogue, demo figures
    assert not at.exception, at.exception
    before = _tiles(at)

    with read_scope(url) as session:
        progress = plan_progress(session, "luan")
    # a quarterly rate not at its target (behind, or 未完成 after 六安's last target year 2025),
    # reported by one unit: a figure at its target meets it
    item, verdict = next(
        (d, a) for d, a in zip(progress.data, progress.assessments, strict=True)
        if a.status in (Status.BEHIND, Status.SERIOUSLY_BEHIND, Status.NOT_ACHIEVED)
        and len(d.spec.reporters) == 1
        and d.spec.targets[-1].comparator in (Comparator.GE, Comparator.EQ) and d.spec.measure_unit == "%"
        and d.spec.frequency.value == "quarterly"
    )  # fmt: skip
    with session_scope(url) as session:
        indicator_id, _ = _ids(session, "luan", item.spec.code)
        unit_id = session.scalar(select(Unit.id).where(Unit.name == item.spec.reporters[0]))
        reporter = Actor("reporter", ActorRole.REPORTER, frozenset({unit_id}))
        goal = max(t.value for t in item.spec.targets if t.value is not None)
        obs = record_figure(session, reporter, FigureInput(indicator_id, unit_id, progress.as_of, goal))
    at.run()  # awaiting review: the overview counts accepted figures only
    assert _tiles(at) == before
    with session_scope(url) as session:
        assert review_figures(session, ADMIN, [obs.id], accept=True) == 1
    at.run()
    assert not at.exception, at.exception
    after = _tiles(at)
    with read_scope(url) as session:
        fresh = plan_progress(session, "luan")
    changed = next(
        a for d, a in zip(fresh.data, fresh.assessments, strict=True) if d.spec.code == item.spec.code
    )
    assert changed.status is not verdict.status and changed.current_value == goal
    assert after != before
    assert after == status_counts([{"status": a.status.value} for a in fresh.assessments])
