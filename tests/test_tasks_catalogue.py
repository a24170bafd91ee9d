"""Key tasks (重点任务) in the catalogue: both seed plans' task sections load from tasks.csv, every source
sentence is verbatim from the seed documents, ``manage.py export-tasks`` lists them, bad rows are refused
with file, row and field."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys

import pytest

from db.session import read_scope
from indicators.catalogue import CatalogueInvalid, read_catalogue
from services import tasks
from tests.conftest import ROOT

CATALOGUE = ROOT / "data" / "catalogue"
SEEDS = {"luan": "001_81ff14275bdbd394.txt", "lingbi": "000_737a6ace0e15afb5.txt"}


def test_both_seed_plans_tasks_load(seeded_url):
    with read_scope(seeded_url) as s:
        luan = {r["task_code"]: r for r in tasks.export_task_rows(s, "luan")}
        lingbi = {r["task_code"]: r for r in tasks.export_task_rows(s, "lingbi")}
    assert len(luan) == 70 and len(lingbi) == 14
    # every numbered item of 六安's 三、工作任务 (14) and 四、保障措施 (4) has its tasks
    sections = {
        r["section"].split(" ")[-1] if "工作任务" in r["section"] else r["section"] for r in luan.values()
    }
    assert len(sections) == 18
    assert luan["LA-T1.2-02"]["title"] == "建立产品伤害监测网络"
    assert luan["LA-T2.1-07"]["title"] == "建立六安质量、标准、计量、合格评定等质量人才库"
    b43 = luan["LA-B4-03"]
    assert (b43["title"], b43["lead_units"], b43["due"]) == (
        "修订完善《六安市质量工作考核办法》",
        "市质量发展委员会办公室",
        "2025Q4",
    )
    assert luan["LA-T4.1-05"]["due"] == "2022Q3|2023Q3|2024Q3|2025Q3"  # 质量月: every September
    assert luan["LA-T2.2-07"]["co_units"].endswith("金安区|裕安区|叶集区|霍邱县|舒城县|金寨县|霍山县")
    assert lingbi["LB-T03"]["section"] == "三、重点任务（三）“质”“教”融合壮大轴承产业"
    assert (lingbi["LB-T08"]["lead_units"], lingbi["LB-T08"]["due"]) == ("县委宣传部", "2027Q4")


@pytest.mark.parametrize("plan", list(SEEDS))
def test_every_source_sentence_is_verbatim(plan):
    seed = ROOT.parent / "shared" / "seeds" / SEEDS[plan]
    if not seed.exists():
        seed = ROOT.parent.parent / "shared" / "seeds" / SEEDS[plan]
    if not seed.exists():
        pytest.skip(f"seed document {SEEDS[plan]} not beside the checkout")
    text = seed.read_text(encoding="utf-8")
    for task in read_catalogue(CATALOGUE / plan).tasks:
        assert task.source_text in text, task.code


def test_export_tasks_cli(seeded_url):
    env = {**os.environ, "DATABASE_URL": seeded_url}
    out = subprocess.run([sys.executable, "manage.py", "export-tasks", "--plan", "lingbi"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    lines = out.splitlines()
    assert lines[0] == "plan,task_code,title,section,lead_units,co_units,due,source_text"
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 14 and {r["plan"] for r in rows} == {"lingbi"}
    assert next(r for r in rows if r["task_code"] == "LB-T09") == {
        "plan": "lingbi", "task_code": "LB-T09", "title": "实现农产品质量安全“一网追溯”",
        "section": "任务分解表（据县农业农村局反馈）", "lead_units": "县农业农村局", "co_units": "", "due": "2027Q4",
        "source_text": "以单个农产品为突破口，健全“标准化数字生产、网格化移动监管、质量安全追溯”等功能，"
        "实现农产品质量安全“一网追溯”。",
    }  # fmt: skip
    bad = subprocess.run([sys.executable, "manage.py", "export-tasks", "--plan", "nowhere"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 2 and "没有代码为“nowhere”的计划" in bad.stderr


def test_bad_task_rows_are_refused_with_file_row_and_field(tmp_path):
    folder = tmp_path / "lingbi"
    shutil.copytree(CATALOGUE / "lingbi", folder)
    path = folder / "tasks.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[1]["lead_units"] = "县不存在局"
    rows[2]["due"] = "2027年底"
    rows[3]["indicator_codes"] = "LB-XX-99"
    rows[4]["code"] = rows[0]["code"]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(CatalogueInvalid) as exc:
        read_catalogue(folder)
    found = {(e.file, e.row, e.field) for e in exc.value.errors}
    assert found == {
        ("lingbi/tasks.csv", 3, "lead_units"),
        ("lingbi/tasks.csv", 3, "lead_units"),
        ("lingbi/tasks.csv", 4, "due"),
        ("lingbi/tasks.csv", 5, "indicator_codes"),
        ("lingbi/tasks.csv", 6, "code"),
    }
