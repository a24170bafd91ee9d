"""督办设置 (admins): units' contact persons, the working-day CSV, the reminders sent."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import select

from db.models import Unit
from db.session import read_scope
from services import contacts, reminders, workdays
from ui import data
from ui.actions import require_role, run_write
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.supervision import today
from ui.widgets import plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin")
plan = plan_selector()
if plan is None:
    st.stop()
url = data.current_url()
st.title(f"{escape_markdown(plan.jurisdiction)} · 督办设置")
tab_contacts, tab_calendar, tab_log = st.tabs(["单位联系人", "工作日调整表", "提醒记录"])

with tab_contacts:
    st.caption("催报和反馈提醒发送到各单位在用联系人的邮箱（邮件服务器的设置见 README）。")
    with read_scope(url) as session:
        rows = contacts.contact_rows(session, plan.code)
    if rows:
        st.dataframe(pd.DataFrame(rows).drop(columns=["id"]), hide_index=True, width="stretch")
    with st.form("contact", clear_on_submit=True):
        c1, c2, c3, c4 = st.columns(4)
        with read_scope(url) as session:
            units = list(session.scalars(select(Unit.name).where(Unit.jurisdiction == plan.jurisdiction)))
        unit = c1.selectbox("单位", units)
        name = c2.text_input("姓名")
        phone = c3.text_input("电话")
        email = c4.text_input("邮箱")
        if st.form_submit_button("保存联系人", type="primary") and run_write(
            actor,
            "manage_contacts",
            lambda s: contacts.save_contact(s, actor, plan.code, unit, name, phone, email),
        ):
            st.rerun()

with tab_calendar:
    st.caption(
        "工作日按国务院办公厅每年公布的节假日安排计算（含调休上班日，数据来自 chinesecalendar）。"
        "该数据尚未收录的年份，或需要更正的日期，可载入 CSV：表头 date,type,note，type 为“休”或“班”。"
    )
    file = st.file_uploader("工作日调整表（.csv）", type=["csv"])
    if file is not None and st.button("载入"):
        text = file.getvalue().decode("utf-8-sig", errors="replace")
        counts = run_write(
            actor, "load_calendar", lambda s: workdays.load_calendar(s, actor, text, file.name)
        )
        if counts:
            st.success(
                f"已载入：新增 {counts['added']} 天，修改 {counts['changed']} 天，"
                f"未变 {counts['unchanged']} 天"
            )

with tab_log:
    with read_scope(url) as session:
        due = reminders.due_reminders(session, today(), reminders.Settings.from_env(), plan.code)
        log = reminders.sent_rows(session, plan.code)
    st.caption(
        f"今天应发的提醒 {len(due)} 条（命令 python manage.py remind 由定时任务每天运行，不会重复发送）。"
    )
    if log:
        st.dataframe(pd.DataFrame(log), hide_index=True, width="stretch")
    else:
        st.info("还没有发送过提醒。")
