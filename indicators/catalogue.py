"""Read and validate a plan catalogue folder (format: data/catalogue/README.md).

Validation collects every problem, each with file, row and field, before
anything is written; :func:`read_catalogue` raises :class:`CatalogueInvalid`
carrying all of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from indicators.periods import Period
from indicators.vocabulary import (
    Adoption,
    Comparator,
    Direction,
    FigureBasis,
    Frequency,
    MeasureKind,
    RevisionKind,
    TargetBasis,
    UnitKind,
)

UNIT_COLUMNS = ["name", "kind", "aliases", "parent", "jurisdiction"]
INDICATOR_REQUIRED_COLUMNS = [
    "code", "name", "category", "section", "measure_unit", "measure_kind", "direction",
    "lead_units", "co_units", "reporting_units", "responsible_text", "baseline_value",
    "baseline_year", "baseline_source", "source_text", "note",
]  # fmt: skip
# Reporting metadata (optional columns: a file without them loads with the documented defaults).
INDICATOR_OPTIONAL_COLUMNS = [
    "frequency", "figure_basis", "release_lag", "whole_items", "definition", "data_source",
]  # fmt: skip
INDICATOR_COLUMNS = INDICATOR_REQUIRED_COLUMNS + INDICATOR_OPTIONAL_COLUMNS
TARGET_REQUIRED_COLUMNS = [
    "indicator_code", "key", "year", "comparator", "value", "value_high", "basis",
    "maintain", "benchmark", "text", "note",
]  # fmt: skip
TARGET_OPTIONAL_COLUMNS = ["each_year"]
TARGET_COLUMNS = TARGET_REQUIRED_COLUMNS + TARGET_OPTIONAL_COLUMNS
REVISION_COLUMNS = [
    "ref", "indicator_code", "target_key", "kind", "old_text", "proposed_text",
    "proposed_comparator", "proposed_value", "proposed_value_high", "proposed_year",
    "proposed_lead_units", "proposed_co_units", "proposer", "adopted", "reason", "date", "source",
]  # fmt: skip
PLAN_KEYS = {
    "code", "jurisdiction", "level", "title", "source_document", "baseline_year",
    "horizon_years", "first_period", "settings", "provenance_note",
}  # fmt: skip
REQUIRED_PLAN_KEYS = PLAN_KEYS - {"settings", "provenance_note"}
# Catalogue facts kept in the plan's settings JSON beside the engine settings (no column of
# their own); readers take them out before building the engine's PlanSettings.
PLAN_NOTE_SETTINGS = ("provenance_note",)
VALUE_COMPARATORS = {
    Comparator.GE, Comparator.GT, Comparator.LE, Comparator.LT, Comparator.EQ,
    Comparator.RANGE, Comparator.RANK,
}  # fmt: skip
BENCHMARK_COMPARATORS = {
    Comparator.BELOW_BENCHMARK, Comparator.ABOVE_BENCHMARK,
    Comparator.NOT_ABOVE_BENCHMARK, Comparator.NOT_BELOW_BENCHMARK,
}  # fmt: skip
# Measure units that count indivisible items: whole_items defaults to true for counts in them.
ITEM_UNITS = frozenset(["家", "个", "件", "项", "座", "所", "处", "条", "部", "名", "户", "款", "批"])
COUNT_KINDS = {MeasureKind.NEW_SINCE_BASELINE, MeasureKind.STOCK}
# Kinds whose figure is a count that may be added up or counted in whole items.
SUMMABLE_KINDS = {MeasureKind.NEW_SINCE_BASELINE, MeasureKind.STOCK, MeasureKind.LEVEL}
MAX_RELEASE_LAG = 8  # quarters (two years)
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True)
class CatalogueError:
    """One problem in a catalogue file; ``row`` counts the header as row 1."""

    file: str
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f" 第{self.row}行" if self.row else "")
        return f"{where} 字段“{self.field}”：{self.message}"


class CatalogueInvalid(ValueError):
    def __init__(self, errors: list[CatalogueError]):
        self.errors = errors
        super().__init__("目录文件有误：\n" + "\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class UnitRow:
    name: str
    kind: str
    jurisdiction: str
    aliases: tuple[str, ...] = ()
    parent: str = ""


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    category: str
    section: str
    measure_unit: str
    measure_kind: MeasureKind
    direction: Direction
    lead_units: tuple[str, ...]
    co_units: tuple[str, ...]
    reporting_units: tuple[str, ...]
    responsible_text: str
    baseline_value: float | None
    baseline_year: int | None
    baseline_source: str
    source_text: str
    note: str
    frequency: Frequency = Frequency.QUARTERLY
    figure_basis: FigureBasis = FigureBasis.LEVEL
    release_lag: int = 0
    whole_items: bool = False
    definition: str = ""
    data_source: str = ""


@dataclass(frozen=True)
class TargetRow:
    indicator_code: str
    key: str
    year: int
    comparator: Comparator
    value: float | None
    value_high: float | None
    basis: TargetBasis
    maintain: bool
    benchmark: str
    text: str
    note: str
    each_year: bool = False


@dataclass(frozen=True)
class RevisionRow:
    ref: str
    indicator_code: str
    target_key: str
    kind: RevisionKind
    old_text: str
    proposed_text: str
    proposed_comparator: Comparator | None
    proposed_value: float | None
    proposed_value_high: float | None
    proposed_year: int | None
    proposed_lead_units: tuple[str, ...]
    proposed_co_units: tuple[str, ...]
    proposer: str
    adopted: Adoption
    reason: str
    date: dt.date | None
    source: str


@dataclass
class CataloguePlan:
    """One validated plan folder."""

    folder: Path
    code: str
    jurisdiction: str
    level: str
    title: str
    source_document: str
    baseline_year: int
    horizon_years: list[int]
    first_period: Period
    settings: dict[str, Any]
    provenance_note: str = ""  # e.g. 灵璧: reconstructed from feedback quotes (shown on the catalogue page)
    units: list[UnitRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)
    revisions: list[RevisionRow] = field(default_factory=list)
    tasks: list[Any] = field(default_factory=list)  # indicators.tasks_catalogue.TaskRow (tasks.csv)

    def plan_fields(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "level": self.level,
            "title": self.title,
            "source_document": self.source_document,
            "baseline_year": self.baseline_year,
            "horizon_years": list(self.horizon_years),
            "first_period": str(self.first_period),
            "settings": stored_settings(self.settings, self.provenance_note),
        }


def stored_settings(settings: dict[str, Any], provenance_note: str = "") -> dict[str, Any]:
    """The plan's settings JSON: engine settings plus the catalogue notes (PLAN_NOTE_SETTINGS)."""
    stored = dict(settings)
    if provenance_note:
        stored["provenance_note"] = provenance_note
    return stored


def split_stored_settings(stored: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, str]]:
    """Engine settings and catalogue notes of a stored settings JSON (inverse of stored_settings)."""
    engine = dict(stored or {})
    notes = {key: str(engine.pop(key)) for key in PLAN_NOTE_SETTINGS if key in engine}
    return engine, notes


def split_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split("|") if part.strip())


class _RowReader:
    """Typed access to one CSV row that records errors instead of raising."""

    def __init__(self, file: str, row_number: int, row: dict[str, str], errors: list[CatalogueError]):
        self.file, self.row_number, self.row, self.errors = file, row_number, row, errors

    def error(self, name: str, message: str) -> None:
        self.errors.append(CatalogueError(self.file, self.row_number, name, message))

    def text(self, name: str, required: bool = False) -> str:
        value = (self.row.get(name) or "").strip()
        if required and not value:
            self.error(name, "不能为空")
        return value

    def number(self, name: str) -> float | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return float(raw)
        except ValueError:
            self.error(name, f"应为数字，实为“{raw}”")
            return None

    def integer(self, name: str, required: bool = False) -> int | None:
        raw = self.text(name, required)
        if not raw:
            return None
        if not re.fullmatch(r"\d{1,4}", raw):
            self.error(name, f"应为整数年份，实为“{raw}”")
            return None
        return int(raw)

    def choice(self, name: str, enum: type, default: Any = None, required: bool = True) -> Any:
        raw = self.text(name)
        if not raw:
            if default is not None or not required:
                return default
            self.error(name, "不能为空")
            return None
        try:
            return enum(raw)
        except ValueError:
            allowed = "、".join(str(member.value) for member in enum)
            self.error(name, f"“{raw}”不是允许的取值（{allowed}）")
            return None

    def boolean(self, name: str) -> bool:
        return bool(self.optional_boolean(name))

    def optional_boolean(self, name: str) -> bool | None:
        """True / False, or None when the cell is empty (the caller's default applies)."""
        raw = self.text(name).lower()
        if raw == "":
            return None
        if raw in ("false", "no", "0", "否"):
            return False
        if raw in ("true", "yes", "1", "是"):
            return True
        self.error(name, f"应为 true 或 false，实为“{raw}”")
        return None

    def count(self, name: str, default: int, maximum: int) -> int:
        """A whole number 0…maximum (empty: ``default``)."""
        raw = self.text(name)
        if not raw:
            return default
        if not re.fullmatch(r"\d{1,3}", raw) or int(raw) > maximum:
            self.error(name, f"应为 0–{maximum} 的整数，实为“{raw}”")
            return default
        return int(raw)

    def date(self, name: str) -> dt.date | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self.error(name, f"应为日期 YYYY-MM-DD，实为“{raw}”")
            return None


def _read_csv(
    folder: Path,
    file_name: str,
    columns: list[str],
    errors: list[CatalogueError],
    required: bool = True,
    optional: list[str] | tuple[str, ...] = (),
) -> list[_RowReader]:
    """Rows of one CSV file; ``columns`` must all be present, ``optional`` ones may be.

    Columns may come in any order. A column that is neither is refused (row 1, the column's
    name as field): a misspelt optional column would otherwise be dropped silently.
    """
    path = folder / file_name
    label = f"{folder.name}/{file_name}"
    if not path.exists():
        if required:
            errors.append(CatalogueError(label, None, "(文件)", "文件不存在"))
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        errors.append(CatalogueError(label, None, "(文件)", "不是 UTF-8 编码"))
        return []
    reader = csv.DictReader(text.splitlines())
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    known = set(columns) | set(optional)
    header_errors = []
    missing = [c for c in columns if c not in header]
    if missing:
        header_errors.append(CatalogueError(label, 1, "(表头)", "缺少列 " + "、".join(missing)))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            header_errors.append(CatalogueError(label, 1, name or "(空列名)", "列名重复"))
        elif name not in known:
            allowed = "、".join(optional) if optional else "无"
            header_errors.append(
                CatalogueError(label, 1, name or "(空列名)", f"未知的列（可选列：{allowed}）")
            )
        seen.add(name)
    if header_errors:
        errors.extend(header_errors)
        return []
    rows = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            errors.append(CatalogueError(label, number, "(整行)", "该行的列数多于表头"))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue
        rows.append(_RowReader(label, number, row, errors))
    return rows


def _read_plan_yaml(folder: Path, errors: list[CatalogueError]) -> dict[str, Any] | None:
    label = f"{folder.name}/plan.yaml"
    path = folder / "plan.yaml"
    if not path.exists():
        errors.append(CatalogueError(label, None, "(文件)", "文件不存在"))
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        errors.append(CatalogueError(label, None, "(文件)", f"无法解析：{exc}"))
        return None
    if not isinstance(data, dict):
        errors.append(CatalogueError(label, None, "(文件)", "应为键值对"))
        return None
    for key in sorted(REQUIRED_PLAN_KEYS - set(data)):
        errors.append(CatalogueError(label, None, key, "缺少必填项"))
    for key in sorted(set(data) - PLAN_KEYS):
        errors.append(CatalogueError(label, None, key, "未知的键"))
    return data


def _parse_plan(folder: Path, data: dict[str, Any], errors: list[CatalogueError]) -> CataloguePlan | None:
    label = f"{folder.name}/plan.yaml"

    def bad(key: str, message: str) -> None:
        errors.append(CatalogueError(label, None, key, message))

    code = str(data.get("code") or "")
    if code and not CODE_RE.match(code):
        bad("code", f"“{code}”应为字母、数字、下划线或短横线")
    try:
        baseline_year = int(data.get("baseline_year"))
    except (TypeError, ValueError):
        bad("baseline_year", f"应为年份，实为“{data.get('baseline_year')}”")
        baseline_year = 0
    horizon = data.get("horizon_years")
    if not isinstance(horizon, list) or not horizon or not all(isinstance(y, int) for y in horizon):
        bad("horizon_years", f"应为年份列表，如 [2025, 2027]，实为“{horizon}”")
        horizon = []
    try:
        first_period = Period.parse(str(data.get("first_period")))
    except ValueError as exc:
        bad("first_period", str(exc))
        first_period = Period(2000, 1)
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        bad("settings", "应为键值对")
        settings = {}
    provenance_note = data.get("provenance_note") or ""
    if not isinstance(provenance_note, str):
        bad("provenance_note", "应为一段文字")
        provenance_note = ""
    if any(e.file == label for e in errors):
        return None
    return CataloguePlan(
        folder=folder,
        code=code,
        jurisdiction=str(data["jurisdiction"]).strip(),
        level=str(data["level"]).strip(),
        title=str(data["title"]).strip(),
        source_document=str(data["source_document"]).strip(),
        baseline_year=baseline_year,
        horizon_years=sorted(horizon),
        first_period=first_period,
        settings=settings,
        provenance_note=provenance_note.strip(),
    )


def _check_unique(rows: list[_RowReader], key: Callable[[_RowReader], Any], name: str) -> None:
    seen: dict[Any, int] = {}
    for row in rows:
        value = key(row)
        if value in seen:
            row.error(name, f"与第{seen[value]}行重复：“{value}”")
        else:
            seen[value] = row.row_number


def read_catalogue(folder: Path, validate_settings: Callable[[dict], None] | None = None) -> CataloguePlan:
    """Read and validate one plan folder; raise :class:`CatalogueInvalid` with every problem."""
    folder = Path(folder)
    errors: list[CatalogueError] = []
    data = _read_plan_yaml(folder, errors)
    plan = _parse_plan(folder, data, errors) if data is not None and not errors else None
    if plan is not None and validate_settings is not None:
        try:
            validate_settings(plan.settings)
        except (TypeError, ValueError) as exc:
            errors.append(CatalogueError(f"{folder.name}/plan.yaml", None, "settings", str(exc)))

    unit_rows = _read_csv(folder, "units.csv", UNIT_COLUMNS, errors)
    indicator_rows = _read_csv(
        folder, "indicators.csv", INDICATOR_REQUIRED_COLUMNS, errors, optional=INDICATOR_OPTIONAL_COLUMNS
    )
    target_rows = _read_csv(
        folder, "targets.csv", TARGET_REQUIRED_COLUMNS, errors, optional=TARGET_OPTIONAL_COLUMNS
    )
    revision_rows = _read_csv(folder, "revisions.csv", REVISION_COLUMNS, errors, required=False)
    jurisdiction = plan.jurisdiction if plan else ""

    units = _parse_units(unit_rows, jurisdiction)
    known_units: dict[str, str] = {}
    for unit in units:
        known_units[unit.name] = unit.name
        for alias in unit.aliases:
            known_units.setdefault(alias, unit.name)
    for unit, row in zip(units, unit_rows, strict=True):
        if unit.parent and unit.parent not in known_units:
            row.error("parent", f"上级单位“{unit.parent}”不在 units.csv 中")

    def resolve_units(row: _RowReader, name: str) -> tuple[str, ...]:
        names = split_list(row.text(name))
        for unit_name in names:
            if unit_name not in known_units:
                row.error(name, f"单位“{unit_name}”不在 units.csv 中")
        return tuple(known_units.get(n, n) for n in names)

    indicators = [_parse_indicator(row, resolve_units) for row in indicator_rows]
    _check_unique(indicator_rows, lambda r: r.text("code"), "code")
    # An unreadable indicators.csv (its header refused) is reported once, not as every
    # target and revision naming an unknown indicator.
    indicators_unreadable = any(e.file.endswith("indicators.csv") and (e.row or 1) == 1 for e in errors)
    codes = None if indicators_unreadable else {ind.code for ind in indicators}
    kinds = None if indicators_unreadable else {ind.code: ind.measure_kind for ind in indicators}
    targets = [_parse_target(row, kinds) for row in target_rows]
    _check_unique(target_rows, lambda r: (r.text("indicator_code"), r.text("key")), "key")
    target_keys = {(t.indicator_code, t.key) for t in targets}
    targets_unreadable = any(e.file.endswith("targets.csv") and (e.row or 1) == 1 for e in errors)
    revisions = [
        _parse_revision(row, codes, None if targets_unreadable else target_keys, resolve_units, known_units)
        for row in revision_rows
    ]
    _check_unique(revision_rows, lambda r: (r.text("indicator_code"), r.text("ref")), "ref")
    from indicators.tasks_catalogue import read_tasks  # key tasks (重点任务), optional tasks.csv

    milestone_codes = None  # indicators whose every target is a one-off milestone (tasks' completed_by)
    if codes is not None and not targets_unreadable:
        by_indicator: dict[str, list] = {}
        for t in targets:
            by_indicator.setdefault(t.indicator_code, []).append(t)
        milestone_codes = {
            code
            for code, ts in by_indicator.items()
            if all(t.comparator is Comparator.MILESTONE and not t.each_year for t in ts)
        }
    tasks = read_tasks(folder, _read_csv, errors, resolve_units, codes, split_list, milestone_codes)

    if errors:
        raise CatalogueInvalid(errors)
    assert plan is not None
    plan.units, plan.indicators, plan.targets, plan.revisions = units, indicators, targets, revisions
    plan.tasks = tasks
    return plan


def _parse_units(rows: list[_RowReader], jurisdiction: str) -> list[UnitRow]:
    units = []
    for row in rows:
        kind = row.text("kind", required=True)
        if kind and kind not in {k.value for k in UnitKind}:
            row.error("kind", f"“{kind}”不是允许的取值（{'、'.join(k.value for k in UnitKind)}）")
        units.append(
            UnitRow(
                name=row.text("name", required=True),
                kind=kind,
                jurisdiction=row.text("jurisdiction") or jurisdiction,
                aliases=split_list(row.text("aliases")),
                parent=row.text("parent"),
            )
        )
    _check_unique(rows, lambda r: (r.text("jurisdiction") or jurisdiction, r.text("name")), "name")
    return units


def _parse_indicator(
    row: _RowReader, resolve_units: Callable[[_RowReader, str], tuple[str, ...]]
) -> IndicatorRow:
    code = row.text("code", required=True)
    if code and not CODE_RE.match(code):
        row.error("code", f"“{code}”应为字母、数字、下划线或短横线，最长40个字符")
    lead = resolve_units(row, "lead_units")
    if not lead:
        row.error("lead_units", "至少需要一个牵头单位")
    co = resolve_units(row, "co_units")
    reporting = resolve_units(row, "reporting_units")
    for unit_name in reporting:
        if unit_name not in lead and unit_name not in co:
            row.error("reporting_units", f"填报单位“{unit_name}”既不是牵头单位也不是配合单位")
    kind = row.choice("measure_kind", MeasureKind)
    measure_unit = row.text("measure_unit")
    baseline_value = row.number("baseline_value")
    baseline_year = row.integer("baseline_year")
    if (baseline_value is None) != (baseline_year is None):
        row.error("baseline_year", "基期值与基期年份须同时填写或同时留空")
    if kind is MeasureKind.RATE and baseline_value is not None and not 0 <= baseline_value <= 100:
        row.error(
            "baseline_value",
            f"比率的基期值应在 0–100 之间，实为 {baseline_value:g}（可为负的变动率请用 change）",
        )
    frequency = row.choice("frequency", Frequency, default=Frequency.QUARTERLY)
    basis = _figure_basis(row, kind)
    whole = row.optional_boolean("whole_items")
    if whole is None:
        whole = kind in COUNT_KINDS and measure_unit in ITEM_UNITS
    elif whole and kind is not None and kind not in SUMMABLE_KINDS:
        row.error(
            "whole_items",
            f"整数计数只适用于计数类指标（new_since_baseline、stock、level），本指标为 {kind.value}",
        )
    return IndicatorRow(
        code=code,
        name=row.text("name", required=True),
        category=row.text("category", required=True),
        section=row.text("section"),
        measure_unit=measure_unit,
        measure_kind=kind,
        direction=row.choice("direction", Direction, default=Direction.HIGHER),
        lead_units=lead,
        co_units=co,
        reporting_units=reporting,
        responsible_text=row.text("responsible_text"),
        baseline_value=baseline_value,
        baseline_year=baseline_year,
        baseline_source=row.text("baseline_source"),
        source_text=row.text("source_text"),
        note=row.text("note"),
        frequency=frequency,
        figure_basis=basis,
        release_lag=row.count("release_lag", 0, MAX_RELEASE_LAG),
        whole_items=bool(whole),
        definition=row.text("definition"),
        data_source=row.text("data_source"),
    )


def _figure_basis(row: _RowReader, kind: MeasureKind | None) -> FigureBasis | None:
    """``figure_basis`` with its default (cumulative for new_since_baseline, else level).

    Only counts may be added up (cumulative, flow); a rate may be a year-to-date rate
    (覆盖率 restarting each year); ranks and milestones are levels.
    """
    default = FigureBasis.CUMULATIVE if kind is MeasureKind.NEW_SINCE_BASELINE else FigureBasis.LEVEL
    basis = row.choice("figure_basis", FigureBasis, default=default)
    if basis is None or kind is None or basis is FigureBasis.LEVEL:
        return basis
    if basis is FigureBasis.YTD and kind not in SUMMABLE_KINDS | {MeasureKind.RATE}:
        row.error("figure_basis", f"年内累计数（ytd）只适用于计数类或比率指标，本指标为 {kind.value}")
    elif basis in (FigureBasis.CUMULATIVE, FigureBasis.FLOW) and kind not in SUMMABLE_KINDS:
        row.error("figure_basis", f"{basis.value} 只适用于可相加的计数类指标，本指标为 {kind.value}")
    return basis


def _check_target_values(
    row: _RowReader, comparator: Comparator | None, value: float | None, high: float | None, prefix: str = ""
) -> None:
    if comparator is Comparator.RANGE:
        if value is None or high is None:
            row.error(f"{prefix}value_high", "区间目标须同时填写下限与上限")
        elif high < value:
            row.error(f"{prefix}value_high", f"上限 {high:g} 小于下限 {value:g}")
    elif high is not None:
        row.error(f"{prefix}value_high", "只有区间目标（range）可以填写上限")
    if (
        comparator is Comparator.RANK
        and value is not None
        and not (0 < value <= 1 or (value > 1 and value == int(value)))
    ):
        row.error(
            f"{prefix}value",
            "位次目标应为前列比例（0–1，中上位次为 0.5）或位次本身（大于1的整数，前5位为 5），"
            f"实为 {value:g}",
        )
    if comparator is Comparator.MILESTONE and value is not None:
        row.error(f"{prefix}value", "里程碑目标不填数值")


def _check_rate_values(
    row: _RowReader, kind: MeasureKind | None, basis: TargetBasis | None, values: dict[str, float | None]
) -> None:
    """A rate's target level lies in 0–100 (a change rate that may be negative is kind ``change``)."""
    if kind is not MeasureKind.RATE or basis is TargetBasis.INCREASE:
        return
    for name, value in values.items():
        if value is not None and not 0 <= value <= 100:
            row.error(name, f"比率目标应在 0–100 之间，实为 {value:g}（可为负的变动率请用 change）")


def _parse_target(row: _RowReader, kinds: dict[str, MeasureKind | None] | None) -> TargetRow:
    code = row.text("indicator_code", required=True)
    if code and kinds is not None and code not in kinds:
        row.error("indicator_code", f"指标代码“{code}”不在 indicators.csv 中")
    comparator = row.choice("comparator", Comparator)
    value, high = row.number("value"), row.number("value_high")
    _check_target_values(row, comparator, value, high)
    basis = row.choice("basis", TargetBasis, default=TargetBasis.LEVEL)
    _check_rate_values(row, (kinds or {}).get(code), basis, {"value": value, "value_high": high})
    benchmark = row.text("benchmark")
    if comparator in BENCHMARK_COMPARATORS and not benchmark:
        row.error("benchmark", "相对基准的目标须写明基准（如 全省平均、省控目标）")
    maintain = row.boolean("maintain")
    each_year = row.boolean("each_year")
    if each_year and comparator is not Comparator.MILESTONE and not maintain:
        row.error("each_year", "“每年”只适用于里程碑目标或保持类目标（maintain 为 true）")
    return TargetRow(
        indicator_code=code,
        key=row.text("key", required=True),
        year=row.integer("year", required=True) or 0,
        comparator=comparator,
        value=value,
        value_high=high,
        basis=basis,
        maintain=maintain,
        benchmark=benchmark,
        text=row.text("text"),
        note=row.text("note"),
        each_year=each_year,
    )


def _parse_revision(
    row: _RowReader,
    codes: set[str] | None,
    target_keys: set[tuple[str, str]] | None,
    resolve_units: Callable[[_RowReader, str], tuple[str, ...]],
    known_units: dict[str, str],
) -> RevisionRow:
    code = row.text("indicator_code", required=True)
    if code and codes is not None and code not in codes:
        row.error("indicator_code", f"指标代码“{code}”不在 indicators.csv 中")
    kind = row.choice("kind", RevisionKind)
    target_key = row.text("target_key")
    needs_existing = kind in (RevisionKind.VALUE, RevisionKind.DELETE)
    if needs_existing and target_keys is not None and (code, target_key) not in target_keys:
        row.error("target_key", f"指标“{code}”没有键为“{target_key}”的目标")
    if kind is RevisionKind.ADD:
        if not target_key:
            row.error("target_key", "新增目标须给出新目标的键")
        elif target_keys is not None and (code, target_key) in target_keys:
            row.error("target_key", f"目标键“{target_key}”已存在，新增目标须用新键")
    comparator = row.choice("proposed_comparator", Comparator, required=False)
    value, high = row.number("proposed_value"), row.number("proposed_value_high")
    if kind in (RevisionKind.VALUE, RevisionKind.ADD) and comparator is None:
        row.error("proposed_comparator", "修改或新增目标须给出建议的比较方式")
    _check_target_values(row, comparator, value, high, prefix="proposed_")
    lead = resolve_units(row, "proposed_lead_units")
    co = resolve_units(row, "proposed_co_units")
    if kind is RevisionKind.RESPONSIBILITY and not lead and not co:
        row.error("proposed_lead_units", "责任单位修改须给出建议的牵头或配合单位")
    proposer = row.text("proposer", required=True)
    if proposer and proposer not in known_units:
        row.error("proposer", f"提出单位“{proposer}”不在 units.csv 中")
    return RevisionRow(
        ref=row.text("ref", required=True),
        indicator_code=code,
        target_key=target_key,
        kind=kind,
        old_text=row.text("old_text"),
        proposed_text=row.text("proposed_text"),
        proposed_comparator=comparator,
        proposed_value=value,
        proposed_value_high=high,
        proposed_year=row.integer("proposed_year"),
        proposed_lead_units=lead,
        proposed_co_units=co,
        proposer=known_units.get(proposer, proposer),
        adopted=row.choice("adopted", Adoption, default=Adoption.UNKNOWN),
        reason=row.text("reason"),
        date=row.date("date"),
        source=row.text("source"),
    )


def find_plan_folders(path: Path) -> list[Path]:
    """``path`` itself if it holds a plan.yaml, else its sub-folders that do (sorted)."""
    path = Path(path)
    if (path / "plan.yaml").exists():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and (p / "plan.yaml").exists())
