"""Load validated plan catalogues into the database, idempotently.

Every plan folder is read and validated first; only then does anything get
written, inside the caller's transaction. A second load of the same files
reports every record as unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Baseline, Indicator, Plan, Responsibility, Target, TargetRevision, Unit
from indicators.catalogue import (
    CataloguePlan,
    IndicatorRow,
    RevisionRow,
    TargetRow,
    find_plan_folders,
    read_catalogue,
)
from indicators.model import PlanSettings
from indicators.vocabulary import Adoption, RevisionKind, Role
from services.actor import Action, Actor, require
from services.audit import record

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "data" / "catalogue"


@dataclass
class LoadReport:
    """What a load added, changed or left unchanged, per kind of record."""

    counts: dict[str, Counter] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # what the office changed in the app: not overwritten

    def note(self, kind: str, outcome: str, description: str = "") -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1
        if outcome == "kept":
            self.kept.append(f"保留 {kind}：{description}")
        elif outcome != "unchanged" and description:
            self.changes.append(f"{'新增' if outcome == 'added' else '修改'} {kind}：{description}")

    @property
    def changed_anything(self) -> bool:
        return any(c["added"] or c["changed"] for c in self.counts.values())

    def summary(self) -> str:
        lines = []
        for kind, counter in self.counts.items():
            lines.append(
                f"{kind}: 新增 {counter['added']}，修改 {counter['changed']}，未变 {counter['unchanged']}"
                + (f"，保留质量办的修改 {counter['kept']}" if counter["kept"] else "")
            )
        return "\n".join(lines)


def validate_settings(settings: dict[str, Any]) -> None:
    """Refuse unknown keys and values the progress engine cannot use."""
    from indicators.periods import Period
    from indicators.status import check_settings

    check_settings(PlanSettings.from_mapping(2000, Period(2001, 1), settings))


def read_catalogues(path: Path) -> list[CataloguePlan]:
    """Read and validate every plan folder under ``path`` (raises CatalogueInvalid)."""
    folders = find_plan_folders(Path(path))
    if not folders:
        raise FileNotFoundError(f"{path} 中没有计划目录（含 plan.yaml 的文件夹）")
    return [read_catalogue(folder, validate_settings) for folder in folders]


def load_catalogues(session: Session, plans: list[CataloguePlan], actor: Actor) -> LoadReport:
    """Write validated plans; the caller commits (or rolls back) the session.

    What the office changed in the app is never overwritten: targets, responsible units and
    revision decisions of an indicator the office maintained, and a baseline not recorded
    by a catalogue (or the demo); the report lists each as kept (``report.kept``). A load
    that adds or changes anything is audited with its counts and changes.
    """
    require(actor, Action.LOAD_CATALOGUE)
    report = LoadReport()
    for plan in plans:
        _load_plan(session, plan, report)
    session.flush()
    if report.changed_anything:
        record(
            session,
            actor,
            Action.LOAD_CATALOGUE.value,
            entity="catalogue",
            entity_key="、".join(p.code for p in plans)[:200],
            after={
                "counts": {kind: dict(counter) for kind, counter in report.counts.items()},
                "changes": report.changes[:500],
                "kept": report.kept[:500],
            },
            detail=report.summary(),
        )
    return report


def _apply(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set attributes that differ; return the names of those changed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _upsert(
    session: Session, report: LoadReport, kind: str, existing: Any, factory: Any, values: dict, label: str
) -> Any:
    if existing is None:
        obj = factory(**values)
        session.add(obj)
        report.note(kind, "added", label)
        return obj
    changed = _apply(existing, values)
    report.note(kind, "changed" if changed else "unchanged", f"{label}（{', '.join(changed)}）")
    return existing


def _load_plan(session: Session, cat: CataloguePlan, report: LoadReport) -> None:
    plan = session.scalar(select(Plan).where(Plan.code == cat.code))
    plan = _upsert(session, report, "计划", plan, Plan, {"code": cat.code, **cat.plan_fields()}, cat.code)
    session.flush()

    units = _load_units(session, cat, report)
    # Indicators whose targets, units or revision decisions the office changed in the
    # app keep those changes: a catalogue reload updates only their descriptions.
    office_maintained = set(
        session.scalars(
            select(Indicator.code)
            .join(TargetRevision, TargetRevision.indicator_id == Indicator.id)
            .where(Indicator.plan_id == plan.id, TargetRevision.recorded_by != "catalogue")
        )
    )
    for code in sorted(office_maintained & {row.code for row in cat.indicators}):
        why = "质量办已在系统中修改，目录中的目标、分工与修订未覆盖"
        report.note("目标与责任分工", "kept", f"{code}（{why}）")
    # An adopted responsibility revision decides who is responsible.
    adopted_units = {
        rev.indicator_code: (rev.proposed_lead_units, rev.proposed_co_units)
        for rev in cat.revisions
        if rev.kind is RevisionKind.RESPONSIBILITY and rev.adopted is Adoption.YES
    }
    indicators: dict[str, Indicator] = {}
    for position, row in enumerate(cat.indicators):
        lead, co = adopted_units.get(row.code, (row.lead_units, row.co_units))
        indicators[row.code] = _load_indicator(
            session, plan, row, position, lead, co, units, report, row.code in office_maintained
        )
    session.flush()

    revisions_by_target: dict[tuple[str, str], list[RevisionRow]] = {}
    for rev in cat.revisions:
        revisions_by_target.setdefault((rev.indicator_code, rev.target_key), []).append(rev)

    targets: dict[tuple[str, str], Target] = {}
    for position, row in enumerate(cat.targets):
        adopted_change = any(
            r.adopted is Adoption.YES and r.kind in (RevisionKind.VALUE, RevisionKind.DELETE)
            for r in revisions_by_target.get((row.indicator_code, row.key), [])
        )
        targets[(row.indicator_code, row.key)] = _load_target(
            session,
            indicators[row.indicator_code],
            row,
            position,
            not adopted_change,
            report,
            row.indicator_code in office_maintained,
        )
    session.flush()

    for position, rev in enumerate(cat.revisions):
        _load_revision(
            session,
            cat,
            rev,
            position,
            indicators,
            targets,
            units,
            report,
            rev.indicator_code in office_maintained,
        )
    session.flush()
    from services.tasks import load_plan_tasks  # key tasks (重点任务) from tasks.csv

    load_plan_tasks(session, plan, cat, units, report)


def _load_units(session: Session, cat: CataloguePlan, report: LoadReport) -> dict[str, Unit]:
    by_name: dict[str, Unit] = {}
    for row in cat.units:
        unit = session.scalar(
            select(Unit).where(Unit.jurisdiction == row.jurisdiction, Unit.name == row.name)
        )
        values = {
            "jurisdiction": row.jurisdiction,
            "name": row.name,
            "kind": row.kind,
            "aliases": list(row.aliases),
        }
        by_name[row.name] = _upsert(session, report, "责任单位", unit, Unit, values, row.name)
    session.flush()
    for row in cat.units:
        parent_id = by_name[row.parent].id if row.parent else None
        if by_name[row.name].parent_id != parent_id:
            by_name[row.name].parent_id = parent_id
    return by_name


def _load_indicator(
    session: Session,
    plan: Plan,
    row: IndicatorRow,
    position: int,
    lead: tuple[str, ...],
    co: tuple[str, ...],
    units: dict[str, Unit],
    report: LoadReport,
    office_maintained: bool = False,
) -> Indicator:
    indicator = session.scalar(
        select(Indicator).where(Indicator.plan_id == plan.id, Indicator.code == row.code)
    )
    values = {
        "plan_id": plan.id,
        "code": row.code,
        "name": row.name,
        "category": row.category,
        "section": row.section,
        "measure_unit": row.measure_unit,
        "measure_kind": row.measure_kind.value,
        "direction": row.direction.value,
        "responsible_text": row.responsible_text,
        "source_text": row.source_text,
        "note": row.note,
        "position": position,
        "frequency": row.frequency.value,
        "figure_basis": row.figure_basis.value,
        "release_lag": row.release_lag,
        "whole_items": row.whole_items,
        "definition": row.definition,
        "data_source": row.data_source,
    }
    indicator = _upsert(session, report, "指标", indicator, Indicator, values, f"{row.code} {row.name}")
    session.flush()
    if not office_maintained:
        _load_responsibilities(session, indicator, lead, co, row.reporting_units, units, report)
    if row.baseline_value is not None and row.baseline_year is not None:
        latest = indicator.baselines[-1] if indicator.baselines else None
        office_value = latest is not None and latest.recorded_by not in ("catalogue", "demo")
        differs = latest is None or (latest.value, latest.year) != (row.baseline_value, row.baseline_year)
        if differs and office_value:
            report.note("基期值", "kept", f"{row.code}（现行基期值由 {latest.recorded_by} 录入，目录未覆盖）")
        elif differs:
            session.add(
                Baseline(
                    indicator_id=indicator.id,
                    value=row.baseline_value,
                    year=row.baseline_year,
                    source=row.baseline_source or "目录文件",
                    recorded_by="catalogue",
                )
            )
            report.note("基期值", "added", f"{row.code} {row.baseline_year}年 {row.baseline_value:g}")
        else:
            report.note("基期值", "unchanged")
    return indicator


def _load_responsibilities(
    session: Session,
    indicator: Indicator,
    lead: tuple[str, ...],
    co: tuple[str, ...],
    reporting: tuple[str, ...],
    units: dict[str, Unit],
    report: LoadReport,
) -> None:
    # Reporting units must be lead or co (checked by the loader); after an adopted
    # responsibility revision that dropped them, the first lead unit reports.
    reporters = (set(reporting) & set(lead + co)) or set(lead[:1])
    wanted = [(units[name].id, Role.LEAD.value, name in reporters) for name in lead]
    wanted += [(units[name].id, Role.CO.value, name in reporters) for name in co]
    current = [(r.unit_id, r.role, r.reports) for r in indicator.responsibilities]
    if current == wanted:
        report.note("责任分工", "unchanged")
        return
    for resp in list(indicator.responsibilities):
        session.delete(resp)
    session.flush()
    for position, (unit_id, role, reports) in enumerate(wanted):
        session.add(
            Responsibility(
                indicator_id=indicator.id, unit_id=unit_id, role=role, position=position, reports=reports
            )
        )
    session.expire(indicator, ["responsibilities"])
    report.note("责任分工", "changed" if current else "added", f"{indicator.code}：{'、'.join(lead + co)}")


def _target_values(row: TargetRow) -> dict[str, Any]:
    return {
        "year": row.year,
        "comparator": row.comparator.value,
        "value": row.value,
        "value_high": row.value_high,
        "basis": row.basis.value,
        "maintain": row.maintain,
        "benchmark": row.benchmark,
        "text": row.text,
        "note": row.note,
        "each_year": row.each_year,
    }


def _load_target(
    session: Session,
    indicator: Indicator,
    row: TargetRow,
    position: int,
    in_force: bool,
    report: LoadReport,
    office_maintained: bool = False,
) -> Target:
    target = session.scalar(select(Target).where(Target.indicator_id == indicator.id, Target.key == row.key))
    values = {
        "indicator_id": indicator.id,
        "key": row.key,
        **_target_values(row),
        "in_force": in_force,
        "origin": "draft",
        "position": position,
    }
    if office_maintained and target is not None:
        values = {"position": position}
    return _upsert(session, report, "目标", target, Target, values, f"{indicator.code} {row.key}")


def _load_revision(
    session: Session,
    cat: CataloguePlan,
    rev: RevisionRow,
    position: int,
    indicators: dict[str, Indicator],
    targets: dict[tuple[str, str], Target],
    units: dict[str, Unit],
    report: LoadReport,
    office_maintained: bool = False,
) -> None:
    indicator = indicators[rev.indicator_code]
    draft = targets.get((rev.indicator_code, rev.target_key))
    proposed: Target | None = None
    if rev.kind in (RevisionKind.VALUE, RevisionKind.ADD):
        key = rev.target_key if rev.kind is RevisionKind.ADD else f"{rev.target_key}@{rev.ref}"
        year = rev.proposed_year or (draft.year if draft else cat.horizon_years[-1])
        existing = session.scalar(
            select(Target).where(Target.indicator_id == indicator.id, Target.key == key)
        )
        values = {
            "indicator_id": indicator.id,
            "key": key,
            "year": year,
            "comparator": rev.proposed_comparator.value,
            "value": rev.proposed_value,
            "value_high": rev.proposed_value_high,
            "basis": draft.basis if draft else "level",
            "maintain": draft.maintain if draft else False,
            "benchmark": draft.benchmark if draft else "",
            "each_year": draft.each_year if draft else False,
            "text": rev.proposed_text,
            "note": f"征求意见建议（{rev.proposer}）",
            "in_force": rev.adopted is Adoption.YES,
            "origin": "revision",
            "position": 1000 + position,
        }
        if office_maintained and existing is not None:
            values = {"position": 1000 + position}
        proposed = _upsert(
            session, report, "目标", existing, Target, values, f"{indicator.code} {key}（建议）"
        )
        session.flush()
    existing_rev = session.scalar(
        select(TargetRevision).where(
            TargetRevision.indicator_id == indicator.id, TargetRevision.ref == rev.ref
        )
    )
    values = {
        "indicator_id": indicator.id,
        "ref": rev.ref,
        "target_id": draft.id if draft is not None and rev.kind is not RevisionKind.ADD else None,
        "kind": rev.kind.value,
        "old_text": rev.old_text,
        "proposed_text": rev.proposed_text,
        "proposed_target_id": proposed.id if proposed is not None else None,
        "proposed_lead_units": list(rev.proposed_lead_units),
        "proposed_co_units": list(rev.proposed_co_units),
        "proposer_unit_id": units[rev.proposer].id,
        "adopted": rev.adopted.value,
        "reason": rev.reason,
        "date": rev.date,
        "source": rev.source,
        "recorded_by": "catalogue",
    }
    if existing_rev is not None and existing_rev.recorded_by != "catalogue":
        report.note("目标修订", "unchanged")  # decided by the office in the app: kept
        return
    _upsert(session, report, "目标修订", existing_rev, TargetRevision, values, f"{indicator.code} {rev.ref}")
