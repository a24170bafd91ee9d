"""Write small, valid catalogue folders for tests (a third city, never seen by the code)."""

from __future__ import annotations

import csv
from pathlib import Path

from indicators.catalogue import INDICATOR_COLUMNS, REVISION_COLUMNS, TARGET_COLUMNS, UNIT_COLUMNS

PLAN_YAML = """code: testcity
jurisdiction: 测试市
level: 市
title: 测试市质量强市实施方案
source_document: 测试用目录
baseline_year: 2023
horizon_years: [2025, 2027]
first_period: 2024Q1
"""

UNITS = [
    {"name": "测试市市场监管局", "kind": "部门", "aliases": "市场监管局"},
    {"name": "测试市农业农村局", "kind": "部门"},
    {"name": "甲县", "kind": "县区"},
]
INDICATORS = [
    {
        "code": "T-01", "name": "工业产品抽查合格率", "category": "产品质量", "section": "主要目标",
        "measure_unit": "%", "measure_kind": "rate", "direction": "higher",
        "lead_units": "测试市市场监管局", "baseline_value": "96.5", "baseline_year": "2023",
        "baseline_source": "统计公报", "frequency": "quarterly", "figure_basis": "level",
        "definition": "合格批次÷抽查批次×100%", "data_source": "市场监管局抽查结果",
    },
    {
        "code": "T-02", "name": "新增地理标志证明商标", "category": "品牌建设", "section": "主要目标",
        "measure_unit": "件", "measure_kind": "stock", "direction": "higher",
        "lead_units": "测试市市场监管局", "co_units": "测试市农业农村局", "frequency": "half_yearly",
    },
    {
        "code": "T-03", "name": "新增规上服务业企业", "category": "服务质量", "section": "主要目标",
        "measure_unit": "家", "measure_kind": "new_since_baseline", "direction": "higher",
        "lead_units": "测试市市场监管局", "figure_basis": "flow",
    },
    {
        "code": "T-04", "name": "获证企业监督抽查覆盖率", "category": "产品质量", "section": "主要目标",
        "measure_unit": "%", "measure_kind": "rate", "direction": "higher",
        "lead_units": "测试市市场监管局", "figure_basis": "ytd",
    },
    {
        "code": "T-05", "name": "新增省级示范县区", "category": "质量治理", "section": "主要目标",
        "measure_unit": "个", "measure_kind": "new_since_baseline", "direction": "higher",
        "lead_units": "测试市市场监管局", "co_units": "甲县", "reporting_units": "甲县",
        "frequency": "annual", "release_lag": "2", "whole_items": "true",
        "definition": "当年新认定的示范县区个数，累计", "data_source": "省级年度通报",
    },
    {
        "code": "T-06", "name": "开展质量月活动", "category": "质量治理", "section": "工作任务",
        "measure_unit": "", "measure_kind": "milestone", "direction": "higher",
        "lead_units": "测试市市场监管局",
    },
]  # fmt: skip
TARGETS = [
    {"indicator_code": "T-01", "key": "2025", "year": "2025", "comparator": "ge", "value": "98", "text": "98%以上"},
    {"indicator_code": "T-02", "key": "2027-new", "year": "2027", "comparator": "ge", "value": "45",
     "basis": "increase", "text": "新增45件以上"},
    {"indicator_code": "T-02", "key": "2027-total", "year": "2027", "comparator": "ge", "value": "110",
     "text": "总数不低于110件"},
    {"indicator_code": "T-03", "key": "2025", "year": "2025", "comparator": "ge", "value": "130", "text": "130家以上"},
    {"indicator_code": "T-04", "key": "2025", "year": "2025", "comparator": "eq", "value": "100",
     "text": "覆盖率达100%"},
    {"indicator_code": "T-05", "key": "2027", "year": "2027", "comparator": "ge", "value": "2", "text": "2个以上"},
    {"indicator_code": "T-06", "key": "2027", "year": "2027", "comparator": "milestone", "each_year": "true",
     "text": "每年开展质量月活动"},
]  # fmt: skip
REVISIONS = [
    {"ref": "c-1", "indicator_code": "T-02", "target_key": "2027-new", "kind": "value",
     "old_text": "新增45件以上", "proposed_text": "新增40件以上", "proposed_comparator": "ge",
     "proposed_value": "40", "proposer": "测试市农业农村局", "adopted": "unknown", "date": "2024-01-05"},
]  # fmt: skip


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def write_catalogue(
    root: Path,
    units: list[dict] | None = None,
    indicators: list[dict] | None = None,
    targets: list[dict] | None = None,
    revisions: list[dict] | None = None,
    plan_yaml: str = PLAN_YAML,
    indicator_columns: list[str] = INDICATOR_COLUMNS,
    target_columns: list[str] = TARGET_COLUMNS,
) -> Path:
    """Write the plan folder ``root/testcity`` (columns: all documented ones unless given)."""
    folder = root / "testcity"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yaml").write_text(plan_yaml, encoding="utf-8")
    write_csv(folder / "units.csv", UNIT_COLUMNS, UNITS if units is None else units)
    write_csv(folder / "indicators.csv", indicator_columns, INDICATORS if indicators is None else indicators)
    write_csv(folder / "targets.csv", target_columns, TARGETS if targets is None else targets)
    write_csv(folder / "revisions.csv", REVISION_COLUMNS, REVISIONS if revisions is None else revisions)
    return folder
