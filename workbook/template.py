"""Write the quarterly fill-in workbook (填报模板) with openpyxl from plain data.

Layout (one data sheet, ``填报``; the reader finds it by its header, not its title):

* row 1 title, row 2 ``计划 / 填报季度 / 填报单位`` (the period cell is checked on upload),
  row 3 the header (frozen), data from row 4;
* columns: see :data:`COLUMNS`; the last one, ``行标识``, is hidden and holds
  ``plan|period|unit name|indicator code`` so that a re-sorted or re-titled sheet still
  maps each row; units are identified by name (unique within a jurisdiction,
  aliases accepted), which survives a database rebuild, unlike numeric ids;
* the template asks only for what is due (``indicators.due.owed_in_template``): an
  indicator with nothing due in the quarter has no row, and a row asks for the period its
  figure is owed for (the 2026Q2 template asks an annual indicator with a release lag of 2
  for 2025Q4), shown in ``数据所属期`` ("2025年度数据"). Since format version 2 the
  identifier's period is that figure period; in version 1 it was the template's quarter
  (such files are still read: a row whose figure is now owed for another period is
  refused only if it was filled in);
* benchmarks (全省平均, 省控目标) are entered by the office, not asked here; a baseline
  filled in by a unit is a proposal the office reviews;
* a very hidden sheet ``_meta`` holds the template's plan, period, unit and format version;
* a ``填报说明`` sheet explains what to fill in, in Chinese;
* the workbook structure and the sheets are protected (no password: protection
  guards against accidents, the upload validates everything anyway); only the
  cells a row needs are unlocked (yellow) and carry data validation.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

FORMAT_NAME = "qtt-fill-template"
# 3: 统计口径/数据来源 columns (read-only) and the 重点任务 sheet; 2: the row identifier holds the
# figure's period (1: the template's quarter). Every version is read.
FORMAT_VERSION = "3"
META_SHEET = "_meta"
DATA_SHEET = "填报"
HELP_SHEET = "填报说明"
TITLE_ROW, INFO_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3, 4
PERIOD_LABEL = "填报季度"
KEY_SEPARATOR = "|"

# (key, header, width, input?)
COLUMNS: list[tuple[str, str, int, bool]] = [
    ("unit", "填报单位", 18, False),
    ("code", "指标代码", 12, False),
    ("name", "指标名称", 40, False),
    ("measure_unit", "计量单位", 9, False),
    ("kind", "填报内容", 16, False),
    ("target", "目标", 22, False),
    ("last", "上次填报", 16, False),
    ("value", "填报数值", 13, True),
    ("field_size", "参评单位数", 11, True),
    ("figure_period", "数据所属期", 14, False),  # was 基准值 (format 1): letters of later columns unchanged
    ("done_on", "完成日期", 12, True),
    ("baseline_value", "基期值", 10, True),
    ("baseline_year", "基期年份", 10, True),
    ("note", "备注", 30, True),
    ("key", "行标识", 10, False),
    # format 3: what the figure means and where it comes from (shown, never read as input); after the
    # hidden identifier so that every earlier column keeps its letter
    ("definition", "统计口径", 36, False),
    ("data_source", "数据来源", 20, False),
]
HEADERS = {key: header for key, header, _, _ in COLUMNS}
COLUMN_LETTERS = {key: get_column_letter(i + 1) for i, (key, _, _, _) in enumerate(COLUMNS)}

KIND_HINTS = {
    "rate": "比率（%，0–100）",
    "level": "数值",
    "new_since_baseline": "累计新增数（≥0）",
    "stock": "总量（≥0）",
    "per_capita": "人均/每万数值（≥0）",
    "score": "分值（≥0）",
    "ratio": "比值（≥0）",
    "change": "变动率（%，可为负）",
    "rank": "位次 + 参评单位数",
    "milestone": "已完成/未完成 + 完成日期",
}
COUNT_KINDS = {"new_since_baseline", "stock", "per_capita", "rate"}


@dataclass(frozen=True)
class TemplateRow:
    """One indicator for one reporting unit."""

    unit_name: str
    code: str
    name: str
    measure_kind: str
    measure_unit: str = ""
    target_text: str = ""
    last_value: str = ""  # "97.5（2026Q2）", empty when never reported
    benchmark: str = ""  # e.g. 全省平均 when a target is relative to it (entered by the office)
    needs_baseline: bool = False  # no baseline yet: the unit may propose value and year
    figure_period: str = ""  # the period the figure is owed for ("" = the template's quarter)
    period_text: str = ""  # how that period is shown: 2025年度数据
    definition: str = ""  # 统计口径 / 计算方法 (IndicatorSpec.definition)
    data_source: str = ""  # 数据来源 (IndicatorSpec.data_source)


def quarter_label(period: str) -> str:
    """2026Q3 → 2026年第3季度 (the quarter as the sheets show it); anything else unchanged."""
    if len(period) == 6 and period[:4].isdigit() and period[4] == "Q" and period[5] in "1234":
        return f"{period[:4]}年第{period[5]}季度"
    return period


def period_text(period: str, frequency: str = "quarterly") -> str:
    """The figure's period as the template shows it: 2026年第2季度数据, 2025年上半年数据, 2025年度数据."""
    year, quarter = int(period[:4]), int(period[-1])
    if frequency == "annual" and quarter == 4:
        return f"{year}年度数据"
    if frequency == "half_yearly" and quarter in (2, 4):
        return f"{year}年{'上' if quarter == 2 else '下'}半年数据"
    return f"{year}年第{quarter}季度数据"


@dataclass(frozen=True)
class TemplateData:
    plan_code: str
    plan_title: str
    jurisdiction: str
    period: str  # 2026Q3
    period_label: str  # 2026年第3季度
    unit_name: str  # "" for the office's all-units workbook
    rows: tuple[TemplateRow, ...]
    tasks: tuple = ()  # workbook.tasks_sheet.TaskTemplateRow: the 重点任务 sheet (none: no sheet)
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))


def row_key(plan_code: str, period: str, unit_name: str, code: str) -> str:
    return KEY_SEPARATOR.join([plan_code, period, unit_name, code])


def split_key(key: str) -> tuple[str, str, str, str] | None:
    """``plan|period|unit|code`` → parts (the unit name may itself contain ``|``)."""
    parts = key.strip().split(KEY_SEPARATOR)
    if len(parts) < 4 or not all(parts):
        return None
    return parts[0], parts[1], KEY_SEPARATOR.join(parts[2:-1]), parts[-1]


_THIN = Side(style="thin", color="BBBBBB")
BORDER = _BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
INPUT_FILL = _INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
_NA_FILL = PatternFill("solid", fgColor="F2F2F2")


def text_cell(ws, r: int, c: int, value):
    """Write a cell; text that openpyxl would take for a formula (``=…``) stays text."""
    cell = ws.cell(r, c, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def header_cell(ws, c: int, header: str, is_input: bool):
    cell = ws.cell(HEADER_ROW, c, header)
    cell.font = Font(bold=True)
    cell.fill = _INPUT_FILL if is_input else _HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.border = _BORDER
    return cell


def _needs(row: TemplateRow) -> set[str]:
    needs = {"value", "note"}
    if row.measure_kind == "rank":
        needs.add("field_size")
    if row.measure_kind == "milestone":
        needs.add("done_on")
    if row.needs_baseline:
        needs |= {"baseline_value", "baseline_year"}
    return needs


def _merge_runs(letter: str, rows: list[int]) -> str:
    out: list[str] = []
    start = prev = None
    for r in sorted(rows):
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            out.append(f"{letter}{start}:{letter}{prev}" if start != prev else f"{letter}{start}")
            start = prev = r
    if start is not None:
        out.append(f"{letter}{start}:{letter}{prev}" if start != prev else f"{letter}{start}")
    return " ".join(out)


def _validations(ws, by_rule: dict[str, dict[str, list[int]]]) -> None:
    rules = {
        "rate": lambda: DataValidation(
            type="decimal", operator="between", formula1="0", formula2="100",
            errorTitle="比率", error="请填写 0–100 之间的数字（百分数，不含 % 号亦可）",
        ),
        "nonneg": lambda: DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", errorTitle="数值", error="请填写不小于 0 的数字",  # noqa: E501
        ),
        "decimal": lambda: DataValidation(
            type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", errorTitle="数值", error="请填写数字",  # noqa: E501
        ),
        "whole": lambda: DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="1", errorTitle="整数", error="请填写不小于 1 的整数",  # noqa: E501
        ),
        "done": lambda: DataValidation(
            type="list", formula1='"已完成,未完成"', errorTitle="里程碑", error="请选择“已完成”或“未完成”",
        ),
        "date": lambda: DataValidation(
            type="date", operator="between", formula1="36526", formula2="73051", errorTitle="日期", error="请填写日期，如 2026-09-30",  # noqa: E501
        ),
        "year": lambda: DataValidation(
            type="whole", operator="between", formula1="1949", formula2="2100", errorTitle="年份", error="请填写四位年份",  # noqa: E501
        ),
    }  # fmt: skip
    for rule, columns in by_rule.items():
        for letter, rows in columns.items():
            if not rows:
                continue
            dv = rules[rule]()
            dv.showErrorMessage = True
            dv.allow_blank = True
            dv.sqref = _merge_runs(letter, rows)
            ws.add_data_validation(dv)


def write_template(data: TemplateData) -> bytes:
    """The template as .xlsx bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    who = data.unit_name or "全部责任单位"
    ws.cell(TITLE_ROW, 1, f"{data.jurisdiction} 质量目标 {data.period_label} 填报表 — {who}")
    ws.cell(TITLE_ROW, 1).font = Font(bold=True, size=14)
    last_input = [key for key, _, _, _ in COLUMNS].index("key")  # the title spans the columns up to 备注
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=last_input)
    info = [  # words for the unit; the machine-read plan and quarter are in the hidden _meta sheet
        "计划",
        data.plan_title or data.jurisdiction,
        PERIOD_LABEL,
        data.period_label,  # checked on upload against _meta (the quarter's code is accepted too)
        "填报单位",
        who,
        "生成时间",
        str(data.generated_at),
    ]
    for i, text in enumerate(info, start=1):
        cell = ws.cell(INFO_ROW, i, text)
        cell.font = Font(bold=i % 2 == 1, color="555555")
    for i, (_key, header, width, is_input) in enumerate(COLUMNS, start=1):
        header_cell(ws, i, header, is_input)
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.column_dimensions[COLUMN_LETTERS["key"]].hidden = True
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 3)  # header rows and the unit/code columns

    by_rule: dict[str, dict[str, list[int]]] = {}

    def rule(name: str, key: str, r: int) -> None:
        by_rule.setdefault(name, {}).setdefault(COLUMN_LETTERS[key], []).append(r)

    unlocked = Protection(locked=False)
    for offset, row in enumerate(data.rows):
        r = FIRST_DATA_ROW + offset
        kind_hint = KIND_HINTS.get(row.measure_kind, "数值")
        if row.benchmark:
            kind_hint += f"；{row.benchmark}由质量办录入"
        if row.needs_baseline:
            kind_hint += "；可填基期值（待质量办审核）"
        figure_period = row.figure_period or data.period
        values = {
            "unit": row.unit_name,
            "code": row.code,
            "name": row.name,
            "measure_unit": row.measure_unit,
            "kind": kind_hint,
            "target": row.target_text,
            "last": row.last_value,
            "figure_period": row.period_text or period_text(figure_period),
            "key": row_key(data.plan_code, figure_period, row.unit_name, row.code),
            "definition": row.definition or None,  # no empty cells: the file stays as small
            "data_source": row.data_source or None,
        }
        needs = _needs(row)
        for c, (key, _header, _w, is_input) in enumerate(COLUMNS, start=1):
            cell = text_cell(ws, r, c, values.get(key))
            cell.border = _BORDER
            # 上次填报 too: a returned figure's comment ("5（2026年第4季度，已退回：新增企业名单…）") was cut
            # off in its narrow cell
            if key in ("name", "target", "kind", "last", "definition", "data_source"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if is_input:
                if key in needs:
                    cell.fill = _INPUT_FILL
                    cell.protection = unlocked
                else:
                    cell.fill = _NA_FILL
            if key in ("code", "unit", "key"):
                cell.number_format = "@"
        kind = row.measure_kind
        if kind == "rate":
            rule("rate", "value", r)
        elif kind == "rank":
            rule("whole", "value", r)
        elif kind == "milestone":
            rule("done", "value", r)
        elif kind in ("level", "change"):
            rule("decimal", "value", r)
        else:
            rule("nonneg", "value", r)
        if kind == "rank":
            rule("whole", "field_size", r)
        if kind == "milestone":
            rule("date", "done_on", r)
            ws[f"{COLUMN_LETTERS['done_on']}{r}"].number_format = "yyyy-mm-dd"
        if row.needs_baseline:
            rule("rate" if kind == "rate" else "decimal", "baseline_value", r)
            rule("year", "baseline_year", r)
    _validations(ws, by_rule)
    ws.protection.sheet = True
    ws.protection.sort = False
    ws.protection.autoFilter = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    if data.rows:
        last_letter = COLUMN_LETTERS[COLUMNS[-1][0]]
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last_letter}{FIRST_DATA_ROW + len(data.rows) - 1}"

    _help_sheet(wb.create_sheet(HELP_SHEET), data)
    if data.tasks:
        from workbook.tasks_sheet import write_task_sheet

        write_task_sheet(wb, data)
    meta = wb.create_sheet(META_SHEET)
    for key, value in [
        ("format", FORMAT_NAME),
        ("version", FORMAT_VERSION),
        ("plan", data.plan_code),
        ("jurisdiction", data.jurisdiction),
        ("period", data.period),
        ("unit", data.unit_name),
        ("scope", "unit" if data.unit_name else "all"),
        ("rows", str(len(data.rows))),
        ("generated_at", str(data.generated_at)),
    ]:
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HELP_TEXT = [
    "填报说明",
    "",
    "1. 本表列出贵单位本季度需要填报的全部指标，请只在黄色单元格中填写，灰色单元格不需要填写。",
    "2. “填报数值”：比率类指标填写百分数数值（如 98.5，也可写 98.5%）；数量类填写不小于 0 的数字。",
    "3. 位次类指标：“填报数值”填写位次（如 5），“参评单位数”填写参与排名的单位总数（如 16）。",
    "4. 里程碑类指标：“填报数值”选择“已完成”或“未完成”；已完成的请填写“完成日期”（如 2026-09-30）。",
    "5. 本表只列出本季度应报送的指标。“数据所属期”写明数值所属的期间：按年度统计的指标在数据发布后的季度填报上一年度数据（如“2025年度数据”）。",  # noqa: E501
    "6. 全省平均、省控目标等基准值由质量办统一录入，不需要填写。",
    "7. 尚无基期值的指标：可在“基期值”“基期年份”中填写基期数据（两项须同时填写），作为建议提交质量办审核；审核通过前不生效，也不会覆盖已有数据。",  # noqa: E501
    "8. 应报送的指标请按时填报；确实无法提供的，请在“备注”中说明原因。",
    "9. 请勿修改指标代码、增删行列或修改隐藏的“行标识”列；可以排序、筛选。“统计口径”“数据来源”两列说明指标的计算方法和数据出处，供填报时对照，不需要填写。",  # noqa: E501
    "10. “重点任务”工作表（如有）列出贵单位本季度需报告进展的重点任务：请在“进展情况”中写明本季度做了什么，在“推进状态”中选择未启动、推进中、已完成或滞后；两项须同时填写，留空的任务视为本次未报告。佐证材料请在系统“任务填报与反馈”页面上传。",  # noqa: E501
    "11. 填好后保存为 .xlsx（不要另存为 .xls、.csv 或带宏的 .xlsm），在系统“填报上传”页面上传。",
    "12. 上传后系统先显示将要新增/修改的数据，确认后才会保存；上传有误可在同一页面整体撤销。",
]


def _help_sheet(ws, data: TemplateData) -> None:
    ws.column_dimensions["A"].width = 110
    for i, line in enumerate(HELP_TEXT, start=1):
        cell = ws.cell(i, 1, line)
        cell.alignment = Alignment(wrap_text=True)
        if i == 1:
            cell.font = Font(bold=True, size=14)
    r = len(HELP_TEXT) + 2
    ws.cell(r, 1, f"计划：{data.plan_title}")
    ws.cell(r + 1, 1, f"填报季度：{data.period_label}")
    ws.cell(r + 2, 1, f"填报单位：{data.unit_name or '全部责任单位（办公室汇总表）'}")
    ws.protection.sheet = True
