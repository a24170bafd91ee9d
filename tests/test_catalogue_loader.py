"""The catalogue loader: idempotent, all-or-nothing, general (a third city loads)."""

from __future__ import annotations

import copy

import pytest
from catalogue_factory import INDICATORS, PLAN_YAML, REVISIONS, TARGETS, UNITS, write_catalogue
from sqlalchemy import func, select

from db.migrate import upgrade
from db.models import Baseline, Indicator, Observation, Plan, Responsibility, Target, TargetRevision, Unit
from db.queries import export_targets_rows
from db.session import read_scope, session_scope
from indicators.catalogue import CatalogueInvalid
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
    assert report.counts["指标"]["added"] == 2
    assert report.counts["目标"]["added"] == 4  # 3 draft targets + 1 proposed in a revision
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
        in_force = dict(session.execute(select(Target.key, Target.in_force)).all())
    assert in_force == {"2025": True, "2027-new": True, "2027-total": True, "2027-new@c-1": False}


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
     [["testcity/indicators.csv", 4, "code"]]),
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
