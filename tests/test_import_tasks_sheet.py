"""The unit template's 重点任务 sheet and its 统计口径 / 数据来源 columns, on SQLite and PostgreSQL.

Hand-computed expectations: 市市场监管局 is a responsible unit (牵头 or 配合) of 65 of 六安's 70 tasks
in data/catalogue/luan/tasks.csv (counted from the CSV here, not from the database), none completed on
a fresh database, so its 2025Q2 template lists 65 task rows; the first is LA-T1.1-01 (牵头).
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from db.models import AuditEntry, Baseline, Indicator, Observation, Plan, Task, TaskReport, Unit, Upload
from db.session import read_scope, session_scope
from services.actor import Actor, ActorRole
from services.imports import commit_import, make_template, preview_import
from services.tasks import review_report
from tests import bad_inputs
from tests.conftest import ROOT
from workbook.errors import locations
from workbook.template import split_key

PLAN, UNIT, PERIOD = "luan", "市市场监管局", "2025Q2"
T = "重点任务"
PROGRESS, STATUS, KEY = 7, 8, 9  # columns G, H, I of the task sheet
ADMIN = Actor("office-admin", ActorRole.ADMIN)


def _unit_tasks() -> list[str]:
    with open(ROOT / "data/catalogue/luan/tasks.csv", encoding="utf-8") as f:
        return [
            r["code"]
            for r in csv.DictReader(f)
            if UNIT in r["lead_units"].split("|") + r["co_units"].split("|")
        ]


def _reporter(url, unit=UNIT) -> Actor:
    with read_scope(url) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == unit))
    return Actor("填报员甲", ActorRole.REPORTER, frozenset({unit_id}))


def _task_rows(ws) -> dict[str, int]:
    return {ws.cell(r, 2).value: r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value}


def _file(template: bytes, tasks: dict[str, tuple], figures: bool = True, mutate=None) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    if figures:
        bad_inputs.fill_valid(wb[bad_inputs.S])
    ws = wb[T]
    rows = _task_rows(ws)
    for code, (progress, status) in tasks.items():
        ws.cell(rows[code], PROGRESS).value = progress
        ws.cell(rows[code], STATUS).value = status
    if mutate is not None:
        mutate(wb, rows)
    return bad_inputs.save(wb)


def _reports(url) -> list[tuple]:
    with read_scope(url) as s:
        return [
            (code, r.period, r.progress, r.status, r.version, r.review_state, r.source, r.superseded_by_id is None)
            for r, code in s.execute(select(TaskReport, Task.code).join(Task).order_by(TaskReport.id))
        ]


def _snapshot(url) -> tuple:
    with read_scope(url) as s:
        counts = tuple(
            s.scalar(select(func.count(m.id))) for m in (Observation, Upload, Baseline, TaskReport, AuditEntry)
        )
        return counts + (s.scalar(select(func.max(Observation.id))),)


def test_template_lists_the_units_tasks_and_indicator_metadata(seeded_url):
    with session_scope(seeded_url) as s:
        plan_id = s.scalar(select(Plan.id).where(Plan.code == PLAN))
        s.execute(
            update(Indicator)
            .where(Indicator.plan_id == plan_id, Indicator.code == "LA-PQ-01")
            .values(definition="=HYPERLINK(\"http://x\")抽查合格批次÷抽查批次×100%", data_source="省局通报")
        )
    data = make_template(seeded_url, PLAN, PERIOD, UNIT)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:3] == ["填报", "填报说明", T]
    ws = wb["填报"]
    assert [ws.cell(3, c).value for c in (15, 16, 17)] == ["行标识", "统计口径", "数据来源"]
    row = {ws.cell(r, 2).value: r for r in range(4, ws.max_row + 1)}["LA-PQ-01"]
    cell = ws.cell(row, 16)
    assert cell.value == "=HYPERLINK(\"http://x\")抽查合格批次÷抽查批次×100%" and cell.data_type == "s"
    assert ws.cell(row, 17).value == "省局通报"
    tasks = wb[T]
    expected = _unit_tasks()
    assert len(expected) == 65
    assert list(_task_rows(tasks)) == expected
    assert [tasks.cell(4, c).value for c in (1, 2, 4)] == [UNIT, "LA-T1.1-01", "牵头"]
    assert split_key(tasks.cell(4, KEY).value) == (PLAN, PERIOD, UNIT, "LA-T1.1-01")
    assert tasks.column_dimensions["I"].hidden
    (dv,) = tasks.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"未启动,推进中,已完成,滞后"'
    assert str(dv.sqref) == f"H4:H{3 + len(expected)}"


def test_round_trip_tasks_with_figures_in_one_upload(seeded_url):
    reporter = _reporter(seeded_url)
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    data = _file(template, {"LA-T1.1-01": ("已印发实施方案", "推进中"), "LA-T1.1-02": ("制度已建立", "已完成")})
    result = commit_import(seeded_url, data, "q.xlsx", reporter, plan=PLAN)
    assert result.status == "committed", result.preview.error_messages()
    assert result.preview.counts["tasks"] == 2 and result.preview.counts["new"] == 23
    assert _reports(seeded_url) == [
        ("LA-T1.1-01", PERIOD, "已印发实施方案", "in_progress", 1, "pending", "file", True),
        ("LA-T1.1-02", PERIOD, "制度已建立", "done", 1, "pending", "file", True),
    ]
    with read_scope(seeded_url) as s:
        shas = set(s.scalars(select(TaskReport.file_sha256)))
        audited = s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "report_task"))
    assert shas == {result.preview.sha256} and audited == 2
    # the same file again: nothing changes
    again = commit_import(seeded_url, data, "q.xlsx", reporter, plan=PLAN)
    assert again.status == "duplicate" and len(_reports(seeded_url)) == 2
    # a corrected text: a new version, the earlier kept
    changed = _file(template, {"LA-T1.1-01": ("已印发实施方案并召开推进会", "推进中")})
    third = commit_import(seeded_url, changed, "q2.xlsx", reporter, plan=PLAN)
    assert third.status == "committed" and third.preview.counts["tasks"] == 1
    assert [t.status for t in third.preview.task_changes] == ["changed"]
    reports = _reports(seeded_url)
    assert reports[0][-1] is False and reports[2] == (
        "LA-T1.1-01", PERIOD, "已印发实施方案并召开推进会", "in_progress", 2, "pending", "file", True
    )
    # the next template shows the latest report
    wb = load_workbook(io.BytesIO(make_template(seeded_url, PLAN, PERIOD, UNIT)))
    ws = wb[T]
    assert ws.cell(_task_rows(ws)["LA-T1.1-01"], 6).value == f"推进中：已印发实施方案并召开推进会（{PERIOD}）"


def test_bad_status_refused_with_location_and_nothing_written(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    before = _snapshot(seeded_url)
    data = _file(template, {"LA-T1.1-01": ("已印发实施方案", "推进中"), "LA-T1.1-02": ("差不多了", "基本完成")})
    result = commit_import(seeded_url, data, "bad.xlsx", _reporter(seeded_url), plan=PLAN)
    assert result.status == "refused"
    assert locations(result.preview.errors) == [[T, 5, "H", "task-status-invalid"]]
    assert "推进状态“基本完成”无效" in result.preview.errors[0].message
    assert "工作表“重点任务”，第 5 行，H 列" in result.preview.errors[0].message
    assert _snapshot(seeded_url) == before  # the valid figures and the valid task row are not written either


@pytest.mark.parametrize(
    "tasks, mutate, expected",
    [
        ({"LA-T1.1-01": ("有进展", None)}, None, [[T, 4, "H", "task-status-missing"]]),
        ({"LA-T1.1-01": (None, "已完成")}, None, [[T, 4, "G", "task-progress-missing"]]),
        ({"LA-T1.1-01": ("进展ESCMARK", "推进中")}, None, [[T, 4, "G", "control-character"]]),
        ({"LA-T1.1-01": ("长" * 2001, "推进中")}, None, [[T, 4, "G", "text-too-long"]]),
        (
            {"LA-T1.1-01": ("有进展", "推进中")},
            lambda wb, rows: setattr(wb[T].cell(rows["LA-T1.1-01"], KEY), "value", f"{PLAN}|{PERIOD}|市住建局|LA-T1.1-01"),
            [[T, 4, "", "unit-mismatch"]],
        ),
        (
            {"LA-T1.1-01": ("有进展", "推进中")},
            lambda wb, rows: setattr(wb[T].cell(rows["LA-T1.1-01"], KEY), "value", f"{PLAN}|2025Q1|{UNIT}|LA-T1.1-01"),
            [[T, 4, "I", "row-period-mismatch"]],
        ),
        (
            {"LA-T1.1-01": ("有进展", "推进中")},
            lambda wb, rows: setattr(wb[T].cell(rows["LA-T1.1-01"], KEY), "value", f"{PLAN}|{PERIOD}|{UNIT}|LA-T9-99"),
            [[T, 4, "I", "task-unknown"]],
        ),
        (
            {"LA-T1.1-01": ("有进展", "推进中")},
            lambda wb, rows: wb[T].merge_cells(f"G{rows['LA-T1.1-01']}:G{rows['LA-T1.1-01'] + 1}"),
            [[T, 4, "G", "merged-cell"]],
        ),
    ],
    ids=["status-missing", "progress-missing", "control-char", "too-long", "other-unit", "other-quarter",
         "unknown-task", "merged"],
)  # fmt: skip
def test_bad_task_rows_refused(seeded_url, tasks, mutate, expected):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    before = _snapshot(seeded_url)
    data = _file(template, tasks, mutate=mutate)
    # an escape code as Excel stores it (openpyxl refuses to write control characters)
    data = bad_inputs.rezip(data, lambda n, c: c.replace(b"ESCMARK", b"_x001B_[31m") if n.endswith(".xml") else c)
    result = commit_import(seeded_url, data, "bad.xlsx", ADMIN, plan=PLAN)
    assert result.status == "refused"
    assert locations(result.preview.errors) == expected
    assert _snapshot(seeded_url) == before


def test_task_the_unit_is_not_responsible_for(seeded_url):
    with open(ROOT / "data/catalogue/luan/tasks.csv", encoding="utf-8") as f:
        other = next(
            r["code"] for r in csv.DictReader(f) if UNIT not in r["lead_units"].split("|") + r["co_units"].split("|")
        )

    def mutate(wb, rows):
        wb[T].cell(rows["LA-T1.1-01"], KEY).value = f"{PLAN}|{PERIOD}|{UNIT}|{other}"

    before = _snapshot(seeded_url)
    data = _file(make_template(seeded_url, PLAN, PERIOD, UNIT), {"LA-T1.1-01": ("有进展", "推进中")}, mutate=mutate)
    result = commit_import(seeded_url, data, "bad.xlsx", ADMIN, plan=PLAN)
    assert locations(result.preview.errors) == [[T, 4, "", "task-not-unit"]]
    assert _snapshot(seeded_url) == before


def test_confirmed_report_cannot_change_and_leaves_the_template(seeded_url):
    reporter = _reporter(seeded_url)
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    first = _file(template, {"LA-T1.1-02": ("制度已建立", "已完成")}, figures=False)
    assert commit_import(seeded_url, first, "a.xlsx", reporter, plan=PLAN).status == "committed"
    with session_scope(seeded_url) as s:
        report_id = s.scalar(select(TaskReport.id))
        review_report(s, ADMIN, report_id, "confirm")
    before = _snapshot(seeded_url)
    second = _file(template, {"LA-T1.1-02": ("制度已建立并运行", "已完成")}, figures=False)
    result = commit_import(seeded_url, second, "b.xlsx", reporter, plan=PLAN)
    assert locations(result.preview.errors) == [[T, 5, "G", "task-confirmed"]]
    assert _snapshot(seeded_url) == before
    ws = load_workbook(io.BytesIO(make_template(seeded_url, PLAN, PERIOD, UNIT)))[T]
    assert "LA-T1.1-02" not in _task_rows(ws) and "LA-T1.1-01" in _task_rows(ws)


def test_metadata_cells_are_not_input_and_old_templates_still_read(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    plain = bad_inputs.filled(template)
    reference = preview_import(seeded_url, plain, "a.xlsx", ADMIN, plan=PLAN)
    assert reference.ok

    def figures(preview):
        return [(c.code, c.status, c.new) for c in preview.changes]

    # a unit overwrites 统计口径 / 数据来源: ignored
    wb = load_workbook(io.BytesIO(plain))
    ws = wb[bad_inputs.S]
    wb.security.lockStructure = False
    ws.protection.sheet = False
    for r in range(4, ws.max_row + 1):
        ws.cell(r, 16).value, ws.cell(r, 17).value = "改写的口径", 12345
    edited = preview_import(seeded_url, bad_inputs.save(wb), "b.xlsx", ADMIN, plan=PLAN)
    assert edited.ok and figures(edited) == figures(reference)
    # a format-2 file (no metadata columns, no task sheet) reads the same figures
    del wb[T]
    ws.delete_cols(16, 2)
    meta = wb["_meta"]
    for r in range(1, meta.max_row + 1):
        if meta.cell(r, 1).value == "version":
            meta.cell(r, 2).value = "2"
    old = preview_import(seeded_url, bad_inputs.save(wb), "c.xlsx", ADMIN, plan=PLAN)
    assert old.ok and figures(old) == figures(reference) and not old.task_changes
    assert commit_import(seeded_url, bad_inputs.save(wb), "c.xlsx", ADMIN, plan=PLAN).status == "committed"


def test_locked_quarter_refuses_a_file_with_only_task_rows(seeded_url):
    from indicators.periods import Period
    from services.review import PeriodLocked, lock_period

    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    with session_scope(seeded_url) as s:
        lock_period(s, ADMIN, PLAN, Period.parse(PERIOD))
    before = _snapshot(seeded_url)
    data = _file(template, {"LA-T1.1-01": ("已印发实施方案", "推进中")}, figures=False)
    # the preview says so already, naming the lock (the page offers no 确认导入)
    preview = preview_import(seeded_url, data, "locked.xlsx", _reporter(seeded_url), plan=PLAN)
    (error,) = preview.errors
    assert error.code == "period-locked" and error.message.startswith(f"{Period.parse(PERIOD).label}已于 ")
    assert error.message.endswith("锁定，不能再导入该季度的数据：如需修改请由管理员解锁并说明理由")
    with pytest.raises(PeriodLocked):  # the import itself: refused as a write (its callers audit it)
        commit_import(seeded_url, data, "locked.xlsx", _reporter(seeded_url), plan=PLAN)
    assert _snapshot(seeded_url) == before


def test_upload_page_previews_the_task_rows(tmp_path, monkeypatch):
    import datetime as dt

    from streamlit.testing.v1 import AppTest

    from tests.apptest_support import route_through_app

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    route_through_app(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["auth_actor"] = ADMIN
    at.session_state["auth_last_seen"] = dt.datetime.now()
    at.session_state["selected_plan"] = PLAN
    at.session_state["upload_period"] = PERIOD
    at.run()
    at.switch_page("pages/upload.py").run()
    data = _file(make_template(url, PLAN, PERIOD, UNIT), {"LA-T1.1-01": ("已印发实施方案", "推进中")})
    at.file_uploader[0].set_value(("q.xlsx", data, "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert any("“重点任务”工作表：将报告进展 1 项" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "确认导入").click().run()
    assert not at.exception, at.exception
    assert _reports(url)[0][:4] == ("LA-T1.1-01", PERIOD, "已印发实施方案", "in_progress")
