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
