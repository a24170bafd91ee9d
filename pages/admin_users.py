"""账户管理: create reporters bound to units, reset passwords, disable accounts (admins only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.queries import units_of_plan
from db.session import read_scope
from services import accounts
from services.actor import ROLE_LABELS, ActorRole
from ui import data
from ui.actions import done_and_rerun, require_role, run_write, show_done
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.vocabulary import MULTISELECT_PLACEHOLDER
from ui.widgets import plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin")
st.title("账户管理")
show_done()  # each change reruns the page: the list below shows it

with read_scope(data.current_url()) as session:
    users = accounts.list_users(session, actor)
now = accounts._now()
st.dataframe(
    pd.DataFrame(
        [
            {
                "账户": u.name,
                "角色": ROLE_LABELS[ActorRole(u.role)],
                "绑定单位": "、".join(u.units),
                "状态": "停用"
                if u.disabled
                else ("锁定" if u.locked_until and u.locked_until > now else "正常"),
                "最近登录": f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "从未登录",
            }
            for u in users
        ]
    ),
    hide_index=True,
    width="stretch",
)

st.subheader("新建账户")
plan = plan_selector()
with read_scope(data.current_url()) as session:
    plan_units = units_of_plan(session, plan.code) if plan else []
with st.form("new_user", clear_on_submit=True):
    name = st.text_input("账户名")
    roles = list(ActorRole)  # a new account reads only until the office gives it more
    role = st.selectbox(
        "角色", roles, index=roles.index(ActorRole.VIEWER), format_func=lambda r: ROLE_LABELS[r]
    )
    chosen = st.multiselect(
        "绑定责任单位（填报员必选）", [u["name"] for u in plan_units], placeholder=MULTISELECT_PLACEHOLDER
    )
    submitted = st.form_submit_button("创建", type="primary")
if submitted:
    ids = [u["id"] for u in plan_units if u["name"] in chosen]
    password = run_write(
        actor, "create_user", lambda s: accounts.create_user(s, actor, name, ActorRole(role), ids)
    )
    if password:
        done_and_rerun(
            f"已创建账户 {escape_markdown(name)}。初始密码（仅显示这一次，请当面告知本人）：`{password}`"
        )

st.subheader("重置密码 / 停用 / 解除锁定")
names = [u.name for u in users]
if names:
    left, right = st.columns(2)
    target = left.selectbox("账户", names)
    if left.button("重置密码"):
        password = run_write(actor, "reset_password", lambda s: accounts.reset_password(s, actor, target))
        if password:
            done_and_rerun(f"{escape_markdown(target)} 的新密码（仅显示这一次）：`{password}`")
    if right.button("停用账户") and run_write(
        actor, "disable_user", lambda s: accounts.set_disabled(s, actor, target) or True
    ):
        done_and_rerun(f"已停用 {escape_markdown(target)}")
    if right.button("启用账户") and run_write(
        actor, "enable_user", lambda s: accounts.set_disabled(s, actor, target, False) or True
    ):
        done_and_rerun(f"已启用 {escape_markdown(target)}")
    if left.button(
        "解除登录锁定", help="连续登录失败被锁定的账户：立即解除锁定并清零失败次数（记入审计）"
    ) and run_write(actor, "unlock_user", lambda s: accounts.unlock_user(s, actor, target) or True):
        done_and_rerun(f"已解除 {escape_markdown(target)} 的锁定")
