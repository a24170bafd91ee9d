"""Selectors shared by pages; their choice survives page switches (session state)."""

from __future__ import annotations

from dataclasses import dataclass

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
    code = _persistent_selectbox(
        where,
        "计划",
        codes,
        PLAN_KEY,
        codes[0],
        format_func=lambda c: f"{by_code[c].jurisdiction} · 至{max(by_code[c].horizon_years)}年",
    )
    return by_code[code]


@dataclass(frozen=True)
class DashboardContext:
    """What every dashboard page starts from: plan, quarter, whether pending figures count."""

    plan: PlanInfo
    as_of: str
    include_pending: bool
    url: str
    fingerprint: tuple


def dashboard_context() -> DashboardContext:
    """The sidebar selectors of the dashboard pages; stops the page when there is nothing to show."""
    plan = plan_selector()
    if plan is None:
        st.stop()
    as_of = quarter_selector(plan)
    include_pending = pending_toggle()
    if as_of is None:
        st.stop()
    return DashboardContext(plan, as_of, include_pending, data.current_url(), data.data_fingerprint())


def demo_banner(plan: PlanInfo) -> None:
    """A clear banner when the plan's figures include demo data."""
    if data.has_demo(data.current_url(), plan.id, data.data_fingerprint()):
        st.warning(
            "当前显示的包含**演示数据**（非真实填报），仅供熟悉系统。"
            "删除演示数据：`python manage.py demo remove`",
            icon=":material/science:",
        )


def quarter_selector(plan: PlanInfo, where=st.sidebar) -> str | None:
    """The as-of quarter (default: the latest quarter whose reporting deadline has passed)."""
    from indicators.periods import Period

    info = data.quarters(data.current_url(), plan.code, data.data_fingerprint())
    periods = list(reversed(info["periods"]))  # newest first
    if not periods:
        st.info("该计划尚无可选的季度。")
        return None
    key = f"as_of_{plan.code}"
    return _persistent_selectbox(
        where,
        "季度（截至）",
        periods,
        key,
        info["default"],
        format_func=lambda p: Period.parse(p).label + ("（最新应报）" if p == info["default"] else ""),
    )


def pending_toggle(where=st.sidebar) -> bool:
    """Whether figures awaiting review (待审核) count too; by default only accepted ones do."""
    widget_key = "_include_pending_widget"  # widget state is dropped on page switches; the choice is kept
    if widget_key not in st.session_state:
        st.session_state[widget_key] = bool(st.session_state.get("include_pending", False))
    chosen = where.checkbox(
        "包含待审核数据",
        key=widget_key,
        help="默认只统计质量办审核通过的数据；勾选后也计入各单位已上传、尚待审核的数据。",
    )
    st.session_state["include_pending"] = chosen
    if chosen:
        where.warning("统计中包含尚未审核通过的数据。", icon=":material/pending_actions:")
    return chosen


def _persistent_selectbox(where, label: str, options: list, key: str, default, format_func):
    """A selectbox whose choice survives page switches.

    Streamlit forgets a page's widget state when another page runs, so the choice is kept
    under ``key`` as a plain session-state value (not a widget key) and passed back as ``index``.
    """
    if st.session_state.get(key) not in options:
        st.session_state[key] = default
    chosen = where.selectbox(
        label, options, index=options.index(st.session_state[key]), format_func=format_func
    )
    st.session_state[key] = chosen
    return chosen


def status_tiles(counts: dict[str, int]) -> None:
    """One coloured tile per status with its count (colours from ui.charts)."""
    from ui.charts import STATUS_COLORS, STATUS_MEANINGS, STATUS_ORDER, text_color

    ordered = [s for s in STATUS_ORDER if s in counts] + [s for s in counts if s not in STATUS_ORDER]
    tiles = "".join(
        f'<div class="status-tile" data-status="{status}" title="{STATUS_MEANINGS.get(status, "")}" '
        f'style="background:{STATUS_COLORS[status]};'
        f'color:{text_color(status)}"><div class="tile-count">{counts[status]:,}</div>'
        f'<div class="tile-label">{status}</div></div>'
        for status in ordered
    )
    st.markdown(
        "<style>.status-tiles{display:flex;gap:12px;margin:4px 0 12px 0}"
        ".status-tile{flex:1;border-radius:8px;padding:10px 14px;min-width:0}"
        ".tile-count{font-size:2rem;font-weight:700;line-height:1.2}"
        ".tile-label{font-size:1rem}</style>"
        f'<div class="status-tiles">{tiles}</div>',
        unsafe_allow_html=True,
    )
