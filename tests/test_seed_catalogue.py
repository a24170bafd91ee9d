"""The two seed plans as loaded: targets, revisions and units as the documents state them.

Expected values here are read off the documents in shared/seeds by hand.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from db.queries import export_targets_rows, get_plan, revision_rows
from db.session import read_scope
from indicators.vocabulary import FigureBasis, Frequency
from services.catalogue import CATALOGUE_DIR, read_catalogues

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """``manage.py init-db`` then ``export-targets`` on a fresh SQLite file, as a user runs them."""
    db = tmp_path_factory.mktemp("seed") / "seed.db"
    env = {"DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "manage.py", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "export-targets"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return list(csv.DictReader(io.StringIO(out)))


def rows_of(export, code):
    return [r for r in export if r["indicator_code"] == code]


def test_export_header_is_exactly_the_documented_one(export):
    assert ",".join(export[0].keys()) == (
        "plan,indicator_code,indicator,category,year,comparator,value,value_high,measure_unit,"
        "lead_units,co_units,revised_from,revision_proposer,revision_adopted"
    )


EXPECTED_TARGETS = [
    # plan, indicator name contains, year, comparator, value, value_high, measure unit, lead
    ("luan", "工业产品质量监督抽查合格率", "2025", "ge", "98", "", "%", "市市场监管局"),
    ("luan", "主要农产品质量安全抽检合格率", "2025", "ge", "98", "", "%", "市农业农村局"),
    ("luan", "万台特种设备事故死亡率", "2025", "below_benchmark", "", "", "人/万台", "市市场监管局"),
    ("luan", "国家优质工程", "2025", "ge", "3", "", "个", "市住建局"),
    ("luan", "水利工程项目质量合格率", "2025", "eq", "100", "", "%", "市水利局"),
    ("luan", "公共服务质量监测结果", "2025", "rank", "0.5", "", "", "市市场监管局"),
    ("luan", "森林覆盖率", "2025", "ge", "45", "", "%", "市林业局"),
    ("luan", "单位GDP能耗", "2025", "not_above_benchmark", "", "", "吨标准煤/万元", "市发改委"),
    ("luan", "主要污染物排放", "2025", "not_above_benchmark", "", "", "", "市生态环境局"),
    ("luan", "验收的县区数", "2025", "ge", "5", "", "个", "市市场监管局"),
    ("luan", "设立市政府质量发展基金", "2025", "milestone", "", "", "", "市市场监管局"),
    ("luan", "认证“三品一标”产品数", "2025", "ge", "1000", "", "个", "市农业农村局"),
    ("luan", "地理标志证明商标", "2025", "increase:ge", "45", "", "件", "市市场监管局"),
    ("luan", "地理标志证明商标", "2025", "ge", "110", "", "件", "市市场监管局"),
    ("luan", "每万人口发明专利拥有量", "2025", "ge", "10", "", "件/万人", "市市场监管局"),
    ("luan", "品牌经济", "2025", "gt", "65", "", "%", "市市场监管局"),
    ("luan", "金寨县", "2025", "range", "1", "2", "个", "金寨县"),
    ("luan", "建成省级质检中心数", "2025", "ge", "2", "", "个", "市市场监管局"),
    ("luan", "卓越绩效", "2025", "ge", "60", "", "%", "市市场监管局"),
    ("lingbi", "“三品一标”认证数", "2027", "ge", "50", "", "个", "县农业农村局"),
    ("lingbi", "专精特新“小巨人”", "2027", "range", "2", "3", "家", "县工业和信息化局"),
    ("lingbi", "3A", "2027", "ge", "5", "", "家", "县文化和旅游局"),
    ("lingbi", "创建国家质量强县", "2027", "milestone", "", "", "", "县市场监管局"),
]


@pytest.mark.parametrize("plan,name,year,comparator,value,high,unit,lead", EXPECTED_TARGETS)
def test_draft_targets_as_the_documents_state_them(
    export, plan, name, year, comparator, value, high, unit, lead
):
    candidates = [r for r in export if r["plan"] == plan and name in r["indicator"]]
    match = [
        r
        for r in candidates
        if (r["year"], r["comparator"], r["value"], r["value_high"], r["measure_unit"])
        == (year, comparator, value, high, unit)
    ]
    assert match, (
        f"no target {name} {comparator} {value} in {[(r['comparator'], r['value']) for r in candidates]}"
    )
    assert match[0]["lead_units"].split("|")[0] == lead


EXPECTED_PROPOSALS = [
    # plan, indicator name contains, proposed comparator, value, value_high, proposer, original text contains
    ("luan", "新增规模以上服务业企业", "ge", "120", "", "市发改委", "130家以上"),
    ("luan", "服务业集聚区", "range", "18", "22", "市发改委", "10个以上"),  # 20个左右: ±10%
    ("luan", "名特优新农产品", "ge", "50", "", "市农业农村局", "80个以上"),
    ("luan", "新增农产品地理标志", "ge", "5", "", "市农业农村局", "10个以上"),
    ("lingbi", "“三品一标”认证数", "ge", "60", "", "县农业农村局", "50个"),
    ("lingbi", "绿色认证产品", "gt", "45", "", "县农业农村局", "突破10个"),
    ("lingbi", "专精特新“小巨人”", "range", "1", "2", "县工业和信息化局", "2-3家"),
    ("lingbi", "省级专精特新企业", "ge", "16", "", "县工业和信息化局", "40家"),
    ("lingbi", "4A", "ge", "1", "", "县文化和旅游局", "4A级景区3家以上"),
    ("lingbi", "3星级酒店", "ge", "2", "", "县文化和旅游局", "3星级酒店3家以上"),
]


@pytest.mark.parametrize("plan,name,comparator,value,high,proposer,original", EXPECTED_PROPOSALS)
def test_consultation_proposals_keep_proposer_and_original(
    export, plan, name, comparator, value, high, proposer, original
):
    match = [
        r
        for r in export
        if r["plan"] == plan
        and name in r["indicator"]
        and (r["comparator"], r["value"], r["value_high"]) == (comparator, value, high)
        and r["revision_proposer"] == proposer
    ]
    assert len(match) == 1, match
    assert original in match[0]["revised_from"]
    assert match[0]["revision_adopted"] in {"yes", "no", "unknown"}


def test_every_number_of_luan_goal_section_is_a_target(export):
    """No quantitative target dropped or rounded: each number in 二、主要目标 is a target value."""
    source = next(SEEDS.glob("*.txt"), None) and max(SEEDS.glob("*.txt"), key=lambda p: p.stat().st_size)
    if source is None:
        pytest.skip("shared/seeds not present")
    text = source.read_text(encoding="utf-8")
    goals = text[text.index("二、主要目标") : text.index("三、工作任务")]
    numbers = {n for n in re.findall(r"(\d+(?:\.\d+)?)\s*(?:%|个|家|件|项)", goals)}
    values = {r["value"] for r in export if r["plan"] == "luan"} | {
        r["value_high"] for r in export if r["plan"] == "luan"
    }
    assert numbers, "the goal section should contain numbers"
    assert sorted(numbers - values) == []


def test_both_seed_plans_validate_and_have_units_in_their_jurisdiction():
    plans = {p.code: p for p in read_catalogues(CATALOGUE_DIR)}
    assert set(plans) == {"luan", "lingbi"}
    assert plans["luan"].horizon_years == [2025] and plans["lingbi"].horizon_years == [2027]
    assert {u.jurisdiction for u in plans["lingbi"].units} == {"灵璧县"}
    kinds = {u.kind for u in plans["lingbi"].units}
    assert {"部门", "乡镇", "开发区", "企业"} <= kinds


def test_seed_export_is_the_same_on_postgres(seeded_url):
    with read_scope(seeded_url) as session:
        rows = export_targets_rows(session)
    assert {r["plan"] for r in rows} == {"luan", "lingbi"}
    assert any(r["comparator"] == "increase:ge" and r["value"] == "45" for r in rows)


@pytest.fixture(scope="module")
def seed_plans():
    return {p.code: p for p in read_catalogues(CATALOGUE_DIR)}


def test_about_twenty_is_not_an_exact_target(export):
    """市发改委 "20个左右": not eq (19 would be 滞后), a range 18–22."""
    rows = [r for r in export if r["plan"] == "luan" and "服务业集聚区" in r["indicator"]]
    assert [(r["comparator"], r["value"], r["value_high"]) for r in rows] == [
        ("ge", "10", ""),
        ("range", "18", "22"),
    ]
    assert not any(r["comparator"] == "eq" and r["value"] == "20" for r in export)


def test_provincial_control_target_is_met_at_the_line(export):
    """ "达省控目标" is not above the control target, not strictly below it."""
    rows = [r for r in export if r["plan"] == "luan" and r["indicator_code"] in ("LA-ENV-01", "LA-ENV-02")]
    assert [r["comparator"] for r in rows] == ["not_above_benchmark", "not_above_benchmark"]


def test_share_of_seven_counties_is_judged_as_a_count(seed_plans):
    """ "60%以上的县区": 7 县区, 4 are 57.1 % < 60 %, so at least 5 (ceil(0.6 × 7))."""
    plan = seed_plans["luan"]
    counties = [u.name for u in plan.units if u.kind == "县区"]
    assert len(counties) == 7
    indicator = next(i for i in plan.indicators if i.code == "LA-QG-01")
    assert (indicator.measure_kind.value, indicator.measure_unit, indicator.whole_items) == (
        "stock",
        "个",
        True,
    )
    (target,) = [t for t in plan.targets if t.indicator_code == "LA-QG-01"]
    assert (target.comparator.value, target.value, target.text) == ("ge", 5, "60%以上的县区")
    assert 4 / 7 < 0.6 <= 5 / 7


def test_forest_cover_is_led_by_the_forestry_bureau(seed_plans):
    plan = seed_plans["luan"]
    forest = next(i for i in plan.indicators if i.code == "LA-ENV-06")
    assert forest.lead_units == ("市林业局",)
    assert "市园林局" in forest.responsible_text  # the draft clause stays verbatim
    green = next(i for i in plan.indicators if i.code == "LA-ENV-05")
    assert green.lead_units == ("市园林局",)


def test_headline_and_fund_milestones_exist(seed_plans):
    lingbi = {t.indicator_code: t for t in seed_plans["lingbi"].targets}
    assert (lingbi["LB-QG-02"].comparator.value, lingbi["LB-QG-02"].year) == ("milestone", 2027)
    assert seed_plans["lingbi"].indicators[0].name == "创建国家质量强县"
    luan = [t for t in seed_plans["luan"].targets if t.indicator_code == "LA-QG-05"]
    assert [(t.comparator.value, t.year) for t in luan] == [("milestone", 2025)]
    growth = next(t for t in seed_plans["luan"].targets if t.indicator_code == "LA-QG-04")
    assert (growth.maintain, growth.each_year) == (True, True)


# plan, indicator, ref, kind, proposer, target key (opinions #2–#6 of 六安's feedback table)
NEW_REVISIONS = [
    ("luan", "LA-BR-03", "consult-2", "responsibility", "市商务局", ""),
    ("luan", "LA-BR-04", "consult-2", "responsibility", "市商务局", ""),
    ("luan", "LA-BR-05", "consult-2", "responsibility", "市商务局", ""),
    ("luan", "LA-QM-02", "consult-3", "wording", "市金融监管局", ""),
    ("luan", "LA-QI-02", "consult-4", "wording", "市科技局", ""),
    ("luan", "LA-QG-05", "consult-5", "wording", "市财政局", ""),
    ("luan", "LA-QG-03", "consult-5", "delete", "市财政局", "2025"),
    ("luan", "LA-QG-04", "consult-5", "delete", "市财政局", "2025"),
    ("luan", "LA-SQ-01", "consult-6", "wording", "市文旅局", ""),
]


def test_every_opinion_of_luan_feedback_is_recorded(seed_plans):
    revisions = {(r.indicator_code, r.ref): r for r in seed_plans["luan"].revisions}
    for _, code, ref, kind, proposer, key in NEW_REVISIONS:
        rev = revisions[(code, ref)]
        assert (rev.kind.value, rev.proposer, rev.target_key, rev.adopted.value) == (
            kind,
            proposer,
            key,
            "unknown",
        )
    assert {int(ref.split("-")[1]) for _, ref in revisions} == set(range(1, 11))
    assert "经费多元筹集" in revisions[("LA-QG-05", "consult-5")].proposed_text
    assert "市商务局" in revisions[("LA-BR-03", "consult-2")].old_text


def test_new_revisions_are_in_the_database(seeded_url):
    with read_scope(seeded_url) as session:
        stored = {(r["indicator_code"], r["ref"]): r for r in revision_rows(session, "luan")}
        lingbi = get_plan(session, "lingbi")
        luan = get_plan(session, "luan")
    for _, code, ref, kind, proposer, _key in NEW_REVISIONS:
        assert (stored[(code, ref)]["kind"], stored[(code, ref)]["proposer"]) == (kind, proposer)
    assert "反馈意见" in lingbi.provenance_note and luan.provenance_note == ""


def test_every_seed_indicator_has_reporting_metadata_in_the_file(seed_plans):
    for code, plan in seed_plans.items():
        header = (CATALOGUE_DIR / code / "indicators.csv").read_text(encoding="utf-8").splitlines()[0]
        for column in (
            "frequency",
            "figure_basis",
            "release_lag",
            "whole_items",
            "definition",
            "data_source",
        ):
            assert column in header.split(","), (code, column)
        for ind in plan.indicators:
            assert ind.definition and ind.data_source, ind.code


# code: frequency, figure_basis, release_lag, whole_items (decided in data/catalogue/*/NOTES.md)
SEED_METADATA = [
    ("luan", "LA-ENV-06", "annual", "level", 2, False),  # 森林覆盖率: annual statistics
    ("luan", "LA-ENV-01", "annual", "level", 2, False),  # 单位GDP能耗
    ("luan", "LA-PQ-04", "annual", "level", 2, False),  # 万台特种设备事故死亡率
    ("luan", "LA-BR-09", "annual", "level", 2, False),  # 每万人口发明专利拥有量
    ("luan", "LA-PQ-01", "quarterly", "level", 0, False),  # 监督抽查合格率
    ("luan", "LA-PQ-02", "quarterly", "ytd", 0, False),  # 抽查覆盖率 restarts each year
    ("luan", "LA-BR-01", "quarterly", "level", 0, True),  # 三品一标: a stock
    ("luan", "LA-BR-03", "quarterly", "cumulative", 0, True),  # 新增农产品地理标志
    ("luan", "LA-SQ-01", "quarterly", "cumulative", 0, True),
    ("lingbi", "LB-SQ-01", "quarterly", "cumulative", 0, True),  # 培育中华老字号1家
    ("lingbi", "LB-ENV-01", "annual", "level", 2, False),
]


@pytest.mark.parametrize("plan,code,frequency,basis,lag,whole", SEED_METADATA)
def test_seed_reporting_metadata(seed_plans, plan, code, frequency, basis, lag, whole):
    ind = next(i for i in seed_plans[plan].indicators if i.code == code)
    assert (ind.frequency, ind.figure_basis, ind.release_lag, ind.whole_items) == (
        Frequency(frequency),
        FigureBasis(basis),
        lag,
        whole,
    )
