"""What the supervision pages (重点任务台账, 我的待办, 督办台账, 督办设置) share."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from db.session import read_scope
from services import evidence
from services.actor import Actor, ActorRole, PermissionDenied
from services.audit import record_refusal
from ui import data
from ui.safe import escape_markdown
from ui.vocabulary import TASK_FLAG_NOTE


def today() -> dt.date:
    return dt.date.today()


def evidence_buttons(actor: Actor | None, files: list[tuple[int, str, int]], key: str) -> None:
    """Download buttons for evidence files (attachments; never rendered); signed-in users only."""
    if not files:
        return
    if not evidence.can_download(actor):
        st.caption(f"佐证材料 {len(files)} 个（登录后可下载）")
        return
    cols = st.columns(min(len(files), 4))
    url = data.current_url()
    for i, (fid, _name, size) in enumerate(files):
        try:
            with read_scope(url) as session:
                shown, media, content = evidence.read_evidence(session, actor, fid, url)
        except (LookupError, PermissionDenied) as exc:
            cols[i % len(cols)].error(escape_markdown(str(exc)))
            continue
        cols[i % len(cols)].download_button(
            f"下载 {shown}（{size / 1024:.0f} KB）",
            content,
            file_name=shown,
            mime=media,
            key=f"ev_{key}_{fid}",
            icon=":material/attach_file:",
        )


def node_periods(nodes: str) -> str:
    """The quarters of a task's time nodes, for table cells: 2027年第4季度前：建成平台 → 2027年第4季度前."""
    return "；".join(part.split("：", 1)[0] for part in nodes.split("；") if part)


def uploaded_files(uploads) -> list[tuple[str, bytes]]:
    return [(f.name, f.getvalue()) for f in (uploads or [])]


def audit_refused(actor: Actor, action: str, exc: BaseException, **fields) -> None:
    """A refused evidence file is audited like any other refusal."""
    record_refusal(data.current_url(), actor, action, exc, **fields)


def supervised_plans(session) -> list[str]:
    """Codes of the plans that have a key task or a notice: every other plan adds 0 to the badge.

    The badge is counted at every rerun of every page; asking each plan (several queries each)
    cost an office account 4.8 s and 33,600 statements per rerun with 2,800 plans, most without
    any task or notice.
    """
    from sqlalchemy import select, union

    from db.models import Notice, Plan, Task

    ids = union(select(Task.plan_id), select(Notice.plan_id)).subquery()  # index scans: no plan scan
    return list(session.scalars(select(Plan.code).join(ids, ids.c.plan_id == Plan.id).order_by(Plan.id)))


def todo_count(actor: Actor | None) -> int:
    """The badge of 我的待办: tasks to report or correct and notices to answer (reporters), or what
    awaits the office (admins). Counted once per data version, role, units and day (app.py draws
    it on every rerun of every page; every write bumps the data version)."""
    if actor is None or actor.role is ActorRole.VIEWER:
        return 0
    units = tuple(sorted(actor.unit_ids))
    return _todo_count(data.current_url(), data.data_fingerprint(), actor.role.value, units, today())


@st.cache_data(ttl=data.CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def _todo_count(url: str, fingerprint: tuple, role: str, unit_ids: tuple[int, ...], day: dt.date) -> int:
    from services import notices, tasks

    count = 0
    with read_scope(url) as session:
        for code in supervised_plans(session):
            if role == ActorRole.ADMIN.value:
                count += len(tasks.pending_reports(session, code))
                count += sum(1 for r in notices.register_rows(session, code, day, state="answered"))
            else:
                count += tasks.owed_count(tasks.unit_task_items(session, code, frozenset(unit_ids), day))
                count += len(notices.unit_notices(session, code, frozenset(unit_ids), day))
    return count


def task_overview(plan_code: str, unit: str | None = None) -> None:
    """A short block for the overview and the unit pages: task counts and the overdue ones."""
    import pandas as pd  # lazy: app.py imports this module for the badge, before the sign-in page

    from services import notices, tasks

    with read_scope(data.current_url()) as session:
        summary = tasks.task_summary(session, plan_code, today())
        rows = tasks.ledger_rows(session, plan_code, today())
        open_notices = [
            r
            for r in notices.register_rows(session, plan_code, today(), unit=unit or "")
            if r["状态"] not in (notices.STATES["closed"], notices.STATES["escalated"])
        ]
    if not summary["合计"] and not open_notices:
        return
    if unit:
        rows = [r for r in rows if unit in r["牵头单位"].split("、") or unit in r["配合单位"].split("、")]
    st.subheader("重点任务" + (f"（{escape_markdown(unit)}）" if unit else ""))
    counts = {
        "合计": len(rows),
        "已完成": sum(r["任务状态"] == "已完成" for r in rows),
        "逾期完成": sum(r["任务状态"] == "逾期完成" for r in rows),
        "推进中": sum(r["任务状态"] == "推进中" for r in rows),
        "逾期（预警）": sum(r["督办"] == "预警" for r in rows),
        "逾期（督办）": sum(r["督办"] == "督办" for r in rows),
    }
    for col, (label, n) in zip(st.columns(len(counts)), counts.items(), strict=True):
        col.metric(label, n)
    if counts["逾期（预警）"] or counts["逾期（督办）"]:  # not the notices: a leader read them as issued
        st.caption(TASK_FLAG_NOTE)
    if summary["待审核"] and not unit:
        st.caption(f"待质量办审核的任务进展 {summary['待审核']} 条。")
    if open_notices:
        late = sum(1 for r in open_notices if r["逾期"])
        listed = "；".join(f"{r['编号']}（{r['责任单位']}，{r['状态']}）" for r in open_notices[:5])
        st.caption(
            f"督办台账：未销号的通知单 {len(open_notices)} 份（其中逾期 {late} 份）："
            + escape_markdown(listed + ("等" if len(open_notices) > 5 else ""))
        )
    late = [r for r in rows if r["督办"]]
    if late:
        st.dataframe(
            pd.DataFrame(
                [
                    {k: r[k] for k in ("督办", "编号", "任务", "牵头单位", "时间节点", "推进状态")}
                    for r in late
                ]
            ),
            hide_index=True,
            width="stretch",
            height=min(36 * (len(late) + 1) + 4, 300),
        )
