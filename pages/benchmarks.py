"""基准值与基期值: the office enters benchmarks and baselines, reviews units' baseline proposals."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from db.queries import BASELINE_STATE_LABELS, baseline_rows, benchmark_rows, pending_baseline_rows
from db.session import read_scope
from indicators.periods import Period, latest_due_period
from services import review
from services.actor import PermissionDenied
from services.baselines import NO_BASELINE_KINDS, record_baseline
from services.benchmarks import record_benchmark
from services.office_template import import_office_template, make_office_template
from ui import data
from ui.actions import done_and_rerun, require_role, run_write, show_done
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.vocabulary import entered_by_label, record_source, workbook_limit_words
from ui.widgets import plan_selector

ensure_routed()

actor = require_role(current_actor(), "admin")
plan = plan_selector()
if plan is None:
    st.stop()
url = data.current_url()
st.title(f"{plan.jurisdiction} · 基准值与基期值")
st.caption(
    "全省平均、省控目标等基准值和各指标的基期值由质量办统一录入并注明来源；每次录入都保留历史并记入审计日志。"
    "责任单位在填报模板中提交的基期值是建议，须在此审核通过后才生效。"
)

fingerprint = data.data_fingerprint()
rows = data.catalogue(url, plan.code, fingerprint)
by_code = {r["code"]: r for r in rows}
benchmark_codes = [
    r["code"]
    for r in rows
    if any(t["in_force"] and t["comparator"].endswith("benchmark") for t in r["targets"])
]
with read_scope(url) as session:
    benchmarks = benchmark_rows(session, plan.code, history=True)
    baselines = baseline_rows(session, plan.code)
    proposals = pending_baseline_rows(session, plan.code)


def _label(code: str) -> str:
    return f"{code} {by_code[code]['name']}" if code in by_code else code


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


show_done()  # after an entry the page reruns: its tables show the value just saved
tab_bench, tab_base, tab_review, tab_file = st.tabs(
    ["基准值", "基期值", f"待审核的基期值建议（{len(proposals)}）", "办公室录入表（Excel）"]
)

with tab_bench:
    if not benchmark_codes:
        st.info("本计划没有以全省平均、省控目标等为基准的目标。")
    else:
        with st.form("benchmark_form", clear_on_submit=True):
            cols = st.columns([3, 1, 1])
            code = cols[0].selectbox("指标", benchmark_codes, format_func=_label)
            period_text = cols[1].text_input("季度", placeholder="如 2025年第4季度")
            value_text = cols[2].text_input("基准值", placeholder="如 81.5")
            source = st.text_input("来源（必填）", placeholder="如 省市场监管局2025年第4季度通报")
            if st.form_submit_button("录入基准值", type="primary"):
                result = run_write(
                    actor,
                    "record_benchmark",
                    lambda s: [record_benchmark(s, actor, plan.code, code, period_text, value_text, source)],
                )  # a list: None only when refused or invalid (the message is shown)
                if result is not None:
                    same = "与现有基准值相同，未做修改。"
                    done_and_rerun("已录入基准值。" if result[0] is not None else same)
        current = [r for r in benchmarks if r["current"]]
        if current:
            st.dataframe(
                pd.DataFrame(
                    [{"指标": _label(r["indicator_code"]), "季度": Period.parse(r["period"]).label,
                      "基准值": r["value"], "来源": record_source(r["source"]),
                      "录入人": entered_by_label(r["recorded_by"], r["is_demo"]),
                      "录入时间": _when(r["recorded_at"]), "演示数据": "是" if r["is_demo"] else ""}
                     for r in current]
                ),
                hide_index=True, width="stretch",
            )  # fmt: skip
        else:
            st.info("尚未录入任何基准值：以基准为目标的指标将显示为“无法评估”。")
        older = [r for r in benchmarks if not r["current"]]
        if older:
            with st.expander(f"历史记录（被更正的 {len(older)} 条）"):
                st.dataframe(
                    pd.DataFrame(
                        [{"指标": r["indicator_code"], "季度": r["period"], "基准值": r["value"],
                          "来源": record_source(r["source"]),
                          "录入人": entered_by_label(r["recorded_by"], r["is_demo"]),
                          "录入时间": _when(r["recorded_at"])}
                         for r in older]
                    ),
                    hide_index=True, width="stretch",
                )  # fmt: skip

with tab_base:
    with st.form("baseline_form", clear_on_submit=True):
        cols = st.columns([3, 1, 1])
        code = cols[0].selectbox("指标", list(by_code), format_func=_label, key="baseline_code")
        year_text = cols[1].text_input("基期年份", value=str(plan.baseline_year))
        value_text = cols[2].text_input("基期值")
        source = st.text_input("来源（必填）", placeholder="如 2021年统计公报", key="baseline_source")
        if st.form_submit_button("录入基期值（立即生效）", type="primary"):
            result = run_write(
                actor,
                "record_baseline",
                lambda s: [record_baseline(s, actor, plan.code, code, value_text, year_text, source)],
            )
            if result is not None:
                done_and_rerun("已录入基期值。" if result[0] is not None else "与现行基期值相同，未做修改。")
    if baselines:
        st.dataframe(
            pd.DataFrame(
                [{"指标": _label(r["indicator_code"]), "基期值": r["value"], "基期年份": r["year"],
                  "来源": record_source(r["source"]),
                  "状态": "现行" if r["in_force"] else BASELINE_STATE_LABELS.get(r["state"], ""),
                  "提交单位": r["proposed_by"], "录入人": entered_by_label(r["recorded_by"], r["is_demo"]),
                  "录入时间": _when(r["recorded_at"]), "审核人": r["reviewed_by"],
                  "审核意见": r["review_comment"]}
                 for r in baselines]
            ),
            hide_index=True, width="stretch",
        )  # fmt: skip
    # only those whose verdict needs one: a count of new items starts at 0 by definition, a
    # milestone or a rank has none (the list named them, and the clerk had nothing to enter)
    missing = [
        c for c, r in by_code.items() if not r["baseline"] and r["measure_kind"] not in NO_BASELINE_KINDS
    ]
    if missing:
        st.text(f"尚无基期值、需要录入的指标 {len(missing)} 个：" + "、".join(_label(c) for c in missing))

with tab_review:
    if not proposals:
        st.info("没有待审核的基期值建议。")
    for item in proposals:
        now = (
            f"现行 {item['current_value']:g}（{item['current_year']}年）"
            if item["current_value"] is not None
            else "尚无现行基期值"
        )
        with st.container(border=True):
            st.text(  # plain text: nothing from data is rendered as markdown
                f"{_label(item['indicator_code'])}：{item['proposed_by']} 建议 "
                f"{item['value']:g}（{item['year']}年）；{now}\n"
                f"提交人 {item['recorded_by']}，{_when(item['recorded_at'])}；来源：{item['source']}"
            )
            comment = st.text_input("审核意见（退回时必填）", key=f"baseline_comment_{item['id']}")
            left, right = st.columns(2)
            accept = left.button("通过（立即生效）", key=f"baseline_accept_{item['id']}", type="primary")
            give_back = right.button("退回", key=f"baseline_return_{item['id']}")
            if (accept or give_back) and run_write(
                actor,
                "review",
                lambda s, i=item["id"], c=comment, a=accept: review.review_baselines(s, actor, [i], a, c),
            ):
                st.rerun()

with tab_file:
    st.caption(
        "录入表列出需要基准值的指标（每个应报送期间一行）和尚无基期值的指标；在黄色单元格中填写数值和来源后上传。"
        "文件中有任何错误（包括已锁定的季度）时不写入任何数据。"
    )
    due = latest_due_period(dt.date.today(), plan.settings.report_deadline_days)
    periods = [str(due.shift(-i)) for i in range(12)]
    as_of = st.selectbox("列出截至哪个季度的基准值", periods, format_func=lambda p: Period.parse(p).label)
    try:
        st.download_button(
            "下载办公室录入表",
            make_office_template(url, plan.code, as_of),
            file_name=f"{plan.code}_{as_of}_基准值与基期值.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
        )
    except LookupError as exc:
        st.warning(str(exc))
    uploaded = st.file_uploader(f"上传填好的录入表（.xlsx，{workbook_limit_words()}）", key="office_upload")
    if uploaded is not None:
        content = uploaded.getvalue()
        try:
            preview = import_office_template(url, content, uploaded.name, actor, plan.code, dry_run=True)
        except PermissionDenied as exc:
            st.error(f"操作被拒绝：{exc}（已记入审计日志）")
            st.stop()
        if preview.errors:
            st.error(f"发现 {len(preview.errors)} 处错误，文件不会被导入。请修改后重新上传。")
            st.dataframe(
                pd.DataFrame([{"工作表": e.sheet, "行": e.row, "列": e.column, "说明": e.message}
                              for e in preview.errors]),
                hide_index=True, width="stretch",
            )  # fmt: skip
        elif not preview.changes:
            st.info("文件中没有新的或更正的数值。")
        else:
            st.dataframe(
                pd.DataFrame([{"工作表": c.sheet, "行": c.row, "指标": _label(c.code), "期间/年份": c.when,
                               "原值": c.old or "（无）", "新值": c.new} for c in preview.changes]),
                hide_index=True, width="stretch",
            )  # fmt: skip
            if st.button(f"确认录入（{len(preview.changes)} 项）", type="primary"):
                result = import_office_template(url, content, uploaded.name, actor, plan.code)
                (st.success if result.status == "committed" else st.error)(result.message)
