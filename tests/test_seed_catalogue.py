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

from db.queries import export_targets_rows
from db.session import read_scope
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
    ("luan", "森林覆盖率", "2025", "ge", "45", "", "%", "市园林局"),
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
    ("luan", "服务业集聚区", "eq", "20", "", "市发改委", "10个以上"),
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
