"""A flagged figure in the real browser: used and marked 待核实 on the indicator page; the office
clears it on 数据审核 (audited) and the mark is gone, the figure unchanged."""

from __future__ import annotations

import sqlite3

from sqlalchemy import select

from db.models import AuditEntry
from db.session import session_scope
from services.review import flags_to_check
from tests.browser_support import BROWSER_MARKS, choose, go, nav, running_app, settle, shot
from tests.test_browser_accounts import manage, one_time_password, sign_in

pytestmark = BROWSER_MARKS
PLANS = {"luan": "六安市", "lingbi": "灵璧县"}


def test_flag_is_shown_then_cleared(page, tmp_path):
    with running_app(tmp_path) as server:
        env = server["env"]
        go(page, server)  # first start: schema, catalogue and demo figures
        url = env["DATABASE_URL"]
        with session_scope(url) as session:
            flagged = [(plan, f) for plan in PLANS for f in flags_to_check(session, plan)]
        assert flagged, "the demo figures carry one outlier per plan"
        plan, item = flagged[0]
        password = one_time_password(manage(env, "user", "add", "office", "--role", "admin"))
        sign_in(page, server, "office", password, "Zhiliang#2026q")

        _open_indicator(page, plan, item)
        warning = page.get_by_text("待核实").first
        assert warning.is_visible()
        assert page.get_by_text(item["reason"].removesuffix("，请核实")[:20]).first.is_visible()
        shot(page, f"{plan}_indicator_flagged")

        nav(page, "数据审核")  # the plan chosen on 指标详情 is kept across pages
        picker = page.locator('input[aria-label^="计划"]')
        if picker.count() and PLANS[plan] not in picker.first.input_value():
            choose(page, "计划", PLANS[plan])
        page.locator("button").filter(has_text="核实无误").first.click()
        settle(page)
        with session_scope(url) as session:
            assert all(f["id"] != item["id"] for f in flags_to_check(session, plan))
            entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "clear_flag")).all()
            assert [e.actor for e in entries] == ["office"]

        _open_indicator(page, plan, item)
        assert page.get_by_text("待核实").count() == 0
        shot(page, f"{plan}_indicator_flag_cleared")
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        (value,) = db.execute("SELECT value FROM observations WHERE id = ?", (item["id"],)).fetchone()
        assert value == item["value"]  # the figure itself is unchanged


def _open_indicator(page, plan: str, item: dict) -> None:
    """In-app navigation (a page load would sign out until sign-in survives reloads)."""
    nav(page, "指标详情")
    choose(page, "计划", PLANS[plan])
    choose(page, "季度", _label(item["period"]))
    box = page.locator('input[aria-label^="指标"]').first
    box.click()
    box.fill(item["indicator_code"])  # the option list is virtual: filter it by typing
    page.locator('[role="option"]').filter(has_text=item["indicator_code"]).first.click()
    settle(page)


def _label(period: str) -> str:
    year, quarter = period.split("Q")
    return f"{year}年第{quarter}季度"
