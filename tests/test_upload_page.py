"""The 填报上传 page in AppTest: a file is parsed and validated once, the preview summarises and pages,
confirming writes and clears the preview, a reporter is told the figures await review, templates and
exports are built on request only, a refused preview is audited once however often the page reruns."""

from __future__ import annotations

import datetime as dt
import io
import os

import bad_inputs
import pytest
from sqlalchemy import func, select

pytest.importorskip("streamlit.testing.v1")
from streamlit.testing.v1 import AppTest  # noqa: E402

from db.models import AuditEntry, Observation, Unit, Upload  # noqa: E402
from db.session import read_scope  # noqa: E402
from services.actor import Actor, ActorRole  # noqa: E402
from services.imports import make_template  # noqa: E402
from tests.apptest_support import route_through_app  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

PLAN, UNIT, PERIOD = bad_inputs.PLAN, bad_inputs.UNIT, bad_inputs.PERIOD
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _app(tmp_path, monkeypatch, actor: Actor, unit: str = UNIT) -> tuple[AppTest, str]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    route_through_app(monkeypatch)  # widget input reaches the page (tests/apptest_support.py)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["auth_actor"] = actor
    at.session_state["auth_last_seen"] = dt.datetime.now()
    at.session_state["selected_plan"] = PLAN
    at.session_state["upload_period"] = PERIOD
    at.run()
    assert not at.exception, at.exception
    at.switch_page("pages/upload.py")
    at.run()
    assert not at.exception, at.exception
    assert next(b for b in at.selectbox if b.label == "填报季度").value == PERIOD
    assert next(b for b in at.selectbox if b.label == "填报单位").value == unit
    return at, url


def _texts(at: AppTest) -> str:
    parts = [
        e.value for kind in (at.success, at.info, at.warning, at.error, at.caption, at.markdown) for e in kind
    ]
    return "\n".join(str(p) for p in parts)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _upload(at: AppTest, data: bytes, name: str = "q.xlsx") -> None:
    at.file_uploader[0].set_value((name, data, XLSX)).run()
    assert not at.exception, at.exception


def _count(url, model, *where):
    with read_scope(url) as s:
        return s.scalar(select(func.count(model.id)).where(*where))


def test_admin_upload_preview_confirm_once(tmp_path, monkeypatch):
    at, url = _app(tmp_path, monkeypatch, Actor("office-admin", ActorRole.ADMIN))
    assert "upload_template" not in at.session_state, "no template is built before it is asked for"
    template = make_template(url, PLAN, PERIOD, UNIT)
    rows = bad_inputs.template_rows(template)
    _upload(at, bad_inputs.filled(template))
    metrics = {k: int(v) for k, v in _metrics(at).items()}
    # the app's first start loaded demo figures: every row is new, changed or unchanged against them
    assert metrics["新增"] + metrics["修改"] + metrics["未变"] == len(rows) and metrics["拒绝"] == 0
    written = metrics["新增"] + metrics["修改"]
    assert written > 0 and f"将新增或修改的 {written} 项" in _texts(at)
    files = at.session_state["upload_files"]
    assert len(files) == 1
    entry_id = id(next(iter(files.values()))["preview"])
    at.run()  # a rerun redraws: the file is not parsed or validated again
    assert id(next(iter(at.session_state["upload_files"].values()))["preview"]) == entry_id
    confirm = next(b for b in at.button if b.label == "确认导入")
    confirm.click().run()
    assert not at.exception, at.exception
    assert _count(url, Upload) == 1
    assert _count(url, Observation, Observation.upload_id.is_not(None)) == written
    assert "已导入" in _texts(at)
    assert not [b for b in at.button if b.label == "确认导入"], "the stale preview and its button are gone"
    assert not at.session_state["upload_files"]
    # another unit chosen: the message of this unit's import is not shown above it
    units = next(b for b in at.selectbox if b.label == "填报单位")
    units.set_value(next(o for o in units.options if o != UNIT)).run()
    assert "已导入" not in " ".join(m.value for m in at.success)
    units = next(b for b in at.selectbox if b.label == "填报单位")
    units.set_value(UNIT).run()
    assert "已导入" in " ".join(m.value for m in at.success)


def test_reporter_is_told_the_figures_await_review(tmp_path, monkeypatch):
    from services.setup import init_database

    url = f"sqlite:///{tmp_path / 'app.db'}"
    init_database(url)
    with read_scope(url) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == UNIT))
    at, url = _app(tmp_path, monkeypatch, Actor("填报员甲", ActorRole.REPORTER, frozenset({unit_id})))
    _upload(at, bad_inputs.filled(make_template(url, PLAN, PERIOD, UNIT)))
    next(b for b in at.button if b.label == "确认导入").click().run()
    assert not at.exception, at.exception
    told = _texts(at)
    assert "数据待审核，质量办审核通过后计入统计" in told
    assert told.count("计入统计") == 1  # said once (the page added a second sentence saying the same)
    with read_scope(url) as s:
        states = set(s.scalars(select(Observation.review_state).where(Observation.upload_id.is_not(None))))
    assert states == {"pending"}


def test_refused_preview_is_audited_once_across_reruns(tmp_path, monkeypatch):
    from services.setup import init_database

    url = f"sqlite:///{tmp_path / 'app.db'}"
    init_database(url)
    with read_scope(url) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == "市住建局"))
    at, url = _app(tmp_path, monkeypatch, Actor("填报员乙", ActorRole.REPORTER, frozenset({unit_id})), "市住建局")
    other = bad_inputs.filled(make_template(url, PLAN, PERIOD, UNIT))  # another unit's template
    _upload(at, other)
    for _ in range(3):
        at.run()
    assert "文件不会被导入" in _texts(at)
    refused = AuditEntry.outcome == "refused"
    assert _count(url, AuditEntry, refused, AuditEntry.actor == "填报员乙") == 1


def test_template_and_export_built_on_request(tmp_path, monkeypatch):
    at, url = _app(tmp_path, monkeypatch, Actor("office-admin", ActorRole.ADMIN))
    next(b for b in at.button if b.label == "生成填报模板").click().run()
    assert not at.exception, at.exception
    made = at.session_state["upload_template"]
    assert made[0][1:4] == (PLAN, PERIOD, UNIT) and made[1].startswith(b"PK")
    assert "upload_export_csv" not in at.session_state
    next(b for b in at.button if b.label == "生成 CSV 导出").click().run()
    assert at.session_state["upload_export_csv"][1].startswith(b"\xef\xbb\xbf")


def test_paged_preview_of_many_errors(tmp_path, monkeypatch):
    at, url = _app(tmp_path, monkeypatch, Actor("office-admin", ActorRole.ADMIN))
    os.environ.setdefault("QTT_TEST", "1")
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(make_template(url, PLAN, PERIOD, UNIT)))
    ws = wb[bad_inputs.S]
    src = 4
    for r in range(ws.max_row + 1, ws.max_row + 260):  # 259 duplicate rows: one error each
        for c in range(1, 16):
            ws.cell(r, c).value = ws.cell(src, c).value
        ws.cell(r, 8).value = 3
    _upload(at, bad_inputs.save(wb))
    assert any("页码" in n.label for n in at.number_input)
    (table,) = at.dataframe
    assert len(table.value) == 200


def test_file_level_error_shows_no_row_number(tmp_path, monkeypatch):
    at, url = _app(tmp_path, monkeypatch, Actor("office-admin", ActorRole.ADMIN))
    case = next(c for c in bad_inputs.CASES if c.name == "cell-at-XFD1048576")
    data, name = case.build(make_template(url, PLAN, PERIOD, UNIT))
    _upload(at, data, name)
    assert "文件不会被导入" in _texts(at)
    (table,) = at.dataframe
    assert table.value.to_dict("records") == [
        {"工作表": "填报", "行": "", "列": "", "栏目": "", "指标代码": "",
         "说明": "工作表“填报”：工作表过大（第 1048576 行），上限为 BL 列、60000 行以内"}
    ]  # fmt: skip
    assert _count(url, Upload) == 0


def test_a_cell_error_names_the_column_header_and_the_indicator(tmp_path, monkeypatch):
    """"第 4 行，H 列：“abc”不是数字" sent a walker counting columns; the counters above it read
    新增 1 for a file that writes nothing."""
    from openpyxl import load_workbook

    at, url = _app(tmp_path, monkeypatch, Actor("office-admin", ActorRole.ADMIN))
    wb = load_workbook(io.BytesIO(bad_inputs.filled(make_template(url, PLAN, PERIOD, UNIT))))
    ws = wb[bad_inputs.S]
    row, code = next((r, c) for c, r in bad_inputs.rows_by_code(ws).items())
    ws.cell(row, 8).value = "abc"  # H: 填报数值
    before = _count(url, Observation)
    _upload(at, bad_inputs.save(wb))
    assert "文件不会被导入" in _texts(at)
    assert at.metric.len == 0  # no 新增 / 修改 counts for a file that is not imported
    (table,) = at.dataframe
    (error,) = table.value.to_dict("records")
    assert (error["行"], error["列"], error["栏目"], error["指标代码"]) == (str(row), "H", "填报数值", code)
    assert "“abc”不是数字" in error["说明"]
    assert _count(url, Observation) == before and _count(url, Upload) == 0


def _quarter(at: AppTest) -> str:
    return next(b for b in at.selectbox if b.label == "填报季度").value


def test_the_quarter_follows_the_link_and_a_finished_plan_opens_on_its_last_quarter(tmp_path, monkeypatch):
    """六安 ends in 2025: its page opens on 2025年第4季度 (as its dashboards and 我的待办), not on the
    latest quarter due, whose template asks nothing; a 去更正上传 link's ?quarter= is taken each time
    the page is opened by it, and the clerk's own choice after it holds."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    route_through_app(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["auth_actor"] = Actor("office", ActorRole.ADMIN)
    at.session_state["auth_last_seen"] = dt.datetime.now()
    at.session_state["selected_plan"] = PLAN
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, at.exception
    assert _quarter(at) == "2025Q4"
    # no quarter after the last one whose template asks anything: 2025Q4 + the longest release lag
    # (two quarters: the 2025 annual figures are asked in the 2026Q2 template); 2026Q3 and 2026Q4
    # gave an empty template with the message "…在计划“luan”中…没有需要报送的指标"
    options = next(b for b in at.selectbox if b.label == "填报季度").options
    assert options[0] == "2026年第2季度" and "2026年第3季度" not in options, options
    at.query_params["quarter"] = "2025Q2"
    at.run()
    assert _quarter(at) == "2025Q2"
    next(b for b in at.selectbox if b.label == "填报季度").set_value("2025Q3").run()
    assert _quarter(at) == "2025Q3"  # the link's quarter is applied once, the clerk's choice then kept
    at.query_params["quarter"] = "2031Q1"  # not a quarter anyone reports for yet: ignored
    at.run()
    assert _quarter(at) == "2025Q3"
    # a second 去更正上传 of the same quarter, after another page: the link's quarter again (a walker's
    # second click opened the default quarter, and the correction replaced an approved figure there)
    at.switch_page("pages/todo.py").run()
    assert not at.exception, at.exception
    at.switch_page("pages/upload.py")
    at.query_params["quarter"] = "2025Q2"
    at.run()
    assert _quarter(at) == "2025Q2"
    next(b for b in at.selectbox if b.label == "填报季度").set_value("2025Q3").run()
    assert _quarter(at) == "2025Q3"  # the link is taken off the address: the clerk's choice holds


def test_a_reporter_lists_and_may_undo_only_its_own_units_uploads(tmp_path, monkeypatch):
    """A walker's reporter saw another unit's upload with a 撤销 button; clicking it was refused and
    audited as the reporter's refused attempt. Now the list holds its own units' uploads only, and
    quarters read 2025年第2季度, not 2025Q2."""
    from services.actor import system_actor
    from services.imports import commit_import, reporting_units

    at, url = _app(tmp_path, monkeypatch, Actor("office-admin", ActorRole.ADMIN))
    with read_scope(url) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == UNIT))
        other = next(u for u in reporting_units(s, PLAN) if u != UNIT)
    for unit in (UNIT, other):
        template = make_template(url, PLAN, PERIOD, unit)
        result = commit_import(url, bad_inputs.filled(template), f"{unit}.xlsx", system_actor(),
                               plan=PLAN, period=PERIOD, unit=unit)  # fmt: skip
        assert result.status == "committed"
    at, _ = _app(tmp_path, monkeypatch, Actor("clerk", ActorRole.REPORTER, frozenset({unit_id})))
    listed = [m.value.replace("\\", "") for m in at.markdown if "xlsx（新增" in m.value]  # unescaped
    assert len(listed) == 1 and f"{UNIT} 2025年第2季度 {UNIT}.xlsx（新增" in listed[0], listed
    assert not any(other in m for m in listed)
    assert [b.key for b in at.button if b.label == "撤销"] == [f"undo_{_last_upload_of(url, UNIT)}"]


def _last_upload_of(url, unit: str) -> int:
    with read_scope(url) as s:
        return s.scalar(
            select(func.max(Upload.id)).join(Unit, Unit.id == Upload.unit_id).where(Unit.name == unit)
        )
