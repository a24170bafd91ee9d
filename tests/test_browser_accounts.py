"""Accounts in the real browser: a reporter uploads its own unit's figures, is refused for another
unit (and the refusal is in the audit log), and an admin accepts the figures so that they count."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from indicators.periods import Period, latest_due_period
from tests.browser_support import (
    BROWSER_MARKS,
    choose,
    cli_counts,
    go,
    nav,
    running_app,
    selected_quarter,
    settle,
    shot,
    tiles,
)
from tests.conftest import ROOT

pytestmark = BROWSER_MARKS
PLAN, OWN_UNIT, OTHER_UNIT = "lingbi", "县农业农村局", "县工业和信息化局"
CODE, VALUE = (
    "LB-PQ-07",
    44,
)  # “三品一标”认证数 (demo: 42), reported by 县农业农村局; a plausible step, not a jump


def manage(env, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def one_time_password(output: str) -> str:
    return re.search(r"[:：]\s*(\S+)\s*$", output.strip()).group(1)


def filled_template(env, tmp_path, unit: str, period: str, value: float, code: str | None = None) -> str:
    """The unit's template with ``value`` in the row of ``code`` (default: the first row)."""
    path = tmp_path / f"{unit}_{period}.xlsx"
    manage(env, "template", "--plan", PLAN, "--unit", unit, "--period", period, "-o", str(path))
    wb = load_workbook(path)
    ws = wb["填报数据"] if "填报数据" in wb.sheetnames else wb.worksheets[0]
    header_row = next(r for r in range(1, 10) if any(ws.cell(r, c).value == "指标代码" for c in range(1, 20)))
    columns = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    value_col = next(c for name, c in columns.items() if name and str(name).startswith(("本季度", "填报数值")))
    rows = [r for r in range(header_row + 1, ws.max_row + 1) if ws.cell(r, columns["指标代码"]).value]
    row = next(r for r in rows if ws.cell(r, columns["指标代码"]).value == code) if code else rows[0]
    ws.cell(row, value_col).value = value
    wb.save(path)
    return str(path)


def last_reported(env, tmp_path, period: str, unit: str = OWN_UNIT, code: str = CODE) -> int:
    """The unit's figure in force for ``code``, as its template shows it (上次填报: ``44（2026Q3）``)."""
    path = tmp_path / "current.xlsx"
    manage(env, "template", "--plan", PLAN, "--unit", unit, "--period", period, "-o", str(path))
    ws = load_workbook(path).worksheets[0]
    header = next(r for r in range(1, 10) if any(ws.cell(r, c).value == "指标代码" for c in range(1, 20)))
    columns = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    row = next(r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, columns["指标代码"]).value == code)
    found = re.match(r"\d+", str(ws.cell(row, columns["上次填报"]).value or ""))
    return int(found.group(0)) if found else 40


def sign_in(page, server, name: str, password: str, new_password: str) -> None:
    go(page, server)
    page.get_by_label("账户名").wait_for(timeout=60_000)
    page.get_by_label("账户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    settle(page)
    # first sign-in: the only page is 我的账户, which asks for a new password
    page.get_by_label("原密码").wait_for(timeout=60_000)
    page.get_by_label("原密码").fill(password)
    page.get_by_label("新密码（至少").fill(new_password)
    page.get_by_label("再次输入新密码").fill(new_password)
    page.get_by_role("button", name="修改密码").click()
    settle(page)


def sign_out(page) -> None:
    nav(page, "我的账户")
    page.get_by_role("button", name="退出登录").click()
    settle(page)


def upload(page, path: str) -> None:
    page.get_by_role("tab", name="上传填报").click()
    settle(page)  # choosing a tab reruns the page (pages/upload.py)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(path)
    settle(page)


def audit_entries(env, actor: str, outcome: str | None = None) -> list[dict]:
    """The audit log as stored (read straight from the SQLite file the app uses)."""
    db = sqlite3.connect(env["DATABASE_URL"].split("///", 1)[1])
    db.row_factory = sqlite3.Row
    try:
        query = "SELECT * FROM audit_log WHERE actor = ?" + (" AND outcome = ?" if outcome else "")
        return [dict(r) for r in db.execute(query, (actor, outcome) if outcome else (actor,))]
    finally:
        db.close()


def status_row(env, code: str, as_of: str) -> dict[str, str]:
    out = manage(env, "status", "--plan", PLAN, "--as-of", as_of)
    return next(r for r in csv.DictReader(io.StringIO(out)) if r["indicator_code"] == code)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("accounts")) as app:
        yield app


def test_reporter_uploads_own_unit_is_refused_for_another_and_admin_accepts(page, server, tmp_path):
    env = server["env"]
    go(page, server)  # the first start creates the database (catalogue, demo figures, admin)
    page.get_by_role("button", name="登录").wait_for(timeout=90_000)
    clerk_password = one_time_password(
        manage(env, "user", "add", "clerk", "--role", "reporter", "--plan", PLAN, "--unit", OWN_UNIT)
    )
    admin_password = one_time_password(manage(env, "user", "reset", "admin"))
    period = str(latest_due_period(dt.date.today(), 10))
    before = status_row(env, CODE, period)

    sign_in(page, server, "clerk", clerk_password, "field-report-key-19")
    value = last_reported(env, tmp_path, period) + 2  # a plausible step from the demo figure
    nav(page, "填报上传")
    upload(page, filled_template(env, tmp_path, OWN_UNIT, period, value, CODE))
    shot(page, "accounts_reporter_preview")
    page.get_by_role("button", name="确认导入").click()
    settle(page)
    assert page.get_by_text("已导入").first.is_visible()
    shot(page, "accounts_reporter_upload")
    # the import reran only the upload's fragment: the history tab, chosen now, lists the new upload
    page.get_by_role("tab", name="上传记录与撤销").click()
    settle(page)
    history = page.get_by_role("tabpanel").filter(has_text="撤销").first.inner_text()
    assert f"{OWN_UNIT}_{period}.xlsx" in history
    assert page.get_by_role("tab", name="上传记录与撤销").get_attribute("aria-selected") == "true"
    # pending review: the overview and the CLI still use the accepted figure
    assert status_row(env, CODE, period)["current_value"] == before["current_value"]

    upload(page, filled_template(env, tmp_path, OTHER_UNIT, period, 3))
    assert page.get_by_text("文件不会被导入").first.is_visible()
    shot(page, "accounts_reporter_refused")
    assert page.get_by_role("button", name="确认导入").count() == 0
    sign_out(page)

    sign_in(page, server, "admin", admin_password, "quality-office-key-7")
    nav(page, "审计日志")
    page.get_by_label("用户").fill("clerk")
    page.get_by_label("用户").press("Enter")
    settle(page)
    shot(page, "accounts_audit_log")
    refused = audit_entries(env, "clerk", "refused")
    assert [(a["action"], a["unit"]) for a in refused] == [("record_figure", OTHER_UNIT)]
    shown = int(re.search(r"共 (\d+) 条", page.locator("body").inner_text()).group(1))
    assert shown == len(audit_entries(env, "clerk"))  # the page lists every entry of the user
    nav(page, "数据审核")
    assert page.get_by_text("待审核数据（1 条）").first.is_visible()
    # 季度锁定 further down: not while the figure awaits review, and the page says why
    quarter = Period.parse(period).label
    assert selected_quarter(page) == period  # the newest due quarter comes first
    lock = page.get_by_role("button", name="锁定该季度")
    assert lock.is_disabled()
    assert page.get_by_text(f"{quarter}还有 1 条待审核数据").first.is_visible()
    card = page.locator('[class*="st-key-review_card_"]').filter(has_text=CODE).first  # one card per figure
    card.get_by_role("button", name="通过", exact=True).click()
    settle(page)
    assert page.get_by_text("已通过 1 条数据").first.is_visible()
    assert lock.is_enabled()
    lock.click()
    settle(page)
    page.get_by_role("dialog").get_by_role("button", name="确认").click()
    settle(page)
    done = page.get_by_text(f"已锁定{quarter}。").first
    done.wait_for(timeout=30_000)
    gap = done.bounding_box()["y"] - lock.bounding_box()["y"]
    assert 0 < gap < 150, gap  # right under the button the clerk clicked, not at the top of the page
    shot(page, "accounts_admin_locked")
    after = status_row(env, CODE, period)
    assert float(after["current_value"]) == value and after["current_period"] == period
    nav(page, "总览")  # (a new page load would be a new session: signed out)
    choose(page, "计划", "灵璧县")
    assert tiles(page) == cli_counts(server, PLAN, period)
    shot(page, "accounts_admin_overview")


@pytest.mark.parametrize("public_read", [False, True])
def test_a_page_link_on_a_fresh_server_goes_through_the_router(page, tmp_path, public_read):
    """The first request after a start may run a page file directly; it must still pass sign-in
    and keep the link's page and query parameters."""
    extra = {"TRACKER_PUBLIC_READ": "1"} if public_read else {}
    with running_app(tmp_path, **extra) as fresh:
        go(page, fresh, "units?plan=luan&unit=市市场监管局")
        if public_read:
            page.get_by_role("heading", name="市市场监管局").first.wait_for(timeout=90_000)
            assert "六安市" in page.locator("h1").first.inner_text()
        else:
            page.get_by_role("button", name="登录").wait_for(timeout=90_000)
            assert page.get_by_text("责任单位").count() == 0
