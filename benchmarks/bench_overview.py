"""Server-side time of the 总览 (overview) page at seed scale and at province scale.

Measured twice per scale:

* the cached function's body (``ui.data.progress``: load one plan + assess every
  indicator), with its cache cleared before every call;
* an AppTest run of the overview page (the whole script, caches cold, then warm).

Seed scale: the bundled catalogue + demo figures (六安市, 64 indicators).
Province scale: 120 generated plans × 60 indicators × 20 quarters (144,000 figures)
in one SQLite file, inserted with SQLAlchemy Core ``executemany``.

    python benchmarks/bench_overview.py            # < 3 minutes
    python benchmarks/bench_overview.py --plans 20 # smaller province
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
logging.getLogger("streamlit").setLevel(logging.ERROR)

from sqlalchemy import insert, select  # noqa: E402

from db.models import Baseline, Indicator, Observation, Plan, Responsibility, Target, Unit  # noqa: E402
from db.session import get_engine, session_scope  # noqa: E402
from indicators.periods import Period, period_range  # noqa: E402

CATEGORIES = ["质量治理", "产品质量", "工程质量", "服务质量", "环境质量", "品牌建设"]


def generate_province(url: str, plans: int, indicators: int, quarters: int, seed: int = 7) -> int:
    """Insert ``plans`` plans of ``indicators`` indicators with ``quarters`` quarterly figures each."""
    rng = random.Random(seed)
    first = Period(2021, 1)
    periods = period_range(first, first.shift(quarters - 1))
    engine = get_engine(url)
    figures = 0
    with engine.begin() as conn:
        for p in range(plans):
            jurisdiction = f"基准测试{p + 1:03d}市"
            plan_id = conn.execute(
                insert(Plan).returning(Plan.id),
                {
                    "code": f"bench{p + 1:03d}",
                    "jurisdiction": jurisdiction,
                    "level": "市",
                    "title": f"{jurisdiction}质量强市实施方案（基准测试）",
                    "baseline_year": 2020,
                    "horizon_years": [2023, periods[-1].year],
                    "first_period": str(first),
                    "settings": {},
                },
            ).scalar_one()
            unit_ids = list(
                conn.execute(
                    insert(Unit).returning(Unit.id, sort_by_parameter_order=True),
                    [
                        {
                            "jurisdiction": jurisdiction,
                            "name": f"市第{u + 1}局",
                            "kind": "部门",
                            "aliases": [],
                        }
                        for u in range(20)
                    ],
                ).scalars()
            )
            ind_ids = list(
                conn.execute(
                    insert(Indicator).returning(Indicator.id, sort_by_parameter_order=True),
                    [
                        {
                            "plan_id": plan_id,
                            "code": f"B{p + 1:03d}-{i + 1:02d}",
                            "name": f"基准指标{i + 1}合格率",
                            "category": CATEGORIES[i % len(CATEGORIES)],
                            "measure_unit": "%",
                            "measure_kind": "rate",
                            "direction": "higher",
                            "position": i,
                        }
                        for i in range(indicators)
                    ],
                ).scalars()
            )
            conn.execute(
                insert(Target),
                [
                    {"indicator_id": iid, "key": key, "year": year, "comparator": "ge", "value": value}
                    for iid in ind_ids
                    for key, year, value in (("t1", 2023, 90.0), ("t2", periods[-1].year, 95.0))
                ],
            )
            conn.execute(
                insert(Baseline), [{"indicator_id": iid, "value": 80.0, "year": 2020} for iid in ind_ids]
            )
            conn.execute(
                insert(Responsibility),
                [
                    {
                        "indicator_id": iid,
                        "unit_id": unit_ids[k % 20],
                        "role": "lead",
                        "position": 0,
                        "reports": True,
                    }
                    for k, iid in enumerate(ind_ids)
                ]
                + [
                    {
                        "indicator_id": iid,
                        "unit_id": unit_ids[(k + 7) % 20],
                        "role": "co",
                        "position": 1,
                        "reports": False,
                    }
                    for k, iid in enumerate(ind_ids)
                ],
            )
            rows = []
            for k, iid in enumerate(ind_ids):
                speed = rng.uniform(0.3, 1.3)
                for q, period in enumerate(periods):
                    if rng.random() < 0.04:
                        continue  # some figures missing
                    rows.append(
                        {
                            "indicator_id": iid,
                            "unit_id": unit_ids[k % 20],
                            "period": str(period),
                            "value": round(80 + speed * 0.75 * (q + 1) + rng.uniform(-0.5, 0.5), 2),
                            "source": "file",
                            "file_name": f"{jurisdiction}_{period}.xlsx",
                            "entered_by": "基准测试",
                            "entered_at": dt.datetime.combine(
                                period.deadline(rng.choice([-5, 3, 20])), dt.time(9)
                            ),
                        }
                    )
            conn.execute(insert(Observation), rows)
            figures += len(rows)
    return figures


def time_cached_body(url: str, plan_code: str, repeat: int) -> float:
    """Median seconds of ``ui.data.progress`` with its cache cleared before each call."""
    from services.progress import default_as_of
    from ui import data

    with session_scope(url) as session:
        from db.queries import get_plan

        as_of = str(default_as_of(get_plan(session, plan_code)))
    times = []
    for _ in range(repeat):
        data.progress.clear()
        start = time.perf_counter()
        result = data.progress(url, plan_code, as_of, ("bench",))
        times.append(time.perf_counter() - start)
    assert result["rows"], "no indicators assessed"
    return statistics.median(times)


def time_apptest(url: str, plan_code: str) -> tuple[float, float]:
    """Seconds of an AppTest run of the overview page: caches cold, then warm."""
    import datetime as dt

    from streamlit.testing.v1 import AppTest

    from services.actor import Actor, ActorRole
    from ui import data

    os.environ["DATABASE_URL"] = url
    os.chdir(ROOT)
    data.progress.clear()
    data.units_view.clear()
    out = []
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["selected_plan"] = plan_code
    at.session_state["auth_actor"] = Actor("bench-viewer", ActorRole.VIEWER)  # signed in as a leader
    at.session_state["auth_last_seen"] = dt.datetime.now()
    at.run()  # first run creates/upgrades the schema (cache_resource): not counted
    assert not at.exception, at.exception
    assert at.get("plotly_chart"), "the overview (not the sign-in page) must have run"
    data.progress.clear()
    data.units_view.clear()
    for _ in range(2):
        start = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return out[0], out[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=120)
    parser.add_argument("--indicators", type=int, default=60)
    parser.add_argument("--quarters", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from db.session import session_scope as scope
    from services.actor import system_actor
    from services.demo import load_demo
    from services.setup import init_database

    with tempfile.TemporaryDirectory() as tmp:
        seed_url = f"sqlite:///{tmp}/seed.db"
        init_database(seed_url)
        with scope(seed_url) as session:
            load_demo(session, system_actor("基准测试"))
        seed_body = time_cached_body(seed_url, "luan", args.repeat)
        seed_cold, seed_warm = time_apptest(seed_url, "luan")

        province_url = f"sqlite:///{tmp}/province.db"
        init_database(province_url)
        start = time.perf_counter()
        figures = generate_province(province_url, args.plans, args.indicators, args.quarters)
        generated = time.perf_counter() - start
        with scope(province_url) as session:
            last = session.scalar(select(Plan.code).order_by(Plan.id.desc()).limit(1))
        province_body = time_cached_body(province_url, last, args.repeat)
        province_cold, province_warm = time_apptest(province_url, last)

    print(f"省级规模数据：{args.plans} 个计划 × {args.indicators} 项指标 × {args.quarters} 个季度，"
          f"{figures:,} 条数据，生成用时 {generated:.1f} 秒")  # fmt: skip
    print(f"{'':24}{'种子规模':>10}{'省级规模':>10}{'倍数':>8}")
    for name, a, b in (
        ("缓存函数体（载入+评估）", seed_body, province_body),
        ("总览页 AppTest（冷缓存）", seed_cold, province_cold),
        ("总览页 AppTest（热缓存）", seed_warm, province_warm),
    ):
        print(f"{name:24}{a * 1000:>8.0f}ms{b * 1000:>8.0f}ms{b / a:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
