"""Deterministic generator of large plan data sets for benchmarks.

``generate(url, plans)`` creates the schema (Alembic ``upgrade``) if needed and inserts
``plans`` plans, each with 20 responsible units and ``indicators`` indicators reported
for ``quarters`` quarters from 2021Q1: targets (two target years), baselines for ~70 %
of the indicators, lead/co responsibilities and one current figure per indicator and
quarter (~4 % never reported, ~2 % corrected once — the old version is kept,
superseded — and ~1 % of the last quarter still awaiting review).

Measure kinds and comparators are mixed as in real plans (rate/ge, rate/le on a
"lower is better" rate, new_since_baseline, stock with a range, per_capita,
rank/rank with field sizes, milestone/milestone with ``done_on``, level/below_benchmark
with the benchmark value per quarter), with values drifting along plausible paths
(some on track, some behind, some worse than their baseline).

Everything is inserted with SQLAlchemy Core ``insert(...)`` executemany in one
transaction, with explicit primary keys (no RETURNING round trips). On SQLite the
generator's own connection turns journaling and syncing off (a benchmark file only;
the application's engine switches the file back to WAL when it next connects).

    from benchmarks.scale_data import generate  # with the project root on sys.path
    counts = generate("sqlite:////tmp/p.db", plans=120)

The same ``seed`` gives the same rows. Plan codes are ``{code_prefix}{n:05d}``
(``scale00001`` …); call again with another ``code_prefix`` to add plans to a file.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Table, create_engine, event, func, insert, select  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from db.models import Baseline, Indicator, Observation, Plan, Responsibility, Target, Unit  # noqa: E402
from indicators.periods import Period, period_range  # noqa: E402

FIRST_PERIOD = Period(2021, 1)
BASELINE_YEAR = 2020
UNITS_PER_PLAN = 20
BATCH = 50_000  # rows per executemany call
CATEGORIES = ["质量治理", "产品质量", "工程质量", "服务质量", "环境质量", "品牌建设"]
UNIT_NAMES = [
    "市场监管局", "发展改革委", "工业和信息化局", "住房城乡建设局", "交通运输局", "农业农村局",
    "商务局", "文化旅游局", "卫生健康委", "生态环境局", "教育局", "科技局", "财政局", "统计局",
    "人力资源社会保障局", "公安局", "自然资源和规划局", "水利局", "应急管理局", "数据资源局",
]  # fmt: skip

# (measure_kind, comparator, direction, measure_unit, name pattern, weight)
KINDS: list[tuple[str, str, str, str, str, int]] = [
    ("rate", "ge", "higher", "%", "{}产品质量监督抽查合格率", 26),
    ("rate", "le", "lower", "%", "{}质量投诉率", 8),
    ("new_since_baseline", "ge", "higher", "家", "新增{}质量标杆企业", 14),
    ("stock", "range", "higher", "个", "{}地理标志产品总数", 10),
    ("per_capita", "ge", "higher", "件", "每万人口{}高价值发明专利拥有量", 12),
    ("rank", "rank", "lower", "位", "{}质量工作考核位次", 10),
    ("milestone", "milestone", "higher", "", "建成{}质量基础设施一站式服务站", 10),
    ("level", "below_benchmark", "lower", "起", "{}万人质量安全事故数", 10),
]
_KIND_WEIGHTS = [k[5] for k in KINDS]
_TOPICS = ["食品", "农产品", "建设工程", "消费品", "服务业", "工业", "药品", "特种设备", "计量", "标准"]


def _sqlite_fast(engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA cache_size=-200000")
        cursor.close()


def _next_ids(conn, tables: list[Any]) -> dict[str, int]:
    return {t.__tablename__: (conn.scalar(select(func.max(t.id))) or 0) + 1 for t in tables}


class _Sink:
    """Buffers rows per table and flushes them with executemany in big batches."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.tables: dict[str, Table] = {}
        self.counts: dict[str, int] = {}

    def add(self, model: Any, row: dict[str, Any]) -> None:
        """Buffer ``row``; rows of one table must all have the same keys (one compiled INSERT)."""
        name = model.__tablename__
        buf = self.rows.setdefault(name, [])
        self.tables.setdefault(name, model.__table__)
        buf.append(row)
        if len(buf) >= BATCH:
            self.flush(name)

    def flush(self, name: str | None = None) -> None:
        for table_name in [name] if name else list(self.rows):
            buf = self.rows.get(table_name)
            if buf:
                self.conn.execute(insert(self.tables[table_name]), buf)
                self.counts[table_name] = self.counts.get(table_name, 0) + len(buf)
                self.rows[table_name] = []


def _path(rng: random.Random, start: float, goal: float, quarters: int) -> list[float]:
    """Values from near ``start`` moving toward ``goal`` at a random pace, with noise."""
    pace = rng.choice([1.15, 1.0, 1.0, 0.9, 0.75, 0.5, 0.2, -0.2])
    horizon = quarters * 0.8
    step = (goal - start) / horizon
    noise = abs(goal - start) * 0.02 + 1e-6
    return [start + pace * step * (q + 1) + rng.uniform(-noise, noise) for q in range(quarters)]


def generate(
    url: str,
    plans: int,
    indicators: int = 60,
    quarters: int = 20,
    seed: int = 0,
    code_prefix: str = "scale",
) -> dict[str, int]:
    """Insert the data set into the database at ``url``; returns rows inserted per table."""
    from db.migrate import upgrade
    from db.session import get_engine

    upgrade(url)
    get_engine(url).dispose()  # the generator's connection may change the journal mode
    periods = period_range(FIRST_PERIOD, FIRST_PERIOD.shift(quarters - 1))
    last_year = periods[-1].year
    mid_year = min(FIRST_PERIOD.year + 2, last_year)
    horizon = sorted({mid_year, last_year})
    # Shared datetime objects (one per period and lateness): cheap to bind.
    entered = {
        (str(p), late): dt.datetime.combine(p.deadline(late), dt.time(9, 30))
        for p in periods
        for late in (-5, 3, 25)
    }
    rng = random.Random(seed)
    engine = create_engine(url, poolclass=NullPool)
    if url.startswith("sqlite"):
        _sqlite_fast(engine)
    try:
        with engine.begin() as conn:
            ids = _next_ids(conn, [Plan, Unit, Indicator, Target, Baseline, Responsibility, Observation])
            sink = _Sink(conn)
            for p in range(plans):
                _plan(sink, ids, rng, p, indicators, periods, horizon, entered, code_prefix)
            sink.flush()
            return dict(sink.counts)
    finally:
        engine.dispose()


def _plan(
    sink: _Sink,
    ids: dict[str, int],
    rng: random.Random,
    p: int,
    n_indicators: int,
    periods: list[Period],
    horizon: list[int],
    entered: dict[tuple[str, int], dt.datetime],
    code_prefix: str,
) -> None:
    plan_id = ids["plans"]
    ids["plans"] += 1
    jurisdiction = f"规模测试{code_prefix}{p + 1:05d}市"
    sink.add(
        Plan,
        {
            "id": plan_id,
            "code": f"{code_prefix}{p + 1:05d}",
            "jurisdiction": jurisdiction,
            "level": "市",
            "title": f"{jurisdiction}质量强市建设实施方案（规模测试数据）",
            "source_document": "",
            "baseline_year": BASELINE_YEAR,
            "horizon_years": horizon,
            "first_period": str(periods[0]),
            "settings": {},
        },
    )
    unit_ids = list(range(ids["units"], ids["units"] + UNITS_PER_PLAN))
    ids["units"] += UNITS_PER_PLAN
    unit_names = [UNIT_NAMES[u % len(UNIT_NAMES)] for u in range(UNITS_PER_PLAN)]
    for uid, name in zip(unit_ids, unit_names, strict=True):
        sink.add(Unit, {"id": uid, "jurisdiction": jurisdiction, "name": name, "kind": "部门", "aliases": []})
    last = len(periods) - 1
    for i in range(n_indicators):
        kind, comp, direction, munit, pattern, _ = rng.choices(KINDS, _KIND_WEIGHTS)[0]
        ind_id = ids["indicators"]
        ids["indicators"] += 1
        lead = rng.randrange(UNITS_PER_PLAN)
        co = (lead + 1 + rng.randrange(UNITS_PER_PLAN - 1)) % UNITS_PER_PLAN
        sink.add(
            Indicator,
            {
                "id": ind_id,
                "plan_id": plan_id,
                "code": f"{i + 1:02d}",
                "name": pattern.format(rng.choice(_TOPICS)),
                "category": CATEGORIES[i % len(CATEGORIES)],
                "section": "主要目标",
                "measure_unit": munit,
                "measure_kind": kind,
                "direction": direction,
                "responsible_text": f"{unit_names[lead]}牵头，{unit_names[co]}配合",
                "source_text": "",
                "note": "",
                "position": i,
            },
        )
        for pos, (uid, role, reports) in enumerate(
            ((unit_ids[lead], "lead", True), (unit_ids[co], "co", False))
        ):
            sink.add(
                Responsibility,
                {
                    "id": _take(ids, "responsibilities"),
                    "indicator_id": ind_id,
                    "unit_id": uid,
                    "role": role,
                    "position": pos,
                    "reports": reports,
                },
            )
        has_baseline = rng.random() < 0.7
        base, finals, values, extra = _kind_values(rng, kind, len(periods), direction == "lower")
        if has_baseline and base is not None:
            sink.add(
                Baseline,
                {
                    "id": _take(ids, "baselines"),
                    "indicator_id": ind_id,
                    "value": base,
                    "year": BASELINE_YEAR,
                    "source": "规模测试",
                    "recorded_by": "基准测试",
                    "recorded_at": dt.datetime(2021, 1, 15, 9),
                },
            )
        for pos, (year, value) in enumerate(zip(horizon, finals[-len(horizon) :], strict=True)):
            sink.add(
                Target,
                {
                    "id": _take(ids, "targets"),
                    "indicator_id": ind_id,
                    "key": f"t{year}",
                    "year": year,
                    "comparator": comp,
                    "value": value,
                    "value_high": None if comp != "range" or value is None else round(value * 1.1, 0),
                    "basis": "level",
                    "maintain": False,
                    "benchmark": "全省平均" if comp == "below_benchmark" else "",
                    "text": "",
                    "note": "",
                    "in_force": True,
                    "origin": "draft",
                    "position": pos,
                },
            )
        lead_id = unit_ids[lead]
        for q, period in enumerate(periods):
            if rng.random() < 0.04:
                continue  # never reported
            row = {
                "indicator_id": ind_id,
                "unit_id": lead_id,
                "period": str(period),
                "value": values[q],
                "field_size": extra.get("field_size"),
                "benchmark_value": extra["benchmarks"][q] if "benchmarks" in extra else None,
                "done_on": extra["done_on"] if "done_on" in extra and q >= extra["done_q"] else None,
                "source": "file",
                "file_name": f"{period}报送表.xlsx",
                "entered_by": "基准测试",
                "entered_unit_id": lead_id,
                "entered_at": entered[(str(period), rng.choice((-5, -5, 3, 25)))],
                "review_state": "pending" if q == last and rng.random() < 0.01 else "accepted",
                "version": 1,
                "supersedes_id": None,
                "superseded_by_id": None,
            }  # every row has the same keys: executemany compiles the INSERT from the first row
            if rng.random() < 0.02:  # corrected once: keep the superseded first version
                old_id, new_id = _take(ids, "observations"), _take(ids, "observations")
                wrong = None if row["value"] is None else round(row["value"] * 1.5, 2)
                sink.add(Observation, row | {"id": old_id, "value": wrong, "superseded_by_id": new_id})
                sink.add(Observation, row | {"id": new_id, "version": 2, "supersedes_id": old_id})
            else:
                sink.add(Observation, row | {"id": _take(ids, "observations")})


def _take(ids: dict[str, int], table: str) -> int:
    value = ids[table]
    ids[table] += 1
    return value


def _kind_values(
    rng: random.Random, kind: str, quarters: int, lower: bool = False
) -> tuple[float | None, list[float | None], list[float | None], dict[str, Any]]:
    """(baseline, [mid-term target, final target], value per quarter, extra columns)."""
    if kind == "rate":  # both ge (higher) and le (lower) rates
        base = round(rng.uniform(80, 95), 1)
        goal = round(min(99.5, base + rng.uniform(2, 6)), 1)
        values = [round(min(100.0, v), 2) for v in _path(rng, base, goal, quarters)]
        mid = round(base + (goal - base) * 0.6, 1)
        if lower:  # a "lower is better" rate (e.g. a complaint rate): the complement
            base, mid, goal = round(100 - base, 1), round(100 - mid, 1), round(100 - goal, 1)
            values = [round(100 - v, 2) for v in values]  # type: ignore[operator]
        return base, [mid, goal], values, {}
    if kind == "new_since_baseline":
        goal = float(rng.choice([10, 20, 30, 45, 60, 100]))
        cum = [max(0.0, round(v)) for v in _path(rng, 0.0, goal, quarters)]
        for q in range(1, quarters):
            cum[q] = max(cum[q], cum[q - 1])  # cumulative counts never fall
        return 0.0, [round(goal * 0.5), goal], cum, {}
    if kind == "stock":
        base = float(rng.randrange(20, 200))
        goal = round(base * rng.uniform(1.1, 1.4))
        return (
            base,
            [round(base + (goal - base) * 0.5), goal],
            [round(v) for v in _path(rng, base, goal, quarters)],
            {},
        )
    if kind == "per_capita":
        base = round(rng.uniform(2, 15), 2)
        goal = round(base * rng.uniform(1.3, 2.0), 2)
        return (
            base,
            [round((base + goal) / 2, 2), goal],
            [round(v, 2) for v in _path(rng, base, goal, quarters)],
            {},
        )
    if kind == "rank":
        field = rng.choice([8, 12, 16])
        base = float(rng.randrange(field // 2, field + 1))
        ranks = [float(min(field, max(1, round(v)))) for v in _path(rng, base, field * 0.4, quarters)]
        return base, [0.5, 0.5], ranks, {"field_size": field}
    if kind == "milestone":
        done_q = rng.randrange(4, quarters + 6)  # some never done within the span
        values: list[float | None] = [1.0 if q >= done_q else 0.0 for q in range(quarters)]
        extra: dict[str, Any] = {"done_q": done_q}
        if done_q < quarters:
            extra["done_on"] = FIRST_PERIOD.shift(done_q).end_date - dt.timedelta(days=rng.randrange(0, 60))
        return None, [None, None], values, extra
    # level, below_benchmark: a figure compared with the province's average each quarter
    base = round(rng.uniform(0.5, 3.0), 2)
    values = [round(max(0.0, v), 3) for v in _path(rng, base, base * 0.7, quarters)]
    benchmarks = [round(base * (0.95 - 0.01 * q) + rng.uniform(-0.05, 0.05), 3) for q in range(quarters)]
    return base, [None, None], values, {"benchmarks": benchmarks}
