"""The admin command line, run as a user runs it (a subprocess on a fresh SQLite file)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from catalogue_factory import TARGETS, write_catalogue

ROOT = Path(__file__).resolve().parent.parent


def manage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_load_catalogue_twice_reports_no_change(tmp_path):
    write_catalogue(tmp_path / "cat")
    first = manage(tmp_path, "load-catalogue", str(tmp_path / "cat"))
    assert first.returncode == 0, first.stderr
    assert "指标: 新增 6" in first.stdout
    second = manage(tmp_path, "load-catalogue", str(tmp_path / "cat"))
    assert second.returncode == 0
    assert "未做任何修改" in second.stdout


def test_malformed_catalogue_names_file_row_and_field(tmp_path):
    bad = [dict(t) for t in TARGETS]
    bad[1]["year"] = "二〇二七"
    write_catalogue(tmp_path / "cat", targets=bad)
    result = manage(tmp_path, "load-catalogue", str(tmp_path / "cat"))
    assert result.returncode == 2
    assert "testcity/targets.csv 第3行 字段“year”" in result.stderr
    exported = manage(tmp_path, "export-targets")
    assert list(csv.DictReader(io.StringIO(exported.stdout))) == []


def test_status_prints_the_documented_columns_for_a_seed_plan(tmp_path):
    assert manage(tmp_path, "init-db").returncode == 0
    assert manage(tmp_path, "demo", "load", "--plan", "lingbi").returncode == 0
    result = manage(tmp_path, "status", "--plan", "lingbi", "--as-of", "2026Q2")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.stdout.splitlines()[0] == (
        "plan,indicator_code,indicator,current_value,current_period,expected_value,target_year,"
        "target_value,progress_ratio,status,reason,lead_units"
    )
    assert len(rows) == 16  # 灵璧: 15 indicators from feedback quotes + the headline 创建国家质量强县
    assert {r["status"] for r in rows} <= {"已达标", "正常", "滞后", "严重滞后", "未报送", "无法评估"}
    assert all(r["reason"] for r in rows)


def test_unknown_plan_is_a_clear_error(tmp_path):
    manage(tmp_path, "init-db")
    result = manage(tmp_path, "status", "--plan", "nowhere")
    assert result.returncode == 2
    assert "nowhere" in result.stderr


def test_a_quarter_outside_the_plan_is_refused_and_nothing_is_made(tmp_path):
    """``--period 1800Q1`` made a template for 1800 and a briefing 截至1800年第1季度."""
    assert manage(tmp_path, "init-db").returncode == 0
    cases = [
        (("status", "--plan", "luan", "--as-of", "1800Q1"), None,
         "错误：评估季度1800年第1季度不在六安市计划的范围内（2022年第1季度至2025年第4季度）"),
        (("briefing", "--plan", "luan", "--as-of", "2026Q1", "-o", str(tmp_path / "b")), tmp_path / "b",
         "错误：评估季度2026年第1季度不在六安市计划的范围内（2022年第1季度至2025年第4季度）"),
        # templates and exports reach the 2026Q2 template, which asks for 六安's 2025 annual figures
        (("template", "--plan", "luan", "--period", "2026Q3", "-o", str(tmp_path / "t.xlsx")),
         tmp_path / "t.xlsx",
         "错误：模板季度2026年第3季度不在六安市计划的范围内（2022年第1季度至2026年第2季度）"),
        (("export-figures", "--plan", "luan", "--period", "1800Q1", "-o", str(tmp_path / "f.csv")),
         tmp_path / "f.csv",
         "错误：导出季度1800年第1季度不在六安市计划的范围内（2022年第1季度至2026年第2季度）"),
    ]  # fmt: skip
    for args, output, message in cases:
        result = manage(tmp_path, *args)
        assert (result.returncode, result.stderr.strip(), result.stdout) == (2, message, ""), args
        assert output is None or not output.exists()
    last = manage(tmp_path, "template", "--plan", "luan", "--period", "2026Q2", "-o", str(tmp_path / "t.xlsx"))
    assert last.returncode == 0, last.stderr
    assert (tmp_path / "t.xlsx").stat().st_size > 0
