"""Issue 12 items 1, 6, 10, 11 for the import path: the isolated parse, re-uploads, a busy SQLite
writer, folders that go on after a failure, a reporter's undo of accepted figures as a request,
and 20 concurrent imports against a 10,000-figure plan."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import bad_inputs
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.models import Observation, Unit, Upload
from db.session import read_scope, session_scope
from indicators.periods import Period
from services.actor import Actor, ActorRole, system_actor
from services.imports import commit_import, import_files, make_template, preview_import, undo_upload
from services.observations import current_version
from services.review import review_figures
from workbook import sandbox

ROOT = Path(__file__).resolve().parent.parent
PLAN, UNIT, PERIOD = bad_inputs.PLAN, bad_inputs.UNIT, bad_inputs.PERIOD


def _with_value(template: bytes, code: str, value) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[bad_inputs.S]
    bad_inputs.fill_valid(ws)
    ws.cell(bad_inputs.rows_by_code(ws)[code], 8).value = value
    return bad_inputs.save(wb)


def _figure(url, code, unit=UNIT, period=PERIOD):
    from db.models import Indicator

    with read_scope(url) as s:
        ind = s.scalar(select(Indicator.id).where(Indicator.code == code))
        uid = s.scalar(select(Unit.id).where(Unit.name == unit))
        obs = current_version(s, ind, uid, Period.parse(period))
        return SimpleNamespace(**{c.key: getattr(obs, c.key) for c in Observation.__table__.columns})


# ---------------------------------------------------------------- the isolated parse


def test_a_parse_that_runs_over_time_is_killed_and_reported():
    with pytest.raises(sandbox.WorkerFailed) as info:
        sandbox.run(("sleep", 30), timeout=1.5)
    assert info.value.code == "parse-timeout"
    assert sandbox.run(("sleep", 0), timeout=30) == "slept"  # the next parse gets a fresh worker


def test_a_parse_that_needs_too_much_memory_fails_only_itself():
    with pytest.raises(sandbox.WorkerFailed) as info:
        sandbox.run(("allocate", 3 * 1024**3), timeout=30, memory=256 * 1024**2)
    assert info.value.code in ("parse-memory", "parse-failed")
    assert sandbox.run(("allocate", 1024), timeout=30) == 1024


def test_read_timeout_becomes_the_uploads_error():
    raw = sandbox.read_isolated(b"PK\x03\x04" + b"\0" * 10, "a.xlsx", timeout=0.001)
    assert [e.code for e in raw.errors] in (["parse-timeout"], ["not-zip"])


# ---------------------------------------------------------------- re-uploads (item 6)


def test_reupload_of_an_earlier_file_is_a_change_when_it_differs_from_current(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    a, b = _with_value(template, "LA-PQ-01", 97.0), _with_value(template, "LA-PQ-01", 98.0)
    assert commit_import(seeded_url, a, "a.xlsx", system_actor()).status == "committed"
    assert commit_import(seeded_url, b, "b.xlsx", system_actor()).status == "committed"
    preview = preview_import(seeded_url, a, "a.xlsx", system_actor())
    assert preview.duplicate_of is None and preview.changes_anything
    assert [(c.code, c.status) for c in preview.changes if c.status != "unchanged"] == [
        ("LA-PQ-01", "changed")
    ]
    again = commit_import(seeded_url, a, "a.xlsx", system_actor())
    assert again.status == "committed" and _figure(seeded_url, "LA-PQ-01").value == 97.0
    same = commit_import(seeded_url, a, "a-copy.xlsx", system_actor())  # now equal to what is current
    assert same.status == "duplicate" and same.preview.duplicate_of == again.upload_id
    wb = load_workbook(io.BytesIO(_with_value(template, "LA-PQ-01", 97.0)))
    wb[bad_inputs.S]["A1"].value = "另存的文件"  # other bytes, same figures
    resaved = bad_inputs.save(wb)
    assert commit_import(seeded_url, resaved, "c.xlsx", system_actor()).status == "unchanged"


# ---------------------------------------------------------------- undo under review (item 11)


def test_reporters_undo_of_accepted_figures_is_a_request(seeded_url):
    with read_scope(seeded_url) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == UNIT))
    reporter = Actor("填报员甲", ActorRole.REPORTER, frozenset({unit_id}))
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    first = commit_import(seeded_url, _with_value(template, "LA-PQ-01", 97.0), "a.xlsx", reporter)
    assert first.status == "committed" and first.pending_review and "待审核" in first.message
    obs = _figure(seeded_url, "LA-PQ-01")
    with session_scope(seeded_url) as s:
        review_figures(s, system_actor(), [obs.id], accept=True)
    undo = undo_upload(seeded_url, first.upload_id, reporter)
    assert undo.requested == 1 and "待审核" in undo.message
    current = _figure(seeded_url, "LA-PQ-01")
    assert (current.retracted, current.review_state, current.source) == (True, "pending", "undo")
    # the accepted figure still counts until the office accepts the undo
    from db.queries import current_observations

    with read_scope(seeded_url) as s:
        plan_id = s.scalar(select(Upload.plan_id).where(Upload.id == first.upload_id))
        counted = [o for o in current_observations(s, plan_id) if o.id == obs.id]
    assert len(counted) == 1
    with session_scope(seeded_url) as s:
        review_figures(s, system_actor(), [current.id], accept=True)
    with read_scope(seeded_url) as s:
        assert all(o.id != obs.id for o in current_observations(s, plan_id))


def test_office_undo_takes_effect_at_once(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    first = commit_import(seeded_url, _with_value(template, "LA-PQ-01", 97.0), "a.xlsx", system_actor())
    undo = undo_upload(seeded_url, first.upload_id, system_actor())
    assert undo.requested == 0 and _figure(seeded_url, "LA-PQ-01").review_state == "accepted"


# ---------------------------------------------------------------- busy writer, folders (item 10)


def test_a_busy_sqlite_writer_is_a_chinese_refusal(tmp_path, monkeypatch):
    from services.imports import pipeline
    from services.setup import init_database

    url = f"sqlite:///{tmp_path / 'busy.db'}"
    init_database(url)
    data = bad_inputs.filled(make_template(url, PLAN, PERIOD, UNIT))
    monkeypatch.setattr(pipeline, "SQLITE_BUSY_TIMEOUT_MS", 300)
    from db import session as db_session

    holder = sqlite3.connect(str(tmp_path / "busy.db"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        engine = db_session.get_engine(url)
        engine.dispose()
        with monkeypatch.context() as m:
            m.setattr(db_session, "SQLITE_BUSY_TIMEOUT_MS", 300)
            db_session.get_engine.cache_clear()
            db_session.get_sessionmaker.cache_clear()
            result = commit_import(url, data, "a.xlsx", system_actor())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        db_session.get_engine.cache_clear()
        db_session.get_sessionmaker.cache_clear()
    assert result.status == "refused"
    assert [e.code for e in result.preview.errors] == ["db-busy"]
    assert "数据库正忙" in result.preview.errors[0].message and "locked" not in result.message


def test_folder_import_goes_on_after_a_failure_and_summarises(seeded_url, tmp_path):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "1-bad.xlsx").write_bytes(b"PK\x03\x04 broken")
    (folder / "2-nan.xlsx").write_bytes(
        bad_inputs.CASES[[c.name for c in bad_inputs.CASES].index("nan-value")].build(template)[0]
    )  # noqa: E501
    (folder / "3-good.xlsx").write_bytes(bad_inputs.filled(template))
    results = import_files(seeded_url, [folder], system_actor())
    assert [r.status for r in results] == ["refused", "refused", "committed"]
    env = {**os.environ, "DATABASE_URL": seeded_url}
    proc = subprocess.run([sys.executable, "manage.py", "import", str(folder)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)  # fmt: skip
    assert "合计：拒绝 2，重复 1" in proc.stdout, proc.stdout + proc.stderr


# ---------------------------------------------------------------- 20 concurrent imports, 10,000 figures

WORKER = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from services.actor import system_actor
from services.imports import commit_import
path = Path(sys.argv[2])
result = commit_import(sys.argv[1], path.read_bytes(), path.name, system_actor())
print(result.status, result.upload_id or "", "|".join(e.message for e in result.preview.errors), flush=True)
"""


def test_twenty_concurrent_imports_on_a_10000_figure_sqlite_plan(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.scale_data import generate
    from services.imports import reporting_units

    url = f"sqlite:///{tmp_path / 'scale.db'}"
    generate(url, plans=1, indicators=530, quarters=20)
    with read_scope(url) as s:
        assert s.scalar(select(func.count(Observation.id))) >= 10_000
        plan = "scale00001"
        units = reporting_units(s, plan)
    period = "2025Q4"  # the generator's last quarter (2021Q1 + 19)
    paths = []
    for i in range(20):
        unit = units[i % len(units)]
        wb = load_workbook(io.BytesIO(make_template(url, plan, period, unit)))
        ws = wb[bad_inputs.S]
        bad_inputs.fill_valid(ws)
        for r in range(4, ws.max_row + 1):
            if (ws.cell(r, 5).value or "").startswith("比率"):
                ws.cell(r, 8).value = 80 + i % 7
        path = tmp_path / f"f{i:02d}.xlsx"
        path.write_bytes(bad_inputs.save(wb))
        paths.append(path)
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER.format(root=str(ROOT)))
    start = time.time()
    procs = [subprocess.Popen([sys.executable, str(worker), url, str(p)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for p in paths]  # fmt: skip
    outputs = [p.communicate(timeout=600) for p in procs]
    elapsed = time.time() - start
    statuses = []
    for (out, err), proc in zip(outputs, procs, strict=True):
        assert proc.returncode == 0, err
        assert "database is locked" not in out + err
        status = out.split()[0]
        statuses.append(status)
        assert status in {"committed", "duplicate", "unchanged"} or "数据库正忙" in out, out
    with read_scope(url) as s:
        assert s.scalar(select(func.count(Upload.id))) == statuses.count("committed")
        forks = s.execute(
            select(Observation.indicator_id, Observation.unit_id, Observation.period, func.count())
            .where(Observation.superseded_by_id.is_(None))
            .group_by(Observation.indicator_id, Observation.unit_id, Observation.period)
            .having(func.count() > 1)
        ).all()
        assert forks == []
    print(f"20 concurrent imports: {statuses.count('committed')} committed in {elapsed:.1f} s")


def _dimension_bomb() -> bytes:
    """A tiny workbook whose one cell is at XFD1048576 (a reader allocating the range would explode)."""
    return bad_inputs.rezip(
        bad_inputs.save(__import__("openpyxl").Workbook()),
        lambda n, c: re.sub(rb"<sheetData\s*/>|<sheetData></sheetData>", b'<sheetData><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>', c)
        if n == "xl/worksheets/sheet1.xml" else c,
    )  # fmt: skip


def test_the_pages_of_other_users_keep_answering_while_a_bomb_is_read():
    """A dimension bomb read in the worker does not block this process (the server)."""
    template_like = _dimension_bomb()
    done = threading.Event()
    ticks = []

    def other_user() -> None:
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    thread = threading.Thread(target=other_user)
    thread.start()
    start = time.monotonic()
    raw = sandbox.read_isolated(template_like, "bomb.xlsx")
    done.set()
    thread.join()
    assert [e.code for e in raw.errors] == ["sheet-too-large"]
    assert time.monotonic() - start < 10
    assert ticks and all(b - a < 1.0 for a, b in zip(ticks, ticks[1:], strict=False))  # never blocked


# ---------------------------------------------------------------- the scan and the parse at once


def _percent_template(seeded_url) -> bytes:
    wb = load_workbook(io.BytesIO(make_template(seeded_url, PLAN, PERIOD, UNIT)))
    ws = wb[bad_inputs.S]
    bad_inputs.fill_valid(ws)
    row = next(iter(bad_inputs.rows_by_code(ws).values()))
    ws.cell(row, 8).value, ws.cell(row, 8).number_format = 0.985, "0.0%"
    return bad_inputs.save(wb), row


def test_two_workers_read_the_same_as_one_process(seeded_url):
    """The scan and the parse run in two workers at once; the result equals the in-process read,
    the scan's facts included (the percent-formatted cell H<row>)."""
    from workbook.reader import read_workbook

    data, row = _percent_template(seeded_url)
    sandbox.shutdown()
    sandbox.warm()
    deadline = time.monotonic() + 30
    while len(sandbox._idle) < 2 and time.monotonic() < deadline:  # both workers started
        time.sleep(0.05)
    assert len(sandbox._idle) == 2
    isolated = sandbox.read_isolated(data, "a.xlsx")
    local = read_workbook(data, "a.xlsx", isolated=False)
    assert isolated.errors == local.errors == []
    assert (row, "H") in isolated.data_sheets[0].percent
    assert [s.percent for s in isolated.data_sheets] == [s.percent for s in local.data_sheets]
    assert [s.data for s in isolated.data_sheets] == [s.data for s in local.data_sheets]
    assert isolated.meta == local.meta and isolated.sha256 == local.sha256
    assert len(sandbox._idle) == 2  # both went back to the pool


def test_a_file_the_scan_refuses_is_answered_by_the_scan_and_its_parse_killed():
    bomb = _dimension_bomb()
    sandbox.shutdown()
    sandbox.warm()
    deadline = time.monotonic() + 30
    while len(sandbox._idle) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = {w.proc.pid for w in sandbox._idle}
    raw = sandbox.read_isolated(bomb, "bomb.xlsx")
    assert [e.code for e in raw.errors] == ["sheet-too-large"]
    assert raw.data_sheets == [] and raw.meta is None  # nothing of the parse is used
    left = {w.proc.pid for w in sandbox._idle}
    assert len(left) == 1 and left < pids  # the scanner went back, the parser was killed
    ok = sandbox.read_isolated(bad_inputs.save(__import__("openpyxl").Workbook()), "ok.xlsx")
    assert not [e for e in ok.errors if e.code.startswith("parse-")]  # the next upload is read
