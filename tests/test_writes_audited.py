"""Every write audited (issue 12, item 5, the audit part): catalogue loads with what changed and
by whom, demo load/remove with counts, a refused undo, a refusal because the quarter is locked;
a catalogue reload never silently reverts the office's changes, a restart never reloads."""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import pytest
from sqlalchemy import select

import manage
from db.models import AuditEntry, Baseline, Indicator, Plan, Target
from db.session import read_scope, session_scope
from indicators.periods import Period
from indicators.vocabulary import Comparator
from services import review, targets
from services.actor import system_actor
from services.audit import perform
from services.catalogue import CATALOGUE_DIR
from services.demo import load_demo, remove_demo
from services.observations import FigureInput, record_figure
from services.review import PeriodLocked
from services.setup import init_database

OFFICE = system_actor("质量办")


def _entries(url, action):
    with read_scope(url) as session:
        return [(a.actor, a.outcome, a.entity_key, a.before, a.after, a.detail)
                for a in session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]  # fmt: skip


def _target(url, code, year=2027):
    """The value of the lingbi target in force for ``year``."""
    with read_scope(url) as session:
        return session.scalar(
            select(Target.value).join(Indicator).join(Plan)
            .where(Plan.code == "lingbi", Indicator.code == code, Target.year == year, Target.in_force.is_(True))
        )  # fmt: skip


def _edited_catalogue(tmp_path, code, value):
    """A copy of the bundled catalogue where one lingbi target has another value."""
    root = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, root)
    path = root / "lingbi" / "targets.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
        fields = list(rows[0])
    for row in rows:
        if row["indicator_code"] == code and row["key"] == "2027":
            row["value"] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return root


def test_a_catalogue_load_is_audited_and_a_restart_does_not_reload_over_it(seeded_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    assert _target(seeded_url, "LB-PQ-07") == 50
    edited = _edited_catalogue(tmp_path, "LB-PQ-07", "777")
    assert manage.main(["load-catalogue", str(edited)]) == 0
    out = capsys.readouterr().out
    assert "修改 目标：LB-PQ-07 2027（value" in out
    assert _target(seeded_url, "LB-PQ-07") == 777
    (entry,) = [e for e in _entries(seeded_url, "load_catalogue") if e[0] == "质量办（命令行）"]
    assert entry[1] == "ok" and "LB-PQ-07 2027（value" in " ".join(entry[4]["changes"])
    # a restart (what app start and init-db do) loads only plans not yet in the database
    before = len(_entries(seeded_url, "load_catalogue"))
    init_database(seeded_url, actor=system_actor("系统"), only_new=True)
    assert _target(seeded_url, "LB-PQ-07") == 777
    assert len(_entries(seeded_url, "load_catalogue")) == before  # nothing loaded, nothing audited
    # the same files again: unchanged, not audited
    assert manage.main(["load-catalogue", str(edited)]) == 0
    assert "目录与数据库一致" in capsys.readouterr().out
    assert len(_entries(seeded_url, "load_catalogue")) == before


def test_a_reload_keeps_the_offices_targets_and_baselines_and_says_so(seeded_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    with session_scope(seeded_url) as session:
        targets.change_target(session, OFFICE, "lingbi", "LB-PQ-07", "2027", comparator=Comparator.GE, value=55,
                              reason="县政府常务会调整")  # fmt: skip
        indicator_id = session.scalar(
            select(Indicator.id).join(Plan).where(Plan.code == "lingbi", Indicator.code == "LB-PQ-07")
        )
        session.add(Baseline(indicator_id=indicator_id, value=31, year=2024, source="质量办核定", recorded_by="质量办"))
    assert _target(seeded_url, "LB-PQ-07") == 55
    assert manage.main(["load-catalogue", str(CATALOGUE_DIR)]) == 0
    out = capsys.readouterr().out
    assert "保留 目标与责任分工：LB-PQ-07（质量办已在系统中修改" in out
    assert _target(seeded_url, "LB-PQ-07") == 55
    with read_scope(seeded_url) as session:
        latest = session.scalars(
            select(Baseline).where(Baseline.indicator_id == indicator_id).order_by(Baseline.id.desc())
        ).first()
        assert (latest.value, latest.year, latest.recorded_by) == (31, 2024, "质量办")


def test_demo_load_and_remove_are_audited_with_counts(seeded_url):
    with session_scope(seeded_url) as session:
        added = load_demo(session, OFFICE, "lingbi", today=dt.date(2025, 11, 1))
    with session_scope(seeded_url) as session:
        removed = remove_demo(session, OFFICE, "lingbi")
    assert added > 0 and removed == added
    loaded, deleted = _entries(seeded_url, "manage_demo")
    assert loaded[:3] == ("质量办", "ok", "lingbi") and loaded[4]["figures"] == added
    assert deleted[:3] == ("质量办", "ok", "lingbi") and deleted[3]["figures"] == removed


def test_a_refused_undo_is_audited(seeded_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    assert manage.main(["undo-upload", "999"]) == 2
    assert "没有编号为 999 的上传记录" in capsys.readouterr().err
    (entry,) = _entries(seeded_url, "undo_upload")
    assert entry[:3] == ("质量办（命令行）", "refused", "999") and "没有编号为 999" in entry[5]


def test_a_write_refused_because_the_quarter_is_locked_is_audited(seeded_url):
    with session_scope(seeded_url) as session:
        indicator = session.scalar(
            select(Indicator).join(Plan).where(Plan.code == "lingbi", Indicator.code == "LB-PQ-07")
        )
        figure = FigureInput(indicator.id, indicator.responsibilities[0].unit_id, Period(2025, 3), 41)
        review.lock_period(session, OFFICE, "lingbi", Period(2025, 3))
    with pytest.raises(PeriodLocked):
        perform(seeded_url, OFFICE, "record_figure", lambda s: record_figure(s, OFFICE, figure))
    (entry,) = _entries(seeded_url, "record_figure")
    assert entry[:2] == ("质量办", "refused") and "锁定" in entry[5]


def test_an_import_refused_because_the_quarter_is_locked_is_audited(seeded_url, tmp_path):
    """``manage.py import`` (services.imports.import_files) audits a locked-quarter refusal too."""
    import bad_inputs

    from services.imports import import_files, make_template

    path = tmp_path / "q.xlsx"
    path.write_bytes(bad_inputs.filled(make_template(seeded_url, bad_inputs.PLAN, bad_inputs.PERIOD, bad_inputs.UNIT)))
    with session_scope(seeded_url) as session:
        review.lock_period(session, OFFICE, bad_inputs.PLAN, Period.parse(bad_inputs.PERIOD))
    (result,) = import_files(seeded_url, [path], OFFICE)
    assert result.status == "refused" and "锁定" in " ".join(result.preview.error_messages())
    (entry,) = _entries(seeded_url, "import")
    assert entry[:3] == ("质量办", "refused", "q.xlsx") and "锁定" in entry[5]
