"""Import benchmark: commit_import against a bare calamine parse and a naive row-by-row import.

    python benchmarks/bench_import.py [--sizes 1000,10000,50000] [--runs 5] [--postgres] [--naive-runs 3]

A throw-away database holds a synthetic plan ``bench``: 100 units × rows/100 indicators of every
measure kind (rate, stock, new_since_baseline, per_capita, ratio, score, level, change, rank,
milestone), every unit reporting every indicator, a third of the indicators without a baseline.
Its all-units template is filled as units do: plain numbers, every fourth rate as a
%-formatted fraction (0.985 shown as 98.5%), ranks with field sizes, milestones with dates,
a note on every tenth row, a baseline proposal on 1 % of the rows. Two files (values A and B)
alternate, so every timed import writes a new version of every figure (and links the old one).

Printed, medians of ``--runs`` alternating runs:

* the bare parse ``CalamineWorkbook.from_filelike(...).get_sheet_by_name("填报").to_python()``;
* ``commit_import`` (guarded parse in the worker process, validation, diff, one transaction);
* the page's path: what pages/upload.py calls for a new file (``preview_import`` with the page's
  plan and quarter, which reads the file → confirm = ``commit_import(preview=…)``), without
  Streamlit's drawing (tests/test_upload_page.py
  drives the real page in AppTest, tests/apptest_support.py says why it needs a shim);
* a naive pandas + openpyxl import: ``read_excel`` then, per row, ORM look-ups of indicator,
  unit and current version, an ``Observation`` and an ``AuditEntry`` added, one commit;
* peak memory (tracemalloc, this process) of the parse and of commit_import, and the worker
  process's peak RSS (VmHWM).

Goals (issue 13; printed, never asserted): commit_import of 10,000 rows ≤ 2.5× the bare parse on
SQLite and PostgreSQL, peak memory ≤ 2× the parse's, the page's path ≤ 4× the parse, ≥ 20× faster
than the naive import.
"""

from __future__ import annotations

import argparse
import gc
import io
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = [
    ("rate", "%"),
    ("stock", "个"),
    ("new_since_baseline", "家"),
    ("per_capita", "件/万人"),
    ("ratio", "件/万户"),
    ("score", "分"),
    ("level", "元"),
    ("change", "%"),
    ("rank", ""),
    ("milestone", ""),
]
PERIOD = "2026Q3"


def _synthetic_plan(url: str, units: int, indicators: int) -> None:
    from sqlalchemy import insert

    from db.models import Baseline, Indicator, Plan, Responsibility, Target, Unit
    from db.session import session_scope

    with session_scope(url) as s:
        plan = Plan(
            code="bench",
            jurisdiction="基准市",
            level="市",
            title="基准计划",
            baseline_year=2020,
            horizon_years=[2027],
            first_period="2021Q1",
            settings={},
        )
        s.add(plan)
        s.flush()
        unit_rows = [Unit(jurisdiction="基准市", name=f"单位{u:03d}", kind="部门") for u in range(units)]
        s.add_all(unit_rows)
        s.flush()
        inds = []
        for i in range(indicators):
            kind, unit = KINDS[i % len(KINDS)]
            inds.append(
                Indicator(
                    plan_id=plan.id,
                    code=f"B-{i:04d}",
                    name=f"指标{i}",
                    category="基准",
                    measure_unit=unit,
                    measure_kind=kind,
                    position=i,
                )
            )
        s.add_all(inds)
        s.flush()
        s.execute(
            insert(Responsibility),
            [
                {"indicator_id": ind.id, "unit_id": u.id, "role": "lead", "position": p, "reports": True}
                for ind in inds
                for p, u in enumerate(unit_rows)
            ],
        )
        s.execute(
            insert(Target),
            [
                {
                    "indicator_id": ind.id,
                    "key": "t",
                    "year": 2027,
                    "comparator": "milestone"
                    if ind.measure_kind == "milestone"
                    else "rank"
                    if ind.measure_kind == "rank"
                    else "ge",
                    "value": 1 if ind.measure_kind != "rate" else 95,
                    "basis": "level",
                    "maintain": False,
                    "benchmark": "",
                    "text": "",
                    "note": "",
                    "in_force": True,
                    "origin": "draft",
                    "position": 0,
                    "each_year": False,
                }
                for ind in inds
            ],
        )
        s.execute(
            insert(Baseline),
            [
                {
                    "indicator_id": ind.id,
                    "value": 1.0,
                    "year": 2020,
                    "source": "基准",
                    "recorded_by": "bench",
                    "review_state": "accepted",
                    "review_comment": "",
                    "is_demo": False,
                }
                for n, ind in enumerate(inds)
                if n % 3
            ],
        )


def _fill(template: bytes, variant: int) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(template))
    ws = wb["填报"]
    for r in range(4, ws.max_row + 1):
        kind = ws.cell(r, 5).value or ""
        v = (r + variant) % 7
        if kind.startswith("比率"):
            if r % 4 == 0:
                ws.cell(r, 8).value = (90 + v) / 100
                ws.cell(r, 8).number_format = "0.0%"
            else:
                ws.cell(r, 8).value = 90 + v
        elif kind.startswith("位次"):
            ws.cell(r, 8).value, ws.cell(r, 9).value = 1 + v, 16
        elif kind.startswith("已完成"):
            ws.cell(r, 8).value = "已完成" if v % 2 else "未完成"
            if v % 2:
                ws.cell(r, 11).value = f"2026-0{1 + v % 8}-15"
        elif kind.startswith("变动率"):
            ws.cell(r, 8).value = -1.5 + v
        else:
            ws.cell(r, 8).value = 10 + v
        if r % 10 == 0:
            ws.cell(r, 14).value = f"备注：第 {r} 行数据来自年报，含抽查 {v} 项"
        if r % 100 == 0 and "可填基期值" in kind:
            ws.cell(r, 12).value, ws.cell(r, 13).value = 5 + v, 2020
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _naive(url: str, data: bytes) -> int:
    """What a first version would do: pandas + openpyxl, per-row ORM look-ups and writes."""
    import pandas as pd
    from sqlalchemy import select

    from db.models import AuditEntry, Indicator, Observation, Unit
    from db.session import session_scope
    from workbook.template import split_key

    frame = pd.read_excel(io.BytesIO(data), sheet_name="填报", header=2, engine="openpyxl")
    n = 0
    with session_scope(url) as s:
        for row in frame.itertuples(index=False):
            key = split_key(str(row[14]))
            if key is None:
                continue
            ind = s.scalar(select(Indicator).where(Indicator.code == key[3]))
            unit = s.scalar(select(Unit).where(Unit.name == key[2]))
            value = row[7]
            if isinstance(value, str):
                value = 1.0 if value == "已完成" else 0.0
            prev = s.scalar(
                select(Observation).where(
                    Observation.indicator_id == ind.id,
                    Observation.unit_id == unit.id,
                    Observation.period == key[1],
                    Observation.superseded_by_id.is_(None),
                )
            )
            obs = Observation(
                indicator_id=ind.id,
                unit_id=unit.id,
                period=key[1],
                value=float(value),
                version=prev.version + 1 if prev else 1,
                supersedes_id=prev.id if prev else None,
                source="file",
                entered_by="naive",
                review_state="accepted",
            )
            s.add(obs)
            s.flush()
            if prev is not None:
                prev.superseded_by_id = obs.id
            s.add(
                AuditEntry(
                    actor="naive",
                    action="record_figure",
                    entity="observation",
                    entity_key=f"{ind.id}/{unit.id}/{key[1]}",
                    after={"value": obs.value},
                )
            )
            n += 1
    return n


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _worker_hwm() -> int:
    from workbook import sandbox

    peak = 0
    for worker in list(sandbox._idle):
        try:
            with open(f"/proc/{worker.proc.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) * 1024)
        except OSError:
            pass
    return peak


def bench(url: str, label: str, rows: int, runs: int, naive_runs: int) -> dict:
    from python_calamine import CalamineWorkbook

    from db.migrate import upgrade
    from services.actor import system_actor
    from services.imports import commit_import, make_template, preview_import
    from workbook import sandbox

    upgrade(url)
    units = 100
    _synthetic_plan(url, units, max(1, rows // units))
    template = make_template(url, "bench", PERIOD)
    files = [_fill(template, 0), _fill(template, 1)]
    n = rows // units * units
    print(f"\n[{label}] workbook: {n} rows, {len(files[0]) / 1024:.0f} KiB")

    def parse(data: bytes):
        return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("填报").to_python()

    first = commit_import(url, files[1], "warm.xlsx", system_actor())  # warm: the worker, caches; "new"
    assert first.status == "committed", first.message
    times = {"parse": [], "commit": [], "page": []}
    del first
    for i in range(runs):
        data = files[0]  # A, then the page's B, then A again: every run changes every figure
        gc.collect()  # each timing starts from the same heap: no earlier run's garbage collected in it
        start = time.perf_counter()
        parse(data)
        times["parse"].append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        result = commit_import(url, data, f"c{i}.xlsx", system_actor())
        times["commit"].append(time.perf_counter() - start)
        assert result.status == "committed" and result.preview.counts["changed"] >= n * 0.8, result.message
        del result
        page_data = files[1]
        gc.collect()
        start = time.perf_counter()
        preview = preview_import(url, page_data, f"p{i}.xlsx", system_actor(), plan="bench", period=PERIOD)
        assert preview.changes_anything
        done = commit_import(
            url, page_data, f"p{i}.xlsx", system_actor(), plan="bench", period=PERIOD, preview=preview
        )
        times["page"].append(time.perf_counter() - start)
        assert done.status == "committed", done.message
        del preview, done
    tracemalloc.start()
    parse(files[0])
    parse_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tracemalloc.start()  # a writing import: the last run committed B, this is A (every figure changes)
    measured = commit_import(url, files[0], "mem.xlsx", system_actor())
    commit_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert measured.status == "committed", measured.message
    naive = []
    if naive_runs:
        for i in range(naive_runs):
            start = time.perf_counter()
            _naive(url, files[i % 2])
            naive.append(time.perf_counter() - start)
    med = {k: _median(v) for k, v in times.items()}
    out = {
        "rows": n,
        **med,
        "parse_peak": parse_peak,
        "commit_peak": commit_peak,
        "worker_hwm": _worker_hwm(),
        "naive": _median(naive) if naive else None,
    }
    print(f"  bare calamine parse            {med['parse'] * 1000:8.1f} ms")
    print(
        f"  commit_import                  {med['commit'] * 1000:8.1f} ms   "
        f"{med['commit'] / med['parse']:5.1f}× parse"
        f"   (goal ≤ 2.5×)   {n / med['commit']:8.0f} rows/s"
    )
    print(
        f"  page path (read→preview→commit){med['page'] * 1000:8.1f} ms   "
        f"{med['page'] / med['parse']:5.1f}× parse   (goal ≤ 4×)"
    )
    if naive:
        print(
            f"  naive pandas+openpyxl+ORM      {out['naive'] * 1000:8.1f} ms   commit_import is "
            f"{out['naive'] / med['commit']:5.1f}× faster (goal ≥ 20×; {len(naive)} runs)"
        )
    print(
        f"  peak memory (tracemalloc): parse {parse_peak / 2**20:.1f} MB, "
        f"commit_import {commit_peak / 2**20:.1f} MB"
        f" = {commit_peak / max(parse_peak, 1):.2f}× (goal ≤ 2×); parse worker peak RSS "
        f"{out['worker_hwm'] / 2**20:.0f} MB"
    )
    sandbox.shutdown()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also on a throw-away PostgreSQL (pgserver)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for rows in sizes:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        bench(url, f"SQLite {rows}", rows, args.runs, args.naive_runs if rows <= 10_000 else 0)
    if args.postgres:
        import pgserver

        server = pgserver.get_server(Path(tempfile.mkdtemp()), cleanup_mode="stop")
        try:
            for rows in sizes:
                import sqlalchemy as sa

                admin = sa.create_engine(
                    server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1),
                    isolation_level="AUTOCOMMIT",
                )
                with admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "bench{rows}"'))
                admin.dispose()
                url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
                url = url.replace("/postgres?", f"/bench{rows}?", 1)
                bench(url, f"PostgreSQL {rows}", rows, args.runs, args.naive_runs if rows <= 10_000 else 0)
        finally:
            server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
