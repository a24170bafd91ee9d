"""填报上传: template download, upload (preview → confirm), undo, bulk import and export.

The page does each piece of work once: an uploaded file is parsed (guarded, in a separate
process) and validated once, its preview kept in the session by sha256 with the parse; a rerun
only redraws. Confirming re-checks under the write lock only what may have changed. Templates
and exports are built when their button is pressed. The preview summarises (counts; the new,
changed and rejected rows, paged) instead of drawing every row.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from indicators.periods import Period, latest_due_period
from services.actor import ActorRole, PermissionDenied
from services.audit import refusals_audited
from services.exports import export_figures
from services.imports import (
    RESULT_LABELS,
    STATUS_LABELS,
    commit_import,
    make_template,
    preview_import,
    undo_upload,
)
from services.progress import report_quarter
from ui import data
from ui.actions import require_role, rerun_this_part
from ui.auth import current_actor
from ui.confirm import confirm_button
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.vocabulary import workbook_limit_words
from ui.widgets import plan_selector
from workbook import sandbox
from workbook.reader import where_in_sheet

ensure_routed()


def _linked_quarter(text: str | None, plan, due: Period) -> str | None:
    """A link's quarter, if it is one a unit may report for (the plan's first quarter to the next)."""
    try:
        quarter = Period.parse(text or "")
    except ValueError:
        return None
    return str(quarter) if plan.first_period <= quarter <= due.shift(1) else None


ACTOR = require_role(current_actor(), "admin", "reporter")
IS_ADMIN = ACTOR.role is ActorRole.ADMIN
PAGE_ROWS = 200  # rows per page of the preview tables
KEPT_FILES = 3  # parsed files kept per session (the newest)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

plan = plan_selector()
if plan is None:
    st.stop()
sandbox.warm()  # a parsing process ready before the first upload
url, fingerprint = data.current_url(), data.data_fingerprint()
st.title(f"{escape_markdown(plan.jurisdiction)} · 填报上传")

due = latest_due_period(dt.date.today(), plan.settings.report_deadline_days)
# the quarters around the one due, within what a template can ask for: an ended plan offers no
# quarter after its last figures (2026Q3 of a plan that ended in 2025 only produced an empty template)
first_text, last_text = data.template_quarters(url, plan.code, fingerprint)
first_q, last_q = Period.parse(first_text), Period.parse(last_text) if last_text else None
newest = min(due.shift(1), last_q) if last_q else due.shift(1)
periods = [str(newest.shift(-i)) for i in range(8) if newest.shift(-i) >= first_q]
# the quarter units report on now (services.progress.report_quarter: the latest that has ended; for a
# plan whose last target year has ended, that year's fourth quarter), as 我的待办 asks. A link's
# ?quarter= (去更正上传 of a returned figure, 去填报上传) is applied every time the page is opened by
# it, then taken off the address: the quarter box is the user's again (applied once per session, a
# second 去更正上传 opened the default quarter, and the correction went into an approved figure of
# another quarter).
default_period = str(report_quarter(plan.first_period, plan.horizon_years))
linked = _linked_quarter(st.query_params.get("quarter"), plan, due)
if linked:
    st.session_state["upload_period_link"] = (plan.code, linked)
    st.session_state["upload_period"] = linked
    del st.query_params["quarter"]
link_plan, link_quarter = st.session_state.get("upload_period_link", (None, None))
kept_link = link_quarter if link_plan == plan.code else None
periods += [p for p in (default_period, kept_link) if p and p not in periods]
if not linked and (
    st.session_state.get("upload_period_plan", plan.code) != plan.code
    or st.session_state.get("upload_period") not in periods
):
    st.session_state["upload_period"] = default_period  # another plan chosen: its own default quarter
st.session_state["upload_period_plan"] = plan.code
left, right = st.columns(2)
period = left.selectbox("填报季度", periods, format_func=lambda p: Period.parse(p).label, key="upload_period")
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
state = st.session_state
files: dict = state.setdefault("upload_files", {})  # (sha256, plan, period, unit) → parse, preview, result
refusals_seen: set = state.setdefault("upload_refusals_audited", set())

# choosing a tab reruns the page (not only the browser's view): 上传记录与撤销 is then drawn afresh,
# also after an import that reran only its fragment (_single_upload)
tab_template, tab_upload, tab_bulk, tab_history = st.tabs(
    ["下载模板", "上传填报", "批量导入与导出", "上传记录与撤销"], key="upload_tab", on_change="rerun"
)

with tab_template:
    st.caption("模板只列出该单位本季度需要填报的指标；请在黄色单元格中填写，保存为 .xlsx 后上传。")
    template_key = ("template", plan.code, period, unit_name or "", fingerprint)
    if st.button("生成填报模板", icon=":material/description:"):
        try:
            state["upload_template"] = (template_key, make_template(url, plan.code, period, unit_name))
        except LookupError as exc:
            state.pop("upload_template", None)
            st.warning(escape_markdown(str(exc)))
    made = state.get("upload_template")
    if made is not None and made[0] == template_key:
        st.download_button(
            "下载填报模板",
            made[1],
            file_name=f"{plan.code}_{period}_{unit_name or '全部单位'}.xlsx",
            mime=XLSX,
            icon=":material/download:",
        )


def _paged(rows: list, key: str, as_row=None) -> None:
    """A table of at most PAGE_ROWS rows, with a page number when there are more. ``as_row`` turns an
    item into its table row: only the page shown is formatted (a preview can have 10,000 items)."""
    if not rows:
        return
    pages = (len(rows) - 1) // PAGE_ROWS + 1
    page = 1
    if pages > 1:
        page = int(st.number_input(f"页码（共 {pages} 页，每页 {PAGE_ROWS} 行）", 1, pages, 1, key=key))
    chunk = rows[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
    if as_row is not None:
        chunk = [as_row(item) for item in chunk]
    st.dataframe(pd.DataFrame(chunk), hide_index=True, width="stretch")


def _change_row(c) -> dict:
    # what the file changes first (新值 beside the indicator, then what it replaces): at 1366 px the
    # table's right-hand columns scroll out of sight, and a long note made 新值 the one cut off
    return {
        "状态": STATUS_LABELS[c.status],
        "指标代码": c.code,
        "指标": c.name,
        "新值": c.new,
        "原值": c.old,
        "数据所属期": Period.parse(c.period).label if c.period else "",
        "单位": c.unit,
        "行": c.row,
    }


def _error_row(e, raw) -> dict:
    header, code = where_in_sheet(raw, e.sheet, e.row, e.column) if raw is not None else ("", "")
    # a file-level error has no row: an empty cell, never "None"
    return {"工作表": e.sheet, "行": "" if e.row is None else str(e.row), "列": e.column, "栏目": header,
            "指标代码": code, "说明": e.message}  # fmt: skip


def _show_preview(preview, key: str) -> None:
    counts = preview.counts
    if preview.errors:  # no 新增 1 … above "文件不会被导入": nothing of the file is written
        st.error(f"发现 {len(preview.errors)} 处错误，文件不会被导入。请修改后重新上传。")
        raw = preview.prepared.raw if preview.prepared is not None else None
        _paged([_error_row(e, raw) for e in preview.errors], f"{key}_errors")
        return
    cols = st.columns(5)
    for col, name in zip(cols, ["new", "changed", "unchanged", "baseline", "rejected"], strict=True):
        col.metric(STATUS_LABELS[name], counts[name])
    shown = [c for c in preview.changes if c.status in ("new", "changed", "baseline")]
    if shown:
        st.caption(f"以下为将新增或修改的 {len(shown)} 项（未变 {counts['unchanged']} 项不列出）。")
        _paged(shown, f"{key}_changes", _change_row)
    tasks = [
        {"状态": STATUS_LABELS[t.status], "单位": t.unit, "任务编号": t.code, "任务": t.title,
         "原进展": t.old, "新进展": t.new, "行": t.row}
        for t in preview.task_changes
        if t.status != "unchanged"
    ]  # fmt: skip
    if tasks:
        st.caption(f"“重点任务”工作表：将报告进展 {len(tasks)} 项（审核前为待审核）。")
        _paged(tasks, f"{key}_tasks")


def _remember(key: tuple, entry: dict) -> None:
    files[key] = entry
    while len(files) > KEPT_FILES:
        files.pop(next(iter(files)))


@st.fragment
def _single_upload() -> None:
    """One file: choose → preview → confirm. A fragment: choosing a file and pressing 确认导入 rerun
    only this part of the page (not the router, the sidebar, the selectors and the other tabs), also
    after a commit (≈ 0.1 s less to wait for 已导入 than a rerun of the whole page). The other tabs
    show the new upload when chosen: choosing a tab reruns the page. The sidebar's 我的待办 count
    follows at the next rerun of the page (a tab chosen, another page opened)."""
    if current_actor() is None:  # signed out, timed out or disabled since the page was drawn
        st.rerun()  # the whole app: the router shows the sign-in page
    # the last import's message, for the selection it was made in and with its time: a bare
    # "已导入…" stayed above the next quarter's or unit's preview and read as that file's result
    last = state.get("upload_last_result")
    if last is not None and last[0] == (plan.code, period, unit_name or ""):
        st.success(escape_markdown(f"{last[1]:%H:%M} {last[2]}"))
    uploader_key = f"single_upload_{state.get('upload_generation', 0)}"
    uploaded = st.file_uploader(
        f"选择填好的 .xlsx 文件（{workbook_limit_words()}）", type=None, key=uploader_key
    )
    if uploaded is not None:
        content = uploaded.getvalue()
        key = (hashlib.sha256(content).hexdigest(), plan.code, period, unit_name or "")
        entry = files.get(key)
        if entry is None:  # parsed and validated once per file (and selection) in this session
            with st.spinner("正在读取和校验文件…"):
                # a file already read for another selection is not read again; a new one is read by
                # preview_import, which reads the plan's catalogue while the file is parsed
                raw = next((e["raw"] for k, e in files.items() if k[0] == key[0]), None)
                preview = preview_import(
                    url, content, uploaded.name, ACTOR, plan=plan.code, period=period, unit=unit_name,
                    raw=raw, refusals_seen=refusals_seen,
                )  # fmt: skip
            entry = {"raw": preview.prepared.raw, "preview": preview}
            _remember(key, entry)
        preview = entry["preview"]
        state.pop("upload_last_result", None)
        _show_preview(preview, f"preview_{key[0][:12]}")
        if preview.duplicate_of is not None:
            st.info(
                f"该文件与上传记录 #{preview.duplicate_of} 完全相同，且数据与现有数据相同，无需再次导入。"
            )
        elif preview.ok and preview.changes_anything:
            if st.button("确认导入", type="primary", icon=":material/check:"):
                try:  # a refusal (no permission, a locked quarter) is audited
                    with refusals_audited(url, ACTOR, "upload", entity="upload", plan_code=plan.code):
                        result = commit_import(
                            url, content, uploaded.name, ACTOR, plan=plan.code, period=period,
                            unit=unit_name, raw=entry["raw"], refusals_seen=refusals_seen, preview=preview,
                        )  # fmt: skip
                except (ValueError, PermissionDenied) as exc:  # e.g. the quarter is locked
                    st.error(escape_markdown(str(exc)))
                else:
                    if result.status == "committed":
                        text = result.message + "。"  # a reporter's says the figures await review
                        files.pop(key, None)  # the stale preview and its button go away
                        made_in = (plan.code, period, unit_name or "")
                        state["upload_last_result"] = (made_in, dt.datetime.now(), text)
                        state["upload_generation"] = state.get("upload_generation", 0) + 1
                        rerun_this_part()
                    entry["preview"] = result.preview  # what changed under the lock
                    st.warning(escape_markdown(result.message))
        elif preview.ok:
            st.info("文件中的数据与现有数据相同，没有任何新的或修改的数据。")


with tab_upload:
    _single_upload()

with tab_bulk:
    if not IS_ADMIN:
        st.info("批量导入与全部单位数据导出由质量办（管理员）使用。")
    else:
        st.subheader("批量导入")
        bulk = st.file_uploader(
            f"选择多个填报文件（{workbook_limit_words()}）", accept_multiple_files=True, key="bulk_upload"
        )
        dry_run = st.checkbox("只校验，不写入（试运行）")
        if bulk and st.button("开始导入", icon=":material/upload:"):
            bar = st.progress(0.0)
            summary = []
            for i, f in enumerate(bulk, start=1):
                try:
                    result = commit_import(url, f.getvalue(), f.name, ACTOR, plan=plan.code, dry_run=dry_run)
                    c = result.preview.counts
                    label = RESULT_LABELS.get(result.status, result.status)
                    summary.append(
                        {"文件": f.name, "结果": label, "新增": c["new"], "修改": c["changed"],
                         "错误": c["errors"], "说明": result.message}
                    )  # fmt: skip
                except (ValueError, PermissionDenied) as exc:  # one file's refusal never stops the rest
                    summary.append(
                        {"文件": f.name, "结果": "拒绝", "新增": 0, "修改": 0, "错误": 1, "说明": str(exc)}
                    )
                bar.progress(i / len(bulk), text=f"{i}/{len(bulk)} {f.name}")
            st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch")
        st.subheader("导出本季度全部单位数据")
        c1, c2 = st.columns(2)
        export_key = ("export", plan.code, period, fingerprint)
        if c1.button("生成 Excel 导出", icon=":material/table:"):
            state["upload_export_xlsx"] = (export_key, export_figures(url, plan.code, period, "xlsx"))
        if c2.button("生成 CSV 导出", icon=":material/table:"):
            state["upload_export_csv"] = (export_key, export_figures(url, plan.code, period, "csv"))
        made_x, made_c = state.get("upload_export_xlsx"), state.get("upload_export_csv")
        if made_x is not None and made_x[0] == export_key:
            c1.download_button(
                "下载 Excel", made_x[1], file_name=f"{plan.code}_{period}_填报数据.xlsx", mime=XLSX
            )
        if made_c is not None and made_c[0] == export_key:
            c2.download_button(
                "下载 CSV", made_c[1], file_name=f"{plan.code}_{period}_填报数据.csv", mime="text/csv"
            )

with tab_history:
    undone = state.pop("upload_undo_result", None)
    if undone is not None:
        st.success(escape_markdown(undone))
    history = data.uploads(url, plan.code, fingerprint)
    if not IS_ADMIN:  # a unit's staff see (and may undo) their own units' uploads only
        history = [h for h in history if h["unit_id"] is not None and h["unit_id"] in ACTOR.unit_ids]
    if not history:
        st.info("还没有上传记录。")
    for item in history:
        c = item["counts"]
        label = escape_markdown(
            f"#{item['id']} {item['created_at']:%Y-%m-%d %H:%M} {item['unit']} "
            f"{Period.parse(item['period']).label} "
            f"{item['file_name']}（新增 {c.get('new', 0)}，修改 {c.get('changed', 0)}）"
        )
        cols = st.columns([5, 1])
        if item["undone_at"]:
            requested = (c.get("undo") or {}).get("requested", 0)
            note = f"，其中 {requested} 项撤销待质量办审核" if requested else ""
            cols[0].markdown(f"~~{label}~~ 已由 {escape_markdown(item['undone_by'])} 撤销{note}")
            continue
        cols[0].markdown(label)

        def undo(upload_id: int = item["id"]) -> bool:
            try:  # a refused undo (permission, lock, already undone) is audited
                with refusals_audited(
                    url, ACTOR, "undo_upload", also=(LookupError, ValueError), entity="upload",
                    entity_key=str(upload_id), plan_code=plan.code,
                ):  # fmt: skip
                    state["upload_undo_result"] = undo_upload(url, upload_id, ACTOR).message
                return True
            except (LookupError, ValueError, PermissionDenied) as exc:
                st.error(escape_markdown(str(exc)))
                return False

        confirm_button(
            "撤销", key=f"undo_{item['id']}", where=cols[1], action=undo,
            question="撤销后，该文件导入的数据和重点任务进展恢复为导入前的版本（历史记录保留；已审核通过的数据，"
            "由质量办审核后才撤销；已确认完成的任务进展不撤销）。确定撤销这次上传吗？",
        )  # fmt: skip
