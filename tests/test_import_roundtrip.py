"""Template → fill → upload → figures; re-upload with one change; undo; dry run; CLI; export."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import bad_inputs
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.models import Baseline, Indicator, Observation, Unit, Upload
from db.session import read_scope
from indicators.periods import Period
from services.actor import Actor, ActorRole, system_actor
from services.exports import export_figures
from services.imports import commit_import, list_uploads, make_template, preview_import, undo_upload
from services.observations import current_version

ROOT = Path(__file__).resolve().parent.parent
PLAN, UNIT, PERIOD = bad_inputs.PLAN, bad_inputs.UNIT, bad_inputs.PERIOD


def _current(url, code, unit=UNIT, period=PERIOD):
    with read_scope(url) as s:
        ind = s.scalar(select(Indicator.id).where(Indicator.code == code))
        uid = s.scalar(select(Unit.id).where(Unit.name == unit))
        obs = current_version(s, ind, uid, Period.parse(period))
        return SimpleNamespace(**{c.key: getattr(obs, c.key) for c in Observation.__table__.columns})


def _edit(data: bytes, **cells) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[bad_inputs.S]
    rows = bad_inputs.rows_by_code(ws)
    for spec, value in cells.items():
        code, col = spec.rsplit("__", 1)
        ws.cell(rows[code.replace("_", "-")], bad_inputs.COL[col]).value = value
    return bad_inputs.save(wb)


def test_round_trip_change_and_undo(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    first = _edit(
        bad_inputs.filled(template),
        LA_PQ_01__H="９７．５",
        LA_PQ_02__H="99.5％",
        LA_BR_07__H="1,234",
        LA_QG_02__H="已完成",
        LA_QG_02__K="2026-08-01",
        LA_QG_01__L=40,
        LA_QG_01__M="2020",
        LA_PQ_01__N="含抽查",
    )
    result = commit_import(seeded_url, first, "q3.xlsx", system_actor())
    assert result.status == "committed", result.preview.error_messages()
    assert _current(seeded_url, "LA-PQ-01").value == 97.5
    assert _current(seeded_url, "LA-PQ-01").note == "含抽查"
    assert _current(seeded_url, "LA-PQ-02").value == 99.5
    assert _current(seeded_url, "LA-BR-07").value == 1234
    ms = _current(seeded_url, "LA-QG-02")
    assert (ms.value, str(ms.done_on)) == (1.0, "2026-08-01")
    rank = _current(seeded_url, "LA-SQ-05", period="2024Q4")  # annual, release lag 2: the 2024 figure
    assert (rank.value, rank.field_size) == (5.0, 16)
    death_rate = _current(seeded_url, "LA-PQ-04", period="2024Q4")
    assert (death_rate.value, death_rate.benchmark_value) == (3, None)  # the office enters benchmarks
    with read_scope(seeded_url) as s:
        upload = s.get(Upload, result.upload_id)
        assert (upload.file_name, upload.period, upload.size) == ("q3.xlsx", PERIOD, len(first))
        assert upload.counts["new"] == result.preview.counts["new"] > 20
        baseline = s.scalar(select(Baseline).where(Baseline.upload_id == upload.id))
        assert (baseline.value, baseline.year, baseline.review_state) == (40, 2020, "pending")  # a proposal
        obs = _current(seeded_url, "LA-PQ-01")
        assert (obs.source, obs.upload_id, obs.file_name) == ("file", upload.id, "q3.xlsx")

    # same file again: recognised, nothing written
    again = commit_import(seeded_url, first, "q3-copy.xlsx", system_actor())
    assert again.status == "duplicate" and again.preview.duplicate_of == result.upload_id

    # one changed cell → exactly one change
    second = _edit(first, LA_PQ_01__H=98.1)
    preview = preview_import(seeded_url, second, "q3b.xlsx", system_actor())
    changed = [c for c in preview.changes if c.status != "unchanged"]
    assert [(c.code, c.status, c.new.split("；")[0]) for c in changed] == [("LA-PQ-01", "changed", "98.1")]
    dry = commit_import(seeded_url, second, "q3b.xlsx", system_actor(), dry_run=True)
    assert dry.status == "dry-run" and _current(seeded_url, "LA-PQ-01").value == 97.5
    result2 = commit_import(seeded_url, second, "q3b.xlsx", system_actor())
    assert result2.status == "committed" and _current(seeded_url, "LA-PQ-01").value == 98.1

    # undo the second upload: 97.5 is back, as a new version
    with read_scope(seeded_url) as s:
        versions_before = s.scalar(select(func.count(Observation.id)))
    undo = undo_upload(seeded_url, result2.upload_id, system_actor())
    assert undo.restored == 1 and undo.retracted == 0
    current = _current(seeded_url, "LA-PQ-01")
    assert current.value == 97.5 and current.version == 3 and current.source == "undo"
    # undo the first: every figure withdrawn (retracted), nothing deleted
    undo1 = undo_upload(seeded_url, result.upload_id, system_actor())
    assert undo1.retracted == result.preview.counts["new"] - 1
    assert _current(seeded_url, "LA-PQ-01").value == 97.5  # changed again after upload 1: kept
    assert "LA-PQ-01" in undo1.kept
    assert _current(seeded_url, "LA-PQ-02").retracted
    with read_scope(seeded_url) as s:
        assert s.scalar(select(func.count(Observation.id))) > versions_before
        withdrawn = s.scalar(select(Baseline).where(Baseline.upload_id == result.upload_id))
        assert withdrawn.review_state == "withdrawn"  # the upload's proposal, kept as history
        uploads = list_uploads(s, PLAN)
    assert [u["undone_at"] is not None for u in uploads] == [True, True]
    # an undone file may be uploaded again
    assert commit_import(seeded_url, first, "q3.xlsx", system_actor()).status == "committed"


def test_reporter_bound_to_units(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    with read_scope(seeded_url) as s:
        other = s.scalar(select(Unit.id).where(Unit.name == "市住建局"))
    reporter = Actor("张三", ActorRole.REPORTER, frozenset({other}))
    result = commit_import(seeded_url, bad_inputs.filled(template), "a.xlsx", reporter)
    assert result.status == "refused"
    assert {e.code for e in result.preview.errors} == {"permission-denied"}


def test_all_units_template_and_export(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD)
    wb = load_workbook(io.BytesIO(template))
    ws = wb[bad_inputs.S]
    bad_inputs.fill_valid(ws)
    ws.title = "改了名字"  # re-titled and re-sorted sheets still map by the hidden row key
    wb.security.lockStructure = False
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    for r, values in enumerate(reversed(rows), start=4):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
    ws.cell(4, 14).value = "=cmd|' /C calc'!A0"
    ws.cell(4, 14).data_type = "s"  # text typed as '=cmd… in Excel
    data = bad_inputs.save(wb)
    result = commit_import(seeded_url, data, "office.xlsx", system_actor())
    assert result.status == "committed", result.preview.error_messages()[:5]
    units = {c.unit for c in result.preview.changes}
    assert len(units) > 5
    xlsx = load_workbook(io.BytesIO(export_figures(seeded_url, PLAN, PERIOD))).active
    this_quarter = [c for c in result.preview.changes if c.status == "new" and c.period == PERIOD]
    assert xlsx.max_row == len(this_quarter) + 1  # annual rows are 2024Q4 figures
    notes = [c.value for c in xlsx["L"] if c.value]
    assert any(str(n).startswith("'=cmd") for n in notes)
    assert all(c.data_type != "f" for row in xlsx.iter_rows() for c in row)
    csv_text = export_figures(seeded_url, PLAN, PERIOD, "csv").decode("utf-8-sig")
    assert "'=cmd" in csv_text
    # values in words under the Chinese headers: 类型, 来源 and 填报人 (not stock / file / manage.py)
    header = [c.value for c in xlsx[1]]
    first = {h: c.value for h, c in zip(header, xlsx[2], strict=True)}
    assert first["来源"] == "上传文件" and first["填报人"] == "命令行管理工具"
    assert first["类型"] and not first["类型"].isascii()  # a measure kind's Chinese name, not its code


def _manage(url, *args, env_extra=None):
    env = {**os.environ, "DATABASE_URL": url, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_template_import_dry_run_undo_export(seeded_url, tmp_path):
    out = tmp_path / "t.xlsx"
    proc = _manage(seeded_url, "template", "--plan", PLAN, "--unit", UNIT, "--period", PERIOD, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.xlsx").write_bytes(bad_inputs.filled(out.read_bytes()))
    (folder / "bad.csv").write_text("x")
    proc = _manage(seeded_url, "import", str(folder), "--dry-run")
    assert proc.returncode == 1 and "试运行" in proc.stdout and "unsupported-format" in proc.stdout
    with read_scope(seeded_url) as s:
        assert s.scalar(select(func.count(Upload.id))) == 0
    proc = _manage(seeded_url, "import", str(folder / "good.xlsx"))
    assert proc.returncode == 0 and "已导入" in proc.stdout, proc.stdout + proc.stderr
    proc = _manage(
        seeded_url, "export-figures", "--plan", PLAN, "--period", PERIOD, "-o", str(tmp_path / "f.csv")
    )
    assert proc.returncode == 0 and (tmp_path / "f.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with read_scope(seeded_url) as s:
        upload_id = s.scalar(select(Upload.id))
    proc = _manage(seeded_url, "undo-upload", str(upload_id))
    assert proc.returncode == 0 and "已撤销" in proc.stdout
    proc = _manage(seeded_url, "undo-upload", str(upload_id))
    assert proc.returncode == 2 and "已于" in proc.stderr
