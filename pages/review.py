"""数据审核: accept or return reported figures; lock a reviewed quarter (admins only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.queries import period_lock_rows
from db.session import read_scope
from indicators.periods import Period
from services import review, review_queue
from services.progress import default_as_of
from ui import data
from ui.actions import require_role, run_write
from ui.auth import current_actor
from ui.confirm import confirm_button, show_done
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.vocabulary import entered_by_label, source_label
from ui.widgets import plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin")
plan = plan_selector()
if plan is None:
    st.stop()
st.title(f"{escape_markdown(plan.jurisdiction)} · 数据审核与季度锁定")
with read_scope(data.current_url()) as session:
    locks = period_lock_rows(session, plan.code)

with read_scope(data.current_url()) as session:
    pending = review_queue.pending_figures(session, plan.code)
show_done()
notice = st.session_state.pop("review_notice", None)
if notice:
    st.success(escape_markdown(notice))

st.subheader(f"待审核数据（{len(pending)} 条）")
if not pending:
    st.info("没有待审核的数据。填报员上传的数据在此审核通过后才计入总览。")
nonce = st.session_state.setdefault("review_nonce", 0)  # a new nonce after each decision: inputs cleared


def _decide(ids: list[int], accept: bool, comment: str) -> None:
    if run_write(actor, "review", lambda s: review.review_figures(s, actor, ids, accept, comment)):
        st.session_state["review_notice"] = f"已{'通过' if accept else '退回'} {len(ids)} 条数据。"
        st.session_state["review_nonce"] = nonce + 1
        st.rerun()


for fig in pending:
    with st.container(border=True, key=f"review_card_{fig.id}"):
        st.text(  # plain text: nothing from data is rendered as markdown
            f"{fig.period_label} {fig.indicator_code} {fig.indicator} · {fig.unit}\n"
            f"原值 {fig.old} → 新值 {fig.new}（第 {fig.version} 版）\n"
            + (f"上期数据：{fig.previous}\n" if fig.previous else "")
            + f"填报人 {entered_by_label(fig.entered_by, fig.source == 'demo')}，"
            f"{fig.entered_at:%Y-%m-%d %H:%M}，{source_label(fig.source)}"
            + (f"：{fig.file_name}" if fig.file_name else "")
            + (f"\n填报说明：{fig.note}" if fig.note else "\n填报说明：（无）")
            + (f"\n上次退回：{fig.earlier_return}" if fig.earlier_return else "")
        )
        if fig.flag:
            st.warning(f"待核实：{escape_markdown(fig.flag)}", icon=":material/flag:")
        comment = st.text_input(
            "审核意见（退回时必填）",
            key=f"review_comment_{fig.id}_{nonce}",
            placeholder="如：与统计年报不符，请核实",
        )
        left, right, _rest = st.columns([1, 1, 4])
        if left.button("通过", key=f"review_accept_{fig.id}", type="primary"):
            _decide([fig.id], True, comment)
        if right.button("退回", key=f"review_return_{fig.id}"):
            _decide([fig.id], False, comment)
if len(pending) > 1:
    confirm_button(
        f"全部通过（{len(pending)} 条）",
        key="review_accept_all",
        question=f"确定通过全部 {len(pending)} 条待审核数据吗？通过后计入总览。",
        action=lambda: run_write(
            actor, "review", lambda s: review.review_figures(s, actor, [f.id for f in pending], True)
        ),
        done=f"已通过 {len(pending)} 条数据。",
    )

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
            f"填报人 {entered_by_label(item['entered_by'], item['is_demo'])}，"
            f"{item['entered_at']:%Y-%m-%d %H:%M}"
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
st.caption("锁定后该季度的数据不能再修改；解锁须说明理由（记入审计日志）。")
with read_scope(data.current_url()) as session:
    flagged_by_period: dict[str, int] = {}
    for item in flagged:
        flagged_by_period[item["period"]] = flagged_by_period.get(item["period"], 0) + 1
    quarters = review_queue.quarter_states(session, plan.code, default_as_of(plan), flagged_by_period)
if quarters:
    by_period = {str(q.period): q for q in quarters}
    wanted = st.query_params.get("quarter")
    options = list(by_period)
    index = options.index(wanted) if wanted in by_period else 0
    chosen = by_period[st.selectbox("季度", options, index=index, format_func=lambda p: by_period[p].label)]
    if chosen.pending:
        st.warning(
            f"{chosen.period.label}还有 {chosen.pending} 条待审核数据：请先在上方逐条通过或退回，再锁定。"
            "锁定后的季度既不能通过也不能退回数据。"
        )
    elif chosen.returned and not chosen.locked:
        st.caption(
            f"{chosen.period.label}有 {chosen.returned} 条退回待更正的数据；现在锁定，"
            "评估只计已通过的数据，退回的数据不计入，填报单位也不能再更正。"
        )
    if chosen.flagged and not chosen.locked:
        st.caption(
            f"{chosen.period.label}有 {chosen.flagged} 条待核实的数据（见上方“待核实”）；现在锁定，"
            "这些数据按原值计入且不能再退回更正：宜先核实无误或退回，再锁定。"
        )
    left, right = st.columns(2)
    with left:
        confirm_button(
            "锁定该季度",
            key="lock_quarter",
            question=f"确定锁定{chosen.period.label}吗？锁定后该季度的数据不能再修改。"
            + (f"（有 {chosen.returned} 条退回待更正的数据，锁定后不能再更正。）" if chosen.returned else "")
            + (f"（有 {chosen.flagged} 条待核实的数据，将按原值计入。）" if chosen.flagged else ""),
            action=lambda: run_write(
                actor, "lock_period", lambda s: review.lock_period(s, actor, plan.code, chosen.period)
            ),
            done=f"已锁定{chosen.period.label}。",
            done_here=True,
            disabled=chosen.locked or bool(chosen.pending),
            button_type="primary",
        )
    with right, st.form("unlock", clear_on_submit=True, border=False):
        reason = st.text_input("解锁理由（解锁时必填）", placeholder="如：县统计局更正了年报数据")
        if st.form_submit_button("解锁该季度", disabled=not chosen.locked) and run_write(
            actor, "unlock_period", lambda s: review.unlock_period(s, actor, plan.code, chosen.period, reason)
        ):
            st.session_state["lock_notice"] = f"已解锁{chosen.period.label}。"
            st.rerun()
    unlocked = st.session_state.pop("lock_notice", None)
    if unlocked:  # next to the buttons, where the clerk is looking (not at the top of a long page)
        st.success(escape_markdown(unlocked))
if locks:
    frame = pd.DataFrame(locks)
    frame["季度"] = frame["季度"].map(lambda p: Period.parse(p).label)
    st.dataframe(frame, hide_index=True, width="stretch")
