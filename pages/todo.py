"""我的待办: what the signed-in user has to do now (the logic is services/worklist.py)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from db.session import read_scope
from services import worklist
from services.actor import Actor, ActorRole
from ui import data
from ui.actions import require_role
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.widgets import PLAN_KEY, plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin", "reporter")


@st.cache_data(ttl=120, max_entries=64, show_spinner="正在整理待办事项…")
def _work_list(url: str, actor: Actor, plan_code: str, today: dt.date, fingerprint: tuple):
    with read_scope(url) as session:
        return worklist.work_list(session, actor, plan_code, today)


def _own_plan(actor: Actor) -> None:
    """A reporter's list opens on the plan of its own units (once; the choice is then kept)."""
    if actor.role is not ActorRole.REPORTER or st.session_state.get("_todo_plan_set"):
        return
    st.session_state["_todo_plan_set"] = True
    if st.query_params.get("plan"):
        return
    from sqlalchemy import select

    from db.models import Plan, Unit

    with read_scope(data.current_url()) as session:
        code = session.scalar(
            select(Plan.code)
            .join(Unit, Unit.jurisdiction == Plan.jurisdiction)
            .where(Unit.id.in_(actor.unit_ids or {-1}))
            .order_by(Plan.id)
        )
    if code:
        st.session_state[PLAN_KEY] = code


_own_plan(actor)
plan = plan_selector()
if plan is None:
    st.stop()
st.title("我的待办")
who = "质量办" if actor.role is ActorRole.ADMIN else "本单位"
st.caption(f"{escape_markdown(plan.jurisdiction)} · {who}需要处理的事项，处理后自动消失。")

sections = _work_list(data.current_url(), actor, plan.code, dt.date.today(), data.data_fingerprint())
total = worklist.open_count(sections)
if total == 0:
    st.success("当前没有待办事项。")
for section in sections:
    st.subheader(f"{section.title}（{len(section.items)}）")
    if section.hint:
        st.caption(escape_markdown(section.hint))
    if not section.items:
        st.caption(escape_markdown(section.empty))
        continue
    for item in section.items:
        with st.container(border=True):
            text, action = st.columns([6, 1], vertical_alignment="center")
            mark = ":red-badge[需尽快处理] " if item.urgent else ""
            lines = mark + escape_markdown(item.text)
            if item.detail:
                lines += "  \n" + escape_markdown(item.detail)
            text.markdown(lines)
            if item.link is not None:
                action.page_link(
                    f"pages/{item.link.page}.py",
                    label=item.link.label,
                    icon=":material/arrow_forward:",
                    query_params=dict(item.link.params) or None,
                )
