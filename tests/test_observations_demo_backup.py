"""Figures are versioned, demo figures come and go without touching real ones, backups are consistent."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, select

from db.backup import backup_sqlite
from db.models import Baseline, Indicator, Observation, Plan, Unit
from db.queries import has_demo_data, observation_history
from db.session import read_scope, session_scope
from indicators.periods import Period
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.demo import load_demo, remove_demo
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
        first = record_figure(session, system_actor(), FigureInput(indicator_id, unit_id, Period(2024, 2), 97.1))
        second = record_figure(session, system_actor(), FigureInput(indicator_id, unit_id, Period(2024, 2), 97.6))
        same = record_figure(session, system_actor(), FigureInput(indicator_id, unit_id, Period(2024, 2), 97.6))
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
    assert count(seeded_url, Observation, Observation.indicator_id == indicator_id, Observation.period == "2025Q2") == 1
    with session_scope(seeded_url) as session:
        removed = remove_demo(session, system_actor())
    assert removed == added
    assert count(seeded_url, Observation) == 1
    assert count(seeded_url, Baseline, Baseline.recorded_by == "demo") == 0
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
                    select(Observation.indicator_id, Observation.period, Observation.value).order_by(Observation.id)
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
