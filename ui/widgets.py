"""Selectors shared by pages; their choice survives page switches (session state)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from db.queries import PlanInfo
from ui import data

PLAN_KEY = "selected_plan"


_plan_options: tuple = ((), ([], {}, {}))  # (plan list, its codes, plans by code, labels by code)


def _options_of(plans: tuple[PlanInfo, ...]) -> tuple[list[str], dict[str, PlanInfo], dict[str, str]]:
    """The selector's codes, plans and labels, built once per plan list, not at every rerun (with
    2,800 plans that took ~2 ms of each rerun). ``plans`` is the shared tuple of data.plans (a new
    one when the plan-list counter moves): kept here with its options and compared by identity."""
    global _plan_options
    held, options = _plan_options
    if held is not plans:
        options = ([p.code for p in plans], {p.code: p for p in plans}, plan_labels(plans))
        _plan_options = (plans, options)  # one assignment: a concurrent rerun sees old or new, whole
    return options


def plan_labels(plans) -> dict[str, str]:
    """Plan code → "六安市 · 至2025年"; two plans of one jurisdiction and end year (a 质量强市 plan and
    another) are told apart by their titles, then by their order, so no two labels are the same."""
    short = {p.code: f"{p.jurisdiction} · 至{max(p.horizon_years)}年" for p in plans}
    counts: dict[str, int] = {}
    for label in short.values():
        counts[label] = counts.get(label, 0) + 1
    labels, seen = {}, set()
    for p in plans:
        label = short[p.code] if counts[short[p.code]] == 1 else f"{short[p.code]} · {p.title}"
        n = 1
        while label in seen:
            n += 1
            label = f"{short[p.code]} · {p.title}（{n}）"
        seen.add(label)
        labels[p.code] = label
    return labels


def plan_selector(where=None) -> PlanInfo | None:
    """The chosen plan (default: a reporter's own plan, otherwise the first plan).

    Without ``where`` the selector is drawn where the page calls it in the main area (at the top,
    above the title, on most pages). It used to sit in the sidebar below the navigation, out of
    sight at 1600×900 for the office: an admin could not find how to upload or create accounts for
    another plan, and a reporter of the second plan landed on the first one ("no indicators")."""
    plans = data.plans(data.current_url(), data.data_fingerprint())
    if not plans:
        st.info("数据库中还没有任何计划。请运行 `python manage.py load-catalogue data/catalogue`。")
        return None
    codes, by_code, labels = _options_of(plans)
    if where is None:
        top_padding()
        where = st.columns([3, 8])[0]
    default = codes[0]
    if st.session_state.get(PLAN_KEY) not in by_code:  # the session's first choice
        default = _own_plan(by_code) or default
    code = _persistent_selectbox(where, "计划", codes, PLAN_KEY, default, format_func=labels.__getitem__)
    return by_code[code]


def _own_plan(by_code: dict[str, PlanInfo]) -> str | None:
    """A reporter's first plan (the plan of the jurisdiction of its units), None for everyone else."""
    from sqlalchemy import select

    from db.models import Plan, Unit
    from db.session import read_scope
    from services.actor import ActorRole
    from ui.auth import current_actor

    actor = current_actor()
    if actor is None or actor.role is not ActorRole.REPORTER or not actor.unit_ids:
        return None
    with read_scope(data.current_url()) as session:
        owned = session.scalars(
            select(Plan.code)
            .join(Unit, Unit.jurisdiction == Plan.jurisdiction)
            .where(Unit.id.in_(actor.unit_ids))
            .order_by(Plan.id)
        ).all()
    return next((code for code in owned if code in by_code), None)


@dataclass(frozen=True)
class DashboardContext:
    """What every dashboard page starts from: plan, quarter, whether pending figures count."""

    plan: PlanInfo
    as_of: str
    include_pending: bool
    url: str
    fingerprint: tuple


def top_padding() -> None:
    """Room under Streamlit's 3.75rem top bar for the selectors' labels; style-only blocks take no room."""
    st.markdown(
        '<span class="css-only"></span><style>[data-testid="stElementContainer"]:has(.css-only){display:none}'
        ".stMainBlockContainer{padding-top:3.8rem !important}</style>",
        unsafe_allow_html=True,
    )


def dashboard_context() -> DashboardContext:
    """The selectors of the dashboard pages, in one row at the top of the page (visible without
    scrolling at 1366×768); stops the page when there is nothing to show."""
    # below Streamlit's 3.75rem top bar, so that the selectors' labels are not under it
    top_padding()
    cols = st.columns([3, 3, 2, 3], vertical_alignment="bottom")
    plan = plan_selector(cols[0])
    if plan is None:
        st.stop()
    as_of = quarter_selector(plan, cols[1])
    include_pending = pending_toggle(cols[2])
    if as_of is None:
        st.stop()
    return DashboardContext(plan, as_of, include_pending, data.current_url(), data.data_fingerprint())


def demo_banner(plan: PlanInfo) -> None:
    """A clear banner when the plan's figures include demo data; the office removes them here."""
    notice = st.session_state.pop("demo_removed_notice", None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    if not data.has_demo(data.current_url(), plan.id, data.data_fingerprint()):
        return
    from ui.auth import current_actor

    actor = current_actor()
    admin = actor is not None and actor.role.value == "admin"
    text, button = st.columns([6, 1.3], vertical_alignment="center") if admin else (st.container(), None)
    text.warning(
        "当前显示的包含**演示数据**（非真实填报），仅供熟悉系统；据此生成的汇报材料均标有“演示数据”。"
        + ("" if admin else "正式使用前，请质量办删除演示数据。"),
        icon=":material/science:",
    )
    confirm_key = f"demo_remove_confirm_{plan.code}"
    if button is not None and button.button(
        "删除演示数据", icon=":material/delete:", key=f"demo_remove_{plan.code}", width="stretch"
    ):
        st.session_state[confirm_key] = True
    if admin and st.session_state.get(confirm_key):
        _confirm_demo_removal(plan, confirm_key)


def _confirm_demo_removal(plan: PlanInfo, confirm_key: str) -> None:
    """The confirmation step (inline, under the banner): what goes, what stays, then 确认 or 取消."""
    from ui.actions import run_write
    from ui.auth import current_actor
    from ui.safe import escape_markdown

    with st.container(border=True):
        st.markdown(
            f"将删除 **{escape_markdown(plan.jurisdiction)}** 计划的全部演示数据（演示填报值、演示基期值和"
            "演示基准值）。各单位真实填报的数据不受影响。此操作记入审计日志，删除后不能恢复。"
        )
        left, right, _ = st.columns([1.2, 1, 5])
        if right.button("取消", key="demo_remove_cancel", width="stretch"):
            st.session_state.pop(confirm_key, None)
            st.rerun()
        if left.button("确认删除", type="primary", key="demo_remove_confirm", width="stretch"):
            from services.demo import remove_demo

            actor = current_actor()
            st.session_state.pop(confirm_key, None)
            if actor is None:
                st.error("请先登录。")
                return
            removed = run_write(actor, "manage_demo", lambda session: remove_demo(session, actor, plan.code))
            if removed is not None:
                st.session_state["demo_removed_notice"] = f"已删除演示数据 {removed:,} 条。"
                st.rerun()


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
    """One coloured tile per status with its count, icon and word (colours from ui.charts)."""
    from ui.charts import STATUS_COLORS, STATUS_ICONS, STATUS_MEANINGS, STATUS_ORDER, text_color

    ordered = [s for s in STATUS_ORDER if s in counts] + [s for s in counts if s not in STATUS_ORDER]
    tiles = "".join(
        f'<div class="status-tile" data-status="{status}" title="{STATUS_MEANINGS.get(status, "")}" '
        f'style="background:{STATUS_COLORS[status]};'
        f'color:{text_color(status)}"><div class="tile-count">{counts[status]:,}</div>'
        f'<div class="tile-label">{STATUS_ICONS.get(status, "")} {status}</div></div>'
        for status in ordered
    )
    st.markdown(
        # A status word never breaks inside (逾期完/成 at 1366 px): the label does not wrap; narrower
        # windows get a smaller label and padding, and tiles too narrow even so wrap onto a second row.
        "<style>.status-tiles{display:flex;flex-wrap:wrap;gap:12px;margin:4px 0 12px 0}"
        ".status-tile{flex:1 1 0;border-radius:8px;padding:10px 14px;min-width:max-content}"
        ".tile-count{font-size:2rem;font-weight:700;line-height:1.2}"
        ".tile-label{font-size:1rem;white-space:nowrap;word-break:keep-all}"
        "@media (max-width:1500px){.status-tiles{gap:8px}.status-tile{padding:8px 10px}"
        ".tile-label{font-size:0.875rem}}</style>"
        f'<div class="status-tiles">{tiles}</div>',
        unsafe_allow_html=True,
    )


ROW_PX = 35  # st.dataframe's row height (header row the same)


def frame_height(rows: int, cap: int = 420) -> int:
    """A st.dataframe height that fits ``rows`` rows exactly (no empty rows at the end), at most ``cap``."""
    return min(ROW_PX * (rows + 1) + 3, cap)
