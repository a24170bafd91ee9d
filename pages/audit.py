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
from ui.formats import audit_action_label
from ui.guard import ensure_routed

ensure_routed()

require_role(current_actor(), "admin")
st.title("审计日志")
st.caption(
    "记录每一次写入与被拒绝的操作（谁、何时、修改前后、来源文件）。日志只能追加，系统内无法修改或删除。"
)

cols = st.columns(5)
who = cols[0].text_input("用户")
action = cols[1].text_input("操作", placeholder="如 record_figure")
outcome = cols[2].selectbox(
    "结果", ["", "ok", "refused"], format_func=lambda o: {"": "全部", "ok": "成功", "refused": "已拒绝"}[o]
)
since = cols[3].date_input("起始日期", value=dt.date.today() - dt.timedelta(days=90))
until = cols[4].date_input("截止日期", value=dt.date.today())

with read_scope(data.current_url()) as session:
    rows = audit_rows(session, who.strip(), action.strip(), outcome, since, until)
frame = pd.DataFrame(rows)
st.markdown(f"共 **{len(rows)}** 条。")
if rows:
    frame["操作"] = frame["操作"].map(audit_action_label)
    frame["角色"] = frame["角色"].map(lambda r: ROLE_LABELS.get(r, r))
    st.dataframe(frame, hide_index=True, width="stretch", height=min(560, 35 * (len(rows) + 1) + 3))
    buffer = io.BytesIO()
    safe = frame.map(lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v)
    safe.to_excel(buffer, index=False, sheet_name="审计日志")
    st.download_button("导出 Excel", buffer.getvalue(), file_name=f"审计日志_{dt.date.today()}.xlsx")
