"""督办台账: every 预警 / 督办 notice with its state, filterable, exportable to Excel, the Word notice of
each record; the office issues notices, verifies answers (销号 or 退回) and escalates late ones."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.session import read_scope
from indicators.history import escalation_rule
from indicators.periods import Period
from services import notices, tasks
from services.actor import ActorRole
from services.progress import default_as_of
from ui import data
from ui.actions import require_role, run_write
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.supervision import evidence_buttons, today
from ui.vocabulary import MULTISELECT_PLACEHOLDER
from ui.widgets import plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin", "reporter", "viewer")
plan = plan_selector()
if plan is None:
    st.stop()
url = data.current_url()
IS_ADMIN = actor.role is ActorRole.ADMIN
st.title(f"{escape_markdown(plan.jurisdiction)} · 督办台账")
st.caption(
    "预警、督办通知单的印发、单位反馈（原因分析、整改措施、预计完成时间、佐证材料）、核销与升级，全程留痕。"
)
if st.session_state.get("notices_done"):
    st.success(escape_markdown(st.session_state.pop("notices_done")))
    if "notices_fine" in st.session_state:
        st.warning(escape_markdown(st.session_state.pop("notices_fine")))

if IS_ADMIN:
    with read_scope(url) as session:
        unit_names = sorted(
            {
                u
                for r in tasks.ledger_rows(session, plan.code, today())
                for u in r["牵头单位"].split("、")
                if u
            }
            | set(data.reporting_units(url, plan.code, data.data_fingerprint()))
        )
        ledger = tasks.ledger_rows(session, plan.code, today())
        answered = notices.register_rows(session, plan.code, today(), state="answered")
        late = notices.escalation_candidates(session, plan.code, today())
        lagging = notices.indicator_escalations(session, plan.code, today())
    proposals = [r for r in lagging if not r["open_notice"]]
    unit_names, proposed_level = notices.most_urgent_first(proposals, unit_names)
    catalogue = data.catalogue(url, plan.code, data.data_fingerprint())
    as_of = str(default_as_of(plan, today()))  # the quarter a notice speaks of (services.notices)
    rows_now = data.progress(url, plan.code, as_of, data.data_fingerprint())["rows"]
    statuses = {r["code"]: r["status"] for r in rows_now}
    tab_issue, tab_verify, tab_late, tab_lagging = st.tabs(
        [
            "印发通知单",
            f"待核销的反馈（{len(answered)}）",
            f"逾期未反馈（{len(late)}）",
            f"指标预警督办建议（{len(proposals)}）",
        ]
    )
    with tab_issue:  # the unit outside the form: choosing it reruns, and 级别 follows its proposal
        unit = st.selectbox("责任单位", unit_names, key="notice_unit")
        levels = ["预警", "督办"]
        suggested = proposed_level.get(unit, "预警")
    with tab_issue, st.form("issue_notice"):
        c2, c3 = st.columns([1, 1])
        level = c2.selectbox("级别", levels, index=levels.index(suggested), key=f"notice_level_{unit}")
        days = c3.number_input(
            "反馈期限（工作日）", min_value=1, max_value=60, value=notices.DEFAULT_RESPONSE_DAYS
        )
        codes = notices.indicator_choices(catalogue, statuses, unit)  # the unit's own first, with status
        picked = st.multiselect("指标", list(codes), placeholder=MULTISELECT_PLACEHOLDER)
        task_codes = {f"{r['编号']} {r['任务']}（{r['任务状态']}）": r["编号"] for r in ledger}
        picked_tasks = st.multiselect("重点任务", list(task_codes), placeholder=MULTISELECT_PLACEHOLDER)
        request = st.text_area("要求（可选，写入通知单）")
        if st.form_submit_button("印发通知单", type="primary"):
            fine = notices.not_behind([codes[p] for p in picked], statuses)
            result = run_write(
                actor,
                "issue_notice",
                lambda s: (
                    notices.issue_notice(
                        s,
                        actor,
                        plan.code,
                        unit,
                        level,
                        indicator_codes=[codes[p] for p in picked],
                        task_codes=[task_codes[p] for p in picked_tasks],
                        request=request,
                        response_days=int(days),
                    ).number
                ),
            )
            if result:
                st.session_state["notices_done"] = f"已印发{result}。"
                if fine:  # the office may decide to warn all the same: said, not refused
                    st.session_state["notices_fine"] = (
                        f"注意：{'、'.join(fine)} 截至{Period.parse(as_of).label}并未滞后"
                        "（见指标后括号中的状态），单位将就此作出反馈；如属误选，请与单位沟通。"
                    )
                st.rerun()
    with tab_verify:
        if not answered:
            st.info("没有待核销的反馈。")
        for r in answered:
            with st.container(border=True):
                st.text(
                    f"{r['编号']}（{r['级别']}，{r['责任单位']}）反馈于 {r['反馈时间']}\n事项：{r['事项']}\n"
                    f"原因分析：{r['原因分析']}\n整改措施：{r['整改措施']}\n预计完成：{r['预计完成']}"
                )
                with read_scope(url) as session:
                    history = notices.notice_history(session, r["id"])
                evidence_buttons(actor, [f for h in history for f in h["evidence"]], f"v{r['id']}")
                comment = st.text_input("核销意见（退回时必填）", key=f"verify_comment_{r['id']}")
                a, b = st.columns(2)
                if a.button("销号", key=f"close_{r['id']}", type="primary") and run_write(
                    actor,
                    "verify_notice",
                    lambda s, i=r["id"], c=comment: notices.verify_notice(s, actor, i, True, c),
                ):
                    st.session_state["notices_done"] = f"{r['编号']}已销号。"
                    st.rerun()
                if b.button("退回", key=f"back_{r['id']}") and run_write(
                    actor,
                    "verify_notice",
                    lambda s, i=r["id"], c=comment: notices.verify_notice(s, actor, i, False, c),
                ):
                    st.session_state["notices_done"] = f"{r['编号']}已退回，单位须重新反馈。"
                    st.rerun()
    with tab_late:
        if not late:
            st.info("没有逾期未反馈的预警通知单。")
        for r in late:
            cols = st.columns([4, 1])
            cols[0].text(f"{r['number']}（{r['unit']}）反馈期限 {r['respond_by']:%Y-%m-%d}，{r['why']}")
            if cols[1].button("升级为督办", key=f"esc_{r['id']}") and run_write(
                actor, "issue_notice", lambda s, i=r["id"]: notices.escalate_notice(s, actor, i)
            ):
                st.session_state["notices_done"] = f"{r['number']}已升级为督办。"
                st.rerun()
    with tab_lagging:
        st.caption(f"{escalation_rule(plan.settings)}：建议向牵头单位印发通知单，该单位反馈、质量办核销。")
        if not lagging:
            st.info("没有需要预警或督办的指标。")
        else:  # the deck and bulletin count one draft notice per unit, this list one line per indicator
            units = {r["unit"] for r in lagging}
            open_units = {r["unit"] for r in lagging if not r["open_notice"]}
            st.caption(
                f"共 {len(lagging)} 项指标、涉及 {len(units)} 个单位。汇报材料按单位合并：向其中"
                f"{len(open_units)} 个有指标尚未印发通知单的单位各拟发一份（取其中最高级别）。"
            )
        for r in lagging:
            cols = st.columns([5, 1], vertical_alignment="center")
            cols[0].text(
                f"{r['code']} {r['name']} · {r['unit']}：建议{r['level']}"
                f"（截至{Period.parse(r['as_of']).label}{r['why']}）\n{r['reason']}"
            )
            if r["open_notice"]:
                cols[1].caption(f"已印发{escape_markdown(r['open_notice'])}")
            elif cols[1].button(f"印发{r['level']}通知单", key=f"lag_{r['code']}_{r['unit']}") and (
                number := run_write(
                    actor,
                    "issue_notice",
                    lambda s, r=r: (
                        notices.issue_notice(
                            s,
                            actor,
                            plan.code,
                            r["unit"],
                            r["level"],
                            indicator_codes=[r["code"]],
                            as_of=r["as_of"],
                        ).number
                    ),
                )
            ):
                st.session_state["notices_done"] = f"已印发{number}。"
                st.rerun()

st.subheader("台账")
f1, f2, f3, f4 = st.columns([1, 1, 2, 1])
state = f1.selectbox("状态", ["", *notices.STATES], format_func=lambda k: notices.STATES.get(k, "全部"))
level = f2.selectbox("级别", ["", *notices.LEVELS], format_func=lambda k: notices.LEVELS.get(k, "全部"))
with read_scope(url) as session:
    everything = notices.register_rows(session, plan.code, today())
unit = f3.selectbox(
    "责任单位", ["", *sorted({r["责任单位"] for r in everything})], format_func=lambda u: u or "全部"
)
late_only = f4.checkbox("只看逾期")
with read_scope(url) as session:
    rows = notices.register_rows(
        session, plan.code, today(), state=state, level=level, unit=unit, late_only=late_only
    )
if rows:
    st.markdown(f"共 **{len(rows)}** 份。")
elif everything:
    st.info("没有符合筛选条件的通知单。")
else:
    st.info("还没有印发任何预警或督办通知单。")
if rows:
    columns = [
        "编号",
        "级别",
        "责任单位",
        "事项",
        "印发日期",
        "反馈期限",
        "状态",
        "逾期",
        "反馈时间",
        "整改措施",
        "核销",
    ]
    st.dataframe(
        pd.DataFrame([{k: r[k] for k in columns} for r in rows]),
        hide_index=True,
        width="stretch",
        height=min(36 * (len(rows) + 1) + 4, 420),
        column_config={  # fits the main column at 1600 px: no column cut off at the right edge
            k: st.column_config.Column(width=w)
            for k, w in (
                ("编号", 120),
                ("级别", 50),
                ("责任单位", 110),
                ("事项", 180),
                ("印发日期", 90),
                ("反馈期限", 90),
                ("状态", 80),
                ("逾期", 40),
                ("反馈时间", 120),
                ("整改措施", 140),
                ("核销", 110),
            )
        },  # fmt: skip
    )
    st.download_button(
        "导出 Excel", notices.register_xlsx(rows), file_name=f"督办台账_{plan.code}_{today()}.xlsx"
    )
    by_label = {f"{r['编号']} {r['责任单位']}": r for r in rows}
    chosen = by_label[st.selectbox("查看通知单", list(by_label))]
    with read_scope(url) as session:
        history = notices.notice_history(session, chosen["id"])
        name, doc = notices.notice_docx(session, chosen["id"])
    st.download_button(
        "下载通知单（Word）",
        doc,
        file_name=name,
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    for h in history:
        extra = "；".join(f"{label}：{value}" for label, value in h["details"])
        st.text(f"{h['at']:%Y-%m-%d %H:%M} {h['kind']}（{h['actor']}）{h['comment']} {extra}")
        evidence_buttons(actor, h["evidence"], f"h{chosen['id']}")
