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
from ui.widgets import plan_selector

actor = require_role(current_actor(), "admin")
plan = plan_selector()
if plan is None:
    st.stop()
st.title(f"{plan.jurisdiction} · 数据审核与季度锁定")

with read_scope(data.current_url()) as session:
    pending = pending_rows(session, plan.code)
    locks = period_lock_rows(session, plan.code)

st.subheader(f"待审核数据（{len(pending)} 条）")
if not pending:
    st.info("没有待审核的数据。填报员上传的数据在此审核通过后才计入总览。")
else:
    table = pd.DataFrame(pending)
    table.insert(0, "选择", False)
    edited = st.data_editor(
        table, hide_index=True, width="stretch", disabled=list(table.columns[1:]), column_config={"id": None}
    )
    chosen = [int(i) for i in edited.loc[edited["选择"], "id"]]
    comment = st.text_input("审核意见（退回时必填）")
    left, right = st.columns(2)
    if left.button(f"通过所选（{len(chosen)}）", type="primary", disabled=not chosen):
        run_write(actor, "review", lambda s: review.review_figures(s, actor, chosen, True, comment), "已通过")
        st.rerun()
    if right.button(f"退回所选（{len(chosen)}）", disabled=not chosen):
        run_write(
            actor, "review", lambda s: review.review_figures(s, actor, chosen, False, comment), "已退回"
        )

st.subheader("季度锁定")
quarter_text = st.text_input("季度", placeholder="如 2026Q2")
reason = st.text_input("解锁理由（解锁时必填）")
left, right = st.columns(2)
try:
    quarter = Period.parse(quarter_text) if quarter_text else None
except ValueError as exc:
    st.error(str(exc))
    quarter = None
if left.button("锁定该季度", disabled=quarter is None):
    run_write(actor, "lock_period", lambda s: review.lock_period(s, actor, plan.code, quarter), "已锁定")
if right.button("解锁该季度", disabled=quarter is None):
    run_write(
        actor, "unlock_period", lambda s: review.unlock_period(s, actor, plan.code, quarter, reason), "已解锁"
    )
if locks:
    st.dataframe(pd.DataFrame(locks), hide_index=True, width="stretch")
