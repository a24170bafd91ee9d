"""填报上传: template download, upload (preview → confirm), undo, bulk import and export."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from indicators.periods import Period, latest_due_period
from services.actor import ActorRole, PermissionDenied
from services.audit import refusals_audited
from services.exports import export_figures
from services.imports import STATUS_LABELS, commit_import, make_template, preview_import, undo_upload
from ui import data
from ui.actions import require_role
from ui.auth import current_actor
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.widgets import plan_selector

ensure_routed()

ACTOR = require_role(current_actor(), "admin", "reporter")
IS_ADMIN = ACTOR.role is ActorRole.ADMIN

plan = plan_selector()
if plan is None:
    st.stop()
url, fingerprint = data.current_url(), data.data_fingerprint()
st.title(f"{escape_markdown(plan.jurisdiction)} · 填报上传")

due = latest_due_period(dt.date.today(), plan.settings.report_deadline_days)
periods = [str(due.shift(1 - i)) for i in range(8)]
left, right = st.columns(2)
period = left.selectbox("填报季度", periods, index=1, format_func=lambda p: Period.parse(p).label)
units = data.reporting_units(url, plan.code, fingerprint)
if not IS_ADMIN:  # a reporter works for its own units only (the service layer checks again)
    own = set(data.unit_names(url, tuple(sorted(ACTOR.unit_ids)), fingerprint))
    units = [u for u in units if u in own]
    if not units:
        st.info("您绑定的单位在该计划中没有需要填报的指标。")
        st.stop()
ALL = "（全部单位：办公室汇总表）"
unit = right.selectbox("填报单位", [*units, ALL] if IS_ADMIN else units)
unit_name = None if unit == ALL else unit

tab_template, tab_upload, tab_bulk, tab_history = st.tabs(
    ["下载模板", "上传填报", "批量导入与导出", "上传记录与撤销"]
)

with tab_template:
    st.caption("模板只列出该单位负责填报的指标；请在黄色单元格中填写，保存为 .xlsx 后上传。")
    try:
        template = make_template(url, plan.code, period, unit_name)
        st.download_button(
            "下载填报模板",
            template,
            file_name=f"{plan.code}_{period}_{unit_name or '全部单位'}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
        )
    except LookupError as exc:
        st.warning(escape_markdown(str(exc)))


def _show_preview(preview) -> None:
    counts = preview.counts
    cols = st.columns(5)
    for col, key in zip(cols, ["new", "changed", "unchanged", "baseline", "rejected"], strict=True):
        col.metric(STATUS_LABELS[key], counts[key])
    if preview.errors:
        st.error(f"发现 {len(preview.errors)} 处错误，文件不会被导入。请修改后重新上传。")
        st.dataframe(
            pd.DataFrame(
                [{"工作表": e.sheet, "行": e.row, "列": e.column, "代码": e.code, "说明": e.message}
                 for e in preview.errors]
            ),
            hide_index=True, width="stretch",
        )  # fmt: skip
    rows = [
        {"状态": STATUS_LABELS[c.status], "单位": c.unit, "指标代码": c.code, "指标": c.name,
         "数据所属期": Period.parse(c.period).label if c.period else "", "原值": c.old, "新值": c.new,
         "行": c.row}
        for c in preview.changes if c.status != "empty"
    ]  # fmt: skip
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


with tab_upload:
    uploaded = st.file_uploader("选择填好的 .xlsx 文件", type=None, key="single_upload")
    if uploaded is not None:
        content = uploaded.getvalue()
        preview = preview_import(
            url, content, uploaded.name, ACTOR, plan=plan.code, period=period, unit=unit_name
        )
        _show_preview(preview)
        if preview.duplicate_of is not None:
            st.info(f"该文件与上传记录 #{preview.duplicate_of} 完全相同，无需再次导入。")
        elif preview.ok and preview.changes_anything:
            if st.button("确认导入", type="primary", icon=":material/check:"):
                try:  # a refusal (no permission, a locked quarter) is audited
                    with refusals_audited(url, ACTOR, "upload", entity="upload", plan_code=plan.code):
                        result = commit_import(url, content, uploaded.name, ACTOR, plan=plan.code,
                                               period=period, unit=unit_name)  # fmt: skip
                except (ValueError, PermissionDenied) as exc:  # e.g. the quarter is locked
                    st.error(escape_markdown(str(exc)))
                else:
                    show = st.success if result.status == "committed" else st.warning
                    show(escape_markdown(result.message))
                    if result.status == "refused":
                        _show_preview(result.preview)
        elif preview.ok:
            st.info("文件中没有任何新的或修改的数据。")

with tab_bulk:
    if not IS_ADMIN:
        st.info("批量导入与全部单位数据导出由质量办（管理员）使用。")
    else:
        st.subheader("批量导入")
        files = st.file_uploader("选择多个填报文件", accept_multiple_files=True, key="bulk_upload")
        dry_run = st.checkbox("只校验，不写入（试运行）")
        if files and st.button("开始导入", icon=":material/upload:"):
            bar = st.progress(0.0)
            summary = []
            for i, f in enumerate(files, start=1):
                result = commit_import(url, f.getvalue(), f.name, ACTOR, plan=plan.code, dry_run=dry_run)
                c = result.preview.counts
                summary.append({"文件": f.name, "结果": result.status, "新增": c["new"], "修改": c["changed"],
                                "错误": c["errors"], "说明": result.message})  # fmt: skip
                bar.progress(i / len(files), text=f"{i}/{len(files)} {f.name}")
            st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch")
        st.subheader("导出本季度全部单位数据")
        c1, c2 = st.columns(2)
        c1.download_button("导出 Excel", export_figures(url, plan.code, period, "xlsx"),
                           file_name=f"{plan.code}_{period}_填报数据.xlsx")  # fmt: skip
        c2.download_button("导出 CSV", export_figures(url, plan.code, period, "csv"),
                           file_name=f"{plan.code}_{period}_填报数据.csv", mime="text/csv")  # fmt: skip

with tab_history:
    history = data.uploads(url, plan.code, fingerprint)
    if not history:
        st.info("还没有上传记录。")
    for item in history:
        c = item["counts"]
        label = escape_markdown(
            f"#{item['id']} {item['created_at']:%Y-%m-%d %H:%M} {item['unit']} {item['period']} "
            f"{item['file_name']}（新增 {c.get('new', 0)}，修改 {c.get('changed', 0)}）"
        )
        cols = st.columns([5, 1])
        if item["undone_at"]:
            cols[0].markdown(f"~~{label}~~ 已由 {escape_markdown(item['undone_by'])} 撤销")
            continue
        cols[0].markdown(label)
        if cols[1].button("撤销", key=f"undo_{item['id']}"):
            try:  # a refused undo (permission, lock, already undone) is audited
                with refusals_audited(
                    url, ACTOR, "undo_upload", also=(LookupError, ValueError), entity="upload",
                    entity_key=str(item["id"]), plan_code=plan.code,
                ):  # fmt: skip
                    st.success(escape_markdown(undo_upload(url, item["id"], ACTOR).message))
                st.rerun()
            except (LookupError, ValueError, PermissionDenied) as exc:
                st.error(escape_markdown(str(exc)))
