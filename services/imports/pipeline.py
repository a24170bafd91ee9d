"""Preview and commit of an upload, set-based.

1. The file is read once, in worker processes with memory and time limits: the safety scan and
   the calamine parse at once in two workers (workbook/sandbox.py; the page passes a file it
   has read already as ``raw``). Meanwhile a thread of this process reads the plan's catalogue
   and the current figures (services/imports/prefetch.py), as soon as the plan and quarter are
   known: the page's selection, or the template's 说明 sheet that the parsing worker sends ahead.
2. Outside any write lock (a read-only session): the plan is resolved, its catalogue read with
   one plain query per table (services/imports/context.py; or taken from the prefetch when it is
   for the file's plan and quarter), the rows validated directly on calamine's rows
   (``workbook.reader.validate``), and the current figures of the periods concerned read with
   one query and compared as tuples: the preview, and the list of writes.
3. Under the write lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``SELECT … FOR UPDATE`` on the
   plan row), only what may have changed is re-checked. When the data-version counter
   (db/versioning.py, bumped by every write transaction) still has the value read before the
   validation, nothing was written since and nothing is re-read (the account and the locks are
   checked all the same). Otherwise: the catalogue's stamp (when it changed,
   the file is validated again under the lock), the account, locked quarters, and the current
   versions of exactly the figures written (the diff is recomputed on tuples; a concurrent
   import never forks a version chain). Then one bulk insert of the new versions (explicit ids;
   ``COPY`` on PostgreSQL, ``executemany`` on SQLite), one bulk update of the superseded links,
   the upload row, the baseline proposals, and **one** audit entry carrying every figure's
   before → after (:func:`services.imports.history.figure_history` reads one figure's history
   from it). Garbage collection is frozen meanwhile.

A busy database (another writer holds the lock longer than the busy timeout) refuses the
upload with a Chinese message (``db-busy``), never "database is locked".

Duplicates: a file equal to what is current changes nothing (``unchanged``; ``duplicate`` when
it is also byte-identical to an upload in force). A file that matches an earlier upload but
differs from what is current (A → B → A) is a new change with its preview.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from db import versioning
from db.models import Baseline, Indicator, Observation, Plan, Unit, Upload
from db.session import SQLITE_BUSY_TIMEOUT_MS, read_scope, session_scope
from indicators.periods import Period
from services.actor import Action, Actor, ActorRole, require
from services.audit import ensure_account_active, record, record_large
from services.imports.audit_sides import SidesInBackground
from services.imports.context import PlanContext, catalogue_stamp, plan_context
from services.imports.context import current_figures as _current
from services.imports.prefetch import Prefetch, Prefetched
from services.imports.results import Change, ImportPreview, ImportResult, figure_line
from services.imports.tasks import TaskContext, TaskWrite, diff_tasks, task_context, write_tasks
from services.review import PeriodLocked, active_lock, ensure_baselines_unlocked
from workbook.cells import format_number
from workbook.errors import FileError, WorkbookError
from workbook.reader import ParsedRow, ParsedWorkbook, RawWorkbook, read_workbook, validate
from workbook.tasks_sheet import ParsedTaskRow, validate_tasks
from workbook.template import quarter_label

PROPOSAL_NOTE = "：作为建议提交，质量办审核通过前不生效"
PAUSE_ENV = "QTT_IMPORT_TEST_PAUSE"  # test-only fault injection: seconds to sleep mid-commit
FIGURE_FIELDS = (
    "indicator",
    "unit",
    "period",
    "version",
    "value",
    "field_size",
    "benchmark_value",
    "done_on",
    "note",
    "retracted",
    "review_state",
)
@dataclass(slots=True)
class _Write:
    row: ParsedRow
    key: tuple[int, int, str]  # indicator id, unit id, period
    current: Any | None  # the current version (a row of _CURRENT) or None


@dataclass
class _Prepared:
    raw: RawWorkbook
    preview: ImportPreview
    key: tuple = ()  # (actor, plan, period, unit) it was validated for
    parsed: ParsedWorkbook | None = None
    ctx: PlanContext | None = None
    writes: list[_Write] = field(default_factory=list)
    proposals: list[tuple[ParsedRow, int, int]] = field(default_factory=list)  # row, indicator id, unit id
    data_version: int = 0  # db.versioning's data counter when validated (0: unknown)
    tasks: TaskContext | None = None  # the plan's key tasks, when the file has a 重点任务 sheet
    task_rows: list[ParsedTaskRow] = field(default_factory=list)
    task_writes: list[TaskWrite] = field(default_factory=list)

    @property
    def writes_nothing(self) -> bool:
        return not self.writes and not self.proposals and not self.task_writes


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection while thousands of short-lived tuples are made (≈ 25 % of the time).

    Only disabled and enabled again: never ``gc.unfreeze()``, which would thaw what the server froze
    after its start (ui/data.py) and make Streamlit's collection after every run scan it all again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------- validate


def _actor_units(session: Session, actor: Actor) -> set[str] | None:
    if actor.role is ActorRole.ADMIN:
        return None
    if actor.role is ActorRole.VIEWER or not actor.unit_ids:
        return set()
    return set(session.scalars(select(Unit.name).where(Unit.id.in_(actor.unit_ids))))


def _resolve_plan(
    session: Session, raw: RawWorkbook, plan: str | None
) -> tuple[str | None, list[WorkbookError]]:
    """The plan of the workbook: its template's, or the one plan that has all its codes."""
    if raw.is_template:
        code = (raw.meta or {}).get("plan", "")
        if plan and code != plan:
            return None, [FileError("plan-mismatch", value=code[:40], params={"expected": plan})]
        if session.scalar(select(Plan.id).where(Plan.code == code[:40])) is None or len(code) > 40:
            return None, [FileError("plan-unknown", value=code[:40])]
        return code, []
    codes = raw.codes
    if not codes:
        return None, [FileError("not-template", params={"detail": "没有找到任何指标代码"})]
    known: dict[str, set[str]] = {}
    for plan_code, code in session.execute(select(Plan.code, Indicator.code).join(Indicator)):
        known.setdefault(plan_code, set()).add(code)
    candidates = [p for p, have in sorted(known.items()) if (not plan or p == plan) and codes <= have]
    if len(candidates) != 1:
        detail = "指标代码不属于任何一个计划" if not candidates else "指标代码可对应多个计划"
        return None, [FileError("not-template", params={"detail": detail})]
    return candidates[0], []


def _validate(
    session: Session,
    raw: RawWorkbook,
    actor: Actor,
    plan: str | None,
    period: str | None,
    unit: str | None,
    prefetch: Prefetch | None = None,
) -> tuple[ParsedWorkbook | None, PlanContext | None, list[WorkbookError], Prefetched | None]:
    if raw.errors and not raw.data_sheets and not raw.is_template:
        return None, None, list(raw.errors), None
    plan_code, errors = _resolve_plan(session, raw, plan)
    if errors:
        return None, None, errors + [e for e in raw.errors if e.code not in ("not-template",)], None
    meta = raw.meta if raw.is_template else {}
    file_period = meta.get("period") or ""
    pre = prefetch.get(plan_code, file_period or period or "") if prefetch is not None else None
    ctx = pre.ctx if pre is not None else plan_context(session, plan_code)
    cat = ctx.catalogue
    template_unit = meta.get("unit") or ""
    errors = []
    if period:
        period = str(Period.parse(period))
        if file_period and file_period != period:
            errors.append(
                FileError("period-mismatch", value=quarter_label(file_period[:20]),
                          params={"expected": quarter_label(period)})
            )  # fmt: skip
    elif not file_period:
        errors.append(FileError("not-template", params={"detail": "无法确定填报季度（请指定季度）"}))
    the_period = file_period or period or ""
    try:
        the_period_p = Period.parse(the_period) if the_period else None
    except ValueError:
        the_period_p = None
        errors.append(FileError("period-mismatch", value=the_period[:20], params={"expected": period or ""}))
    if template_unit and cat.unit(template_unit) is None:
        errors.append(FileError("unit-unknown", value=template_unit[:120]))
    allowed = _actor_units(session, actor)
    if template_unit and allowed is not None and cat.unit(template_unit) not in allowed:
        # another unit's template: refused as such (and audited), whatever unit the page had selected
        errors.append(
            FileError("permission-denied", params={"unit": (cat.unit(template_unit) or template_unit)[:120]})
        )
    if unit:
        wanted = cat.unit(unit)
        if wanted is None:
            errors.append(FileError("unit-unknown", value=unit[:120]))
        elif template_unit and cat.unit(template_unit) != wanted:
            errors.append(FileError("unit-mismatch", value=template_unit[:120], params={"expected": unit}))
        template_unit = template_unit or wanted or ""
    if errors or the_period_p is None:
        return None, ctx, errors + list(raw.errors), None
    parsed = validate(raw, cat, the_period, template_unit, allowed, ctx.owed(the_period_p))
    if pre is not None and pre.period != the_period:
        pre = None
    return parsed, ctx, parsed.errors, pre


# --------------------------------------------------------------------------- diff

RETURNED_MARK = "（已被退回，重新报送）"  # the preview's old text of a returned figure sent again as it was


def _figure_text(kind: str, f: Any) -> str:
    return figure_line(kind, f.value, f.field_size, f.benchmark_value, f.done_on, f.note)



def _diff(session: Session, prep: _Prepared, current: dict | None = None) -> None:
    """The preview's changes and the writes, comparing the parsed rows with the current versions."""
    parsed, ctx = prep.parsed, prep.ctx
    assert parsed is not None and ctx is not None
    if current is None:
        periods = sorted({row.period or parsed.period for row in parsed.rows} | {parsed.period})
        current = _current(session, ctx, periods)
    changes: list[Change] = []
    writes: list[_Write] = []
    proposals: list[tuple[ParsedRow, int, int]] = []
    indicators, unit_ids = ctx.indicators, ctx.unit_ids
    for row in parsed.rows:
        ind = indicators[row.code]
        unit_id = unit_ids[row.unit_name]
        if row.has_baseline and not ctx.nothing_new(ind.id, unit_id, row.baseline_value, row.baseline_year):
            latest = ctx.baseline_in_force(ind.id)
            old = f"{format_number(latest.value)}（{latest.year}年）" if latest else ""
            new = f"{format_number(row.baseline_value)}（{row.baseline_year}年）" + PROPOSAL_NOTE
            changes.append(
                Change(row.sheet, row.row, row.unit_name, row.code, ind.name, "baseline", old, new)
            )
            proposals.append((row, ind.id, unit_id))
        if not row.has_figure:
            if not row.has_baseline:
                changes.append(
                    Change(row.sheet, row.row, row.unit_name, row.code, ind.name, "empty", period=row.period)
                )
            continue
        period = row.period or parsed.period
        key = (ind.id, unit_id, period)
        cur = current.get(key)
        if cur is None or cur.retracted:
            status, old = "new", ""
        else:
            old = cur
            same = (cur.value, cur.field_size, cur.benchmark_value, cur.done_on, cur.note or "") == (
                row.value,
                row.field_size,
                row.benchmark_value,
                row.done_on,
                row.note or "",
            )
            status = "unchanged" if same else "changed"
            if same and cur.review_state == "returned":  # the unit stands by a figure the office returned:
                status, old = "changed", f"{_figure_text(ind.measure_kind, cur)}{RETURNED_MARK}"  # re-sent
        changes.append(  # old and new formatted when shown (services/imports/results.py: Change)
            Change(row.sheet, row.row, row.unit_name, row.code, ind.name, status, old, row, period,
                   ind.measure_kind)
        )  # fmt: skip
        if status != "unchanged":
            writes.append(_Write(row, key, cur))
    prep.preview.changes, prep.writes, prep.proposals = changes, writes, proposals
    if prep.tasks is not None and prep.task_rows:
        task_changes, task_writes, task_errors = diff_tasks(
            session, prep.tasks, ctx.unit_ids, parsed.period, prep.task_rows
        )
        prep.preview.task_changes, prep.task_writes = task_changes, task_writes
        kept = [e for e in prep.preview.errors if e.code != "task-confirmed"]  # recomputed under the lock
        prep.preview.errors = kept + task_errors


def _validate_tasks(session: Session, prep: _Prepared, actor: Actor) -> None:
    """The 重点任务 sheet's rows (workbook/tasks_sheet.py), with the figures' unit and permissions."""
    raw, parsed, ctx = prep.raw, prep.parsed, prep.ctx
    prep.tasks = task_context(session, ctx.plan_id)
    unit = ctx.catalogue.unit(parsed.unit_name) if parsed.unit_name else ""
    checked = validate_tasks(
        raw.task_sheets, ctx.code, parsed.period, prep.tasks.infos, ctx.catalogue.unit, unit or "",
        _actor_units(session, actor),
    )  # fmt: skip
    prep.task_rows = checked.rows
    prep.preview.errors.extend(checked.errors)


def _duplicate_of(session: Session, prep: _Prepared) -> int | None:
    parsed, ctx = prep.parsed, prep.ctx
    unit_id = ctx.unit_ids.get(parsed.unit_name) if parsed.unit_name else None
    return session.scalar(
        select(Upload.id)
        .where(
            Upload.plan_id == ctx.plan_id,
            Upload.period == parsed.period,
            Upload.sha256 == prep.raw.sha256,
            Upload.unit_id.is_(None) if unit_id is None else Upload.unit_id == unit_id,
            Upload.undone_at.is_(None),
        )
        .order_by(Upload.id.desc())
        .limit(1)
    )


def _prepare(
    session: Session,
    raw: RawWorkbook,
    actor: Actor,
    plan: str | None,
    period: str | None,
    unit: str | None,
    prefetch: Prefetch | None = None,
) -> _Prepared:
    prep = _Prepared(raw, ImportPreview(raw.file_name, raw.sha256, raw.size))
    # read first: any write committed after this (any table a page shows) changes the counter, and
    # the commit then checks again what may have changed (services/imports/pipeline.py: _commit)
    prep.data_version = versioning.read_versions(session.connection())[0]
    parsed, ctx, errors, pre = _validate(session, raw, actor, plan, period, unit, prefetch)
    if pre is not None:  # read before this session's counter, in the same order: the older stamp
        prep.data_version = pre.data_version
    prep.parsed, prep.ctx = parsed, ctx
    prep.preview.errors = list(errors)
    if ctx is not None:
        prep.preview.plan_code, prep.preview.stamp = ctx.code, ctx.stamp
    if parsed is None or ctx is None:
        return prep
    prep.preview.period, prep.preview.unit_name = parsed.period, parsed.unit_name
    if raw.task_sheets:
        _validate_tasks(session, prep, actor)
    wanted = {row.period or parsed.period for row in parsed.rows} | {parsed.period}
    _diff(session, prep, pre.current if pre is not None and wanted <= pre.periods else None)
    _locked_in_preview(session, prep)
    if prep.preview.ok and prep.writes_nothing:
        prep.preview.duplicate_of = _duplicate_of(session, prep)
    return prep


def _locked_in_preview(session: Session, prep: _Prepared) -> None:
    """A quarter the file would write into is locked: said in the preview, with no 确认导入 (the
    refusal came only after the click). The commit checks again under the write lock."""
    ctx, parsed = prep.ctx, prep.parsed
    periods = {w.key[2] for w in prep.writes} | ({parsed.period} if prep.task_writes else set())
    for period in sorted(periods):
        lock = active_lock(session, ctx.plan_id, period)
        if lock is not None:
            detail = f"{lock.locked_at:%Y-%m-%d} 由 {lock.locked_by}"
            prep.preview.errors.append(
                FileError("period-locked", value=Period.parse(period).label, params={"detail": detail})
            )


# --------------------------------------------------------------------------- entry points


def read_upload(data: bytes, file_name: str, on_meta=None) -> RawWorkbook:
    """The guarded, isolated parse of an upload (the page caches it by sha256).

    ``on_meta``: called with the template's 说明 sheet while the data sheets are still being read
    (services/imports/prefetch.py)."""
    return read_workbook(data, file_name, on_meta=on_meta)


def _read_with_prefetch(
    url: str | None, data: bytes, file_name: str, plan: str | None, period: str | None
) -> tuple[RawWorkbook, Prefetch]:
    """The file's parse, and the plan's catalogue and figures read meanwhile (see prefetch.py)."""
    prefetch = Prefetch(url)
    prefetch.start(plan, period)  # the page's selection: known before the file is read
    return read_upload(data, file_name, on_meta=prefetch.on_meta), prefetch


def _refusal_unit(errors: list[WorkbookError]) -> WorkbookError | None:
    return next((e for e in errors if e.code == "permission-denied"), None)


def _audit_refusal(
    session: Session, actor: Actor, raw: RawWorkbook, plan_code: str, error: WorkbookError
) -> None:
    record(
        session,
        actor,
        Action.RECORD_FIGURE.value,
        outcome="refused",
        entity="upload",
        plan_code=plan_code[:40],
        unit=str(error.params.get("unit", ""))[:120],
        file_sha256=raw.sha256,
        detail=f"{raw.file_name}：{error.message}"[:2000],
    )


def _audit_once(url: str | None, actor: Actor, prep: _Prepared, plan: str | None, seen: set | None) -> None:
    """Audit a refused attempt on another unit's figures, once per file (and per ``seen`` set)."""
    denied = _refusal_unit(prep.preview.errors)
    if denied is None:
        return
    token = (prep.raw.sha256, actor.name, denied.code)
    if seen is not None:
        if token in seen:
            return
        seen.add(token)
    with session_scope(url) as session:
        _audit_refusal(session, actor, prep.raw, prep.preview.plan_code or plan or "", denied)


def preview_import(
    url: str | None,
    data: bytes,
    file_name: str,
    actor: Actor,
    *,
    plan: str | None = None,
    period: str | None = None,
    unit: str | None = None,
    raw: RawWorkbook | None = None,
    refusals_seen: set | None = None,
) -> ImportPreview:
    """What importing ``data`` would change (read-only; never raises for a bad file).

    ``raw`` is the file's parse when the caller has it already (the page caches it per sha256);
    ``refusals_seen`` (a set kept by the caller, e.g. per browser session) audits a refusal only
    the first time the same file is previewed.
    """
    prefetch = None
    with _gc_paused():  # the parse's answer is unpickled here: 10,000 rows of new objects too
        if raw is None:
            raw, prefetch = _read_with_prefetch(url, data, file_name, plan, period)
        with read_scope(url) as session:
            prep = _prepare(session, raw, actor, plan, period, unit, prefetch)
    _audit_once(url, actor, prep, plan, refusals_seen)
    prep.key = (actor, plan, period, unit)
    prep.preview.prepared = prep
    return prep.preview


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
    raw: RawWorkbook | None = None,
    refusals_seen: set | None = None,
    preview: ImportPreview | None = None,
) -> ImportResult:
    """Validate (outside the write lock), re-check what may have changed under it, write in one transaction.

    A file with errors writes nothing; a file equal to what is current writes nothing
    (``unchanged`` / ``duplicate``). ``dry_run`` computes the preview only. ``raw``: the parse
    the caller already has (the page's cached one); otherwise the file is read here. ``preview``: the
    page's preview of the same file and selection, whose validated rows are reused (only what may
    have changed is re-checked under the write lock).
    """
    reuse = preview.prepared if preview is not None else None
    if reuse is not None and (reuse.raw.sha256, reuse.key) != (_sha(data), (actor, plan, period, unit)):
        reuse = None
    prefetch = None
    with _gc_paused():  # the parse's answer is unpickled here: 10,000 rows of new objects too
        if reuse is not None:
            raw = reuse.raw
        elif raw is None:
            raw, prefetch = _read_with_prefetch(url, data, file_name, plan, period)
        if reuse is not None:  # the page's preview: validated already, re-checked under the lock below
            prep = reuse
        else:
            with read_scope(url) as session:
                prep = _prepare(session, raw, actor, plan, period, unit, prefetch)
            prefetch = None  # its figures are in prep.writes now; the rest is not held while writing
        if not prep.preview.ok or prep.parsed is None:
            locked = [e for e in prep.preview.errors if e.code == "period-locked"]
            if locked and len(locked) == len(prep.preview.errors) and not dry_run:
                # only the lock stands in the way: refused as before, by PeriodLocked, which the
                # callers audit as a refused write (refusals_audited); the preview said so already
                raise PeriodLocked(locked[0].message)
            _audit_once(url, actor, prep, plan, refusals_seen)
            return ImportResult(prep.preview, "refused")
        if dry_run:
            return ImportResult(prep.preview, "dry-run")
        if prep.writes_nothing:
            return ImportResult(prep.preview, "duplicate" if prep.preview.duplicate_of else "unchanged")
        try:
            return _commit(url, actor, prep, plan, period, unit)
        except sa_exc.OperationalError as exc:
            if not _is_busy(exc):
                raise
            busy = FileError("db-busy", params={"limit": f"{SQLITE_BUSY_TIMEOUT_MS / 1000:g}"})
            prep.preview.errors = [busy]
            return ImportResult(prep.preview, "refused")


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _is_busy(exc: sa_exc.OperationalError) -> bool:
    text_ = str(exc.orig if exc.orig is not None else exc).lower()
    return (
        "database is locked" in text_
        or "lock timeout" in text_
        or "locknotavailable" in text_
        or ("canceling statement due to lock timeout" in text_)
    )


def _commit(url: str | None, actor: Actor, prep: _Prepared, plan, period, unit) -> ImportResult:
    with session_scope(url) as session:
        ctx = prep.ctx
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text(f"SET LOCAL lock_timeout = '{int(SQLITE_BUSY_TIMEOUT_MS)}ms'"))
        session.execute(
            select(Plan.id).where(Plan.id == ctx.plan_id).with_for_update()
        )  # BEGIN IMMEDIATE on SQLite
        ensure_account_active(session, actor)
        if prep.data_version and versioning.read_versions(session.connection())[0] == prep.data_version:
            pass  # nothing was written since the preview read the catalogue and the current figures
        elif catalogue_stamp(session, ctx.plan_id) != ctx.stamp:  # the catalogue changed: validate again
            prep = _prepare(session, prep.raw, actor, plan, period, unit)
            if not prep.preview.ok or prep.parsed is None:
                return ImportResult(prep.preview, "refused")
            ctx = prep.ctx
        else:  # only the figures written may have changed: re-read them and diff again (tuples)
            keys = {w.key for w in prep.writes} | {
                (ctx.indicators[r.code].id, ctx.unit_ids[r.unit_name], r.period or prep.parsed.period)
                for r in prep.parsed.rows
                if r.has_figure
            }
            periods = sorted({k[2] for k in keys}) or [prep.parsed.period]
            if prep.proposals:
                fresh = plan_context(session, ctx.code)
                ctx.baselines = fresh.baselines
            _diff(session, prep, _current(session, ctx, periods, keys))
            if not prep.preview.ok:  # e.g. a task report confirmed meanwhile
                return ImportResult(prep.preview, "refused")
        if prep.writes_nothing:
            prep.preview.duplicate_of = _duplicate_of(session, prep)
            return ImportResult(prep.preview, "duplicate" if prep.preview.duplicate_of else "unchanged")
        for unit_id in sorted({w.key[1] for w in prep.writes} | {p[2] for p in prep.proposals}):
            require(actor, Action.RECORD_FIGURE, unit_id)
        task_period = {prep.parsed.period} if prep.task_writes else set()
        _ensure_unlocked(session, ctx, {w.key[2] for w in prep.writes} | task_period)
        if prep.proposals:
            ensure_baselines_unlocked(session, ctx.plan_id)
        upload_id = _write(session, actor, prep)
    reporter = actor.role is ActorRole.REPORTER
    return ImportResult(prep.preview, "committed", upload_id, pending_review=reporter)


def _ensure_unlocked(session: Session, ctx: PlanContext, periods: set[str]) -> None:
    for period in sorted(periods):
        lock = active_lock(session, ctx.plan_id, period)
        if lock is not None:
            raise PeriodLocked(
                f"{Period.parse(period).label}已于 {lock.locked_at:%Y-%m-%d} 由 {lock.locked_by} 锁定，"
                "如需修改请由管理员解锁并说明理由"
            )


# --------------------------------------------------------------------------- write

_OBS_COLUMNS = (
    "id",
    "indicator_id",
    "unit_id",
    "period",
    "value",
    "field_size",
    "benchmark_value",
    "done_on",
    "note",
    "retracted",
    "version",
    "supersedes_id",
    "source",
    "file_name",
    "upload_id",
    "is_demo",
    "review_state",
    "review_comment",
    "entered_by",
    "entered_unit_id",
    "entered_at",
)


def _new_ids(session: Session, n: int, postgres: bool) -> Sequence[int]:
    if postgres:
        return list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('observations', 'id')) FROM generate_series(1, :n)"
                ),
                {"n": n},
            )
        )
    start = (session.scalar(select(Observation.id).order_by(Observation.id.desc()).limit(1)) or 0) + 1
    return range(start, start + n)  # not a list: 10,000 ints held while writing


def _insert_observations(
    session: Session, rows: list[tuple], postgres: bool, *, own_ids: bool = True, sqlite_ready: bool = False
) -> None:
    """Rows in the order of _OBS_COLUMNS. ``own_ids=False`` (PostgreSQL only): the rows' first item
    (None) is left out and the column's sequence gives each row its id inside the COPY.
    ``sqlite_ready`` (SQLite only): the rows hold what sqlite3 stores already (:func:`_sqlite_row`)."""
    if not rows:
        return
    if postgres:
        raw = session.connection().connection.driver_connection
        columns = _OBS_COLUMNS if own_ids else _OBS_COLUMNS[1:]
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY observations ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            if own_ids:
                for row in rows:
                    copy.write_row(row)
            else:
                for row in rows:
                    copy.write_row(row[1:])
        versioning.mark_written(session, "observations")
        return
    sql = (
        f"INSERT INTO observations ({', '.join(_OBS_COLUMNS)}) VALUES ({', '.join('?' * len(_OBS_COLUMNS))})"
    )
    stamps: dict = {}  # every row of an upload has the same entered_at: formatted once
    cursor = session.connection().connection.cursor()
    try:  # converted as sqlite3 takes them: no second list of 10,000 rows (peak memory)
        cursor.executemany(sql, rows if sqlite_ready else (_sqlite_row(r, stamps) for r in rows))
    finally:
        cursor.close()


def _sqlite_row(row: tuple, stamps: dict) -> tuple:
    out = list(row)
    done = out[7]
    if done is not None:
        out[7] = done.isoformat()
    out[9], out[15] = int(out[9]), int(out[15])
    at = out[20]
    text_ = stamps.get(at)
    if text_ is None:
        text_ = stamps[at] = at.strftime("%Y-%m-%d %H:%M:%S.%f")
    out[20] = text_
    return tuple(out)


LINK_SLICE = 2000


def _link(session: Session, links: list[tuple[int, int]], postgres: bool) -> None:
    """superseded_by_id of each previous version (old id, new id) in one statement / executemany."""
    if not links:
        return
    if postgres:
        session.execute(
            text(
                "UPDATE observations AS o SET superseded_by_id = v.new FROM "
                "(SELECT unnest(CAST(:old AS integer[])) AS old, "
                "unnest(CAST(:new AS integer[])) AS new) AS v "
                "WHERE o.id = v.old"
            ),
            {"old": [a for a, _ in links], "new": [b for _, b in links]},
        )
        return
    if sqlite3.sqlite_version_info < (3, 38):  # no ->> operator
        session.connection().exec_driver_sql(
            "UPDATE observations SET superseded_by_id = ? WHERE id = ?", [(new, old) for old, new in links]
        )
        return
    # the pairs as JSON parameters (an executemany of 10,000 updates costs 2–3× more), LINK_SLICE
    # pairs a statement: one text of every pair was the import's peak of memory
    conn = session.connection()
    for i in range(0, len(links), LINK_SLICE):
        conn.exec_driver_sql(
            "UPDATE observations SET superseded_by_id = v.value ->> 1 FROM json_each(?) AS v "
            "WHERE observations.id = v.value ->> 0",
            (json.dumps(links[i : i + LINK_SLICE], separators=(",", ":")),),
        )


def _link_upload(
    session: Session, upload_id: int, first_id: int, links: list[tuple[int, int]], postgres: bool
) -> None:
    """:func:`_link` for an upload's own new rows: one ``UPDATE … FROM`` that finds them by primary
    key and upload (ids from ``first_id`` on) and sets each replaced version's superseded_by_id,
    instead of sending 10,000 pairs as JSON (≈ 30 % less time, nothing built in Python).

    SQLite: ``first_id`` is the upload's first explicit id (the write lock is held: no other writer's
    rows are among them). PostgreSQL: the rows took their ids from the sequence during the COPY, and
    ``first_id`` is a value drawn from it just before (every id drawn later is greater); rows of
    other transactions with greater ids are told apart by ``upload_id``, this transaction's own
    upload row. ``links`` is then empty (the new ids are not known here) and not needed."""
    if postgres:
        session.execute(
            text(
                "UPDATE observations AS o SET superseded_by_id = n.id FROM observations AS n "
                "WHERE n.id > :first AND n.upload_id = :upload AND n.supersedes_id IS NOT NULL "
                "AND o.id = n.supersedes_id"
            ),
            {"first": first_id, "upload": upload_id},
        )
        return
    if not links:
        return
    if sqlite3.sqlite_version_info < (3, 33):  # no UPDATE … FROM
        _link(session, links, postgres)
        return
    session.connection().exec_driver_sql(
        "UPDATE observations SET superseded_by_id = new.id FROM "
        "(SELECT id, supersedes_id FROM observations WHERE id >= ? AND upload_id = ? "
        "AND supersedes_id IS NOT NULL) AS new WHERE observations.id = new.supersedes_id",
        (first_id, upload_id),
    )


def _snapshot(cur: Any) -> tuple:
    """A current version's fields as the audit entry stores them (FIGURE_FIELDS after the first three)."""
    done_on = cur.done_on
    return (cur.version, cur.value, cur.field_size, cur.benchmark_value,
            done_on.isoformat() if done_on else None, cur.note or "", bool(cur.retracted),
            cur.review_state)  # fmt: skip


def _write(session: Session, actor: Actor, prep: _Prepared) -> int:
    raw, parsed, ctx, preview = prep.raw, prep.parsed, prep.ctx, prep.preview
    postgres = session.get_bind().dialect.name == "postgresql"
    upload = Upload(
        plan_id=ctx.plan_id,
        unit_id=ctx.unit_ids.get(parsed.unit_name) if parsed.unit_name else None,
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
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    review_state = "pending" if actor.role is ActorRole.REPORTER else "accepted"
    entered_unit = min(actor.unit_ids) if actor.unit_ids else None
    if postgres:  # the ids come from the sequence inside the COPY (10,000 nextval() sent back saved);
        # every one of them is greater than this value, drawn first (_link_upload)
        first_id = session.scalar(text("SELECT nextval(pg_get_serial_sequence('observations', 'id'))"))
        ids: Sequence[int | None] = [None] * len(prep.writes)
    else:
        ids = _new_ids(session, len(prep.writes), postgres)
        first_id = ids[0] if ids else 0
    rows, links = [], []
    file_name, upload_id, actor_name = raw.file_name, upload.id, actor.name
    # SQLite: each row as sqlite3 stores it, made here in one pass (dates as ISO text, flags as 0/1;
    # the stamp formatted once), not converted again row by row as the insert takes it
    stamp = now if postgres else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    no = False if postgres else 0
    for w, new_id in zip(prep.writes, ids, strict=True):
        row, cur = w.row, w.current
        indicator_id, unit_id, period = w.key
        done_on = row.done_on
        if done_on is not None and not postgres:
            done_on = done_on.isoformat()
        rows.append(
            (new_id, indicator_id, unit_id, period, row.value, row.field_size, row.benchmark_value,
             done_on, row.note, no, cur.version + 1 if cur is not None else 1,
             cur.id if cur is not None else None, "file", file_name, upload_id, no, review_state, "",
             actor_name, entered_unit, stamp)
        )  # fmt: skip  (the order of _OBS_COLUMNS)
        if cur is not None and not postgres:
            links.append((cur.id, new_id))
    del ids
    pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
    half = len(rows) // 2 if pause else len(rows)
    own_ids = not postgres
    ready = not postgres
    _insert_observations(session, rows[:half], postgres, own_ids=own_ids, sqlite_ready=ready)
    if pause:
        print("QTT-IMPORT-PAUSED", file=sys.stderr, flush=True)
        time.sleep(pause)
        _insert_observations(session, rows[half:], postgres, own_ids=own_ids, sqlite_ready=ready)
    del rows
    baselines = _write_proposals(session, actor, prep, upload.id)
    tasks_written = write_tasks(session, actor, ctx.code, parsed.period, prep.task_writes, raw, upload.id)
    # the audit entry's two sides are built and serialised in a thread while the database links
    # the replaced versions (services/imports/audit_sides.py)
    sides = SidesInBackground(lambda: _audit_docs(prep, review_state, baselines, tasks_written))
    _link_upload(session, upload_id, first_id, links, postgres)
    del links
    record_large(
        session,
        actor,
        "upload",
        entity="upload",
        entity_key=str(upload.id),
        plan_code=ctx.code,
        unit=(parsed.unit_name or "")[:120],
        file_sha256=raw.sha256,
        detail=f"{raw.file_name}（{raw.size} 字节）"[:2000],
        **sides.result(),
    )
    session.flush()
    return upload.id


def _audit_docs(
    prep: _Prepared, review_state: str, baselines: list[dict], tasks_written: Any
) -> tuple[dict, dict]:
    """The upload entry's before and after: every figure written, as (code, unit, period) + fields."""
    before: list[tuple | None] = []
    after: list[tuple] = []
    codes = {ind.id: code for code, ind in prep.ctx.indicators.items()}
    for w in prep.writes:
        row, cur = w.row, w.current
        where = (codes[w.key[0]], row.unit_name, w.key[2])
        before.append(where + _snapshot(cur) if cur is not None else None)
        done_on = row.done_on
        after.append(
            where
            + (cur.version + 1 if cur is not None else 1, row.value, row.field_size, row.benchmark_value,
               done_on.isoformat() if done_on else None, row.note, False, review_state)
        )  # fmt: skip
    return (
        {"fields": list(FIGURE_FIELDS), "figures": before},
        {"counts": dict(prep.preview.counts), "fields": list(FIGURE_FIELDS), "figures": after,
         "baselines": baselines, "task_reports": tasks_written},
    )  # fmt: skip


def _write_proposals(session: Session, actor: Actor, prep: _Prepared, upload_id: int) -> list[dict]:
    """A unit's baselines from its file: pending proposals, never in force before the office accepts."""
    ctx = prep.ctx
    names = {uid: name for name, uid in ctx.unit_ids.items()}
    codes = {ind.id: code for code, ind in ctx.indicators.items()}
    rows, audit = [], []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for row, indicator_id, unit_id in prep.proposals:
        unit_name = names.get(unit_id, row.unit_name)
        rows.append(
            {
                "indicator_id": indicator_id,
                "value": row.baseline_value,
                "year": row.baseline_year,
                "source": f"{unit_name} 上传填报：{prep.raw.file_name}"[:500],
                "recorded_by": actor.name,
                "recorded_at": now,
                "upload_id": upload_id,
                "review_state": "pending",
                "proposed_by_unit_id": unit_id,
                "review_comment": "",
                "is_demo": False,
            }
        )
        in_force = ctx.baseline_in_force(indicator_id)
        audit.append(
            {
                "indicator": codes[indicator_id],
                "unit": unit_name,
                "before": None if in_force is None else {"value": in_force.value, "year": in_force.year},
                "after": {"value": row.baseline_value, "year": row.baseline_year, "review_state": "pending"},
            }
        )
    if rows:
        session.execute(insert(Baseline), rows)
    return audit
