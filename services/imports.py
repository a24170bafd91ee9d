"""Fill-in templates, uploads (preview → commit in one transaction) and undo.

The workbook package does the parsing and validation (no SQL); this module
supplies what it validates against (:func:`plan_catalogue`), compares parsed
rows with the current versions, and writes: one :class:`Upload` row, one new
:class:`Observation` version per changed figure (via ``record_figure``,
``source="file"``) and new :class:`Baseline` rows, all in one transaction.

* All-or-nothing: a file with any error writes nothing; the preview lists
  every error and what *would* change.
* Concurrency: the write transaction locks the plan row (``SELECT … FOR
  UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises
  writers) and re-reads the current versions under the lock, so concurrent
  imports never fork a figure's version chain and a duplicate is seen.
* Duplicate: same sha256 for the same plan, unit and period, not undone →
  nothing is written, the earlier upload is reported.
* Undo appends, for each figure the upload set and nobody changed since, a
  version equal to the previous one (or a retracted version when there was
  none); nothing is deleted from the figures' history. Baselines recorded by
  the upload are restored the same way (a copy of the previous baseline is
  appended); a baseline the upload added where none existed is deleted, as a
  Baseline row has no "retracted" state.
* Since the office enters benchmarks and baselines (services/benchmarks.py, baselines.py),
  a unit's template asks only for the figures due (``indicators.due.owed_in_template``),
  each row for the period its figure is owed for; baseline cells a unit fills in become a
  *proposal* (``pending``, never in force before the office accepts it in review, never
  overwriting anything). Undo withdraws a pending proposal of the upload (``withdrawn``).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Baseline, Indicator, Observation, Plan, Responsibility, Unit, Upload
from db.queries import baseline_in_force, indicator_spec
from db.session import read_scope, session_scope
from indicators.due import owed_in_template
from indicators.periods import Period
from indicators.vocabulary import LABELS
from services.actor import Action, Actor, ActorRole, PermissionDenied, require
from services.audit import record
from services.baselines import NO_BASELINE_KINDS, is_nothing_new, propose_baseline
from services.benchmarks import BENCHMARK_COMPARATORS
from services.observations import FigureInput, current_version, record_figures
from services.review import ensure_unlocked
from workbook import template as tpl
from workbook.cells import format_number
from workbook.errors import FileError, WorkbookError
from workbook.reader import (
    MAX_FILE_BYTES,
    IndicatorInfo,
    ParsedRow,
    ParsedWorkbook,
    PlanCatalogue,
    RawWorkbook,
    read_workbook,
    validate,
)

PAUSE_ENV = "QTT_IMPORT_TEST_PAUSE"  # test-only fault injection: seconds to sleep mid-commit


# --------------------------------------------------------------------------- catalogue and template


@dataclass
class _PlanContext:
    plan: Plan
    catalogue: PlanCatalogue
    indicator_ids: dict[str, int]
    unit_ids: dict[str, int]  # canonical name → id
    indicators: dict[str, Indicator]


def _plan_context(session: Session, plan_code: str) -> _PlanContext:
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    indicators = list(
        session.scalars(
            select(Indicator)
            .where(Indicator.plan_id == plan.id)
            .order_by(Indicator.position, Indicator.id)
            .options(
                selectinload(Indicator.targets),
                selectinload(Indicator.baselines),
                selectinload(Indicator.responsibilities).selectinload(Responsibility.unit),
            )
        )
    )
    units = list(session.scalars(select(Unit).where(Unit.jurisdiction == plan.jurisdiction)))
    names: dict[str, str] = {}
    for unit in units:
        for alias in unit.aliases or []:
            names.setdefault(str(alias).strip(), unit.name)
    for unit in units:
        names[unit.name] = unit.name
    reports: dict[str, set[str]] = {}
    infos = {}
    for ind in indicators:
        for resp in ind.responsibilities:
            if resp.reports:
                reports.setdefault(resp.unit.name, set()).add(ind.code)
                names.setdefault(resp.unit.name, resp.unit.name)
        infos[ind.code] = IndicatorInfo(
            code=ind.code,
            name=ind.name,
            measure_kind=ind.measure_kind,
            measure_unit=ind.measure_unit,
            benchmark=_benchmark(ind),
            has_baseline=baseline_in_force(ind.baselines) is not None,
        )
    unit_ids = {u.name: u.id for u in units}
    for ind in indicators:
        for resp in ind.responsibilities:
            unit_ids.setdefault(resp.unit.name, resp.unit_id)
    catalogue = PlanCatalogue(
        plan_code=plan.code,
        jurisdiction=plan.jurisdiction,
        indicators=infos,
        unit_names=names,
        reports={k: frozenset(v) for k, v in reports.items()},
    )
    return _PlanContext(
        plan, catalogue, {i.code: i.id for i in indicators}, unit_ids, {i.code: i for i in indicators}
    )


def plan_catalogue(session: Session, plan_code: str) -> PlanCatalogue:
    """What the workbook validator needs to know about a plan."""
    return _plan_context(session, plan_code).catalogue


def _benchmark(ind: Indicator) -> str:
    for target in ind.targets:
        if target.in_force and target.comparator in BENCHMARK_COMPARATORS:
            return target.benchmark or "基准值"
    return ""


def _owed(ctx: _PlanContext, period: Period) -> dict[str, str | None]:
    """Indicator code → the period the template of ``period`` asks its figure for (None: nothing due)."""
    first = Period.parse(ctx.plan.first_period)
    owed = {}
    for code, ind in ctx.indicators.items():
        due = owed_in_template(indicator_spec(ind), period, first)
        owed[code] = str(due) if due is not None else None
    return owed


def reporting_units(session: Session, plan_code: str) -> list[str]:
    """Names of units that report at least one indicator of the plan, in plan order."""
    ctx = _plan_context(session, plan_code)
    order = []
    for ind in ctx.indicators.values():
        for resp in ind.responsibilities:
            if resp.reports and resp.unit.name not in order:
                order.append(resp.unit.name)
    return order


def _figure_text(obs: Observation | None, kind: str) -> str:
    if obs is None or obs.retracted:
        return ""
    if kind == "milestone":
        text = "已完成" if (obs.value or 0) >= 1 else "未完成"
        return text + (f"（{obs.done_on.isoformat()}）" if obs.done_on else "")
    text = format_number(obs.value)
    if kind == "rank" and obs.field_size:
        text += f"/{obs.field_size}"
    if obs.benchmark_value is not None:
        text += f"（基准 {format_number(obs.benchmark_value)}）"
    return text


def _last_reported(session: Session, indicator_id: int, unit_id: int, before: Period) -> Observation | None:
    return session.scalar(
        select(Observation)
        .where(
            Observation.indicator_id == indicator_id,
            Observation.unit_id == unit_id,
            Observation.period < str(before),
            Observation.superseded_by_id.is_(None),
            Observation.retracted.is_(False),
        )
        .order_by(Observation.period.desc())
        .limit(1)
    )


def template_data(
    session: Session, plan_code: str, period: str, unit_name: str | None = None
) -> tpl.TemplateData:
    """The rows of the fill-in template of one unit (or of every reporting unit)."""
    ctx = _plan_context(session, plan_code)
    p = Period.parse(period)
    wanted = None
    if unit_name:
        wanted = ctx.catalogue.unit(unit_name)
        if wanted is None:
            raise LookupError(f"计划“{plan_code}”中没有单位“{unit_name}”")
    rows = []
    units = [wanted] if wanted else reporting_units(session, plan_code)
    owed = _owed(ctx, p)
    for unit in units:
        for code, ind in ctx.indicators.items():
            if code not in ctx.catalogue.reports.get(unit, frozenset()) or owed[code] is None:
                continue  # not this unit's, or nothing due in this quarter: no row
            fp = Period.parse(owed[code])
            last = _last_reported(session, ind.id, ctx.unit_ids[unit], fp)
            current = current_version(session, ind.id, ctx.unit_ids[unit], fp)
            shown = current if current is not None and not current.retracted else last
            last_text = _figure_text(shown, ind.measure_kind)
            if last_text and shown is not None:
                last_text += f"（{shown.period}）"
            targets = [t.text or LABELS.get(t.comparator, t.comparator) for t in ind.targets if t.in_force]
            rows.append(
                tpl.TemplateRow(
                    unit_name=unit,
                    code=code,
                    name=ind.name,
                    measure_kind=ind.measure_kind,
                    measure_unit=ind.measure_unit,
                    target_text="；".join(
                        f"{t.year}年：{text}"
                        for t, text in zip([t for t in ind.targets if t.in_force], targets, strict=True)
                    ),
                    last_value=last_text,
                    benchmark=ctx.catalogue.indicators[code].benchmark,
                    needs_baseline=baseline_in_force(ind.baselines) is None
                    and ind.measure_kind not in NO_BASELINE_KINDS,
                    figure_period=str(fp),
                    period_text=tpl.period_text(str(fp), ind.frequency or "quarterly"),
                )
            )
        if wanted and not rows:
            raise LookupError(f"单位“{unit}”在计划“{plan_code}”中{p.label}没有需要报送的指标")
    return tpl.TemplateData(
        plan_code=ctx.plan.code,
        plan_title=ctx.plan.title,
        jurisdiction=ctx.plan.jurisdiction,
        period=str(p),
        period_label=p.label,
        unit_name=wanted or "",
        rows=tuple(rows),
    )


def make_template(url: str | None, plan_code: str, period: str, unit_name: str | None = None) -> bytes:
    """The .xlsx template for one unit (``unit_name``) or every reporting unit (None)."""
    with read_scope(url) as session:
        data = template_data(session, plan_code, period, unit_name)
    return tpl.write_template(data)


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class Change:
    sheet: str
    row: int
    unit: str
    code: str
    name: str
    status: str  # new / changed / unchanged / baseline / empty
    old: str = ""
    new: str = ""
    period: str = ""  # the period of the figure (an annual figure in a later quarter's template)


STATUS_LABELS = {
    "new": "新增",
    "changed": "修改",
    "unchanged": "未变",
    "baseline": "基期值建议",
    "empty": "未填写",  # noqa: E501
    "rejected": "拒绝",
}


@dataclass
class ImportPreview:
    file_name: str
    sha256: str
    size: int
    plan_code: str = ""
    period: str = ""
    unit_name: str = ""
    changes: list[Change] = field(default_factory=list)
    errors: list[WorkbookError] = field(default_factory=list)
    duplicate_of: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        counts = {k: 0 for k in ("new", "changed", "unchanged", "baseline", "empty")}
        for change in self.changes:
            counts[change.status] += 1
        counts["rejected"] = len({(e.sheet, e.row) for e in self.errors if e.row is not None})
        counts["errors"] = len(self.errors)
        return counts

    @property
    def changes_anything(self) -> bool:
        c = self.counts
        return self.ok and self.duplicate_of is None and (c["new"] + c["changed"] + c["baseline"]) > 0

    def error_messages(self) -> list[str]:
        return [e.message for e in self.errors]


@dataclass
class ImportResult:
    preview: ImportPreview
    status: str  # committed / duplicate / refused / dry-run
    upload_id: int | None = None

    @property
    def message(self) -> str:
        p, c = self.preview, self.preview.counts
        name = p.file_name
        if self.status == "refused":
            return f"{name}：已拒绝，{c['errors']} 处错误，未写入任何数据"
        if self.status == "duplicate":
            return f"{name}：与上传记录 #{p.duplicate_of} 为同一文件，未做任何修改"
        summary = f"新增 {c['new']}，修改 {c['changed']}，未变 {c['unchanged']}，基期值建议 {c['baseline']}"
        if self.status == "dry-run":
            return f"{name}：（试运行，未写入）{summary}"
        return f"{name}：已导入（上传记录 #{self.upload_id}）{summary}"


def _actor_units(session: Session, actor: Actor) -> set[str] | None:
    if actor.role is ActorRole.ADMIN:
        return None
    if actor.role is ActorRole.VIEWER:
        return set()
    return set(session.scalars(select(Unit.name).where(Unit.id.in_(actor.unit_ids))))


def _resolve_plan(
    session: Session, raw: RawWorkbook, plan: str | None
) -> tuple[str | None, list[WorkbookError]]:
    """The plan of the workbook: its template's, or the one plan that has all its codes."""
    if raw.is_template:
        code = raw.meta.get("plan", "")
        if plan and code != plan:
            return None, [FileError("plan-mismatch", value=code, params={"expected": plan})]
        if session.scalar(select(Plan.id).where(Plan.code == code)) is None:
            return None, [FileError("plan-unknown", value=code)]
        return code, []
    codes = raw.codes
    if not codes:
        return None, [FileError("not-template", params={"detail": "没有找到任何指标代码"})]
    candidates = []
    for p in session.scalars(select(Plan).order_by(Plan.id)):
        if plan and p.code != plan:
            continue
        known = set(session.scalars(select(Indicator.code).where(Indicator.plan_id == p.id)))
        if codes <= known:
            candidates.append(p.code)
    if len(candidates) != 1:
        detail = "指标代码不属于任何一个计划" if not candidates else "指标代码可对应多个计划"
        return None, [FileError("not-template", params={"detail": detail})]
    return candidates[0], []


def _parse(
    session: Session, raw: RawWorkbook, actor: Actor, plan: str | None, period: str | None, unit: str | None
) -> tuple[ParsedWorkbook | None, _PlanContext | None, list[WorkbookError]]:
    if raw.errors and not raw.rows and not raw.is_template:
        return None, None, list(raw.errors)
    plan_code, errors = _resolve_plan(session, raw, plan)
    if errors:
        return None, None, errors + [e for e in raw.errors if e.code not in ("not-template",)]
    ctx = _plan_context(session, plan_code)
    meta = raw.meta if raw.is_template else {}
    file_period = meta.get("period") or ""
    template_unit = meta.get("unit") or ""
    errors = []
    if period:
        period = str(Period.parse(period))
        if file_period and file_period != period:
            errors.append(FileError("period-mismatch", value=file_period, params={"expected": period}))
    elif not file_period:
        errors.append(FileError("not-template", params={"detail": "无法确定填报季度（请指定季度）"}))
    the_period = file_period or period or ""
    if template_unit and ctx.catalogue.unit(template_unit) is None:
        errors.append(FileError("unit-unknown", value=template_unit))
    allowed = _actor_units(session, actor)
    if template_unit and allowed is not None and ctx.catalogue.unit(template_unit) not in allowed:
        # another unit's template: refused as such (and audited), whatever unit the page had selected
        errors.append(
            FileError(
                "permission-denied", params={"unit": ctx.catalogue.unit(template_unit) or template_unit}
            )
        )
    if unit:
        wanted = ctx.catalogue.unit(unit)
        if wanted is None:
            errors.append(FileError("unit-unknown", value=unit))
        elif template_unit and ctx.catalogue.unit(template_unit) != wanted:
            errors.append(FileError("unit-mismatch", value=template_unit, params={"expected": unit}))
        template_unit = template_unit or wanted or ""
    if errors:
        return None, ctx, errors + list(raw.errors)
    owed = _owed(ctx, Period.parse(the_period))
    parsed = validate(raw, ctx.catalogue, the_period, template_unit, _actor_units(session, actor), owed)
    return parsed, ctx, parsed.errors


def _diff(session: Session, parsed: ParsedWorkbook, ctx: _PlanContext) -> list[Change]:
    period = Period.parse(parsed.period)
    periods = sorted({row.period or parsed.period for row in parsed.rows} | {parsed.period})
    current_by_key = {
        (obs.indicator_id, obs.unit_id, obs.period): obs
        for obs in session.scalars(
            select(Observation)
            .join(Indicator, Indicator.id == Observation.indicator_id)
            .where(
                Indicator.plan_id == ctx.plan.id,
                Observation.period.in_(periods),
                Observation.superseded_by_id.is_(None),
            )
        )
    }
    changes = []
    for row in parsed.rows:
        ind = ctx.indicators[row.code]
        kind = ind.measure_kind
        name = ind.name
        if row.has_baseline:
            latest = baseline_in_force(ind.baselines)
            old = f"{format_number(latest.value)}（{latest.year}年）" if latest else ""
            new = f"{format_number(row.baseline_value)}（{row.baseline_year}年）"
            new += "：作为建议提交，质量办审核通过前不生效"
            unit_id = ctx.unit_ids[row.unit_name]
            if not is_nothing_new(ind.baselines, unit_id, row.baseline_value, row.baseline_year):
                changes.append(
                    Change(row.sheet, row.row, row.unit_name, row.code, name, "baseline", old, new)
                )
        if not row.has_figure:
            if not row.has_baseline:
                changes.append(
                    Change(row.sheet, row.row, row.unit_name, row.code, name, "empty", period=row.period)
                )
            continue
        figure = _figure_input(row, ctx, period)
        current = current_by_key.get((figure.indicator_id, figure.unit_id, str(figure.period)))
        new_text = _figure_text(_as_observation(figure), kind)
        if row.note:
            new_text += f"；备注：{row.note}"
        if current is None or current.retracted:
            status, old_text = "new", ""
        else:
            old_text = _figure_text(current, kind) + (f"；备注：{current.note}" if current.note else "")
            status = "unchanged" if figure.same_as(current) else "changed"
        changes.append(
            Change(row.sheet, row.row, row.unit_name, row.code, name, status, old_text, new_text,
                   str(figure.period))  # fmt: skip
        )
    return changes


def _figure_input(row: ParsedRow, ctx: _PlanContext, period: Period) -> FigureInput:
    return FigureInput(
        indicator_id=ctx.indicator_ids[row.code],
        unit_id=ctx.unit_ids[row.unit_name],
        period=Period.parse(row.period) if row.period else period,
        value=row.value,
        field_size=row.field_size,
        benchmark_value=row.benchmark_value,
        done_on=row.done_on,
        note=row.note,
    )


def _as_observation(figure: FigureInput) -> Observation:
    return Observation(
        value=figure.value,
        field_size=figure.field_size,
        benchmark_value=figure.benchmark_value,
        done_on=figure.done_on,
        note=figure.note,
        retracted=False,
    )


def _find_duplicate(
    session: Session, raw: RawWorkbook, ctx: _PlanContext, parsed: ParsedWorkbook
) -> int | None:
    unit_id = ctx.unit_ids.get(parsed.unit_name) if parsed.unit_name else None
    return session.scalar(
        select(Upload.id)
        .where(
            Upload.plan_id == ctx.plan.id,
            Upload.period == parsed.period,
            Upload.sha256 == raw.sha256,
            Upload.unit_id.is_(None) if unit_id is None else Upload.unit_id == unit_id,
            Upload.undone_at.is_(None),
        )
        .order_by(Upload.id)
        .limit(1)
    )


def _build_preview(
    session: Session, raw: RawWorkbook, actor: Actor, plan: str | None, period: str | None, unit: str | None
) -> tuple[ImportPreview, ParsedWorkbook | None, _PlanContext | None]:
    preview = ImportPreview(raw.file_name, raw.sha256, raw.size)
    parsed, ctx, errors = _parse(session, raw, actor, plan, period, unit)
    preview.errors = list(errors)
    if ctx is not None:
        preview.plan_code = ctx.plan.code
    if parsed is None or ctx is None:
        return preview, parsed, ctx
    preview.period, preview.unit_name = parsed.period, parsed.unit_name
    preview.changes = _diff(session, parsed, ctx)
    if preview.ok:
        preview.duplicate_of = _find_duplicate(session, raw, ctx, parsed)
    return preview, parsed, ctx


def preview_import(
    url: str | None,
    data: bytes,
    file_name: str,
    actor: Actor,
    *,
    plan: str | None = None,
    period: str | None = None,
    unit: str | None = None,
) -> ImportPreview:
    """What importing ``data`` would change (read-only; never raises for a bad file)."""
    raw = read_workbook(data, file_name)
    with read_scope(url) as session:
        preview, _parsed, _ctx = _build_preview(session, raw, actor, plan, period, unit)
    denied = [e for e in preview.errors if e.code == "permission-denied"]
    if denied:  # an attempt on another unit's figures is audited even though nothing is written
        with session_scope(url) as session:
            _audit_refusal(session, actor, raw, plan or "", denied[0])
    return preview


def _audit_refusal(
    session: Session, actor: Actor, raw: RawWorkbook, plan_code: str, error: WorkbookError
) -> None:
    record(
        session,
        actor,
        Action.RECORD_FIGURE.value,
        outcome="refused",
        entity="upload",
        plan_code=plan_code,
        unit=str(error.params.get("unit", "")),
        file_sha256=raw.sha256,
        detail=f"{raw.file_name}：{error.message}",
    )


def commit_import(
    url: str | None,
    data: bytes,
    file_name: str,
    actor: Actor,
    *,
    plan: str | None = None,
    period: str | None = None,
    unit: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Validate again under the write lock and write everything in one transaction.

    A file with errors, or a duplicate of an upload in force, writes nothing.
    ``dry_run`` computes the same preview in a read-only session.
    """
    raw = read_workbook(data, file_name)  # outside the transaction: the lock is held only for the writes
    if dry_run:
        with read_scope(url) as session:
            preview, _parsed, _ctx = _build_preview(session, raw, actor, plan, period, unit)
        return ImportResult(preview, "refused" if not preview.ok else "dry-run")
    with session_scope(url) as session:
        # Serialise imports of a plan (PostgreSQL; SQLite holds BEGIN IMMEDIATE's lock already),
        # then validate and compare with what is current under the lock.
        plan_code, _errors = _resolve_plan(session, raw, plan) if not raw.errors else (None, [])
        if plan_code:
            session.execute(select(Plan.id).where(Plan.code == plan_code).with_for_update())
        preview, parsed, ctx = _build_preview(session, raw, actor, plan, period, unit)
        if parsed is None or ctx is None or not preview.ok:
            denied = [e for e in preview.errors if e.code == "permission-denied"]
            if denied:  # a refused attempt is audited (this transaction writes nothing else)
                _audit_refusal(session, actor, raw, plan_code or "", denied[0])
            return ImportResult(preview, "refused")
        if preview.duplicate_of is not None:
            return ImportResult(preview, "duplicate")
        upload_id = _write(session, actor, raw, parsed, ctx, preview)
    return ImportResult(preview, "committed", upload_id)


def _write(
    session: Session,
    actor: Actor,
    raw: RawWorkbook,
    parsed: ParsedWorkbook,
    ctx: _PlanContext,
    preview: ImportPreview,
) -> int:
    unit_id = ctx.unit_ids.get(parsed.unit_name) if parsed.unit_name else None
    upload = Upload(
        plan_id=ctx.plan.id,
        unit_id=unit_id,
        period=parsed.period,
        file_name=raw.file_name,
        sha256=raw.sha256,
        size=raw.size,
        actor=actor.name,
        actor_unit_id=min(actor.unit_ids) if actor.unit_ids else None,
        counts=preview.counts,
    )
    session.add(upload)
    session.flush()
    period = Period.parse(parsed.period)
    unchanged = {(c.unit, c.code) for c in preview.changes if c.status == "unchanged"}
    pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
    half = len(parsed.rows) // 2
    figures: list[FigureInput] = []
    for i, row in enumerate(parsed.rows):
        if pause and i == half:
            record_figures(
                session,
                actor,
                figures,
                source="file",
                file_name=raw.file_name,
                upload_id=upload.id,
                file_sha256=raw.sha256,
            )
            figures = []
            session.flush()
            print("QTT-IMPORT-PAUSED", file=sys.stderr, flush=True)
            time.sleep(pause)
        if row.has_baseline:  # a proposal (pending): never in force before the office accepts it
            propose_baseline(
                session,
                actor,
                ctx.indicators[row.code].id,
                ctx.unit_ids[row.unit_name],
                row.baseline_value,
                row.baseline_year,
                source=f"{row.unit_name} 上传填报：{raw.file_name}",
                upload_id=upload.id,
                file_sha256=raw.sha256,
            )
        if row.has_figure and (row.unit_name, row.code) not in unchanged:
            figures.append(_figure_input(row, ctx, period))
    record_figures(
        session,
        actor,
        figures,
        source="file",
        file_name=raw.file_name,
        upload_id=upload.id,
        file_sha256=raw.sha256,
    )
    record(
        session,
        actor,
        "upload",
        entity="upload",
        entity_key=str(upload.id),
        plan_code=ctx.plan.code,
        unit=parsed.unit_name or "",
        file_sha256=raw.sha256,
        after=dict(preview.counts),
        detail=f"{raw.file_name}（{raw.size} 字节）",
    )
    session.flush()
    return upload.id


# --------------------------------------------------------------------------- undo and listing


@dataclass
class UndoResult:
    upload_id: int
    restored: int = 0  # figures set back to their previous version
    retracted: int = 0  # figures the upload introduced, now withdrawn
    kept: list[str] = field(default_factory=list)  # figures changed again after the upload: left alone
    baselines: int = 0

    @property
    def message(self) -> str:
        text = f"已撤销上传记录 #{self.upload_id}：恢复 {self.restored} 项，撤回 {self.retracted} 项"
        if self.baselines:
            text += f"，基期值 {self.baselines} 项"
        if self.kept:
            text += f"；{len(self.kept)} 项在上传后已被再次修改，未撤销：" + "、".join(self.kept)
        return text


def undo_upload(url: str | None, upload_id: int, actor: Actor) -> UndoResult:
    """Revert an upload as a whole by appending versions; raise LookupError/ValueError/PermissionDenied."""
    with session_scope(url) as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            raise LookupError(f"没有编号为 {upload_id} 的上传记录")
        require(actor, Action.UNDO_UPLOAD, upload.unit_id)
        session.execute(select(Plan.id).where(Plan.id == upload.plan_id).with_for_update())
        session.refresh(upload)
        if upload.undone_at is not None:
            raise ValueError(f"上传记录 #{upload_id} 已于 {upload.undone_at:%Y-%m-%d %H:%M} 撤销")
        result = UndoResult(upload_id)
        observations = session.scalars(
            select(Observation).where(Observation.upload_id == upload_id).order_by(Observation.id)
        ).all()
        for obs in observations:
            require(actor, Action.UNDO_UPLOAD, obs.unit_id)
            ensure_unlocked(session, obs.indicator_id, obs.period)
            if obs.superseded_by_id is not None:
                ind_code = session.scalar(select(Indicator.code).where(Indicator.id == obs.indicator_id))
                result.kept.append(ind_code or str(obs.indicator_id))
                continue
            previous = session.get(Observation, obs.supersedes_id) if obs.supersedes_id else None
            restored = Observation(
                indicator_id=obs.indicator_id,
                unit_id=obs.unit_id,
                period=obs.period,
                value=previous.value if previous else None,
                field_size=previous.field_size if previous else None,
                benchmark_value=previous.benchmark_value if previous else None,
                done_on=previous.done_on if previous else None,
                note=previous.note if previous else "",
                retracted=previous.retracted if previous else True,
                version=obs.version + 1,
                supersedes_id=obs.id,
                source="undo",
                file_name=f"撤销上传 #{upload_id}",
                is_demo=previous.is_demo if previous else False,
                review_state=previous.review_state if previous else "accepted",
                entered_by=actor.name,
                entered_unit_id=min(actor.unit_ids) if actor.unit_ids else None,
            )
            session.add(restored)
            session.flush()
            obs.superseded_by_id = restored.id
            if restored.retracted:
                result.retracted += 1
            else:
                result.restored += 1
        for baseline in session.scalars(select(Baseline).where(Baseline.upload_id == upload_id)).all():
            if baseline.review_state == "pending":  # a proposal never in force: withdrawn, kept as history
                baseline.review_state = "withdrawn"
                result.baselines += 1
                continue
            if baseline.review_state != "accepted":
                continue
            later = session.scalar(
                select(Baseline.id).where(
                    Baseline.indicator_id == baseline.indicator_id, Baseline.id > baseline.id
                )
            )
            if later is not None:
                continue
            previous = session.scalar(
                select(Baseline)
                .where(Baseline.indicator_id == baseline.indicator_id, Baseline.id < baseline.id)
                .order_by(Baseline.id.desc())
                .limit(1)
            )
            if previous is not None:
                session.add(
                    Baseline(
                        indicator_id=previous.indicator_id,
                        value=previous.value,
                        year=previous.year,
                        source=f"撤销上传 #{upload_id}，恢复：{previous.source}",
                        recorded_by=actor.name,
                    )
                )
            else:
                session.delete(baseline)
            result.baselines += 1
        upload.undone_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        upload.undone_by = actor.name
        plan_code = session.scalar(select(Plan.code).where(Plan.id == upload.plan_id)) or ""
        record(
            session,
            actor,
            Action.UNDO_UPLOAD.value,
            entity="upload",
            entity_key=str(upload_id),
            plan_code=plan_code,
            file_sha256=upload.sha256,
            detail=result.message,
        )
        upload.counts = {**(upload.counts or {}), "undo": {"restored": result.restored,
                                                          "retracted": result.retracted, "kept": result.kept}}  # fmt: skip  # noqa: E501
    return result


def list_uploads(session: Session, plan_code: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Recent uploads, newest first."""
    query = (
        select(Upload, Plan.code, Unit.name)
        .join(Plan, Plan.id == Upload.plan_id)
        .outerjoin(Unit, Unit.id == Upload.unit_id)
        .order_by(Upload.id.desc())
        .limit(limit)
    )
    if plan_code:
        query = query.where(Plan.code == plan_code)
    return [
        {
            "id": up.id,
            "plan": code,
            "unit": unit or "全部单位",
            "unit_id": up.unit_id,
            "period": up.period,
            "file_name": up.file_name,
            "sha256": up.sha256,
            "size": up.size,
            "actor": up.actor,
            "created_at": up.created_at,
            "counts": dict(up.counts or {}),
            "undone_at": up.undone_at,
            "undone_by": up.undone_by,
        }
        for up, code, unit in session.execute(query)
    ]


# --------------------------------------------------------------------------- bulk


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a folder contributes its files (not hidden, not Excel lock files ~$…)."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out.extend(
                p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith((".", "~$"))
            )
        else:
            out.append(path)
    return out


def import_files(
    url: str | None,
    paths: Iterable[str | Path],
    actor: Actor,
    *,
    dry_run: bool = False,
    plan: str | None = None,
    period: str | None = None,
    on_progress: Callable[[int, int, ImportResult], None] | None = None,
) -> list[ImportResult]:
    """Import files one by one (each in its own transaction); a bad file never stops the rest."""
    files = expand_paths(paths)
    results = []
    for i, path in enumerate(files, start=1):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                data = path.open("rb").read(MAX_FILE_BYTES + 1)  # refused by size, never read whole
            else:
                data = path.read_bytes()
            result = commit_import(url, data, path.name, actor, plan=plan, period=period, dry_run=dry_run)
        except (OSError, PermissionDenied, ValueError) as exc:
            preview = ImportPreview(
                path.name, "", 0, errors=[FileError("unreadable", params={"detail": str(exc)})]
            )
            result = ImportResult(preview, "refused")
        results.append(result)
        if on_progress is not None:
            on_progress(i, len(files), result)
    return results
