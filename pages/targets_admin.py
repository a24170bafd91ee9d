"""目标维护: change a target or the responsible units with a reason; decide consultation proposals."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from db.queries import units_of_plan
from db.session import read_scope
from indicators.periods import Period
from indicators.vocabulary import LABELS, Comparator
from services import targets
from ui import data
from ui.actions import require_role, run_write
from ui.auth import current_actor
from ui.formats import describe_target
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.vocabulary import MULTISELECT_PLACEHOLDER, is_office_revision
from ui.widgets import plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin")
plan = plan_selector()
if plan is None:
    st.stop()
st.title(f"{escape_markdown(plan.jurisdiction)} · 目标维护")
st.caption("每次修改都须填写理由，形成修订记录；此前各季度仍按当时有效的目标评估。")

fingerprint = data.data_fingerprint()
rows = data.catalogue(data.current_url(), plan.code, fingerprint)
by_code = {r["code"]: r for r in rows}
code = st.selectbox("指标", list(by_code), format_func=lambda c: f"{c} {by_code[c]['name']}")
row = by_code[code]
st.markdown(
    "现行目标："
    + escape_markdown(
        "；".join(describe_target(t, row["measure_unit"]) for t in row["targets"] if t["in_force"]) or "无"
    )
)
notice = st.session_state.pop("targets_notice", None)  # set by a write, shown after the rerun that reads it
if notice:
    st.success(escape_markdown(notice))


nonce = st.session_state.setdefault("targets_nonce", 0)  # a new one after each write: reasons emptied


def _saved(result: object, notice: str) -> None:
    """After a write that went through: rerun, so the header and the form read what was written."""
    if result is not None:
        st.session_state["targets_notice"] = notice
        st.session_state["targets_nonce"] = nonce + 1
        st.rerun()


def _number(label: str, value: float | None, whole: bool, key: str):
    """A target value as the indicator counts: whole items without decimals; empty when there is none."""
    if whole and (value is None or float(value).is_integer()):
        return st.number_input(label, value=None if value is None else int(value), step=1, key=key)
    return st.number_input(label, value=None if value is None else float(value), key=key)


tab_target, tab_units, tab_revisions = st.tabs(["修改目标", "调整责任单位", "征求意见建议的采纳"])
with tab_target:
    in_force = [t for t in row["targets"] if t["in_force"]]
    if not in_force:
        st.info("该指标没有现行目标；可在“征求意见建议的采纳”中采纳建议目标。")
    else:
        with st.form("change_target"):
            key = st.selectbox(
                "要修改的目标",
                [t["key"] for t in in_force],
                format_func=lambda k: describe_target(
                    next(t for t in in_force if t["key"] == k), row["measure_unit"]
                ),
            )
            current = next(t for t in in_force if t["key"] == key)
            cols = st.columns(4)
            comparators = [c for c in Comparator if c not in (Comparator.MILESTONE,)]
            comparator = cols[0].selectbox(
                "比较方式",
                comparators,
                index=comparators.index(Comparator(current["comparator"]))
                if current["comparator"] != "milestone"
                else 0,
                format_func=lambda c: LABELS[c],
            )
            whole, which = bool(row.get("whole_items")), f"{plan.code}_{code}_{key}"  # a target's own inputs
            with cols[1]:
                value = _number("目标值", current["value"], whole, f"target_value_{which}")
            with cols[2]:
                high = _number("上限（区间目标）", current["value_high"], whole, f"target_high_{which}")
            year = cols[3].number_input("目标年份", value=int(current["year"]), step=1)
            effective = st.date_input("生效日期", value=dt.date.today())
            st.caption(
                "每个季度都按该季度末有效的目标评估：生效日期所在季度起按新目标，此前各季度仍按原目标"
                "（总览、指标详情、督办台账一致）。生效日期晚于所选季度末的修改，要到以后的季度才体现。"
            )
            reason = st.text_area("修改理由（必填）", key=f"target_reason_{nonce}")
            if st.form_submit_button("保存修改", type="primary"):
                result = run_write(
                    actor,
                    "edit_target",
                    lambda s: targets.change_target(
                        s,
                        actor,
                        plan.code,
                        code,
                        key,
                        comparator=comparator,
                        value=value,
                        value_high=high if comparator is Comparator.RANGE else None,
                        year=int(year),
                        reason=reason,
                        effective_from=effective,
                    ),
                )
                first = Period.containing(effective)  # the first quarter whose end falls on or after it
                _saved(
                    result,
                    f"目标已修改并记入修订历史：自 {effective:%Y-%m-%d} 起生效，"
                    f"{first.label}及以后各季度按新目标评估，此前各季度仍按原目标。",
                )

with tab_units:
    with read_scope(data.current_url()) as session:
        units = units_of_plan(session, plan.code)
    names = {u["name"]: u["id"] for u in units}
    with st.form("change_units"):
        lead = st.multiselect(
            "牵头单位", list(names), default=[n for n in row["lead_units"] if n in names],
            placeholder=MULTISELECT_PLACEHOLDER,
        )
        co = st.multiselect(
            "配合单位", list(names), default=[n for n in row["co_units"] if n in names],
            placeholder=MULTISELECT_PLACEHOLDER,
        )
        reason = st.text_area("调整理由（必填）", key=f"units_reason_{nonce}")
        if st.form_submit_button("保存调整", type="primary"):
            result = run_write(
                actor,
                "edit_target",
                lambda s: targets.change_responsibility(
                    s, actor, plan.code, code, [names[n] for n in lead], [names[n] for n in co], reason
                )
                or True,
            )
            _saved(result, "责任单位已调整。")

with tab_revisions:
    revisions = [  # the consultation's proposals; the office's own changes are no proposals to decide
        r
        for r in data.revisions(data.current_url(), plan.code, fingerprint)
        if r["indicator_code"] == code and not is_office_revision(r)
    ]
    if not revisions:
        st.info("该指标没有征求意见修改建议。")
    for rev in revisions:
        st.markdown(
            f"**{escape_markdown(rev['ref'])}**　{escape_markdown(rev['proposer'])}："
            f"{escape_markdown(rev['old_text'] or '（原稿无）')} → {escape_markdown(rev['proposed_text'])}"
            f"　｜　是否采纳：{LABELS.get(rev['adopted'], rev['adopted'])}"
        )
    pending = [r["ref"] for r in revisions if r["adopted"] == "unknown"]
    if pending:
        with st.form("decide"):
            ref = st.selectbox("建议", pending)
            adopted = st.radio("决定", ["采纳", "不采纳"], horizontal=True)
            reason = st.text_area("依据（必填，如会议纪要）", key=f"decision_reason_{nonce}")
            if st.form_submit_button("记录决定", type="primary"):
                result = run_write(
                    actor,
                    "edit_target",
                    lambda s: targets.decide_revision(
                        s, actor, plan.code, code, ref, adopted == "采纳", reason
                    )
                    or True,
                )
                _saved(result, "已记录决定。")
