"""审计日志: every write and refused attempt, filterable, exportable to Excel (admins only)."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import streamlit as st

from db.queries import audit_rows
from db.session import read_scope
from services.actor import ROLE_LABELS
from ui import data
from ui.actions import require_role
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.vocabulary import AUDIT_ACTIONS, actor_name, audit_action_label, audit_names, audit_sentence

ensure_routed()

require_role(current_actor(), "admin")
st.title("审计日志")
st.caption(
    "记录每一次写入与被拒绝的操作（谁、何时、修改前后、来源文件）。日志只能追加，系统内无法修改或删除。"
)

cols = st.columns(5)
who = cols[0].text_input("用户")
actions = ["", *sorted(AUDIT_ACTIONS, key=audit_action_label)]
action = cols[1].selectbox("操作", actions, format_func=lambda a: audit_action_label(a) if a else "全部")
outcome = cols[2].selectbox(
    "结果", ["", "ok", "refused"], format_func=lambda o: {"": "全部", "ok": "成功", "refused": "已拒绝"}[o]
)
since = cols[3].date_input("起始日期", value=dt.date.today() - dt.timedelta(days=90))
until = cols[4].date_input("截止日期", value=dt.date.today())

with read_scope(data.current_url()) as session:
    rows = audit_rows(session, who.strip(), action, outcome, since, until)
plan_names = {p.code: p.jurisdiction for p in data.plans(data.current_url(), data.data_fingerprint())}
frame = pd.DataFrame(rows)
st.markdown(f"共 **{len(rows)}** 条。")
if rows:
    names = audit_names(data.current_url())
    frame.insert(1, "经过", [audit_sentence(r["_entry"], names) for r in rows])
    frame = frame.drop(columns=["_entry", "修改前", "修改后", "对象"])
    frame["操作"] = frame["操作"].map(audit_action_label)
    frame["用户"] = frame["用户"].map(actor_name)
    frame["角色"] = frame["角色"].map(lambda r: ROLE_LABELS.get(r, r))
    frame["计划"] = frame["计划"].map(lambda c: plan_names.get(c, c))
    st.dataframe(frame, hide_index=True, width="stretch", height=min(560, 35 * (len(rows) + 1) + 3))
    buffer = io.BytesIO()
    safe = frame.map(lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v)
    safe.to_excel(buffer, index=False, sheet_name="审计日志")
    st.download_button("导出 Excel", buffer.getvalue(), file_name=f"审计日志_{dt.date.today()}.xlsx")
