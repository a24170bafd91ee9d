"""重点任务台账: every key task with its time nodes, latest progress and state; the office reviews
units' progress here (通过 / 退回 / 确认完成). Signed-in users only."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from db.session import read_scope
from indicators.periods import Period
from services import tasks
from services.actor import ActorRole
from ui import data
from ui.actions import require_role, run_write
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.supervision import evidence_buttons, node_periods, today
from ui.vocabulary import TASK_FLAG_NOTE, actor_name
from ui.widgets import plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin", "reporter", "viewer")
plan = plan_selector()
if plan is None:
    st.stop()
st.title(f"{escape_markdown(plan.jurisdiction)} · 重点任务台账")
st.caption(
    "各单位每季度填报重点任务进展并上传佐证材料，质量办审核通过、退回或确认完成。"
    "时间节点已过仍未确认完成的任务标“预警”，"
    f"此后再过 {plan.settings.escalation_quarters} 个季度仍未完成的标“督办”。"
)
url = data.current_url()
with read_scope(url) as session:
    rows = tasks.ledger_rows(session, plan.code, today())
    pending = tasks.pending_reports(session, plan.code) if actor.role is ActorRole.ADMIN else []
# the linked indicators' verdicts as the 总览 shows them by default (the latest assessed quarter)
fingerprint = data.data_fingerprint()
assessed = data.quarters(url, plan.code, fingerprint)["default"]
verdicts = (
    {r["code"]: r["status"] for r in data.progress(url, plan.code, assessed, fingerprint)["rows"]}
    if assessed
    else {}
)
met_but_overdue = []
for r in rows:
    r["关联指标"], all_met = tasks.linked_verdicts([c for c in r["关联指标"].split("、") if c], verdicts)
    if all_met and r["督办"]:
        met_but_overdue.append(r["编号"])


def _decided(item: dict, words: str) -> None:
    """Say what was decided after the rerun (a decision used to leave no message at all)."""
    st.session_state["task_review_notice"] = (
        f"{item['task_code']}（{item['unit']}，{Period.parse(item['period']).label}）{words}。"
    )
    st.rerun()


if actor.role is ActorRole.ADMIN:
    notice = st.session_state.pop("task_review_notice", None)
    if notice:
        st.success(escape_markdown(notice))
    st.subheader(f"待审核的任务进展（{len(pending)} 条）")
    if not pending:
        st.info("没有待审核的任务进展。")
    for item in pending:
        with st.container(border=True):
            st.text(
                f"{item['task_code']} {item['title']} · {item['unit']}（{item['role']}）"
                f" · {Period.parse(item['period']).label}"
                f"（第{item['version']}版，{actor_name(item['entered_by'])} "
                f"{item['entered_at']:%Y-%m-%d %H:%M}）\n"
                f"推进状态：{item['status']}\n进展情况：{item['progress']}"
            )
            evidence_buttons(actor, item["evidence"], f"p{item['id']}")
            comment = st.text_input("审核意见（退回时必填）", key=f"task_comment_{item['id']}")
            a, b, c = st.columns(3)
            rid = item["id"]
            if a.button("通过", key=f"task_accept_{rid}") and run_write(
                actor,
                "review_task",
                lambda s, i=rid, m=comment: tasks.review_report(s, actor, i, "accept", m),
            ):
                _decided(item, "的进展已通过")
            if b.button("退回", key=f"task_return_{rid}") and run_write(
                actor,
                "review_task",
                lambda s, i=rid, m=comment: tasks.review_report(s, actor, i, "return", m),
            ):
                _decided(item, "的进展已退回，单位将在“任务填报与反馈”中看到退回意见")
            # 确认完成 only for a report of 已完成 (the service refuses the others): a blue 确认完成 on a
            # 推进中 report read as the next step
            if item["done"] and c.button("确认完成", key=f"task_confirm_{rid}", type="primary") and run_write(
                actor,
                "review_task",
                lambda s, i=rid, m=comment: tasks.review_report(s, actor, i, "confirm", m),
            ):
                _decided(item, "已确认完成")

st.subheader("工作台账")
f1, f2, f3 = st.columns(3)
units = sorted({u for r in rows for u in (r["牵头单位"] + "、" + r["配合单位"]).split("、") if u})
unit = f1.selectbox("责任单位", ["全部", *units])
state = f2.selectbox("任务状态", ["全部", "推进中", "已完成", "逾期完成", "预警", "督办"])
sections = sorted({r["章节"] for r in rows})
section = f3.selectbox("章节", ["全部", *sections])
shown = [
    r
    for r in rows
    if (unit == "全部" or unit in (r["牵头单位"] + "、" + r["配合单位"]).split("、"))
    and (state == "全部" or r["任务状态"] == state or r["督办"] == state)
    and (section == "全部" or r["章节"] == section)
]
st.markdown(f"共 **{len(shown)}** 项（全部 {len(rows)} 项）。")
if any(r["督办"] for r in rows):
    st.caption(TASK_FLAG_NOTE)
if met_but_overdue and assessed:
    st.caption(
        f"其中 {len(met_but_overdue)} 项（{'、'.join(met_but_overdue)}）的关联指标截至"
        f"{Period.parse(assessed).label}均已达标：可请牵头单位报送完成情况，审核后确认完成。"
    )
columns = [
    "编号", "任务", "牵头单位", "时间节点", "任务状态", "推进状态", "关联指标",
    "审核", "佐证材料", "进展情况",
]  # fmt: skip
# widths that fit the main column at 1600 px (sidebar open): no column is cut off at the right edge
widths = {"编号": 70, "任务": 180, "牵头单位": 110, "时间节点": 130, "任务状态": 100, "推进状态": 90}
widths |= {"关联指标": 120, "审核": 90, "佐证材料": 70, "进展情况": 200}


def _table_row(r: dict) -> dict:
    row = {k: r[k] for k in columns}
    row["时间节点"] = node_periods(r["时间节点"])  # the quarters; the full text is in the expander below
    if r["最近进展季度"] and r["进展情况"]:  # whose report it is: a co-responsible unit's reads as its part
        row["进展情况"] = f"{r['最近进展季度']}（{r['填报单位']}）：{r['进展情况']}"
    return row


frame = pd.DataFrame([_table_row(r) for r in shown], columns=columns)
st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    height=min(36 * (len(shown) + 1) + 4, 520),
    column_config={k: st.column_config.Column(width=w) for k, w in widths.items()},
)
buffer = io.BytesIO()
full = pd.DataFrame([{k: v for k, v in r.items() if k != "id"} for r in shown])
full.map(lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v).to_excel(
    buffer, index=False, sheet_name="重点任务台账"
)
st.download_button("导出 Excel", buffer.getvalue(), file_name=f"重点任务台账_{plan.code}_{today()}.xlsx")

with st.expander("任务原文与关联指标"):
    for r in shown:
        st.text(
            f"{r['编号']} {r['任务']}（{r['章节']}）\n时间节点：{r['时间节点']}\n"
            f"配合单位：{r['配合单位'] or '无'}；关联指标：{r['关联指标'] or '无'}"
        )
