"""Import a 10,000-row workbook; print rows/s and the ratio to bare reads.

    python benchmarks/bench_import.py [--rows 10000]

Builds a throw-away SQLite database holding a synthetic plan ``bench`` (100
units × rows/100 rate indicators, every unit reporting every indicator), writes
its all-units template, fills every value cell, and times:

* a bare python-calamine parse of the file,
* ``pandas.read_excel`` with openpyxl,
* this project's read + validate (``read_workbook`` + ``validate``),
* the full import: read, validate, preview diff and one-transaction commit.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _synthetic_plan(url: str, units: int, indicators: int) -> None:
    from db.models import Indicator, Plan, Responsibility, Unit
    from db.session import session_scope

    with session_scope(url) as s:
        plan = Plan(code="bench", jurisdiction="基准市", level="市", title="基准计划", baseline_year=2020,
                    horizon_years=[2025], first_period="2021Q1", settings={})  # fmt: skip
        s.add(plan)
        s.flush()
        unit_rows = [Unit(jurisdiction="基准市", name=f"单位{u:03d}", kind="部门") for u in range(units)]
        s.add_all(unit_rows)
        s.flush()
        for i in range(indicators):
            ind = Indicator(plan_id=plan.id, code=f"B-{i:04d}", name=f"指标{i}", category="基准",
                            measure_unit="%", measure_kind="rate", position=i)  # fmt: skip
            s.add(ind)
            s.flush()
            s.add_all(
                Responsibility(indicator_id=ind.id, unit_id=u.id, role="lead", position=p, reports=True)
                for p, u in enumerate(unit_rows)
            )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    import pandas as pd
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    from db.migrate import upgrade
    from db.session import read_scope
    from services.actor import system_actor
    from services.imports import commit_import, make_template, plan_catalogue
    from workbook.reader import read_workbook, validate

    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    units = 100
    _synthetic_plan(url, units, max(1, args.rows // units))
    template = make_template(url, "bench", "2026Q3")
    wb = load_workbook(io.BytesIO(template))
    ws = wb["填报"]
    for r in range(4, ws.max_row + 1):
        ws.cell(r, 8).value = 90 + r % 10
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    n = ws.max_row - 3
    print(f"workbook: {n} rows, {len(data) / 1024:.0f} KiB")

    def timed(label, func, repeat=3):
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            func()
            best = min(best, time.perf_counter() - start)
        print(f"{label:<44} {best * 1000:8.1f} ms  {n / best:10.0f} rows/s")
        return best

    def bare():
        CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("填报").to_python()

    bare_t = timed("python-calamine bare parse", bare)
    pandas_t = timed(
        "pandas.read_excel (openpyxl)",
        lambda: pd.read_excel(io.BytesIO(data), header=2, engine="openpyxl"),
        1,
    )
    with read_scope(url) as session:
        catalogue = plan_catalogue(session, "bench")

    def ours():
        parsed = validate(read_workbook(data, "bench.xlsx"), catalogue, "2026Q3")
        assert parsed.ok and len(parsed.rows) == n, parsed.errors[:3]

    ours_t = timed("read_workbook + validate (this project)", ours)
    start = time.perf_counter()
    result = commit_import(url, data, "bench.xlsx", system_actor())
    full_t = time.perf_counter() - start
    assert result.status == "committed" and result.preview.counts["new"] == n, result.message
    print(f"{'full import (validate, diff, commit)':<44} {full_t * 1000:8.1f} ms  {n / full_t:10.0f} rows/s")
    print(f"ratio read+validate / bare calamine parse:  {ours_t / bare_t:.1f}x slower")
    print(f"ratio read+validate / pandas+openpyxl read: {pandas_t / ours_t:.1f}x faster")
    print(f"ratio full import / bare calamine parse:    {full_t / bare_t:.1f}x slower")
    print(f"ratio full import / pandas+openpyxl read:   {full_t / pandas_t:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
