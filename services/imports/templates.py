"""The fill-in template of one unit (or of every reporting unit), built with one query per table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Indicator, Observation
from db.session import read_scope
from indicators.periods import Period
from indicators.vocabulary import LABELS
from services.baselines import NO_BASELINE_KINDS
from services.imports.context import plan_context
from services.imports.results import figure_text
from services.imports.tasks import template_tasks
from workbook import template as tpl

# the 上次填报 column: a version the office returned or has not reviewed yet is not the figure in use
LAST_STATE_WORDS = {"returned": "，已退回", "pending": "，待审核"}
COMMENT_CHARS = 60  # of the office's return comment, in the template's 上次填报 cell


def clean_comment(text: str) -> str:
    """The office's comment as one short line of a cell (no line breaks; cut with …)."""
    line = " ".join(text.split())
    return line if len(line) <= COMMENT_CHARS else line[: COMMENT_CHARS - 1] + "…"


def template_data(
    session: Session, plan_code: str, period: str, unit_name: str | None = None
) -> tpl.TemplateData:
    """The rows of the fill-in template of one unit (or of every reporting unit)."""
    ctx = plan_context(session, plan_code)
    p = Period.parse(period)
    wanted = None
    if unit_name:
        wanted = ctx.catalogue.unit(unit_name)
        if wanted is None:
            raise LookupError(f"计划“{plan_code}”中没有单位“{unit_name}”")
    units = [wanted] if wanted else list(ctx.reporting_order)
    owed = ctx.owed(p)
    latest = max((o for o in owed.values() if o), default=str(p))
    wanted_ids = {ctx.unit_ids[u] for u in units if u in ctx.unit_ids}
    # the current, not retracted figures up to the latest period asked for (one query)
    shown: dict[tuple[int, int], list] = {}
    query = (
        select(
            Observation.indicator_id,
            Observation.unit_id,
            Observation.period,
            Observation.value,
            Observation.field_size,
            Observation.benchmark_value,
            Observation.done_on,
            Observation.review_state,
            Observation.review_comment,
        )
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(
            Indicator.plan_id == ctx.plan_id,
            Observation.superseded_by_id.is_(None),
            Observation.retracted.is_(False),
            Observation.period <= latest,
        )
        .order_by(Observation.period)
    )
    if wanted:
        query = query.where(Observation.unit_id.in_(wanted_ids))
    for obs in session.execute(query):
        shown.setdefault((obs.indicator_id, obs.unit_id), []).append(obs)
    about = {  # 统计口径 and 数据来源, shown in the template (one query; not needed by the import itself)
        i.code: (i.definition or "", i.data_source or "")
        for i in session.execute(
            select(Indicator.code, Indicator.definition, Indicator.data_source).where(
                Indicator.plan_id == ctx.plan_id
            )
        )
    }
    rows = []
    for unit in units:
        unit_id = ctx.unit_ids.get(unit)
        reported = ctx.catalogue.reports.get(unit, frozenset())
        for code, ind in ctx.indicators.items():
            if code not in reported or owed[code] is None:
                continue  # not this unit's, or nothing due in this quarter: no row
            fp = owed[code]
            history = [o for o in shown.get((ind.id, unit_id), ()) if o.period <= fp]
            same = [o for o in history if o.period == fp]
            last = same[-1] if same else next((o for o in reversed(history) if o.period < fp), None)
            last_text = ""
            if last is not None:
                last_text = figure_text(
                    ind.measure_kind, last.value, last.field_size, last.benchmark_value, last.done_on
                )
                if last_text:  # a returned or pending version is not the figure in use: said so
                    state = LAST_STATE_WORDS.get(last.review_state, "")
                    if last.review_state == "returned" and last.review_comment:  # why, where it is fixed
                        state += f"：{clean_comment(last.review_comment)}"
                    last_text += f"（{Period.parse(last.period).label}{state}）"
            target_text = "；".join(
                f"{year}年：{text or LABELS.get(comparator, comparator)}"
                for year, comparator, text, _bench in ind.targets
            )
            rows.append(
                tpl.TemplateRow(
                    unit_name=unit,
                    code=code,
                    name=ind.name,
                    measure_kind=ind.measure_kind,
                    measure_unit=ind.measure_unit,
                    target_text=target_text,
                    last_value=last_text,
                    benchmark=ctx.catalogue.indicators[code].benchmark,
                    needs_baseline=ctx.baseline_in_force(ind.id) is None
                    and ind.measure_kind not in NO_BASELINE_KINDS,
                    figure_period=fp,
                    period_text=tpl.period_text(fp, ind.frequency or "quarterly"),
                    definition=about.get(code, ("", ""))[0],
                    data_source=about.get(code, ("", ""))[1],
                )
            )
    tasks = template_tasks(session, ctx.plan_id, str(p), units)
    if wanted and not rows and not tasks:
        raise LookupError(f"单位“{wanted}”在{ctx.jurisdiction}的计划中{p.label}没有需要报送的指标或重点任务")
    return tpl.TemplateData(
        plan_code=ctx.code,
        plan_title=ctx.title,
        jurisdiction=ctx.jurisdiction,
        period=str(p),
        period_label=p.label,
        unit_name=wanted or "",
        rows=tuple(rows),
        tasks=tasks,
    )


def make_template(url: str | None, plan_code: str, period: str, unit_name: str | None = None) -> bytes:
    """The .xlsx template for one unit (``unit_name``) or every reporting unit (None)."""
    with read_scope(url) as session:
        data = template_data(session, plan_code, period, unit_name)
    return tpl.write_template(data)
