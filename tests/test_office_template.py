"""The office's Excel template (质量办录入表): content, round trip, bad input, lock, permission.

Real .xlsx files written and read back; SQLite and PostgreSQL.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.models import AuditEntry, Baseline, BenchmarkValue
from db.queries import load_plan_data
from db.session import read_scope, session_scope
from indicators.periods import Period
from services import review
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.office_template import import_office_template, make_office_template
from workbook import office

PLAN, OFFICE = "luan", system_actor("质量办")


def _rows(ws):
    """(code, period label or "") → Excel row, from the visible columns."""
    return {(ws.cell(r, 1).value, ws.cell(r, 4).value if ws.title == office.BENCHMARK_SHEET else ""): r
            for r in range(office.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value}  # fmt: skip


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _counts(url):
    with read_scope(url) as s:
        return s.scalar(select(func.count(BenchmarkValue.id))), s.scalar(select(func.count(Baseline.id)))


def _template(url):
    wb = load_workbook(io.BytesIO(make_office_template(url, PLAN, "2025Q4")))
    return wb, wb[office.BENCHMARK_SHEET], wb[office.BASELINE_SHEET]


def test_template_lists_benchmark_periods_due_and_indicators_without_baseline(seeded_url):
    wb, bench, base = _template(seeded_url)
    assert wb.sheetnames == ["基准值", "基期值", "填写说明", "_meta"] and wb["_meta"].sheet_state == "veryHidden"
    rows = _rows(bench)
    # LA-PQ-04 低于全省平均: annual, published two quarters after the year → 2022..2024 by 2025Q4
    assert [period for code, period in rows if code == "LA-PQ-04"] == ["2022年度数据", "2023年度数据", "2024年度数据"]
    r = rows[("LA-PQ-04", "2024年度数据")]
    assert bench.cell(r, 3).value == "全省平均"
    assert bench.cell(r, 10).value == "luan|benchmark|LA-PQ-04|2024Q4" and bench.column_dimensions["J"].hidden
    assert not bench.cell(r, 8).protection.locked and not bench.cell(r, 9).protection.locked  # yellow
    assert bench.cell(r, 6).protection.locked
    assert {code for code, _ in rows} == {"LA-PQ-04", "LA-ENV-01", "LA-ENV-02"}
    base_codes = [code for code, _ in _rows(base)]
    with read_scope(seeded_url) as s:
        _plan, data = load_plan_data(s, PLAN)
    expected = [d.spec.code for d in data if d.spec.baseline is None
                and d.spec.measure_kind.value not in ("new_since_baseline", "milestone", "rank")]  # fmt: skip
    assert base_codes == expected and "LA-PQ-04" in base_codes


def test_round_trip_writes_everything_and_a_bad_file_nothing(seeded_url):
    url = seeded_url
    wb, bench, base = _template(url)
    rows, base_rows = _rows(bench), _rows(base)
    r = rows[("LA-PQ-04", "2024年度数据")]
    bench.cell(r, 8).value, bench.cell(r, 9).value = 0.21, "省市场监管局2024年通报"
    b = base_rows[("LA-PQ-04", "")]
    base.cell(b, 5).value, base.cell(b, 6).value, base.cell(b, 7).value = "0.3", 2020, "2020年统计公报"
    good = _save(wb)

    # bad copy: a word in a value cell, a value without its source
    r2 = rows[("LA-PQ-04", "2023年度数据")]
    bench.cell(r2, 8).value = "约0.2"
    base.cell(b, 7).value = None
    bad = _save(wb)
    before = _counts(url)
    refused = import_office_template(url, bad, "bad.xlsx", OFFICE, PLAN)
    assert refused.status == "refused" and refused.changes == []
    assert [e.location for e in refused.errors] == [
        ["基准值", r2, "H", "type-error"],
        ["基期值", b, "G", "source-missing"],
    ]
    assert f"工作表“基准值”，第 {r2} 行，H 列" in refused.errors[0].message
    assert _counts(url) == before

    dry = import_office_template(url, good, "good.xlsx", OFFICE, PLAN, dry_run=True)
    assert dry.status == "dry-run" and len(dry.changes) == 2 and _counts(url) == before
    done = import_office_template(url, good, "good.xlsx", OFFICE, PLAN)
    assert done.status == "committed", [e.message for e in done.errors]
    assert [(c.kind, c.code, c.when) for c in done.changes] == [
        ("benchmark", "LA-PQ-04", "2024Q4"), ("baseline", "LA-PQ-04", "2020"),
    ]  # fmt: skip
    with read_scope(url) as s:
        _plan, data = load_plan_data(s, PLAN)
        entries = s.scalars(select(AuditEntry.file_sha256).where(AuditEntry.action.in_(
            ("record_benchmark", "record_baseline")), AuditEntry.outcome == "ok")).all()  # fmt: skip
    item = next(d for d in data if d.spec.code == "LA-PQ-04")
    assert [(x.period, x.value, x.source) for x in item.benchmarks] == [(Period(2024, 4), 0.21, "省市场监管局2024年通报")]
    assert (item.spec.baseline.value, item.spec.baseline.year) == (0.3, 2020)
    assert entries == [done.sha256, done.sha256]
    again = import_office_template(url, good, "good.xlsx", OFFICE, PLAN)
    assert again.status == "committed" and again.changes == []  # nothing new


def test_locked_quarter_refuses_the_whole_file_and_is_audited(seeded_url):
    url = seeded_url
    wb, bench, _base = _template(url)
    rows = _rows(bench)
    for label, value in (("2023年度数据", 0.2), ("2024年度数据", 0.21)):
        r = rows[("LA-PQ-04", label)]
        bench.cell(r, 8).value, bench.cell(r, 9).value = value, "省局通报"
    with session_scope(url) as s:
        review.lock_period(s, OFFICE, PLAN, Period(2024, 4))
    before = _counts(url)
    result = import_office_template(url, _save(wb), "locked.xlsx", OFFICE, PLAN)
    assert result.status == "refused"
    assert [e.location for e in result.errors] == [["基准值", rows[("LA-PQ-04", "2024年度数据")], "H", "office-refused"]]
    assert "锁定" in result.errors[0].message
    assert _counts(url) == before  # the unlocked 2023 entry is not written either
    with read_scope(url) as s:
        refusal = s.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused")).one()
        assert (refusal.action, refusal.entity, refusal.file_sha256) == ("record_benchmark", "office_template",
                                                                         result.sha256)  # fmt: skip


@pytest.mark.parametrize("role", [ActorRole.REPORTER, ActorRole.VIEWER])
def test_only_the_office_imports_it(seeded_url, role):
    url = seeded_url
    wb, bench, _base = _template(url)
    r = _rows(bench)[("LA-PQ-04", "2024年度数据")]
    bench.cell(r, 8).value, bench.cell(r, 9).value = 0.21, "省局通报"
    actor = Actor("某人", role, frozenset({1}))
    before = _counts(url)
    with pytest.raises(PermissionDenied):
        import_office_template(url, _save(wb), "x.xlsx", actor, PLAN)
    assert _counts(url) == before
    with read_scope(url) as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "refused")).all() == ["record_benchmark"]


def test_a_unit_template_is_not_an_office_template(seeded_url):
    from services.imports import make_template

    result = import_office_template(seeded_url, make_template(seeded_url, PLAN, "2025Q2", "市市场监管局"),
                                    "unit.xlsx", OFFICE, PLAN)  # fmt: skip
    assert result.status == "refused" and [e.code for e in result.errors] == ["not-template"]
