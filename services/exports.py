"""Export one quarter's current figures of every unit of a plan (.xlsx or CSV)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Indicator, Observation, Plan, Unit
from db.session import read_scope
from indicators.periods import Period
from indicators.vocabulary import LABELS
from ui.vocabulary import SOURCE_LABELS, entered_by_label
from workbook.export import write_csv, write_xlsx

FIGURE_COLUMNS = [
    "plan", "period", "unit", "indicator_code", "indicator", "measure_unit", "measure_kind", "value",
    "field_size", "benchmark_value", "done_on", "note", "version", "source", "file_name", "entered_by",
    "entered_at",
]  # fmt: skip
FIGURE_HEADERS = {
    "plan": "计划", "period": "季度", "unit": "填报单位", "indicator_code": "指标代码", "indicator": "指标名称",  # noqa: E501
    "measure_unit": "计量单位", "measure_kind": "类型", "value": "数值", "field_size": "参评单位数",
    "benchmark_value": "基准值", "done_on": "完成日期", "note": "备注", "version": "版本", "source": "来源",
    "file_name": "文件名", "entered_by": "填报人", "entered_at": "填报时间",
}  # fmt: skip


def figure_rows(session: Session, plan_code: str, period: str) -> list[dict[str, Any]]:
    """Current, not retracted figures of ``period`` for every unit, in plan order."""
    p = Period.parse(period)
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    query = (
        select(Observation, Indicator, Unit.name)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .join(Unit, Unit.id == Observation.unit_id)
        .where(
            Indicator.plan_id == plan.id,
            Observation.period == str(p),
            Observation.superseded_by_id.is_(None),
            Observation.retracted.is_(False),
        )
        .order_by(Indicator.position, Indicator.id, Unit.name)
    )
    return [
        {
            "plan": plan.code,
            "period": obs.period,
            "unit": unit,
            "indicator_code": ind.code,
            "indicator": ind.name,
            "measure_unit": ind.measure_unit,
            "measure_kind": LABELS.get(ind.measure_kind, ind.measure_kind),
            "value": obs.value,
            "field_size": obs.field_size,
            "benchmark_value": obs.benchmark_value,
            "done_on": obs.done_on,
            "note": obs.note,
            "version": obs.version,
            "source": SOURCE_LABELS.get(obs.source, obs.source),  # in words, as the pages show them
            "file_name": obs.file_name,
            "entered_by": entered_by_label(obs.entered_by, obs.is_demo),
            "entered_at": obs.entered_at,
        }  # fmt: skip
        for obs, ind, unit in session.execute(query)
    ]


def export_figures(url: str | None, plan_code: str, period: str, fmt: str = "xlsx") -> bytes:
    """The figures as .xlsx (``fmt="xlsx"``) or UTF-8 CSV (``fmt="csv"``) bytes."""
    with read_scope(url) as session:
        rows = figure_rows(session, plan_code, period)
    if fmt == "csv":
        return write_csv(FIGURE_COLUMNS, FIGURE_HEADERS, rows)
    if fmt != "xlsx":
        raise ValueError(f"不支持的导出格式：{fmt}（xlsx 或 csv）")
    return write_xlsx(FIGURE_COLUMNS, FIGURE_HEADERS, rows, title=f"{plan_code} {Period.parse(period)}")
