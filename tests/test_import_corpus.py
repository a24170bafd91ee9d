"""Every bad input is refused at the right [sheet, row, column, code], and nothing is written."""

from __future__ import annotations

import bad_inputs
import pytest
from sqlalchemy import func, select

from db.models import Baseline, Observation, Upload
from db.session import read_scope
from services.actor import system_actor
from services.imports import commit_import, make_template, preview_import

assert len(bad_inputs.CASES) >= 90


def snapshot(url: str) -> tuple:
    with read_scope(url) as session:
        return tuple(
            session.scalar(select(func.count(model.id))) for model in (Observation, Upload, Baseline)
        ) + (session.scalar(select(func.max(Observation.id))),)


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    from services.setup import init_database

    url = f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'corpus.db'}"
    init_database(url)
    template = make_template(url, bad_inputs.PLAN, bad_inputs.PERIOD, bad_inputs.UNIT)
    return url, template, bad_inputs.template_rows(template)


@pytest.mark.parametrize("case", bad_inputs.CASES, ids=[c.name for c in bad_inputs.CASES])
def test_corpus_case_refused_at_location(corpus_db, case):
    url, template, rows = corpus_db
    data, name = case.build(template)
    before = snapshot(url)
    preview = preview_import(url, data, name, system_actor(), **case.kwargs)
    expected = case.expected(rows)
    assert [e.location for e in preview.errors] == expected, preview.error_messages()
    for error in preview.errors:
        assert error.message and "{" not in error.message
    result = commit_import(url, data, name, system_actor(), **case.kwargs)
    assert result.status == "refused"
    assert [e.location for e in result.preview.errors] == expected
    assert snapshot(url) == before


def test_valid_base_file_is_accepted(corpus_db):
    """The corpus' starting point is itself valid (so each case fails for its own reason only)."""
    url, template, _rows = corpus_db
    preview = preview_import(url, bad_inputs.filled(template), "ok.xlsx", system_actor())
    assert preview.ok, preview.error_messages()
    assert preview.counts["new"] == len(_rows)


def test_whole_corpus_leaves_database_unchanged(seeded_url):
    """On SQLite and PostgreSQL: importing every bad file writes nothing."""
    template = make_template(seeded_url, bad_inputs.PLAN, bad_inputs.PERIOD, bad_inputs.UNIT)
    rows = bad_inputs.template_rows(template)
    before = snapshot(seeded_url)
    for case in bad_inputs.CASES:
        data, name = case.build(template)
        result = commit_import(seeded_url, data, name, system_actor(), **case.kwargs)
        assert result.status == "refused", case.name
        assert [e.location for e in result.preview.errors] == case.expected(rows), case.name
    assert snapshot(seeded_url) == before


@pytest.mark.parametrize("case", bad_inputs.VALUE_CASES, ids=[c.name for c in bad_inputs.VALUE_CASES])
def test_unusual_but_valid_spellings_read_the_right_value(corpus_db, case):
    url, template, _rows = corpus_db
    data, name = case.build(template)
    before = snapshot(url)
    preview = preview_import(url, data, name, system_actor())
    assert preview.ok, preview.error_messages()
    (change,) = [c for c in preview.changes if c.code == case.code]
    assert change.new.split("；")[0] == case.new
    assert snapshot(url) == before


MESSAGES = {  # the exact wording a clerk reads (numbers kept)
    # quarters in words, and what to do: a walker read "与模板季度 2026Q4 不符" after deleting a column
    "other-quarter": "模板季度为 2025年第1季度，与本次填报季度 2025年第2季度 不符：请选择模板的季度，或下载本季度的模板",
    "visible-period-edited": "工作表“填报”，第 2 行，D 列：工作表中的季度“2026Q4”与模板季度 2025年第2季度 不符："
    "模板表头区域可能被改动（删除或插入了行列），请重新下载模板填写",
    "non-numeric-text": "工作表“填报”，第 6 行，H 列：“约98”不是数字：请只填写数字，说明文字请写在备注栏",
    "note-1200-chars": "工作表“填报”，第 6 行，N 列：内容过长（1200 字），上限 500 字",
    # python-calamine stops a cell's text at Excel's limit of 32,767 characters
    "note-1mb-is-no-zip-bomb": "工作表“填报”，第 6 行，N 列：内容过长（32767 字），上限 500 字",
    "count-1e308": "工作表“填报”，第 12 行，H 列：数值超出合理范围（0 至 10亿）：1e+308",
    "rank-2^31": "工作表“填报”，第 10 行，H 列：数值超出合理范围（1 至 10万）：2147483648",
    "milestone-9999-12-31": "工作表“填报”，第 5 行，K 列：日期 9999-12-31 不在计划期内（2021-01-01 至 2026-12-31）",
    "baseline-year-2100": "工作表“填报”，第 6 行，M 列：年份 2100 不在合理范围内（1949–2025 年）",
    "superscript-10²": "工作表“填报”，第 12 行，H 列：“10²”含非常规数字字符“²”（上标、圈码或其他文字的数字），请只用 0–9 填写",
    "nul-in-note": "工作表“填报”，第 6 行，N 列：内容含控制字符（\\x00），请删除后重新上传",
    "merged-value-cells": "工作表“填报”，第 6 行，H 列：单元格 H6:H7 为合并单元格，覆盖了填报列：请取消合并，每行分别填写",
    "four-thousand-sheets": "工作簿含 4004 个工作表，上限为 50 个",  # 4,000 + 填报, 填报说明, 重点任务, _meta
    "cell-at-XFD1048576": "工作表“填报”：工作表过大（第 1048576 行），上限为 BL 列、60000 行以内",
    "cell-at-column-BM": "工作表“填报”：工作表过大（单元格 BM40），上限为 BL 列、60000 行以内",
    "dimension-bomb-XFD1048576": "工作表“填报”：工作表过大（声明范围 A1:XFD1048576：第 1048576 行），上限为 60000 行",
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_messages_name_the_place_and_keep_their_numbers(corpus_db, name):
    url, template, _rows = corpus_db
    case = next(c for c in bad_inputs.CASES if c.name == name)
    data, file_name = case.build(template)
    preview = preview_import(url, data, file_name, system_actor(), **case.kwargs)
    assert preview.error_messages() == [MESSAGES[name]]


def test_cli_escapes_control_characters(corpus_db, tmp_path):
    import os
    import subprocess
    import sys

    url, template, _rows = corpus_db
    case = next(c for c in bad_inputs.CASES if c.name == "escape-codes-in-value")
    data, _name = case.build(template)
    (tmp_path / "esc.xlsx").write_bytes(data)
    proc = subprocess.run([sys.executable, "manage.py", "import", str(tmp_path / "esc.xlsx")], capture_output=True,
                          text=True, env={**os.environ, "DATABASE_URL": url}, timeout=120,
                          cwd=str(bad_inputs_root()))  # fmt: skip
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout and "\\x1b[2J98" in proc.stdout, proc.stdout


def bad_inputs_root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
