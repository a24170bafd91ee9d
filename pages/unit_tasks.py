"""任务填报与反馈: what the signed-in user's units owe in the supervision loop — key-task progress to
report or correct, notices to answer — with the forms to do it (reporters); what awaits the office
(admins). (我的待办, pages/todo.py, lists every kind of work.)"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from db.session import read_scope
from indicators.periods import Period
from services import notices, tasks
from services.actor import ActorRole, PermissionDenied
from services.audit import perform
from services.evidence import ALLOWED_TEXT, MAX_FILE_BYTES, EvidenceRefused
from ui import data
from ui.actions import require_role
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.supervision import audit_refused, node_periods, today, uploaded_files
from ui.widgets import plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin", "reporter")
plan = plan_selector()
if plan is None:
    st.stop()
url = data.current_url()
st.title(f"{escape_markdown(plan.jurisdiction)} · 任务填报与反馈")

if actor.role is ActorRole.ADMIN:
    with read_scope(url) as session:
        pending = tasks.pending_reports(session, plan.code)
        answered = notices.register_rows(session, plan.code, today(), state="answered")
        late = notices.escalation_candidates(session, plan.code, today())
    st.info(
        f"待审核的任务进展 {len(pending)} 条（“重点任务台账”页审核）；待核销的通知单反馈 {len(answered)} 份、"
        f"逾期未反馈的预警 {len(late)} 份（“督办台账”页办理）。"
    )
    st.stop()

notice_key = "todo_notice"
if st.session_state.get(notice_key):
    st.success(escape_markdown(st.session_state.pop(notice_key)))


# the forms keep what was typed when a write is refused (a rejected attachment cleared 原因分析 and
# 整改措施); after a write that went through, new keys give empty forms
nonce = st.session_state.setdefault("unit_tasks_nonce", 0)


def _write(action: str, work, done: str, **audit_fields) -> None:
    try:
        perform(url, actor, action, work)
    except EvidenceRefused as exc:
        audit_refused(actor, action, exc, plan_code=plan.code, **audit_fields)
        st.error(f"文件被拒收：{escape_markdown(exc)}（已记入审计日志，未保存任何内容）")
    except PermissionDenied as exc:
        st.error(f"操作被拒绝：{escape_markdown(exc)}（已记入审计日志）")
    except (ValueError, LookupError) as exc:
        st.error(escape_markdown(exc))
    else:
        st.session_state[notice_key] = done
        st.session_state["unit_tasks_nonce"] = nonce + 1
        st.rerun()


with read_scope(url) as session:
    items = tasks.unit_task_items(session, plan.code, actor.unit_ids, today())
    to_answer = notices.unit_notices(session, plan.code, actor.unit_ids, today())

owed = [i for i in items if i["todo"] in ("待填报", "已退回，请更正")]
period_label = Period.parse(items[0]["period"]).label if items else ""
st.caption(
    f"本单位待办：重点任务进展 {len(owed)} 项，通知单待反馈 {len(to_answer)} 份。"
    + (f"{period_label}的报送截止日为 {items[0]['deadline']:%Y年%m月%d日}" if items else "")
    + (("，已过截止日，请尽快报送。" if owed and items[0]["deadline"] < today() else "。") if items else "")
)

st.subheader(f"通知单待反馈（{len(to_answer)} 份）")
if not to_answer:
    st.info("没有待反馈的预警或督办通知单。")
for n in to_answer:
    with st.container(border=True):
        head = f"{n['number']}（{n['level']}，{n['unit']}）反馈期限 {n['respond_by']:%Y年%m月%d日}"
        st.text(head + ("　已逾期" if n["late"] else "") + f"　状态：{n['state']}")
        st.text(
            "\n".join(f"· {code} {name}（{status}）{reason}" for code, name, status, reason in n["items"])
        )
        if n["comment"]:
            st.warning(f"质量办退回意见：{escape_markdown(n['comment'])}")
        with st.form(f"answer_{n['id']}_{nonce}"):
            causes = st.text_area("原因分析", key=f"causes_{n['id']}_{nonce}")
            measures = st.text_area("整改措施", key=f"measures_{n['id']}_{nonce}")
            expected = st.date_input(
                "预计完成日期", value=today() + dt.timedelta(days=90), key=f"exp_{n['id']}_{nonce}"
            )
            files = st.file_uploader(
                f"佐证材料（{ALLOWED_TEXT}，单个不超过 {MAX_FILE_BYTES // 1024 // 1024} MB）",
                accept_multiple_files=True,
                key=f"nfiles_{n['id']}_{nonce}",
            )
            if st.form_submit_button("提交反馈", type="primary"):
                chosen = uploaded_files(files)
                _write(
                    "answer_notice",
                    lambda s, i=n["id"], c=causes, m=measures, e=expected, f=chosen: notices.answer_notice(
                        s, actor, i, c, m, e, f
                    ),
                    f"已提交{n['number']}的反馈，等待质量办核销。",
                    entity="notice",
                    entity_key=f"{plan.code}|{n['number']}",
                    unit=n["unit"],
                )

st.subheader(f"重点任务进展（待办 {len(owed)} 项，共 {len(items)} 项）")
if not items:
    st.info("本单位在该计划中没有未完成的重点任务。")
    st.stop()
st.dataframe(
    pd.DataFrame(
        [
            {
                "待办": i["todo"],
                "编号": i["task_code"],
                "任务": i["title"],
                "单位": i["unit"],
                "角色": "牵头" if i["role"] == "lead" else "配合",
                "时间节点": node_periods(i["nodes"]),
                "任务状态": i["state"],
                "上次推进状态": i["last_status"],
            }
            for i in items
        ]
    ),
    hide_index=True,
    width="stretch",
    height=min(36 * (len(items) + 1) + 4, 360),
    column_config={  # 890 px: fits the main column at 1366 px too (the unit and last column were cut)
        k: st.column_config.Column(width=w)
        for k, w in {"待办": 120, "编号": 70, "任务": 220, "单位": 130, "角色": 50, "时间节点": 120}.items()
    }
    | {"任务状态": st.column_config.Column(width=80), "上次推进状态": st.column_config.Column(width=100)},
)
labels = {f"{i['task_code']}|{i['unit_id']}": i for i in items}
choice = st.selectbox(
    "选择任务",
    list(labels),
    format_func=lambda k: (
        f"{labels[k]['task_code']} {labels[k]['title']} · {labels[k]['unit']} · {labels[k]['todo']}"
    ),
)
item = labels[choice]
period = item["returned"][0][1] if item["returned"] else item["period"]
st.text(f"时间节点：{item['nodes']}\n填报季度：{Period.parse(period).label}")
if item["returned"]:
    st.warning(f"质量办退回意见：{escape_markdown(item['returned'][0][2])}")
with st.form(f"progress_{choice}_{nonce}"):
    progress = st.text_area("进展情况", value=item["last_progress"], height=140)
    status_labels = list(tasks.STATUS_LABELS.values())
    default = status_labels.index(item["last_status"]) if item["last_status"] in status_labels else 1
    status = st.selectbox("推进状态", status_labels, index=default)
    files = st.file_uploader(
        f"佐证材料（{ALLOWED_TEXT}，单个不超过 {MAX_FILE_BYTES // 1024 // 1024} MB；文件类型按内容检查）",
        accept_multiple_files=True,
    )
    if st.form_submit_button("提交进展", type="primary"):
        chosen = uploaded_files(files)
        _write(
            "report_task",
            lambda s, f=chosen: tasks.report_progress(
                s, actor, plan.code, item["task_code"], item["unit_id"], period, progress, status, f
            ),
            f"已提交 {item['task_code']} {Period.parse(period).label}的进展，等待质量办审核。",
            entity="task_report",
            entity_key=f"{plan.code}|{item['task_code']}|{item['unit']}|{period}",
            unit=item["unit"],
        )
