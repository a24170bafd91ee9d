"""The office's Excel template for benchmarks and baselines: build it, import it all-or-nothing.

The template (workbook/office.py) lists every indicator whose target in force is relative
to a benchmark, once per period its figure is due from the plan's first reported quarter
up to the chosen quarter (``indicators.due.due_periods``), and every indicator without a
baseline in force (not for kinds whose baseline is 0 by definition or meaningless).

Import: the file is read with the same safety checks as every upload, validated (sheet, row,
column, Chinese messages), then every entry is written through ``services.benchmarks`` /
``services.baselines`` in one transaction. Any error, including a locked quarter or a value
the services refuse, writes nothing (the refusal of a locked quarter is audited); a dry run
shows what would change and writes nothing. Only the office (admin) may import it: a
refusal is audited. No upload record is made: each entry's audit row carries the file's
name and sha256.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Indicator, Plan
from db.queries import baseline_in_force, indicator_spec
from db.session import read_scope, session_scope
from indicators.due import due_periods
from indicators.periods import Period
from services.actor import Action, Actor, require
from services.audit import perform, record
from services.baselines import NO_BASELINE_KINDS, record_baseline
from services.benchmarks import benchmark_name, current_benchmark, record_benchmark
from services.review import PeriodLocked
from workbook import office
from workbook.cells import format_number
from workbook.errors import CellError, WorkbookError
from workbook.template import period_text


def _plan(session: Session, plan_code: str) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    return plan


def _indicators(session: Session, plan_id: int) -> list[Indicator]:
    return list(
        session.scalars(
            select(Indicator)
            .where(Indicator.plan_id == plan_id)
            .order_by(Indicator.position, Indicator.id)
            .options(
                selectinload(Indicator.targets),
                selectinload(Indicator.baselines),
                selectinload(Indicator.responsibilities),
            )
        )
    )


def office_template_data(session: Session, plan_code: str, as_of: str) -> office.OfficeTemplateData:
    plan = _plan(session, plan_code)
    until = Period.parse(as_of)
    first = Period.parse(plan.first_period)
    benchmarks, baselines = [], []
    for ind in _indicators(session, plan.id):
        name = benchmark_name(ind)
        if name:
            spec = indicator_spec(ind)
            for period in due_periods(spec, first, until):
                current = current_benchmark(session, ind.id, period)
                benchmarks.append(
                    office.BenchmarkRow(
                        code=ind.code, name=ind.name, benchmark=name, period=str(period),
                        period_label=period_text(str(period), ind.frequency or "quarterly"),
                        measure_unit=ind.measure_unit, measure_kind=ind.measure_kind,
                        current=current.value if current else None,
                        current_source=current.source if current else "",
                    )
                )  # fmt: skip
        if baseline_in_force(ind.baselines) is None and ind.measure_kind not in NO_BASELINE_KINDS:
            baselines.append(
                office.BaselineRow(ind.code, ind.name, ind.measure_unit, ind.measure_kind, plan.baseline_year)
            )
    return office.OfficeTemplateData(
        plan.code, plan.title, plan.jurisdiction, str(until), tuple(benchmarks), tuple(baselines)
    )


def make_office_template(url: str | None, plan_code: str, as_of: str) -> bytes:
    with read_scope(url) as session:
        data = office_template_data(session, plan_code, as_of)
    return office.write_office_template(data)


@dataclass(frozen=True)
class OfficeChange:
    sheet: str
    row: int
    kind: str  # benchmark / baseline
    code: str
    when: str  # the benchmark's period, or the baseline's year
    old: str
    new: str


@dataclass
class OfficeImportResult:
    file_name: str
    sha256: str
    status: str = "refused"  # committed / dry-run / refused
    changes: list[OfficeChange] = field(default_factory=list)
    errors: list[WorkbookError] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.status == "refused":
            return f"{self.file_name}：已拒绝，{len(self.errors)} 处错误，未写入任何数据"
        bench = sum(c.kind == "benchmark" for c in self.changes)
        base = len(self.changes) - bench
        text = f"基准值 {bench} 项，基期值 {base} 项"
        if self.status == "dry-run":
            return f"{self.file_name}：（试运行，未写入）将录入{text}"
        return f"{self.file_name}：已录入{text}"


class _Discard(Exception):
    """Roll the write transaction back (errors found, or a dry run)."""


def import_office_template(
    url: str | None, data: bytes, file_name: str, actor: Actor, plan_code: str, *, dry_run: bool = False
) -> OfficeImportResult:
    """Validate, then write every entry in one transaction; nothing is written if anything is wrong."""

    def allowed(_session: Session) -> None:
        require(actor, Action.RECORD_BENCHMARK)
        require(actor, Action.RECORD_BASELINE)

    perform(url, actor, Action.RECORD_BENCHMARK.value, allowed, detail=file_name)  # refusal audited
    raw = office.read_office(data, file_name)
    result = OfficeImportResult(file_name, raw.sha256)
    with read_scope(url) as session:
        plan = _plan(session, plan_code)
        indicators = _indicators(session, plan.id)
        codes = {i.code for i in indicators}
        benchmark_codes = {i.code for i in indicators if benchmark_name(i)}
    parsed = office.validate_office(raw, plan_code, benchmark_codes, codes)
    result.errors = list(parsed.errors)
    if result.errors:
        return result
    locked: list[str] = []
    try:
        with session_scope(url) as session:
            for entry in parsed.entries:
                change = _write(session, actor, plan_code, entry, raw.sha256, file_name,
                                result.errors, locked)  # fmt: skip
                if change is not None:
                    result.changes.append(change)
            if result.errors or dry_run:
                raise _Discard
    except _Discard:
        pass
    if locked:  # refused because of a locked quarter: audited in a transaction of its own
        with session_scope(url) as session:
            record(session, actor, Action.RECORD_BENCHMARK.value, outcome="refused",
                   entity="office_template", plan_code=plan_code, file_sha256=raw.sha256,
                   detail=f"{file_name}：" + "；".join(locked))  # fmt: skip
    if result.errors:
        result.changes = []
        return result
    result.status = "dry-run" if dry_run else "committed"
    return result


def _write(
    session: Session,
    actor: Actor,
    plan_code: str,
    entry: office.OfficeEntry,
    sha256: str,
    file_name: str,
    errors: list[WorkbookError],
    locked: list[str],
) -> OfficeChange | None:
    try:
        with session.begin_nested():  # a refused entry leaves the others' changes for the preview
            if entry.kind == "benchmark":
                ind = session.scalar(
                    select(Indicator).join(Plan).where(Plan.code == plan_code, Indicator.code == entry.code)
                )
                before = current_benchmark(session, ind.id, entry.period)
                row = record_benchmark(session, actor, plan_code, entry.code, entry.period, entry.value,
                                       entry.source, file_sha256=sha256, detail=file_name)  # fmt: skip
                old = "" if before is None else f"{format_number(before.value)}（{before.source}）"
                when = entry.period
            else:
                ind = session.scalar(
                    select(Indicator).join(Plan).where(Plan.code == plan_code, Indicator.code == entry.code)
                    .options(selectinload(Indicator.baselines))
                )  # fmt: skip
                before = baseline_in_force(ind.baselines)
                row = record_baseline(session, actor, plan_code, entry.code, entry.value, entry.year,
                                      entry.source, file_sha256=sha256, detail=file_name)  # fmt: skip
                old = "" if before is None else f"{format_number(before.value)}（{before.year}年）"
                when = str(entry.year)
    except (ValueError, LookupError) as exc:  # PeriodLocked is a ValueError
        column = entry.columns.get("value", "")
        errors.append(
            CellError("office-refused", entry.sheet, entry.row, column, params={"detail": str(exc)})
        )
        if isinstance(exc, PeriodLocked):
            locked.append(f"{entry.code} {entry.period or entry.year}：{exc}")
        return None
    if row is None:
        return None
    return OfficeChange(entry.sheet, entry.row, entry.kind, entry.code, when, old,
                        f"{format_number(entry.value)}（{entry.source}）")  # fmt: skip
