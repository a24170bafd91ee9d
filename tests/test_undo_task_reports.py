"""Undoing an upload withdraws the 重点任务 progress reports its task sheet wrote (on SQLite and PostgreSQL).

Hand-computed expectations on 六安 (luan), 市市场监管局, 2025Q2: LA-T1.1-01 and LA-T1.1-02 are tasks the
unit leads (牵头, data/catalogue/luan/tasks.csv), LA-T1.1-03 another of its tasks. The figures of each
file are the plausible values of tests/bad_inputs.fill_valid, LA-PQ-01 set apart (97.0, then 99.0).
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.models import AuditEntry, EvidenceFile, Indicator, Observation, Task, TaskReport, Unit, Upload
from db.session import read_scope, session_scope
from indicators.periods import Period
from services import tasks
from services.actor import Actor, ActorRole
from services.imports import commit_import, make_template, undo_upload
from services.review import PeriodLocked, lock_period
from tests import bad_inputs
from tests.supervision_support import PDF

PLAN, UNIT, PERIOD = "luan", "市市场监管局", "2025Q2"
T = "重点任务"
PROGRESS, STATUS, LAST = 7, 8, 6  # columns G, H and F (上次进展) of the task sheet
ADMIN = Actor("office-admin", ActorRole.ADMIN)
T1, T2, T3 = "LA-T1.1-01", "LA-T1.1-02", "LA-T1.1-03"


def _reporter(url) -> Actor:
    with read_scope(url) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == UNIT))
    return Actor("填报员甲", ActorRole.REPORTER, frozenset({unit_id}))


def _task_rows(ws) -> dict[str, int]:
    return {ws.cell(r, 2).value: r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value}


def _file(url, task_rows: dict[str, tuple], pq01: float | None = None) -> bytes:
    wb = load_workbook(io.BytesIO(make_template(url, PLAN, PERIOD, UNIT)))
    if pq01 is not None:
        ws = wb[bad_inputs.S]
        bad_inputs.fill_valid(ws)
        ws.cell(bad_inputs.rows_by_code(ws)["LA-PQ-01"], 8).value = pq01
    ws = wb[T]
    rows = _task_rows(ws)
    for code, (progress, status) in task_rows.items():
        ws.cell(rows[code], PROGRESS).value = progress
        ws.cell(rows[code], STATUS).value = status
    return bad_inputs.save(wb)


def _upload(url, actor, task_rows, pq01=None, name="q.xlsx") -> int:
    result = commit_import(url, _file(url, task_rows, pq01), name, actor, plan=PLAN)
    assert result.status == "committed", result.preview.error_messages()
    return result.upload_id


def _current(url, code) -> TaskReport:
    with read_scope(url) as s:
        report = s.scalar(
            select(TaskReport)
            .join(Task)
            .where(Task.code == code, TaskReport.period == PERIOD, TaskReport.superseded_by_id.is_(None))
        )
        s.expunge(report)
        return report


def _review(url, code, decision, comment=""):
    with session_scope(url) as s:
        tasks.review_report(s, ADMIN, _current(url, code).id, decision, comment)


def _pq01(url) -> tuple:
    with read_scope(url) as s:
        obs = s.scalar(
            select(Observation)
            .join(Indicator)
            .join(Unit, Unit.id == Observation.unit_id)
            .where(
                Indicator.code == "LA-PQ-01",
                Unit.name == UNIT,
                Observation.period == PERIOD,
                Observation.superseded_by_id.is_(None),
            )
        )
        return obs.value, obs.retracted


def _last_report_cell(url, code) -> str | None:
    ws = load_workbook(io.BytesIO(make_template(url, PLAN, PERIOD, UNIT)))[T]
    rows = _task_rows(ws)
    return ws.cell(rows[code], LAST).value if code in rows else "(no row)"


def _undo_entry(url, upload_id) -> AuditEntry:
    with read_scope(url) as s:
        entry = s.scalar(
            select(AuditEntry).where(AuditEntry.action == "undo_upload", AuditEntry.entity_key == str(upload_id))
        )
        s.expunge(entry)
        return entry


def test_undo_restores_figures_and_task_reports_and_keeps_a_confirmed_one(seeded_url):
    reporter = _reporter(seeded_url)
    first = _upload(
        seeded_url, reporter, {T1: ("已印发实施方案", "推进中"), T2: ("制度已建立", "已完成")}, pq01=97.0
    )
    _review(seeded_url, T1, "return", "请补充印发文号")
    _review(seeded_url, T2, "confirm")
    second = _upload(seeded_url, reporter, {T1: ("已印发实施方案（皖质〔2025〕3号）", "推进中")}, pq01=99.0, name="r.xlsx")
    assert _pq01(seeded_url) == (99.0, False)
    assert _last_report_cell(seeded_url, T1) == f"推进中：已印发实施方案（皖质〔2025〕3号）（{PERIOD}）"

    undo = undo_upload(seeded_url, second, ADMIN)
    assert (undo.restored, undo.tasks_restored, undo.tasks_withdrawn, undo.tasks_requested) == (1, 1, 0, 0)
    assert "重点任务进展 1 项（恢复 1 项，撤回 0 项）" in undo.message
    assert _pq01(seeded_url) == (97.0, False)  # the figure restored
    t1 = _current(seeded_url, T1)  # the report restored as the office left it: returned, with its comment
    assert (t1.version, t1.progress, t1.status, t1.review_state, t1.review_comment, t1.source) == (
        3, "已印发实施方案", "in_progress", "returned", "请补充印发文号", "undo"
    )  # fmt: skip
    assert _last_report_cell(seeded_url, T1) == f"推进中：已印发实施方案（{PERIOD}）"
    entry = _undo_entry(seeded_url, second)
    assert entry.before["task_fields"] == ["task", "unit", "period", "version", "status", "progress", "review_state"]
    assert entry.before["tasks"] == [[T1, UNIT, PERIOD, 2, "in_progress", "已印发实施方案（皖质〔2025〕3号）", "pending"]]
    assert entry.after["tasks"] == [[T1, UNIT, PERIOD, 3, "in_progress", "已印发实施方案", "returned"]]
    assert len(entry.after["figures"]) == 1 and entry.after["figures"][0][:3] == ["LA-PQ-01", UNIT, PERIOD]

    # the first file: its figures withdrawn; T1 reported again since (kept), T2 confirmed (kept, named)
    undo1 = undo_upload(seeded_url, first, ADMIN)
    assert undo1.tasks_kept == [f"{T1}（{UNIT}）"] and undo1.tasks_confirmed == [f"{T2}（{UNIT}）"]
    assert undo1.tasks_restored == undo1.tasks_withdrawn == 0
    assert f"重点任务进展 1 项已由质量办确认完成，未撤销：{T2}（{UNIT}）" in undo1.message
    assert f"重点任务进展 1 项在上传后已被再次填报，未撤销：{T1}（{UNIT}）" in undo1.message
    assert _current(seeded_url, T2).review_state == "confirmed"
    assert _undo_entry(seeded_url, first).after["tasks"] == []
    with read_scope(seeded_url) as s:
        counts = s.scalar(select(Upload.counts).where(Upload.id == first))
    assert counts["undo"]["task_reports"]["confirmed"] == [f"{T2}（{UNIT}）"]


def test_a_withdrawn_report_counts_as_no_report_anywhere(seeded_url, monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_EVIDENCE_DIR", str(tmp_path / "evidence"))
    reporter = _reporter(seeded_url)
    today = Period.parse(PERIOD).end_date
    upload = _upload(seeded_url, reporter, {T1: ("已印发实施方案", "推进中")}, pq01=97.0)

    def unit_item(s):
        items = tasks.unit_task_items(s, PLAN, reporter.unit_ids, today, Period.parse(PERIOD))
        return next(i for i in items if i["task_code"] == T1)

    def ledger(s):
        return next(r for r in tasks.ledger_rows(s, PLAN, today) if r["编号"] == T1)

    with read_scope(seeded_url) as s:
        assert [r["task_code"] for r in tasks.pending_reports(s, PLAN)] == [T1]
        assert tasks.task_summary(s, PLAN, today)["待审核"] == 1
        assert unit_item(s)["todo"] == "待审核"
        assert (ledger(s)["推进状态"], ledger(s)["进展情况"]) == ("推进中", "已印发实施方案")
        owed = tasks.owed_count(tasks.unit_task_items(s, PLAN, reporter.unit_ids, today, Period.parse(PERIOD)))

    undo = undo_upload(seeded_url, upload, ADMIN)
    assert (undo.tasks_restored, undo.tasks_withdrawn) == (0, 1)
    assert "重点任务进展 1 项（恢复 0 项，撤回 1 项）" in undo.message
    assert _pq01(seeded_url)[1] is True  # the figure withdrawn too
    t1 = _current(seeded_url, T1)
    assert (t1.version, t1.progress, t1.review_state, t1.source, t1.supersedes_id is not None) == (
        2, "", "withdrawn", "undo", True
    )  # fmt: skip
    assert _undo_entry(seeded_url, upload).after["tasks"] == [[T1, UNIT, PERIOD, 2, "in_progress", "", "withdrawn"]]
    with read_scope(seeded_url) as s:
        assert tasks.pending_reports(s, PLAN) == []
        assert tasks.task_summary(s, PLAN, today)["待审核"] == 0
        item = unit_item(s)
        assert (item["todo"], item["last_progress"], item["last_status"]) == ("待填报", "", "")
        assert (ledger(s)["推进状态"], ledger(s)["进展情况"], ledger(s)["审核"]) == ("未填报", "", "")
        items = tasks.unit_task_items(s, PLAN, reporter.unit_ids, today, Period.parse(PERIOD))
        assert tasks.owed_count(items) == owed + 1  # the lead unit owes T1 again
    assert _last_report_cell(seeded_url, T1) is None  # the template: no earlier report
    with session_scope(seeded_url) as s, pytest.raises(ValueError, match="撤回"):
        tasks.review_report(s, ADMIN, t1.id, "accept")

    # the unit reports again: a new row (not "unchanged"), the next version after the withdrawn one
    result = commit_import(seeded_url, _file(seeded_url, {T1: ("已印发实施方案", "推进中")}), "again.xlsx", reporter,
                           plan=PLAN)  # fmt: skip
    assert result.status == "committed" and [c.status for c in result.preview.task_changes] == ["new"]
    again = _current(seeded_url, T1)
    assert (again.version, again.supersedes_id, again.review_state, again.upload_id) == (
        3, t1.id, "pending", result.upload_id
    )  # fmt: skip
    # a web report over a withdrawn version, with a file: the same chain, the file attached
    undo_upload(seeded_url, result.upload_id, ADMIN)
    with session_scope(seeded_url) as s:
        web = tasks.report_progress(s, reporter, PLAN, T1, UNIT, PERIOD, "已印发", "推进中", [("方案.pdf", PDF)])
        assert (web.version, web.upload_id) == (5, None)


def test_a_reporters_undo_of_accepted_reports(seeded_url, monkeypatch, tmp_path):
    """The restored previous version awaits the office's review (待审核), with its evidence; a report
    the upload introduced is withdrawn at once (module docstring of services/imports/undo.py)."""
    monkeypatch.setenv("TRACKER_EVIDENCE_DIR", str(tmp_path / "evidence"))
    reporter = _reporter(seeded_url)
    with session_scope(seeded_url) as s:
        tasks.report_progress(s, reporter, PLAN, T1, UNIT, PERIOD, "已起草方案", "推进中", [("方案.pdf", PDF)])
    _review(seeded_url, T1, "accept")
    upload = _upload(seeded_url, reporter, {T1: ("方案已印发", "已完成"), T3: ("已启动调研", "推进中")})
    _review(seeded_url, T1, "accept")
    _review(seeded_url, T3, "accept")

    undo = undo_upload(seeded_url, upload, reporter)
    assert (undo.tasks_restored, undo.tasks_withdrawn, undo.tasks_requested) == (1, 1, 1)
    assert "其中 1 项原已审核通过，恢复的上一版进展待质量办审核" in undo.message
    t1, t3 = _current(seeded_url, T1), _current(seeded_url, T3)
    assert (t1.version, t1.progress, t1.status, t1.review_state) == (3, "已起草方案", "in_progress", "pending")
    assert (t3.version, t3.review_state) == (2, "withdrawn")
    with read_scope(seeded_url) as s:
        assert [r["task_code"] for r in tasks.pending_reports(s, PLAN)] == [T1]
        (pending,) = tasks.pending_reports(s, PLAN)
        assert [name for _id, name, _size in pending["evidence"]] == ["方案.pdf"]  # carried over
        assert s.scalar(select(func.count(EvidenceFile.id)).where(EvidenceFile.task_report_id == t3.id)) == 0
    _review(seeded_url, T1, "accept")  # the office accepts the restored version
    assert _current(seeded_url, T1).review_state == "accepted"


def test_undo_refused_while_the_quarter_is_locked_writes_nothing(seeded_url):
    reporter = _reporter(seeded_url)
    upload = _upload(seeded_url, reporter, {T1: ("已印发实施方案", "推进中")})  # task rows only
    with session_scope(seeded_url) as s:
        lock_period(s, ADMIN, PLAN, Period.parse(PERIOD))
    with read_scope(seeded_url) as s:
        before = s.scalar(select(func.count(TaskReport.id)))
    with pytest.raises(PeriodLocked, match="不能撤销该季度的重点任务进展"):
        undo_upload(seeded_url, upload, ADMIN)
    with read_scope(seeded_url) as s:
        assert s.scalar(select(func.count(TaskReport.id))) == before
        assert s.scalar(select(Upload.undone_at).where(Upload.id == upload)) is None
    assert _current(seeded_url, T1).review_state == "pending"


def test_web_reports_are_not_undone_with_an_upload(seeded_url):
    """Only what the file wrote: a report entered on the web form after the upload is left alone."""
    reporter = _reporter(seeded_url)
    upload = _upload(seeded_url, reporter, {T1: ("已印发实施方案", "推进中")})
    with session_scope(seeded_url) as s:
        tasks.report_progress(s, reporter, PLAN, T3, UNIT, PERIOD, "网页填报的进展", "推进中")
    undo = undo_upload(seeded_url, upload, ADMIN)
    assert (undo.tasks_withdrawn, undo.tasks_restored) == (1, 0)
    assert _current(seeded_url, T3).progress == "网页填报的进展"


def test_migration_0009_keeps_earlier_reports_with_no_upload(seeded_url, monkeypatch, tmp_path):
    """Down to 0008 and up again with task reports and their evidence in the table: the rows stay
    (upload_id NULL, read as written by no upload) and the schema is the models' again."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from db.migrate import alembic_config
    from db.models import Base
    from db.session import get_engine

    monkeypatch.setenv("TRACKER_EVIDENCE_DIR", str(tmp_path / "evidence"))
    reporter = _reporter(seeded_url)
    with session_scope(seeded_url) as s:
        tasks.report_progress(s, reporter, PLAN, T1, UNIT, PERIOD, "已起草方案", "推进中", [("方案.pdf", PDF)])
    with session_scope(seeded_url) as s:
        tasks.report_progress(s, reporter, PLAN, T1, UNIT, PERIOD, "方案已印发", "推进中")

    def migrate(step, revision):
        with get_engine(seeded_url).begin() as connection:
            config = alembic_config(seeded_url)
            config.attributes["connection"] = connection
            step(config, revision)

    migrate(command.downgrade, "0008")
    migrate(command.upgrade, "head")
    with read_scope(seeded_url) as s:
        rows = s.execute(select(TaskReport.version, TaskReport.upload_id).order_by(TaskReport.id)).all()
        assert rows == [(1, None), (2, None)]
        assert s.scalar(select(func.count(EvidenceFile.id))) == 2  # the file, carried over to version 2
    with get_engine(seeded_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    upload = _upload(seeded_url, reporter, {T1: ("方案已印发并实施", "推进中")})
    assert _current(seeded_url, T1).upload_id == upload
