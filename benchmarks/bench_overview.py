"""The 总览 (overview) and 责任单位 (units) pages at 1, 120 and 2,800 plans stored.

The files come from the same generator as the progress benchmark (``benchmarks/scale_data.py``:
N plans × 60 indicators × 20 quarters, 2021Q1–2025Q4; plan ``scale00001`` is identical in every
file) and the pages are measured as a user gets them: AppTest runs of the real ``app.py`` with
a signed-in user (``--role``: the office by default, whose 我的待办 badge is counted on every
page; a leader; a reporter) on plan ``scale00001`` (the router, sign-in check, badge, sidebar
selectors with the whole plan list, cached reads, engine, charts and tables: everything but the
browser).

For every file and page, three states, in rounds that alternate the files (a busy machine slows
them alike; odd rounds go from the largest file down), medians of ``--repeat`` (≥ 5) rounds:

* **warm** — a rerun with nothing changed (every cache hits);
* **cold** — the first rerun after a write (a real write transaction bumps the data version:
  the plan is loaded, assessed and drawn again; the plan list, keyed on its own counter, stays),
  from a page whose caches are all filled (an untimed rerun first: the "first view" of the file
  measured just before empties every cache, and without it the 2,800-plan cold sample read the
  whole plan list again);
* **first view** — every data cache emptied (as after a restart: the plan list is read too).

Every sample starts after a full garbage collection (outside the timing). Without it the
collector's occasional full pass over the whole process (0.1–0.3 s here, whatever the number of
plans: the 2,800-plan list is ~9,000 of its ~250,000 objects) fell, round after round, on the
same sample of the fixed sequence. With these two artefacts the overview's cold sample at 2,800
plans measured 2.41× its 1-plan cost; with the collections alone 1.40×, with both fixes 1.06×.
The cost of a full collection is printed apart: a render may pay it at any scale. Each sample's
CPU time (the whole process) is printed next to its wall time: on a shared machine the CPU
ratios move least, and they are what the pages cost the server.

Then one more round, for every role, counts the work of a cold and a warm render (statements
executed, rows fetched, through SQLAlchemy events): the same at every scale (the plan list is
not read on either) is what "flat in the number of plans" means.

Goals (issue 13): at 2,800 plans each page costs ≤ 1.2× its cost at 1 plan, warm and cold;
cold < 0.5 s at 2,800 plans.

    python benchmarks/bench_overview.py                       # 1, 120, 2,800 plans (~2 min)
    python benchmarks/bench_overview.py --plans 1,120 --repeat 5
    python benchmarks/bench_overview.py --workdir /tmp/bench  # keep/reuse the generated files
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gc
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
logging.getLogger("streamlit").setLevel(logging.ERROR)

PAGES = {"overview": "pages/overview.py", "units": "pages/units.py"}
STATES = ("warm", "cold", "first view")
PLAN = "scale00001"
FLAT_GOAL, COLD_GOAL_S = 1.2, 0.5


def _schema_only() -> None:
    """The benchmark files hold generated plans only: the first start must not add the two seed
    plans (``init_database`` loads the bundled catalogue into a database that lacks them)."""
    import services.setup
    from db.migrate import upgrade

    services.setup.init_database = lambda url=None, *args, **kwargs: upgrade(url)


def _actor(url: str, role: str):
    """The signed-in user: the office (admin: the 我的待办 badge counts what awaits it on every
    page), a leader (read only) or a reporter of one of the plan's lead units."""
    from sqlalchemy import select

    from db.models import Indicator, Plan, Responsibility
    from db.session import read_scope
    from services.actor import Actor, ActorRole

    if role == "office":
        return Actor("bench-office", ActorRole.ADMIN)
    if role == "leader":
        return Actor("bench-leader", ActorRole.VIEWER)
    with read_scope(url) as session:
        unit = session.scalar(
            select(Responsibility.unit_id).join(Indicator).join(Plan)
            .where(Plan.code == PLAN, Responsibility.role == "lead").order_by(Responsibility.unit_id).limit(1)
        )  # fmt: skip
    return Actor("bench-reporter", ActorRole.REPORTER, unit_ids=frozenset({unit}))


def _app(url: str, page: str, role: str):
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["auth_actor"] = _actor(url, role)
    at.session_state["auth_last_seen"] = dt.datetime.now()
    at.session_state["selected_plan"] = PLAN
    at.run()  # the role's landing page (a reporter's is 我的待办)
    at.switch_page(page)
    at.run()
    _check(at, page)
    return at


def _check(at, page: str) -> None:
    assert not at.exception, at.exception
    titles = " ".join(t.value for t in at.title)
    assert ("总览" if page.endswith("overview.py") else "责任单位") in titles, titles
    assert "scale00001" in titles or "规模测试" in titles, titles


def _run(at, url: str, page: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (every thread of this process: the script runs on its own)."""
    os.environ["DATABASE_URL"] = url
    at.session_state["auth_last_seen"] = dt.datetime.now()
    gc.collect()  # no full collection left pending for this sample (see the module docstring)
    start, cpu = time.perf_counter(), time.process_time()
    at.run()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    _check(at, page)
    return elapsed, cpu


def _write(url: str) -> None:
    """A real write transaction (marks the observations table written): the data version moves."""
    from db.session import session_scope
    from db.versioning import mark_written

    with session_scope(url) as session:
        mark_written(session)


def _empty_caches() -> None:
    from ui import data

    for fn in (data._plan_list, data.progress, data.units_view, data.quarters, data.has_demo):
        fn.clear()
    data._plan_model.clear()
    data.matrix.clear()


Samples = dict[tuple[int, str, str], list[float]]  # (plans, page, state) → seconds per round


def measure(urls: dict[int, str], repeat: int, role: str) -> tuple[Samples, Samples]:
    """Wall and CPU seconds per (plans, page, state), ``repeat`` alternating rounds after a warm-up."""
    apps = {(n, page): _app(url, path, role) for n, url in urls.items() for page, path in PAGES.items()}
    times: Samples = {}
    cpu: Samples = {}
    for k in range(repeat + 1):
        order = list(urls.items()) if k % 2 == 0 else list(reversed(urls.items()))
        for n, url in order:
            for page, path in PAGES.items():
                at = apps[(n, page)]
                _run(at, url, path)  # untimed: the previous file's "first view" emptied every cache
                _write(url)
                cold = _run(at, url, path)
                warm = _run(at, url, path)
                _empty_caches()
                first = _run(at, url, path)
                if k == 0:
                    continue  # warm-up round (statement compilation, imports)
                for state, value in zip(STATES, (warm, cold, first), strict=True):
                    times.setdefault((n, page, state), []).append(value[0])
                    cpu.setdefault((n, page, state), []).append(value[1])
    return times, cpu


Work = dict[str, list[int]]  # statement (first 100 characters) → [times executed, rows fetched]
ROLES = ("office", "leader", "reporter")


class _Counter:
    """Statements executed and rows fetched while ``on`` (every engine of the process).

    Statements: the ``before_cursor_execute`` event. Rows: SQLAlchemy 2's cursor fetch strategies
    (what ``Result.all()``, ``scalars()`` and the ORM read through), wrapped for the round.
    """

    def __init__(self) -> None:
        self.on = False
        self.work: Work = collections.defaultdict(lambda: [0, 0])
        self._saved: list[tuple[type, str, object]] = []

    @staticmethod
    def _key(statement: str) -> str:
        return " ".join(statement.split())[:100]

    def _statement(self, _conn, _cursor, statement, *_args) -> None:
        if self.on:
            self.work[self._key(statement)][0] += 1

    def __enter__(self) -> _Counter:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from sqlalchemy.engine import cursor as sa_cursor

        event.listen(Engine, "before_cursor_execute", self._statement)
        classes = (sa_cursor.CursorFetchStrategy, sa_cursor.BufferedRowCursorFetchStrategy,
                   sa_cursor.FullyBufferedCursorFetchStrategy)  # fmt: skip
        for cls in classes:
            for name in ("fetchone", "fetchmany", "fetchall"):
                if name in cls.__dict__:
                    self._saved.append((cls, name, cls.__dict__[name]))
                    setattr(cls, name, self._fetch(cls.__dict__[name], name == "fetchone"))
        return self

    def _fetch(self, original, one: bool):
        counter = self

        def fetch(strategy, result, dbapi_cursor, *args, **kwargs):
            rows = original(strategy, result, dbapi_cursor, *args, **kwargs)
            if counter.on:
                n = (rows is not None) if one else len(rows)
                counter.work[counter._key(result.context.statement or "")][1] += n
            return rows

        return fetch

    def __exit__(self, *_exc) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.remove(Engine, "before_cursor_execute", self._statement)
        for cls, name, original in self._saved:
            setattr(cls, name, original)

    def render(self, at, url: str, page: str) -> Work:
        self.work.clear()
        self.on = True
        try:
            _run(at, url, page)
        finally:
            self.on = False
        return {key: list(value) for key, value in self.work.items()}


def count_work(urls: dict[int, str]) -> dict[tuple[int, str, str, str], Work]:
    """Statements and rows of one cold and one warm render per (plans, page, role), untimed."""
    work: dict[tuple[int, str, str, str], Work] = {}
    with _Counter() as counter:
        for role in ROLES:
            for n, url in urls.items():
                for page, path in PAGES.items():
                    at = _app(url, path, role)
                    _write(url)
                    work[(n, page, role, "cold")] = counter.render(at, url, path)
                    work[(n, page, role, "warm")] = counter.render(at, url, path)
    return work


def full_collection() -> tuple[float, int]:
    """Milliseconds of one full garbage collection of this process, and the objects it walks."""
    gc.collect()
    start = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - start) * 1000, len(gc.get_objects())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", default="1,120,2800", help="comma-separated scales (1 is always added)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", help="keep the generated files here and reuse them")
    parser.add_argument("--role", choices=ROLES, default="office", help="who is signed in for the timings")
    args = parser.parse_args()
    if args.repeat < 5:
        print("(fewer than 5 rounds: the medians are not the benchmark's figures)")
    sizes = sorted({int(x) for x in args.plans.split(",")} | {1})

    from benchmarks.bench_progress import build
    from db.session import get_engine

    os.chdir(ROOT)
    _schema_only()
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench_overview_"))
    workdir.mkdir(parents=True, exist_ok=True)
    urls = {}
    try:
        for n in sizes:
            url, gen_s = build(workdir, n)
            made = "reused" if gen_s is None else f"generated in {gen_s:.1f} s"
            print(f"[{n:>5,} plans] {made}", flush=True)
            urls[n] = url
        print(f"Measuring {len(PAGES)} pages × {len(STATES)} states × {len(sizes)} files, "
              f"{args.repeat} alternating rounds …", flush=True)  # fmt: skip
        times, cpu = measure(urls, args.repeat, args.role)
        work = count_work(urls)
        collection = full_collection()
    finally:
        for url in urls.values():
            get_engine(url).dispose()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    report(times, cpu, sizes, args.role)
    report_work(work, sizes)
    ms, objects = collection
    print(f"\nA full garbage collection of this process: {ms:.0f} ms over {objects:,} objects (before every "
          "sample, untimed; in use, any render may pay it, whatever the number of plans).")  # fmt: skip
    return 0


def report_work(work: dict[tuple[int, str, str, str], Work], sizes: list[int]) -> None:
    """Statements and rows per render at every scale, and which statements differ from 1 plan."""
    print("\n== Work per render, every role: statements executed / rows fetched ==")
    header = f"{'page':10} {'role':9} {'state':6}" + "".join(f"{f'{n:,} plans':>16}" for n in sizes)
    print(header)
    print("-" * len(header))
    base, top = sizes[0], sizes[-1]
    differ = []
    for page in PAGES:
        for role in ROLES:
            for state in ("warm", "cold"):
                cells = []
                for n in sizes:
                    w = work[(n, page, role, state)]
                    cells.append(f"{sum(v[0] for v in w.values())} / {sum(v[1] for v in w.values()):,}")
                print(f"{page:10} {role:9} {state:6}" + "".join(f"{c:>16}" for c in cells))
                a, b = work[(base, page, role, state)], work[(top, page, role, state)]
                differ += [(page, role, state, k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b))
                           if a.get(k) != b.get(k)]  # fmt: skip
    if not differ:
        print(f"[SAME] every page, role and state: statements and rows equal at {base} and {top:,} plans")
    for page, role, state, key, one, many in differ:
        print(f"[DIFFERS] {page} {role} {state}: {one or [0, 0]} → {many or [0, 0]} (times, rows) {key}")


def report(times: Samples, cpu: Samples, sizes: list[int], role: str) -> None:
    med = {key: statistics.median(values) for key, values in times.items()}
    cpu_med = {key: statistics.median(values) for key, values in cpu.items()}
    base, top = sizes[0], sizes[-1]
    print(f"\n== AppTest runs of the real pages, plan {PLAN}, as {role}: median ms (ratio to 1 plan) ==")
    header = f"{'page':10} {'state':11}" + "".join(f"{f'{n:,} plans':>22}" for n in sizes)
    print(header)
    print("-" * len(header))
    for page in PAGES:
        for state in STATES:
            cells = []
            for n in sizes:
                value = med[(n, page, state)]
                cells.append(f"{value * 1000:>12.0f} ({value / med[(base, page, state)]:>5.2f}×)")
            print(f"{page:10} {state:11}" + "".join(f"{c:>22}" for c in cells))
    low = {key: min(values) for key, values in times.items()}
    print("\n== The same, least disturbed round (min; the machine is shared): ms (ratio to 1 plan) ==")
    for page in PAGES:
        for state in STATES:
            one = low[(base, page, state)]
            values = [low[(n, page, state)] for n in sizes]
            cells = [f"{v * 1000:>12.0f} ({v / one:>5.2f}×)" for v in values]
            print(f"{page:10} {state:11}" + "".join(f"{c:>22}" for c in cells))
    print("\n== CPU time of the process (every thread; what a busy machine disturbs least): median ms ==")
    for page in PAGES:
        for state in STATES:
            one = cpu_med[(base, page, state)]
            cells = [f"{cpu_med[(n, page, state)] * 1000:>12.0f} ({cpu_med[(n, page, state)] / one:>5.2f}×)"
                     for n in sizes]  # fmt: skip
            print(f"{page:10} {state:11}" + "".join(f"{c:>22}" for c in cells))
    if top == base:
        return
    print(f"\n== Ratio {top:,} : 1 plans: wall medians (min of rounds; CPU medians) ==")
    for page in PAGES:
        cells = []
        for state in ("warm", "cold"):
            ratio = med[(top, page, state)] / med[(base, page, state)]
            least = low[(top, page, state)] / low[(base, page, state)]
            by_cpu = cpu_med[(top, page, state)] / cpu_med[(base, page, state)]
            cells.append(f"{state} {ratio:.2f}× ({least:.2f}×; CPU {by_cpu:.2f}×)")
        print(f"{page:10} " + "   ".join(cells))
    print(f"\n== Goals ({top:,} plans against 1) ==")
    for page in PAGES:
        for state in ("warm", "cold"):
            ratio = med[(top, page, state)] / med[(base, page, state)]
            verdict = "MET" if ratio <= FLAT_GOAL else "NOT MET"
            least = low[(top, page, state)] / low[(base, page, state)]
            by_cpu = cpu_med[(top, page, state)] / cpu_med[(base, page, state)]
            print(f"[{verdict}] {page} {state}: {ratio:.2f}× of medians "
                  f"(goal ≤ {FLAT_GOAL}×; min of rounds {least:.2f}×; CPU {by_cpu:.2f}×)")  # fmt: skip
        cold = med[(top, page, "cold")]
        verdict = "MET" if cold < COLD_GOAL_S else "NOT MET"
        goal = f"goal < {COLD_GOAL_S * 1000:.0f} ms"
        print(f"[{verdict}] {page} cold at {top:,} plans: {cold * 1000:.0f} ms median ({goal}; "
              f"min {low[(top, page, 'cold')] * 1000:.0f} ms)")  # fmt: skip
        first = med[(top, page, "first view")] / med[(base, page, "first view")]
        print(f"        ({page} first view after every cache is emptied: {first:.2f}×, "
              f"{med[(top, page, 'first view')] * 1000:.0f} ms; not a goal)")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
