"""The unit template asks only for what is due; annual rows map to their period; old templates.

The reporting metadata of the two indicators used is set here (not taken from the seed), so
that the expectations are hand-computed: LA-PQ-01 quarterly without lag, LA-SQ-05 annual
with a release lag of 2 (its 2024 figure is due with the 2025Q2 template only).
"""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update

from db.models import Baseline, Indicator, Observation, Plan, Unit
from db.queries import load_plan_data
from db.session import read_scope, session_scope
from services.actor import Actor, ActorRole, system_actor
from services.imports import commit_import, make_template, preview_import
from workbook.template import split_key

PLAN, UNIT = "luan", "市市场监管局"


def _set_metadata(url):
    with session_scope(url) as s:
        plan_id = s.scalar(select(Plan.id).where(Plan.code == PLAN))
        for code, frequency, lag in (("LA-PQ-01", "quarterly", 0), ("LA-SQ-05", "annual", 2)):
            s.execute(update(Indicator).where(Indicator.plan_id == plan_id, Indicator.code == code)
                      .values(frequency=frequency, release_lag=lag))  # fmt: skip


def _rows(template: bytes) -> dict[str, tuple[int, str, str]]:
    ws = load_workbook(io.BytesIO(template))["填报"]
    return {ws.cell(r, 2).value: (r, ws.cell(r, 10).value, split_key(ws.cell(r, 15).value)[1])
            for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value}  # fmt: skip


@pytest.mark.parametrize(
    "quarter, annual",
    [("2025Q1", None), ("2025Q2", ("2024年度数据", "2024Q4")), ("2025Q3", None), ("2025Q4", None)],
)
def test_template_asks_only_for_what_is_due(seeded_url, quarter, annual):
    _set_metadata(seeded_url)
    rows = _rows(make_template(seeded_url, PLAN, quarter, UNIT))
    q = quarter[-1]
    assert rows["LA-PQ-01"][1:] == (f"2025年第{q}季度数据", quarter)
    assert (rows["LA-SQ-05"][1:] if "LA-SQ-05" in rows else None) == annual


def _fill(template: bytes, values: dict[str, dict[int, object]], format_1: bool = False) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb["填报"]
    where = {ws.cell(r, 2).value: r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value}
    if format_1:  # as format 1 wrote it: every identifier with the template's quarter
        for r in where.values():
            plan, _period, unit, code = split_key(ws.cell(r, 15).value)
            ws.cell(r, 15).value = f"{plan}|2025Q2|{unit}|{code}"
        meta = wb["_meta"]
        for r in range(1, meta.max_row + 1):
            if meta.cell(r, 1).value == "version":
                meta.cell(r, 2).value = "1"
    for code, cells in values.items():
        for col, value in cells.items():
            ws.cell(where[code], col).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _obs(url, code):
    with read_scope(url) as s:
        return [(o.period, o.value, o.field_size) for o in s.scalars(
            select(Observation).join(Indicator).where(Indicator.code == code).order_by(Observation.id))]  # fmt: skip


def test_annual_row_is_stored_for_its_own_period(seeded_url):
    _set_metadata(seeded_url)
    data = _fill(make_template(seeded_url, PLAN, "2025Q2", UNIT), {"LA-SQ-05": {8: 5, 9: 16}, "LA-PQ-01": {8: 97}})
    preview = preview_import(seeded_url, data, "q2.xlsx", system_actor())
    assert preview.ok, preview.error_messages()
    assert {(c.code, c.period) for c in preview.changes if c.status == "new"} == {
        ("LA-SQ-05", "2024Q4"), ("LA-PQ-01", "2025Q2"),
    }  # fmt: skip
    assert commit_import(seeded_url, data, "q2.xlsx", system_actor()).status == "committed"
    assert _obs(seeded_url, "LA-SQ-05") == [("2024Q4", 5.0, 16)]
    assert _obs(seeded_url, "LA-PQ-01") == [("2025Q2", 97.0, None)]


def test_format_1_template_still_reads_and_refuses_only_a_filled_row_now_owed_elsewhere(seeded_url):
    _set_metadata(seeded_url)
    template = make_template(seeded_url, PLAN, "2025Q2", UNIT)
    rows = _rows(template)
    empty_annual = _fill(template, {"LA-PQ-01": {8: 97}}, format_1=True)
    result = commit_import(seeded_url, empty_annual, "old.xlsx", system_actor())
    assert result.status == "committed", result.preview.error_messages()
    assert _obs(seeded_url, "LA-PQ-01") == [("2025Q2", 97.0, None)] and _obs(seeded_url, "LA-SQ-05") == []
    filled = _fill(template, {"LA-PQ-01": {8: 98}, "LA-SQ-05": {8: 5, 9: 16}}, format_1=True)
    refused = commit_import(seeded_url, filled, "old2.xlsx", system_actor())
    assert refused.status == "refused"
    assert [e.location for e in refused.preview.errors] == [["填报", rows["LA-SQ-05"][0], "H", "owed-for-other-period"]]
    assert "2024Q4" in refused.preview.errors[0].message
    assert _obs(seeded_url, "LA-PQ-01") == [("2025Q2", 97.0, None)]  # nothing written


def test_a_filled_row_with_nothing_due_is_refused_an_empty_one_skipped(seeded_url):
    _set_metadata(seeded_url)
    wb = Workbook()
    wb.active.append(["填报单位", "指标代码", "本季度数值"])
    wb.active.append([UNIT, "LA-SQ-05", 5])
    wb.active.append([UNIT, "LA-PQ-01", 97])
    out = io.BytesIO()
    wb.save(out)
    preview = preview_import(seeded_url, out.getvalue(), "plain.xlsx", system_actor(), plan=PLAN, period="2025Q3")
    assert [e.location for e in preview.errors] == [["Sheet", 2, "C", "not-due"]]
    assert "2025Q3" in preview.errors[0].message


def test_baseline_from_a_unit_template_is_a_pending_proposal(seeded_url):
    _set_metadata(seeded_url)
    with read_scope(seeded_url) as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == UNIT))
    clerk = Actor("填报员甲", ActorRole.REPORTER, frozenset({unit}))
    template = make_template(seeded_url, PLAN, "2025Q2", UNIT)
    data = _fill(template, {"LA-PQ-01": {8: 97, 12: 95.5, 13: 2020}})
    preview = preview_import(seeded_url, data, "b.xlsx", clerk)
    [change] = [c for c in preview.changes if c.status == "baseline"]
    assert change.new == "95.5（2020年）：作为建议提交，质量办审核通过前不生效"
    assert commit_import(seeded_url, data, "b.xlsx", clerk).status == "committed"
    with read_scope(seeded_url) as s:
        stored = s.scalars(select(Baseline).join(Indicator).where(Indicator.code == "LA-PQ-01")).all()
        assert [(b.value, b.review_state, b.proposed_by_unit_id) for b in stored] == [(95.5, "pending", unit)]
        _plan, items = load_plan_data(s, PLAN)
    assert next(d for d in items if d.spec.code == "LA-PQ-01").spec.baseline is None  # not in force
    # the next template still asks (nothing in force), the same proposal again is not a change
    again = preview_import(seeded_url, _fill(make_template(seeded_url, PLAN, "2025Q2", UNIT),
                                             {"LA-PQ-01": {8: 97, 12: 95.5, 13: 2020}}), "b2.xlsx", clerk)  # fmt: skip
    assert [c.status for c in again.changes if c.code == "LA-PQ-01"] == ["unchanged"]
