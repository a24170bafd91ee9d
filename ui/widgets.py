"""Selectors shared by pages; their choice survives page switches (session state)."""

from __future__ import annotations

import streamlit as st

from db.queries import PlanInfo
from ui import data

PLAN_KEY = "selected_plan"


def plan_selector(where=st.sidebar) -> PlanInfo | None:
    """The plan chosen in the sidebar (default: the first plan)."""
    plans = data.plans(data.current_url(), data.data_fingerprint())
    if not plans:
        st.info("数据库中还没有任何计划。请运行 `python manage.py load-catalogue data/catalogue`。")
        return None
    codes = [p.code for p in plans]
    by_code = {p.code: p for p in plans}
    if st.session_state.get(PLAN_KEY) not in codes:
        st.session_state[PLAN_KEY] = codes[0]
    code = where.selectbox(
        "计划",
        codes,
        key=PLAN_KEY,
        format_func=lambda c: f"{by_code[c].jurisdiction} · 至{max(by_code[c].horizon_years)}年",
    )
    return by_code[code]


def demo_banner(plan: PlanInfo) -> None:
    """A clear banner when the plan's figures include demo data."""
    if data.has_demo(data.current_url(), plan.id, data.data_fingerprint()):
        st.warning(
            "当前显示的包含**演示数据**（非真实填报），仅供熟悉系统。"
            "删除演示数据：`python manage.py demo remove`",
            icon=":material/science:",
        )
