"""The catalogue loader: idempotent, all-or-nothing, general (a third city loads)."""

from __future__ import annotations

import copy

import pytest
from catalogue_factory import INDICATORS, PLAN_YAML, REVISIONS, TARGETS, UNITS, write_catalogue
from sqlalchemy import func, select

from db.migrate import upgrade
from db.models import Baseline, Indicator, Observation, Plan, Responsibility, Target, TargetRevision, Unit
from db.queries import catalogue_rows, export_targets_rows, get_plan, load_plan_data
from db.session import read_scope, session_scope
from indicators.catalogue import (
    INDICATOR_COLUMNS,
    INDICATOR_REQUIRED_COLUMNS,
    TARGET_COLUMNS,
    TARGET_REQUIRED_COLUMNS,
    CatalogueInvalid,
)
from indicators.vocabulary import FigureBasis, Frequency, MeasureKind
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.catalogue import load_catalogues, read_catalogues

TABLES = [Plan, Unit, Indicator, Target, Baseline, Responsibility, TargetRevision, Observation]


def table_counts(url: str) -> dict[str, int]:
    with read_scope(url) as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def load(url: str, root) -> object:
    with session_scope(url) as session:
        return load_catalogues(session, read_catalogues(root), system_actor())


def test_third_city_loads_with_targets_revisions_and_units(schema_url, tmp_path):
    write_catalogue(tmp_path)
    report = load(schema_url, tmp_path)
    assert report.counts["指标"]["added"] == 6
    assert report.counts["目标"]["added"] == 8  # 7 draft targets + 1 proposed in a revision
    with read_scope(schema_url) as session:
        rows = [r for r in export_targets_rows(session, "testcity") if r["indicator_code"] == "T-02"]
    assert [(r["year"], r["comparator"], r["value"]) for r in rows] == [
        ("2027", "increase:ge", "45"),
        ("2027", "ge", "110"),
        ("2027", "increase:ge", "40"),
    ]
    proposal = rows[2]
    assert proposal["revised_from"] == "新增45件以上"
    assert proposal["revision_proposer"] == "测试市农业农村局"
    assert proposal["revision_adopted"] == "unknown"
    assert rows[0]["lead_units"] == "测试市市场监管局"
    assert rows[0]["co_units"] == "测试市农业农村局"
    with session_scope(schema_url) as session:
        baseline = session.scalars(select(Baseline)).one()
        assert (baseline.value, baseline.year) == (96.5, 2023)
        in_force = {
            (code, key): flag
            for code, key, flag in session.execute(
                select(Indicator.code, Target.key, Target.in_force).join(Indicator)
            )
        }
    assert in_force == {
        ("T-01", "2025"): True,
        ("T-02", "2027-new"): True,
        ("T-02", "2027-total"): True,
        ("T-02", "2027-new@c-1"): False,
        ("T-03", "2025"): True,
        ("T-04", "2025"): True,
        ("T-05", "2027"): True,
        ("T-06", "2027"): True,
    }


# code: frequency, figure_basis, release_lag, whole_items, definition, data_source (hand-read off
# catalogue_factory: explicit values, or the documented default where the cell is empty)
EXPECTED_METADATA = {
    "T-01": ("quarterly", "level", 0, False, "合格批次÷抽查批次×100%", "市场监管局抽查结果"),
    "T-02": ("half_yearly", "level", 0, True, "", ""),  # stock in 件: whole items by default
    "T-03": ("quarterly", "flow", 0, True, "", ""),  # new_since_baseline in 家
    "T-04": ("quarterly", "ytd", 0, False, "", ""),
    "T-05": ("annual", "cumulative", 2, True, "当年新认定的示范县区个数，累计", "省级年度通报"),
    "T-06": ("quarterly", "level", 0, False, "", ""),
}
# the same plan without the optional columns: every row takes the documented defaults
EXPECTED_DEFAULTS = {
    "T-01": ("quarterly", "level", 0, False, "", ""),
    "T-02": ("quarterly", "level", 0, True, "", ""),
    "T-03": ("quarterly", "cumulative", 0, True, "", ""),
    "T-04": ("quarterly", "level", 0, False, "", ""),
    "T-05": ("quarterly", "cumulative", 0, True, "", ""),
    "T-06": ("quarterly", "level", 0, False, "", ""),
}


def stored_metadata(url: str) -> dict[str, tuple]:
    with read_scope(url) as session:
        return {
            i.code: (i.frequency, i.figure_basis, i.release_lag, i.whole_items, i.definition, i.data_source)
            for i in session.scalars(select(Indicator))
        }


def stored_each_year(url: str) -> dict[tuple[str, str], bool]:
    with read_scope(url) as session:
        rows = session.execute(select(Indicator.code, Target.key, Target.each_year).join(Indicator))
        return {(code, key): flag for code, key, flag in rows}


def test_made_up_plan_uses_every_basis_and_frequency_from_data_alone(schema_url, tmp_path):
    write_catalogue(tmp_path)
    load(schema_url, tmp_path)
    stored = stored_metadata(schema_url)
    assert stored == EXPECTED_METADATA
    assert {m[1] for m in stored.values()} == {b.value for b in FigureBasis}
    assert {m[0] for m in stored.values()} == {f.value for f in Frequency}
    assert [k for k, flag in stored_each_year(schema_url).items() if flag] == [("T-06", "2027")]
    # the engine's inputs and the catalogue page carry the same metadata
    with read_scope(schema_url) as session:
        _, data = load_plan_data(session, "testcity")
        rows = {r["code"]: r for r in catalogue_rows(session, "testcity")}
        plan = get_plan(session, "testcity")
        reports = session.execute(
            select(Unit.name).join(Responsibility).join(Indicator)
            .where(Indicator.code == "T-05", Responsibility.reports.is_(True))
        ).scalars().all()  # fmt: skip
    specs = {d.spec.code: d.spec for d in data}
    for code, (frequency, basis, lag, whole, definition, source) in EXPECTED_METADATA.items():
        spec = specs[code]
        assert (spec.frequency, spec.figure_basis, spec.release_lag, spec.whole_items) == (
            Frequency(frequency),
            FigureBasis(basis),
            lag,
            whole,
        )
        assert (spec.definition, spec.data_source) == (definition, source)
        row = rows[code]
        assert (row["frequency"], row["figure_basis"], row["release_lag"], row["whole_items"]) == (
            frequency,
            basis,
            lag,
            whole,
        )
        assert (row["definition"], row["data_source"]) == (definition, source)
    assert [t.each_year for t in specs["T-06"].targets] == [True]
    assert [t.each_year for t in specs["T-04"].targets] == [False]
    assert specs["T-05"].reporters == ("甲县",) and reports == ["甲县"]
    assert plan.provenance_note == ""


def test_plan_without_the_new_columns_loads_with_the_documented_defaults(schema_url, tmp_path):
    folder = write_catalogue(
        tmp_path, indicator_columns=INDICATOR_REQUIRED_COLUMNS, target_columns=TARGET_REQUIRED_COLUMNS
    )
    header = (folder / "indicators.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "frequency" not in header and "each_year" not in (folder / "targets.csv").read_text("utf-8")
    load(schema_url, tmp_path)
    assert stored_metadata(schema_url) == EXPECTED_DEFAULTS
    assert not any(stored_each_year(schema_url).values())
    report = load(schema_url, tmp_path)
    assert not report.changed_anything, report.changes


def test_a_changed_metadata_field_is_reported_as_changed(schema_url, tmp_path):
    write_catalogue(tmp_path)
    load(schema_url, tmp_path)
    indicators = _with(INDICATORS, 0, frequency="annual", release_lag="2", data_source="统计局年报")
    targets = _with(TARGETS, 6, each_year="false")
    write_catalogue(tmp_path, indicators=indicators, targets=targets)
    before = table_counts(schema_url)
    report = load(schema_url, tmp_path)
    assert report.counts["指标"]["changed"] == 1
    assert report.counts["目标"]["changed"] == 1
    line = next(line for line in report.changes if "T-01" in line)
    assert "frequency" in line and "release_lag" in line and "data_source" in line
    assert any("T-06 2027" in line and "each_year" in line for line in report.changes)
    assert stored_metadata(schema_url)["T-01"][:3] == ("annual", "level", 2)
    assert table_counts(schema_url) == before
    assert not load(schema_url, tmp_path).changed_anything


PROMISED_INDICATORS = [
    {"code": "M-RANK", "name": "公共服务质量监测全省位次", "category": "服务质量", "measure_kind": "rank",
     "direction": "lower", "lead_units": "测试市市场监管局"},
    {"code": "M-SCORE", "name": "公共服务满意度", "category": "服务质量", "measure_unit": "分",
     "measure_kind": "score", "lead_units": "测试市市场监管局", "frequency": "annual", "release_lag": "1"},
    {"code": "M-RATIO", "name": "万台特种设备事故死亡率", "category": "产品质量", "measure_unit": "人/万台",
     "measure_kind": "ratio", "direction": "lower", "lead_units": "测试市市场监管局"},
    {"code": "M-CHANGE", "name": "单位GDP能耗下降率", "category": "环境质量", "measure_unit": "%",
     "measure_kind": "change", "lead_units": "测试市市场监管局", "baseline_value": "-1.5",
     "baseline_year": "2023", "baseline_source": "统计公报", "frequency": "annual", "release_lag": "2"},
    {"code": "M-BENCH", "name": "主要污染物排放", "category": "环境质量", "measure_kind": "level",
     "direction": "lower", "lead_units": "测试市市场监管局"},
]  # fmt: skip
PROMISED_TARGETS = [
    {"indicator_code": "M-RANK", "key": "2025", "year": "2025", "comparator": "rank", "value": "5", "text": "前5位"},
    {"indicator_code": "M-RANK", "key": "2027", "year": "2027", "comparator": "rank", "value": "0.5",
     "text": "中上位次"},
    {"indicator_code": "M-SCORE", "key": "2025", "year": "2025", "comparator": "ge", "value": "85", "text": "85分以上"},
    {"indicator_code": "M-RATIO", "key": "2025", "year": "2025", "comparator": "below_benchmark",
     "benchmark": "全省平均", "text": "低于全省平均"},
    {"indicator_code": "M-CHANGE", "key": "2025", "year": "2025", "comparator": "ge", "value": "-0.5",
     "text": "降幅不低于-0.5%"},
    {"indicator_code": "M-BENCH", "key": "2025", "year": "2025", "comparator": "not_above_benchmark",
     "benchmark": "省控目标", "text": "达省控目标"},
    {"indicator_code": "M-BENCH", "key": "2027", "year": "2027", "comparator": "not_below_benchmark",
     "benchmark": "全省平均", "text": "不低于全省平均"},
]  # fmt: skip


def test_what_the_methodology_promises_loads(schema_url, tmp_path):
    """A rank given as the rank itself, a score, a ratio, a negative change, not-above/below benchmarks."""
    write_catalogue(tmp_path, indicators=PROMISED_INDICATORS, targets=PROMISED_TARGETS, revisions=[])
    load(schema_url, tmp_path)
    with read_scope(schema_url) as session:
        rows = export_targets_rows(session, "testcity")
        _, data = load_plan_data(session, "testcity")
    assert [(r["indicator_code"], r["comparator"], r["value"]) for r in rows] == [
        ("M-RANK", "rank", "5"),
        ("M-RANK", "rank", "0.5"),
        ("M-SCORE", "ge", "85"),
        ("M-RATIO", "below_benchmark", ""),
        ("M-CHANGE", "ge", "-0.5"),
        ("M-BENCH", "not_above_benchmark", ""),
        ("M-BENCH", "not_below_benchmark", ""),
    ]
    specs = {d.spec.code: d.spec for d in data}
    assert [specs[c].measure_kind for c in ("M-RANK", "M-SCORE", "M-RATIO", "M-CHANGE")] == [
        MeasureKind.RANK,
        MeasureKind.SCORE,
        MeasureKind.RATIO,
        MeasureKind.CHANGE,
    ]
    assert specs["M-CHANGE"].baseline.value == -1.5
    assert specs["M-BENCH"].targets[0].benchmark == "省控目标"


def test_provenance_note_is_stored_apart_from_the_engine_settings(schema_url, tmp_path):
    note = "本计划据反馈意见引文重建，以正式文件为准。"
    plan_yaml = PLAN_YAML + f'provenance_note: "{note}"\nsettings:\n  on_track_ratio: 0.9\n'
    write_catalogue(tmp_path, plan_yaml=plan_yaml)
    load(schema_url, tmp_path)
    with read_scope(schema_url) as session:
        plan = get_plan(session, "testcity")
        stored = session.scalars(select(Plan.settings)).one()
    assert plan.provenance_note == note
    assert plan.settings.on_track_ratio == 0.9
    assert stored == {"on_track_ratio": 0.9, "provenance_note": note}
    assert not load(schema_url, tmp_path).changed_anything


def test_loading_twice_changes_nothing(schema_url, tmp_path):
    write_catalogue(tmp_path)
    load(schema_url, tmp_path)
    before = table_counts(schema_url)
    report = load(schema_url, tmp_path)
    assert not report.changed_anything, report.changes
    assert table_counts(schema_url) == before


def test_an_edited_target_is_reported_as_changed(schema_url, tmp_path):
    write_catalogue(tmp_path)
    load(schema_url, tmp_path)
    targets = copy.deepcopy(TARGETS)
    targets[0]["value"] = "98.5"
    write_catalogue(tmp_path, targets=targets)
    report = load(schema_url, tmp_path)
    assert report.counts["目标"]["changed"] == 1
    assert any("T-01 2025" in line for line in report.changes)


def test_adopted_revision_puts_the_proposal_in_force(schema_url, tmp_path):
    revisions = copy.deepcopy(REVISIONS)
    revisions[0]["adopted"] = "yes"
    write_catalogue(tmp_path, revisions=revisions)
    load(schema_url, tmp_path)
    with session_scope(schema_url) as session:
        in_force = dict(session.execute(select(Target.key, Target.in_force)).all())
    assert in_force["2027-new"] is False
    assert in_force["2027-new@c-1"] is True


def test_same_unit_name_in_two_jurisdictions(schema_url, tmp_path):
    write_catalogue(tmp_path / "a")
    other_yaml = PLAN_YAML.replace("testcity", "othercity").replace("测试市", "另一县")
    units = [dict(u) for u in UNITS] + [{"name": "县农业农村局", "kind": "部门"}]
    write_catalogue(tmp_path / "b", units=units, plan_yaml=other_yaml)
    (tmp_path / "b" / "testcity").rename(tmp_path / "b" / "othercity")
    load(schema_url, tmp_path / "a")
    load(schema_url, tmp_path / "b")
    with session_scope(schema_url) as session:
        names = session.execute(
            select(Unit.jurisdiction, Unit.name).where(Unit.name == "测试市市场监管局")
        ).all()
    assert sorted(names) == [("另一县", "测试市市场监管局"), ("测试市", "测试市市场监管局")]


def _with(rows, index, **changes):
    rows = copy.deepcopy(rows)
    rows[index].update(changes)
    return rows


MALFORMED = [
    ("bad comparator", {"targets": _with(TARGETS, 0, comparator="atleast")}, [["testcity/targets.csv", 2, "comparator"]]),
    ("unknown unit", {"indicators": _with(INDICATORS, 1, co_units="不存在局")}, [["testcity/indicators.csv", 3, "co_units"]]),
    ("target of unknown indicator", {"targets": _with(TARGETS, 2, indicator_code="T-99")},
     [["testcity/targets.csv", 4, "indicator_code"]]),
    ("range without high", {"targets": _with(TARGETS, 0, comparator="range")}, [["testcity/targets.csv", 2, "value_high"]]),
    ("non-numeric value", {"targets": _with(TARGETS, 1, value="四十五")}, [["testcity/targets.csv", 3, "value"]]),
    ("duplicate indicator code", {"indicators": INDICATORS + [dict(INDICATORS[0], name="重复")]},
     [["testcity/indicators.csv", 8, "code"]]),
    ("baseline without year", {"indicators": _with(INDICATORS, 0, baseline_year="")},
     [["testcity/indicators.csv", 2, "baseline_year"]]),
    ("revision of unknown target", {"revisions": _with(REVISIONS, 0, target_key="2030")},
     [["testcity/revisions.csv", 2, "target_key"]]),
    ("unknown proposer and bad date", {"revisions": _with(REVISIONS, 0, proposer="某局", date="2024/1/5")},
     [["testcity/revisions.csv", 2, "proposer"], ["testcity/revisions.csv", 2, "date"]]),
    ("bad plan yaml", {"plan_yaml": PLAN_YAML.replace("first_period: 2024Q1", "first_period: 2024年春")},
     [["testcity/plan.yaml", None, "first_period"]]),
    ("unknown plan setting", {"plan_yaml": PLAN_YAML + "settings:\n  on_track: 0.9\n"},
     [["testcity/plan.yaml", None, "settings"]]),
    ("unknown plan key", {"plan_yaml": PLAN_YAML + "provenance: 重建\n"}, [["testcity/plan.yaml", None, "provenance"]]),
    ("unknown indicator column", {"indicator_columns": INDICATOR_COLUMNS + ["frequncy"]},
     [["testcity/indicators.csv", 1, "frequncy"]]),
    ("unknown target column", {"target_columns": TARGET_COLUMNS + ["每年"]}, [["testcity/targets.csv", 1, "每年"]]),
    ("reporting unit neither lead nor co", {"indicators": _with(INDICATORS, 0, reporting_units="测试市农业农村局")},
     [["testcity/indicators.csv", 2, "reporting_units"]]),
    ("bad frequency", {"indicators": _with(INDICATORS, 1, frequency="monthly")},
     [["testcity/indicators.csv", 3, "frequency"]]),
    ("bad figure basis", {"indicators": _with(INDICATORS, 2, figure_basis="sum")},
     [["testcity/indicators.csv", 4, "figure_basis"]]),
    ("flow on a rate", {"indicators": _with(INDICATORS, 0, figure_basis="flow")},
     [["testcity/indicators.csv", 2, "figure_basis"]]),
    ("negative release lag", {"indicators": _with(INDICATORS, 4, release_lag="-1")},
     [["testcity/indicators.csv", 6, "release_lag"]]),
    ("whole items on a rate", {"indicators": _with(INDICATORS, 3, whole_items="true")},
     [["testcity/indicators.csv", 5, "whole_items"]]),
    ("bad whole items", {"indicators": _with(INDICATORS, 1, whole_items="是的")},
     [["testcity/indicators.csv", 3, "whole_items"]]),
    ("each year on a plain target", {"targets": _with(TARGETS, 0, each_year="true")},
     [["testcity/targets.csv", 2, "each_year"]]),
    ("rank neither share nor rank", {"targets": _with(TARGETS, 0, comparator="rank", value="2.5")},
     [["testcity/targets.csv", 2, "value"]]),
    ("rate target above 100", {"targets": _with(TARGETS, 0, value="120")}, [["testcity/targets.csv", 2, "value"]]),
    ("rate baseline below 0", {"indicators": _with(INDICATORS, 0, baseline_value="-3")},
     [["testcity/indicators.csv", 2, "baseline_value"]]),
    ("not-above benchmark without benchmark", {"targets": _with(TARGETS, 0, comparator="not_above_benchmark", value="")},
     [["testcity/targets.csv", 2, "benchmark"]]),
]  # fmt: skip


@pytest.mark.parametrize("label,changes,expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_catalogue_is_refused_and_nothing_changes(schema_url, tmp_path, label, changes, expected):
    write_catalogue(tmp_path / "good")
    load(schema_url, tmp_path / "good")
    before = table_counts(schema_url)
    write_catalogue(tmp_path / "bad", **changes)
    with pytest.raises(CatalogueInvalid) as info:
        load(schema_url, tmp_path / "bad")
    assert [[e.file, e.row, e.field] for e in info.value.errors] == expected
    assert table_counts(schema_url) == before


def test_malformed_header_names_the_missing_column(tmp_path):
    folder = write_catalogue(tmp_path)
    text = (folder / "targets.csv").read_text(encoding="utf-8").replace("comparator,", "", 1)
    (folder / "targets.csv").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueInvalid) as info:
        read_catalogues(tmp_path)
    assert [[e.file, e.row, e.field] for e in info.value.errors] == [["testcity/targets.csv", 1, "(表头)"]]
    assert "comparator" in info.value.errors[0].message


def test_viewer_may_not_load_a_catalogue(schema_url, tmp_path):
    write_catalogue(tmp_path)
    with pytest.raises(PermissionDenied), session_scope(schema_url) as session:
        load_catalogues(session, read_catalogues(tmp_path), Actor("leader", ActorRole.VIEWER))
    assert table_counts(schema_url)["plans"] == 0


def test_schema_upgrade_is_repeatable(db_url):
    upgrade(db_url)
    upgrade(db_url)
    assert table_counts(db_url)["plans"] == 0
