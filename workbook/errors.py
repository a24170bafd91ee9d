"""Errors found in an uploaded workbook, one class per level (file, sheet, row, cell).

Every error has a stable, frictionless-style ``code`` (kebab-case, never
renamed: tests and users' notes refer to it), coordinates (sheet title, Excel
row number, column letter; empty where the level has none) and a Chinese
message built from ``MESSAGES[code]``. The reader collects every error of a
file instead of stopping at the first one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MESSAGES: dict[str, str] = {
    # file level
    "file-too-large": "文件过大（{detail}），上限为 {limit}",
    "file-empty": "文件为空",
    "unsupported-format": "不支持的文件类型“{detail}”：请使用本系统下载的 .xlsx 填报模板（不接受 .xls/.xlsm/.csv/.ods）",  # noqa: E501
    "encrypted-file": "文件已加密（设置了打开密码）或为旧版 Excel 格式：请取消密码后另存为 .xlsx 再上传",
    "not-zip": "文件不是有效的 .xlsx（不是 zip 格式）",
    "zip-bomb": "文件解压后过大或压缩比异常（{detail}），已拒绝",
    "xml-entity": "文件内部 XML 含 DOCTYPE/ENTITY 声明（{detail}），出于安全考虑已拒绝",
    "macro-enabled": "文件包含宏（vbaProject），请另存为不含宏的 .xlsx",
    "unreadable": "无法读取工作簿：{detail}",
    "not-template": "该工作簿不是本系统的填报模板，且无法按指标代码唯一对应：{detail}",
    "plan-unknown": "模板所属计划“{value}”不存在",
    "plan-mismatch": "模板属于计划“{value}”，而不是所选计划“{expected}”",
    "period-mismatch": "模板季度为 {value}，与本次填报季度 {expected} 不符：请选择模板的季度，或下载本季度的模板",  # noqa: E501
    "unit-mismatch": "模板填报单位为“{value}”，与所选单位“{expected}”不符",
    "unit-unknown": "模板中的填报单位“{value}”不存在",
    "no-data-sheet": "找不到填报数据工作表（表头含“指标代码”）：表头行可能被删除或改动，请重新下载模板填写",
    "too-many-sheets": "工作簿含 {detail} 个工作表，上限为 {limit} 个",
    "string-too-large": "文件中有一段文字过长（{detail}），上限为 {limit}",
    "parse-timeout": "读取文件超过 {limit} 秒仍未完成，已停止读取（文件可能已损坏或被恶意构造）",
    "parse-memory": "读取文件所需内存超出上限（{limit}），已停止读取（文件可能已损坏或被恶意构造）",
    "parse-failed": "读取文件时出错，已停止读取：{detail}",
    "period-locked": "{value}已于 {detail} 锁定，不能再导入该季度的数据：如需修改请由管理员解锁并说明理由",
    "db-busy": "数据库正忙（其他用户正在保存数据），等待 {limit} 秒后仍未轮到，本次未写入任何数据：请稍后重新确认导入",  # noqa: E501
    # sheet level
    "header-missing": "缺少列“{expected}”",
    "sheet-too-large": "工作表过大（{detail}），上限为 {limit}",
    "merged-cell": "单元格 {value} 为合并单元格，覆盖了填报列：请取消合并，每行分别填写",
    "sheet-period-mismatch": "工作表中的季度“{value}”与模板季度 {expected} 不符：模板表头区域可能被改动（删除或插入了行列），请重新下载模板填写",  # noqa: E501
    # row level
    "missing-identifier": "缺少指标代码或行标识",
    "bad-identifier": "行标识“{value}”无法识别",
    "row-period-mismatch": "该行属于季度 {value}，而本模板该行应填报 {expected} 的数据",
    "unknown-indicator": "指标代码“{value}”不在该计划中",
    "not-reported-by-unit": "单位“{unit}”不负责填报指标“{value}”",
    "duplicate-row": "指标“{value}”（{unit}）重复填报，首次出现在第 {first_row} 行",
    "permission-denied": "当前用户无权为单位“{unit}”填报",
    "baseline-incomplete": "基期值和基期年份须同时填写",
    "missing-field-size": "位次指标须同时填写参评单位数",
    "missing-benchmark": "该指标目标以“{benchmark}”为基准，须填写本季度基准值",  # no longer raised
    "benchmark-by-office": "基准值（全省平均、省控目标等）现由质量办统一录入，单位不再填报：请清空该单元格（{value}）或下载新模板",  # noqa: E501
    "benchmark-not-needed": "指标“{value}”的现行目标不以基准值衡量，无需录入基准值",
    "office-value-missing": "已填写来源或年份，但未填写数值",
    "source-missing": "须填写来源（如 省市场监管局通报、统计公报）",
    "office-refused": "{detail}",
    "not-due": "指标“{value}”在 {period} 无需报送（不在报送期或数据尚未发布），请清空该行或下载新模板",
    "owed-for-other-period": "模板格式已更新：指标“{value}”本季度应填报 {owed} 的数据，请下载新模板重新填写",
    "missing-done-date": "里程碑已完成时须填写完成日期",
    # the 重点任务 sheet (workbook/tasks_sheet.py)
    "task-missing-identifier": "缺少任务行标识：请勿删改隐藏的“任务行标识”列",
    "task-unknown": "任务编号“{value}”不在该计划中",
    "task-not-unit": "单位“{unit}”不是任务“{value}”的责任单位",
    "task-duplicate": "任务“{value}”（{unit}）重复填报，首次出现在第 {first_row} 行",
    "task-status-invalid": "推进状态“{value}”无效，请选择未启动、推进中、已完成或滞后",
    "task-status-missing": "已填写进展情况，须同时选择推进状态（未启动、推进中、已完成或滞后）",
    "task-progress-missing": "推进状态为“{status}”，须同时填写进展情况",
    "task-confirmed": "任务“{value}”{period}的进展已由质量办确认完成，不能再修改：请清空该行",
    # cell level
    "type-error": "“{value}”不是数字：请只填写数字，说明文字请写在备注栏",
    "not-finite": "“{value}”不是有限的数字（非数值或无穷大）",
    "unusual-digit": "“{value}”含非常规数字字符“{char}”（上标、圈码或其他文字的数字），请只用 0–9 填写",
    "value-out-of-range": "数值超出合理范围（{low} 至 {high}）：{value}",
    "control-character": "内容含控制字符（{char}），请删除后重新上传",
    "date-out-of-span": "日期 {value} 不在计划期内（{low} 至 {high}）",
    "year-out-of-span": "年份 {value} 不在合理范围内（{low}–{high} 年）",
    "baseline-not-taken": (
        "该指标无需填写基期值（新增类指标的基期值为 0，里程碑、位次类不设基期值），请清空基期值和基期年份"
    ),
    "not-whole": "该指标按整数计（{unit}），请填写整数：{value}",
    "negative-value": "数值不能为负：{value}",
    "rate-out-of-range": "比率须在 0–100 之间：{value}",
    "percent-not-allowed": "该指标不是比率，不能填写百分数：{value}",
    "error-value": "单元格为错误值 {value}（公式出错，如除数为零或引用无效），请改正公式或直接填写数值",
    "formula-no-value": "单元格为公式且没有计算结果，请在 Excel 中重新计算并保存，或直接填写数值",
    "rank-invalid": "位次须为不小于 1 的整数：{value}",
    "field-size-invalid": "参评单位数须为不小于位次的整数：{value}",
    "milestone-invalid": "请填写“已完成”或“未完成”：{value}",
    "date-invalid": "无法识别的日期：{value}（应为 2026-09-30 这样的日期）",
    "year-invalid": "无法识别的年份：{value}",
    "text-too-long": "内容过长（{detail}），上限 {limit} 字",
}


@dataclass(frozen=True)
class WorkbookError:
    """One problem; ``location`` is ``[sheet, row, column, code]``."""

    code: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: Any = None
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    level = "file"

    @property
    def location(self) -> list[Any]:
        return [self.sheet, self.row, self.column, self.code]

    @property
    def message(self) -> str:
        template = MESSAGES.get(self.code, self.code)
        params = {
            "value": "" if self.value is None else self.value,
            "detail": "",
            "limit": "",
            "expected": "",
        }
        params.update(self.params)
        params.setdefault("unit", "")
        try:
            text = template.format(**params)
        except (KeyError, IndexError):  # pragma: no cover - a missing parameter must not crash an upload
            text = template
        where = []
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"{self.column} 列")
        return ("，".join(where) + "：" if where else "") + text

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FileError(WorkbookError):
    level = "file"


@dataclass(frozen=True)
class SheetError(WorkbookError):
    level = "sheet"


@dataclass(frozen=True)
class RowError(WorkbookError):
    level = "row"


@dataclass(frozen=True)
class CellError(WorkbookError):
    level = "cell"


def locations(errors: list[WorkbookError]) -> list[list[Any]]:
    """``[[sheet, row, column, code], …]`` in the order found."""
    return [e.location for e in errors]
