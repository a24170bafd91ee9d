"""The benchmark data generator (benchmarks/scale_data.py) at a tiny size."""

from __future__ import annotations

import sqlalchemy as sa

from benchmarks.scale_data import UNITS_PER_PLAN, generate
from db.queries import load_plan_data
from db.session import get_engine, read_scope
from indicators.periods import Period
from indicators.progress import assess


def _count(url: str, table: str) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_generate_tiny_counts_and_engine_inputs(tmp_path):
    url = f"sqlite:///{tmp_path / 'scale.db'}"
    counts = generate(url, plans=2, indicators=8, quarters=16, seed=1)  # 2021Q1–2024Q4
    assert counts["plans"] == _count(url, "plans") == 2
    assert counts["units"] == _count(url, "units") == 2 * UNITS_PER_PLAN
    assert counts["indicators"] == _count(url, "indicators") == 16
    assert counts["responsibilities"] == _count(url, "responsibilities") == 32  # one lead, one co
    assert counts["targets"] == _count(url, "targets") == 32  # two target years (2023, 2024)
    assert counts["baselines"] == _count(url, "baselines") <= 16
    current = _count(url, "observations WHERE superseded_by_id IS NULL")
    corrected = _count(url, "observations WHERE supersedes_id IS NOT NULL")
    assert corrected == _count(url, "observations WHERE superseded_by_id IS NOT NULL") > 0
    assert counts["observations"] == current + corrected
    assert counts["observations"] == _count(url, "observations")
    assert 0.8 * 16 * 16 <= current <= 16 * 16  # one current figure per indicator and quarter, a few missing

    with read_scope(url) as session:
        plan, data = load_plan_data(session, "scale00002", include_pending=True)
    assert len(data) == 8
    assert all(f.period <= Period(2024, 4) for item in data for f in item.figures)
    for item in data:
        assess(item, Period(2024, 4), plan.settings)  # every generated indicator is assessable


def test_generate_is_deterministic_and_appends(tmp_path):
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    assert generate(a, plans=1, indicators=5, quarters=4, seed=9) == generate(
        b, plans=1, indicators=5, quarters=4, seed=9
    )
    query = "SELECT indicator_id, period, value, done_on FROM observations ORDER BY id"
    with get_engine(a).connect() as ca, get_engine(b).connect() as cb:
        assert ca.execute(sa.text(query)).all() == cb.execute(sa.text(query)).all()
    generate(a, plans=1, indicators=5, quarters=4, seed=9, code_prefix="more")
    assert _count(a, "plans") == 2
