"""数据审核: accept or return reported figures; lock a reviewed quarter (admins only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.queries import pending_rows, period_lock_rows
from db.session import read_scope
from indicators.periods import Period
from services import review
from ui import data
from ui.actions import require_role, run_write
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.widgets import plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin")
plan = plan_selector()
if plan is None:
    st.stop()
st.title(f"{escape_markdown(plan.jurisdiction)} · 数据审核与季度锁定")

with read_scope(data.current_url()) as session:
    pending = pending_rows(session, plan.code)
    locks = period_lock_rows(session, plan.code)

st.subheader(f"待审核数据（{len(pending)} 条）")
if not pending:
    st.info("没有待审核的数据。填报员上传的数据在此审核通过后才计入总览。")
else:
    st.dataframe(pd.DataFrame(pending).drop(columns=["id"]), hide_index=True, width="stretch")
    labels = {row["id"]: f"{row['季度']} {row['指标']} · {row['单位']} · {row['数值']}" for row in pending}
    select_all = st.checkbox("全选", value=True)
    chosen = st.multiselect(
        "选择要审核的数据", list(labels), default=list(labels) if select_all else [], format_func=labels.get
    )
    comment = st.text_input("审核意见（退回时必填）")
    left, right = st.columns(2)
    accept = left.button(f"通过所选（{len(chosen)}）", type="primary", disabled=not chosen)
    give_back = right.button(f"退回所选（{len(chosen)}）", disabled=not chosen)
    if (accept or give_back) and run_write(
        actor, "review", lambda s: review.review_figures(s, actor, chosen, accept, comment)
    ):
        st.session_state["review_notice"] = f"已{'通过' if accept else '退回'} {len(chosen)} 条数据。"
        st.rerun()
notice = st.session_state.pop("review_notice", None)
if notice:
    st.success(notice)

st.subheader("待核实（数据质量提示）")
st.caption(
    "与指标历史明显不符的数据（累计数下降、比率超出 0–100%、异常跳变等）仍按原值计入并标注“待核实”。"
    "核实无误的请点“核实无误”（提示即消除）；有误的请退回并填写意见，由填报单位更正。"
)
with read_scope(data.current_url()) as session:
    flagged = review.flags_to_check(session, plan.code)
if not flagged:
    st.info("没有待核实的数据。")
for item in flagged:
    with st.container(border=True):
        value = "" if item["value"] is None else f"{item['value']:g}{item['measure_unit']}"
        st.text(  # plain text: nothing from data is rendered as markdown
            f"{Period.parse(item['period']).label} {item['indicator_code']} {item['indicator']} · "
            f"{item['unit']}：{value}\n原因：{item['reason']}\n"
            f"填报人 {item['entered_by']}，{item['entered_at']:%Y-%m-%d %H:%M}"
        )
        note = st.text_input("意见（退回时必填）", key=f"flag_comment_{item['id']}")
        left, right = st.columns(2)
        if left.button("核实无误", key=f"flag_clear_{item['id']}", type="primary") and run_write(
            actor, "clear_flag", lambda s, i=item["id"], c=note: review.clear_flag(s, actor, i, c) or True
        ):
            st.rerun()
        if right.button("退回", key=f"flag_return_{item['id']}") and run_write(
            actor, "review", lambda s, i=item["id"], c=note: review.review_figures(s, actor, [i], False, c)
        ):
            st.rerun()

st.subheader("季度锁定")
quarter_text = st.text_input("季度", placeholder="如 2026Q2")
reason = st.text_input("解锁理由（解锁时必填）")
left, right = st.columns(2)
try:
    quarter = Period.parse(quarter_text) if quarter_text else None
except ValueError as exc:
    st.error(escape_markdown(str(exc)))
    quarter = None
if left.button("锁定该季度", disabled=quarter is None):
    run_write(actor, "lock_period", lambda s: review.lock_period(s, actor, plan.code, quarter), "已锁定")
if right.button("解锁该季度", disabled=quarter is None):
    run_write(
        actor, "unlock_period", lambda s: review.unlock_period(s, actor, plan.code, quarter, reason), "已解锁"
    )
if locks:
    st.dataframe(pd.DataFrame(locks), hide_index=True, width="stretch")
