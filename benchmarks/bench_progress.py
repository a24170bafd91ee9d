"""Computing every status vs reading its inputs, from 1 to 120 to 2,800 plans.

For each scale a SQLite file is generated (``benchmarks/scale_data.py``: N plans ×
60 indicators × 20 quarters, 2021Q1–2025Q4) and measured as of the last quarter:

* read   — ``db.queries.load_plan_data`` for every plan (the application's real query
  path, one read session per plan, targets in force at the quarter's end);
* plain  — one plain Core SELECT per plan of the same observations (the columns the loader
  reads, accepted versions of the plan's indicators, rows only): the denominator of the goal
  "computing every status ≤ 1× a plain read of its observations";
* raw    — for reference, the same SELECT through the driver's cursor (no SQLAlchemy result
  processing: dates stay strings), a stricter denominator;
* bulk   — for reference, one raw ``SELECT`` of every current observation (+ unit name);
* status — every indicator prepared (``prepare``: series, quality flags, paths) and assessed
  as of the last quarter (``assess_at``), on the data already loaded: what the pages do
  (``ui.data.load_plan_model``); results kept, the previous plan's freed outside the timings;
* history — every indicator's history (``assess_at`` for each of the 20 quarters) from the
  same prepared series, as ``ui.data.PlanModel.histories`` does.

Per plan, plain, raw and status are the medians over the plan visits (every plan of the
file, a 1-plan file visited MIN_LOADS times), each segment timed after a ``gc.collect()``
so that none pays for collecting another's garbage; the totals (s) are sums.

It prints seconds, milliseconds per plan, compute/read ratios and growth against the
1-plan file, then times ONE plan's load + assess (the same generated plan, identical in
every file) in each file, checks every statement of ``load_plan_data`` with
``EXPLAIN QUERY PLAN`` for full-table scans (the cause of a one-plan cost that grows with
the number of plans stored), and re-times with the index that would fix them, created in
the benchmark files only.

    python benchmarks/bench_progress.py            # 1, 120, 2,800 plans (~9 min; generation ~70 s)
    python benchmarks/bench_progress.py --quick    # 1 and 120 plans (~30 s)
    python benchmarks/bench_progress.py --quick --national
    python benchmarks/bench_progress.py --plans 1,500 --workdir /tmp/bench  # keep/reuse the files

Goals (issue 13): computing every status of a plan ≤ 1× a plain read of its observations,
and one plan's status costs the same whatever the number of plans stored.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, event, select  # noqa: E402

from benchmarks.scale_data import FIRST_PERIOD, generate  # noqa: E402
from db.models import Indicator, Observation, Plan, Unit  # noqa: E402
from db.queries import load_plan_data  # noqa: E402
from db.session import get_engine, read_scope  # noqa: E402
from indicators.periods import Period, period_range  # noqa: E402
from indicators.progress import assess, assess_at, prepare  # noqa: E402

PROVINCE, NATIONAL = 120, 2800
INDICATORS, QUARTERS, SEED = 60, 20, 0
ONE_PLAN_REPEAT = 25
MIN_LOADS = 20  # plan loads timed at least, per scale
SAME_COST_TOLERANCE = 1.5  # one plan at N plans within 1.5× of one plan alone counts as "the same"
BENCH_INDEX_PREFIX = "bench_ix_"
GROWING_TABLES = ("plans", "units", "indicators", "targets", "baselines", "responsibilities", "observations")


@dataclass
class Scale:
    plans: int
    url: str
    gen_s: float | None
    read_s: float = 0.0
    status_s: float = 0.0
    history_s: float = 0.0
    bulk_s: float = 0.0
    plain_s: float = 0.0  # a plain SELECT of each plan's observations, summed over the plans
    plain_ms: float = 0.0  # per plan: median over the plan visits
    raw_ms: float = 0.0  # the same SELECT through the driver's cursor, median
    status_ms: float = 0.0  # median
    bulk_rows: int = 0
    figures: int = 0
    assessments: int = 0
    one_read_ms: float = 0.0  # min of the runs (least disturbed by other processes)
    one_read_median_ms: float = 0.0
    one_assess_ms: float = 0.0
    last_read_ms: float = 0.0
    indexed_one_read_ms: float | None = None
    indexed_one_read_median_ms: float | None = None
    indexed_read_s: float | None = None
    scans: list[tuple[str, str, str]] = field(default_factory=list)  # (table, plan detail, where column)


def code(n: int) -> str:
    return f"scale{n:05d}"


def build(workdir: Path, plans: int) -> tuple[str, float | None]:
    """The file for ``plans`` plans: generated, or reused from ``workdir`` if complete."""
    path = workdir / f"plans_{plans}.db"
    meta = path.with_suffix(".json")
    params = {"plans": plans, "indicators": INDICATORS, "quarters": QUARTERS, "seed": SEED}
    if path.exists() and meta.exists() and json.loads(meta.read_text())["params"] == params:
        return f"sqlite:///{path}", None
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    t0 = time.perf_counter()
    counts = generate(url, plans, INDICATORS, QUARTERS, SEED)
    elapsed = time.perf_counter() - t0
    meta.write_text(json.dumps({"params": params, "counts": counts, "seconds": elapsed}))
    return url, elapsed


PLAIN_READ = (
    select(
        Observation.id, Observation.indicator_id, Observation.unit_id, Observation.period,
        Observation.version, Observation.value, Observation.field_size, Observation.benchmark_value,
        Observation.done_on, Observation.entered_at, Observation.is_demo, Observation.note,
        Observation.retracted,
    )
    .where(
        Observation.indicator_id.in_(
            select(Indicator.id)
            .join(Plan, Plan.id == Indicator.plan_id)
            .where(Plan.code == bindparam("code"))
        ),
        Observation.review_state == "accepted",
    )
)  # fmt: skip


def plain_read(conn, plan_code: str) -> list:
    """One plain SELECT of a plan's accepted observations: the rows."""
    return conn.execute(PLAIN_READ, {"code": plan_code}).all()


def raw_read(conn, sql: str, plan_code: str) -> list:
    """The same SELECT through the DB-API cursor: the driver's tuples, no result processing."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, (plan_code, "accepted"))
        return cursor.fetchall()
    finally:
        cursor.close()


def read_and_compute(s: Scale, as_of: Period) -> None:
    """Per plan: plain and raw SELECTs, load_plan_data, statuses and history on that data (timed).

    A warm-up load comes first (SQLAlchemy compiles and caches its statements once per
    process); a file with fewer than MIN_LOADS plans is gone through several times and
    the totals divided, so that one plan is not a single noisy sample. Each timed segment
    starts after an (untimed) ``gc.collect()``: a full collection triggered by the previous
    segment's objects would otherwise land in whichever segment comes next.
    """
    on = as_of.end_date
    with read_scope(s.url) as session:
        load_plan_data(session, code(1), on=on)
    clock = time.perf_counter
    rounds = max(1, MIN_LOADS // s.plans)
    read = status = history = plain = 0.0
    plains: list[float] = []
    raws: list[float] = []
    statuses: list[float] = []
    conn = get_engine(s.url).connect()
    sql = str(PLAIN_READ.compile(dialect=conn.dialect))
    assert len(plain_read(conn, code(1))) == len(raw_read(conn, sql, code(1)))
    for _ in range(rounds):
        s.figures = s.assessments = 0
        for n in range(1, s.plans + 1):
            gc.collect()
            tp = clock()
            rows = plain_read(conn, code(n))
            tr = clock()
            del rows  # freed outside the timing, like the statuses (kept until the plan is done)
            tr2 = clock()
            rows = raw_read(conn, sql, code(n))
            t_raw = clock() - tr2
            del rows
            plains.append(tr - tp)
            raws.append(t_raw)
            plain += tr - tp
            gc.collect()
            t0 = clock()
            with read_scope(s.url) as session:
                plan, data = load_plan_data(session, code(n), on=on)
            t1 = clock()
            read += t1 - t0
            gc.collect()
            t1 = clock()
            # as ui.data.load_plan_model and PlanModel.histories do (results kept, freed untimed)
            prepared = [prepare(item, plan.settings) for item in data]
            assessments = [assess_at(p, as_of) for p in prepared]
            t2 = clock()
            quarters = period_range(plan.settings.first_period, as_of)
            histories = [[assess_at(p, q) for q in quarters] for p in prepared]
            t3 = clock()
            status += t2 - t1
            statuses.append(t2 - t1)
            history += t3 - t2
            s.figures += sum(len(item.figures) for item in data)
            s.assessments += len(assessments)
            del plan, data, prepared, assessments, histories
    conn.close()
    s.read_s, s.status_s, s.history_s = read / rounds, status / rounds, history / rounds
    s.plain_s = plain / rounds
    s.plain_ms, s.raw_ms = statistics.median(plains) * 1000, statistics.median(raws) * 1000
    s.status_ms = statistics.median(statuses) * 1000


def bulk_read(s: Scale) -> None:
    """One SELECT of every current, accepted observation with its unit's name (raw rows)."""
    query = (
        select(
            Observation.indicator_id, Observation.period, Observation.value, Observation.field_size,
            Observation.benchmark_value, Observation.done_on, Observation.entered_at, Observation.is_demo,
            Observation.note, Unit.name,
        )
        .join(Unit, Unit.id == Observation.unit_id)
        .where(Observation.superseded_by_id.is_(None), Observation.review_state == "accepted")
    )  # fmt: skip
    with get_engine(s.url).connect() as conn:
        t0 = time.perf_counter()
        rows = conn.execute(query).all()
        s.bulk_s = time.perf_counter() - t0
    s.bulk_rows = len(rows)


def one_plan(scales: list[Scale], as_of: Period, last: bool = False) -> dict[int, tuple[float, float, float]]:
    """Per file: (min, median) ms of one plan's load_plan_data and median ms of assessing it.

    The files are measured in alternating rounds so that a busy machine slows them alike;
    ``last`` takes each file's last plan instead of plan 1.
    """
    reads: dict[int, list[float]] = {s.plans: [] for s in scales}
    computes: dict[int, list[float]] = {s.plans: [] for s in scales}
    for k in range(ONE_PLAN_REPEAT + 2):
        for s in scales:
            plan_code = code(s.plans if last else 1)
            t0 = time.perf_counter()
            with read_scope(s.url) as session:
                plan, data = load_plan_data(session, plan_code, on=as_of.end_date)
            t1 = time.perf_counter()
            for item in data:
                assess(item, as_of, plan.settings)
            t2 = time.perf_counter()
            if k >= 2:  # two warm-up rounds
                reads[s.plans].append((t1 - t0) * 1000)
                computes[s.plans].append((t2 - t1) * 1000)
    return {n: (min(reads[n]), statistics.median(reads[n]), statistics.median(computes[n])) for n in reads}


def full_scans(url: str, plan_code: str, as_of: Period) -> list[tuple[str, str, str]]:
    """Statements of load_plan_data whose SQLite plan scans a table that grows with the plans."""
    engine = get_engine(url)
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with read_scope(url) as session:
            load_plan_data(session, plan_code, on=as_of.end_date)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    scans = []
    with engine.connect() as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters):
                detail = row[-1]
                match = re.match(r"SCAN (\w+)", detail)
                if match and match.group(1) in GROWING_TABLES:
                    table = match.group(1)
                    col = re.search(rf"\b{table}\.(\w+)\s*(?:IN \(|=)", statement)
                    scans.append((table, detail, col.group(1) if col else "?"))
    return sorted(set(scans))


def index_sql(table: str, column: str, prefix: str = "ix_") -> str:
    return f"CREATE INDEX {prefix}{table}_{column} ON {table} ({column})"


def reset(url: str) -> None:
    """Drop what this benchmark may have added to a (reused) file: its indexes, planner statistics."""
    with get_engine(url).begin() as conn:
        names = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ?", (BENCH_INDEX_PREFIX + "%",)
        ).scalars()
        for name in list(names):
            conn.exec_driver_sql(f"DROP INDEX {name}")
        if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
            conn.exec_driver_sql("DROP TABLE sqlite_stat1")


def fmt_ratio(x: float) -> str:
    return f"{x:.2f}×"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 120 plans only (unless --national)")
    parser.add_argument(
        "--national", action="store_true", help="include 2,800 plans (default unless --quick)"
    )
    parser.add_argument("--plans", help="comma-separated scales instead, e.g. 1,120,500")
    parser.add_argument("--workdir", help="keep the generated files here and reuse them on the next run")
    parser.add_argument("--no-index-check", action="store_true", help="skip re-timing with suggested indexes")
    args = parser.parse_args()
    if args.plans:
        sizes = sorted({int(x) for x in args.plans.split(",")} | {1})
    else:
        sizes = [1, PROVINCE] + ([NATIONAL] if args.national or not args.quick else [])
    as_of = FIRST_PERIOD.shift(QUARTERS - 1)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench_progress_"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"Progress benchmark: {INDICATORS} indicators × {QUARTERS} quarters per plan, as of {as_of}")
    print(f"Scales: {', '.join(f'{n:,}' for n in sizes)} plans; files in {workdir}\n")
    try:
        scales = run(sizes, workdir, as_of, index_check=not args.no_index_check)
    finally:
        if not args.workdir:
            for engine_url in (f"sqlite:///{workdir / f'plans_{n}.db'}" for n in sizes):
                get_engine(engine_url).dispose()
            shutil.rmtree(workdir, ignore_errors=True)
    report(scales)
    return 0


def run(sizes: list[int], workdir: Path, as_of: Period, index_check: bool) -> list[Scale]:
    scales = []
    for n in sizes:
        url, gen_s = build(workdir, n)
        reset(url)
        s = Scale(n, url, gen_s)
        gen = "reused" if gen_s is None else f"generated in {gen_s:.1f} s"
        print(f"[{n:>5,} plans] {gen}; reading + computing every plan …", flush=True)
        read_and_compute(s, as_of)
        bulk_read(s)
        s.scans = full_scans(url, code(1), as_of)
        print(
            f"              read {s.read_s:.2f} s, status {s.status_s:.2f} s, history {s.history_s:.2f} s, "
            f"bulk {s.bulk_s:.2f} s",
            flush=True,
        )
        scales.append(s)
    print("\nTiming one plan in every file (alternating rounds) …", flush=True)
    for s, (low, mid, comp) in zip(scales, one_plan(scales, as_of).values(), strict=True):
        s.one_read_ms, s.one_read_median_ms, s.one_assess_ms = low, mid, comp
    for s, (low, _, _) in zip(scales, one_plan(scales, as_of, last=True).values(), strict=True):
        s.last_read_ms = low
    fixes = sorted({(t, c) for s in scales if s.plans > 1 for t, _, c in s.scans if c != "?"})
    if index_check and fixes:
        print("\nRe-timing with the suggested index(es), created in the benchmark files only …", flush=True)
        for s in scales:
            with get_engine(s.url).begin() as conn:
                for table, column in fixes:
                    conn.exec_driver_sql(index_sql(table, column, BENCH_INDEX_PREFIX))
        try:
            for s in scales:
                again = Scale(s.plans, s.url, None)
                read_and_compute(again, as_of)
                s.indexed_read_s = again.read_s
            for s, (low, mid, _) in zip(scales, one_plan(scales, as_of).values(), strict=True):
                s.indexed_one_read_ms, s.indexed_one_read_median_ms = low, mid
        finally:
            for s in scales:
                reset(s.url)
    return scales


def report(scales: list[Scale]) -> None:
    base = scales[0]
    print("\n== Every status vs reading its inputs (as shipped: schema of db/migrations) ==")
    header = (
        f"{'plans':>6} {'figures':>10} {'gen s':>7} {'read s':>8} {'status s':>9} {'history s':>10} "
        f"{'bulk s':>7} {'read ms/plan':>13} {'status ms/plan':>15} {'hist ms/plan':>13} "
        f"{'status/read':>12} {'hist/read':>10} {'plain ms/plan':>14} {'status/plain':>13} "
        f"{'raw ms/plan':>12} {'status/raw':>11}"
    )
    print(header)
    print("-" * len(header))
    for s in scales:
        gen = "reused" if s.gen_s is None else f"{s.gen_s:.1f}"
        print(
            f"{s.plans:>6,} {s.figures:>10,} {gen:>7} {s.read_s:>8.2f} {s.status_s:>9.2f} "
            f"{s.history_s:>10.2f} {s.bulk_s:>7.2f} {s.read_s / s.plans * 1000:>13.1f} "
            f"{s.status_ms:>15.2f} {s.history_s / s.plans * 1000:>13.1f} "
            f"{s.status_s / s.read_s:>12.3f} {s.history_s / s.read_s:>10.3f} "
            f"{s.plain_ms:>14.2f} {s.status_ms / s.plain_ms:>13.2f} "
            f"{s.raw_ms:>12.2f} {s.status_ms / s.raw_ms:>11.2f}"
        )
    print("(status, plain and raw ms/plan: medians over the plan visits; read, hist ms/plan: totals / plans)")
    print(
        "\n(bulk: one raw SELECT of every current observation with its unit, rows only — "
        + ", ".join(f"{s.bulk_rows:,} rows in {s.bulk_s:.2f} s" for s in scales)
        + ")"
    )
    print("\n== Growth against 1 plan (×; per-plan cost constant ⇔ total grows like plans) ==")
    print(f"{'plans':>6} {'plans ×':>9} {'read ×':>9} {'status ×':>9} {'history ×':>10} {'read/plan ×':>12} "
          f"{'status/plan ×':>14}")  # fmt: skip
    for s in scales:
        print(
            f"{s.plans:>6,} {s.plans / base.plans:>9.0f} {s.read_s / base.read_s:>9.1f} "
            f"{s.status_s / base.status_s:>9.1f} {s.history_s / base.history_s:>10.1f} "
            f"{(s.read_s / s.plans) / (base.read_s / base.plans):>12.2f} "
            f"{(s.status_s / s.plans) / (base.status_s / base.plans):>14.2f}"
        )
    print(f"\n== One plan ({code(1)}, identical in every file): {ONE_PLAN_REPEAT} warm runs per file ==")
    print(f"{'plans stored':>12} {'load ms min':>12} {'load ms median':>15} {'assess ms':>10} "
          f"{'load × vs 1':>12} {'last plan load ms':>18}")  # fmt: skip
    for s in scales:
        print(
            f"{s.plans:>12,} {s.one_read_ms:>12.2f} {s.one_read_median_ms:>15.2f} {s.one_assess_ms:>10.2f} "
            f"{s.one_read_ms / base.one_read_ms:>12.2f} {s.last_read_ms:>18.2f}"
        )
    # A 1-plan file's tables are tiny: a scan there is the planner's right choice, not a problem.
    scans = sorted({(t, d, c) for s in scales if s.plans > 1 for t, d, c in s.scans})
    if scans:
        print("\nFull-table scans in load_plan_data (EXPLAIN QUERY PLAN): the cost of one plan grows with")
        print("the rows of every plan stored in these tables:")
        for table, detail, column in scans:
            fix = index_sql(table, column) if column != "?" else "(no single column found)"
            print(f"  - {detail:<28} → fix: {fix};")
    else:
        print("\nEvery statement of load_plan_data uses an index (EXPLAIN QUERY PLAN): no full-table scan.")
    if any(s.indexed_one_read_ms is not None for s in scales):
        print("\n== With the suggested index(es) (benchmark files only) ==")
        print(f"{'plans stored':>12} {'one load ms min':>16} {'median':>8} {'× vs 1':>8} {'read all s':>11} "
              f"{'read ms/plan':>13} {'status/read':>12}")  # fmt: skip
        for s in scales:
            assert s.indexed_one_read_ms is not None and s.indexed_read_s is not None
            assert base.indexed_one_read_ms is not None
            print(
                f"{s.plans:>12,} {s.indexed_one_read_ms:>16.2f} {s.indexed_one_read_median_ms:>8.2f} "
                f"{s.indexed_one_read_ms / base.indexed_one_read_ms:>8.2f} {s.indexed_read_s:>11.2f} "
                f"{s.indexed_read_s / s.plans * 1000:>13.1f} {s.status_s / s.indexed_read_s:>12.3f}"
            )
    verdicts(scales)


def verdicts(scales: list[Scale]) -> None:
    base, top = scales[0], scales[-1]
    print("\n== Goals ==")
    worst_plain = max(s.status_ms / s.plain_ms for s in scales)
    print(
        f"[{'MET' if worst_plain <= 1 else 'NOT MET'}] computing every status of a plan ≤ 1× a plain "
        f"SELECT of its observations: status/plain ≤ {worst_plain:.2f} at every scale ("
        + ", ".join(
            f"{s.plans:,} plans {s.status_ms:.2f} / {s.plain_ms:.2f} ms = {s.status_ms / s.plain_ms:.2f}×"
            for s in scales
        )
        + "; medians per plan)"
    )
    worst_raw = max(s.status_ms / s.raw_ms for s in scales)
    print(
        f"        (against the same SELECT through the driver's cursor, no result processing: status/raw ≤ "
        f"{worst_raw:.2f})"
    )
    cheaper = all(s.status_s < s.read_s for s in scales)
    worst = max(s.status_s / s.read_s for s in scales)
    print(
        f"        (against the application's whole load_plan_data: status/read ≤ {worst:.3f} — "
        f"{'cheaper' if cheaper else 'NOT cheaper'} than reading)"
    )
    hist = max(s.history_s / s.read_s for s in scales)
    print(
        f"        (all {QUARTERS} quarters of history per indicator, from the prepared series: "
        f"history/read ≤ {hist:.3f} — {'also' if hist < 1 else 'NOT'} cheaper than reading)"
    )
    growth = top.one_read_ms / base.one_read_ms
    same = growth <= SAME_COST_TOLERANCE
    scanned = any(s.scans for s in scales if s.plans > 1)
    print(
        f"[{'MET' if same else 'NOT MET'}{' within tolerance' if same and scanned else ''}] "
        "one plan's status costs the same whatever the number of plans: "
        f"load {base.one_read_ms:.1f} ms with 1 plan, {top.one_read_ms:.1f} ms with {top.plans:,} "
        f"(min of runs; {fmt_ratio(growth)}; tolerance {SAME_COST_TOLERANCE}×); "
        f"assess {base.one_assess_ms:.1f} → {top.one_assess_ms:.1f} ms"
    )
    if scanned:
        print("        but a full-table scan adds a cost proportional to the plans stored (see above)")
    if top.indexed_one_read_ms is not None and base.indexed_one_read_ms is not None:
        fixed = top.indexed_one_read_ms / base.indexed_one_read_ms
        tables = ", ".join(sorted({t for s in scales if s.plans > 1 for t, _, _ in s.scans}))
        print(
            f"        with an index on the scanned table(s) ({tables}): {base.indexed_one_read_ms:.1f} → "
            f"{top.indexed_one_read_ms:.1f} ms ({fmt_ratio(fixed)}) — "
            f"{'MET' if fixed <= SAME_COST_TOLERANCE else 'still NOT MET'} "
            "once the index is added by a migration"
        )


if __name__ == "__main__":
    raise SystemExit(main())
