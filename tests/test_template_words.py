"""The template speaks to the unit in words: the plan's title and the quarter as 2025年第2季度 in its
header rows, 上次填报 with the quarter in words (they showed ``luan``, ``2025Q2``, ``44（2025Q2）``).
The machine-read plan and quarter stay in the hidden _meta sheet; a template made before, showing
the quarter's code, is still read."""

from __future__ import annotations

import io
import re

import bad_inputs
from openpyxl import load_workbook

from services.actor import system_actor
from services.imports import commit_import, make_template, preview_import

PLAN, UNIT, PERIOD = bad_inputs.PLAN, bad_inputs.UNIT, bad_inputs.PERIOD
CODE_LIKE = re.compile(r"\b20\d\dQ[1-4]\b|\bluan\b")


def _visible_top(ws) -> list[str]:
    return [str(ws.cell(r, c).value) for r in (1, 2) for c in range(1, 9) if ws.cell(r, c).value is not None]


def test_header_rows_and_last_figures_are_in_words_and_an_older_template_still_reads(seeded_url):
    data = bad_inputs.filled(make_template(seeded_url, PLAN, PERIOD, UNIT))
    assert commit_import(seeded_url, data, "q2.xlsx", system_actor()).status == "committed"
    wb = load_workbook(io.BytesIO(make_template(seeded_url, PLAN, PERIOD, UNIT)))
    for title in ("填报", "重点任务"):
        top = _visible_top(wb[title])
        assert "2025年第2季度" in top and not [t for t in top if CODE_LIKE.search(t)], top
        assert any(t.startswith("六安市") for t in top), top  # the plan's title, not its code
    ws = wb["填报"]
    header = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}
    last = [ws.cell(r, header["上次填报"]).value for r in range(4, ws.max_row + 1)]
    assert "98.5（2025年第2季度）" in last and not [v for v in last if v and CODE_LIKE.search(str(v))]
    # wrapped in its cell: a returned figure's comment after the value was cut off at the cell's edge
    assert all(ws.cell(r, header["上次填报"]).alignment.wrap_text for r in range(4, ws.max_row + 1))

    # a template of the earlier layout showed the quarter's code in D2: still accepted
    older = load_workbook(io.BytesIO(data))
    for title in ("填报", "重点任务"):
        older[title]["D2"].value = PERIOD
    out = io.BytesIO()
    older.save(out)
    preview = preview_import(seeded_url, out.getvalue(), "older.xlsx", system_actor(), plan=PLAN, period=PERIOD)
    assert preview.ok, preview.error_messages()
