"""AppTest smoke tests: every dashboard page runs without exception on both seed plans."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("streamlit.testing.v1")
from streamlit.testing.v1 import AppTest  # noqa: E402

from services.actor import Actor, ActorRole  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

PAGES = {
    "pages/overview.py": "总览",
    "pages/indicator.py": "指标详情",
    "pages/units.py": "责任单位",
    "pages/catalogue.py": "计划与指标",
    "pages/methodology.py": "方法说明",
}
TIMEOUT = 120


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    sign_in(at, Actor("leader", ActorRole.VIEWER))
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, actor: Actor) -> None:
    """Put a signed-in actor into the session, as ui.auth does after a successful sign-in."""
    at.session_state["auth_actor"] = actor
    at.session_state["auth_last_seen"] = dt.datetime.now()


def _texts(at: AppTest) -> str:
    parts = [e.value for e in at.title] + [e.value for e in at.subheader] + [e.value for e in at.markdown]
    parts += [e.value for e in at.info] + [e.value for e in at.warning] + [e.value for e in at.caption]
    return "\n".join(str(p) for p in parts)


def test_overview_is_default_and_shows_tiles(app):
    text = _texts(app)
    assert "总览" in text
    assert "status-tile" in text and "红黄绿灯矩阵" in text
    assert "演示数据" in text  # demo banner on a first start


@pytest.mark.parametrize("plan", ["luan", "lingbi"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs_for_both_plans(app, page, plan):
    app.session_state["selected_plan"] = plan
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    text = _texts(app)
    assert PAGES[page] in text or (page == "pages/methodology.py" and "方法说明" in text)


def test_quarter_change_and_first_quarter(app):
    app.session_state["selected_plan"] = "lingbi"
    app.run()
    quarter = next(s for s in app.selectbox if s.label.startswith("季度"))
    assert quarter.label.startswith("季度")
    first = quarter.options[-1]
    quarter.set_value(first if not isinstance(first, str) or "Q" in first else first).run()
    assert not app.exception
    # Oldest selectable quarter: still no traceback, tiles shown.
    app.session_state["as_of_lingbi"] = "2025Q2"
    app.run()
    assert not app.exception
    assert "status-tile" in _texts(app)


def test_unit_query_param_lands_on_unit(app):
    app.session_state["selected_plan"] = "luan"
    app.switch_page("pages/units.py")
    app.run()
    unit = next(s for s in app.selectbox if s.label == "查看单位").options[0]
    app.query_params["unit"] = unit
    app.run()
    assert not app.exception
    assert unit in [e.value for e in app.subheader]
    assert "牵头指标" in _texts(app)


def test_indicator_page_every_indicator_of_lingbi(app):
    app.session_state["selected_plan"] = "lingbi"
    app.switch_page("pages/indicator.py")
    app.run()
    box = _indicator_box(app)
    for code in box.options[:]:
        _indicator_box(app).set_value(code.split(" ")[0] if " " in code else code).run()
        assert not app.exception, (code, app.exception)


def _indicator_box(app):
    """The indicator selectbox (plan and quarter selectors come first, at the top of the page)."""
    return next(s for s in app.selectbox if s.label == "指标")


def test_plan_without_figures_shows_messages(app, tmp_path):
    """A plan with no figures: a helpful message on every page, never a traceback."""
    import os

    from db.session import session_scope
    from services.actor import system_actor
    from services.demo import remove_demo

    with session_scope(os.environ["DATABASE_URL"]) as session:
        remove_demo(session, system_actor("测试"), "lingbi")
    app.session_state["selected_plan"] = "lingbi"
    app.run()
    assert not app.exception, app.exception
    assert "还没有任何填报数据" in _texts(app)
    app.session_state["as_of_lingbi"] = "2025Q2"
    app.run()
    assert not app.exception, app.exception
    for page in ("pages/indicator.py", "pages/units.py"):
        app.switch_page(page)
        app.run()
        assert not app.exception, (page, app.exception)
    app.switch_page("pages/indicator.py")
    app.run()
    for code in _indicator_box(app).options:
        _indicator_box(app).set_value(code.split(" ")[0]).run()
        assert not app.exception, (code, app.exception)
        assert "尚无填报" in _texts(app)


def test_signed_out_user_sees_only_the_login_page(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.delenv("TRACKER_PUBLIC_READ", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["质量目标监测平台"]
    assert at.text_input[0].label == "账户名" and at.text_input[1].label == "密码"


ADMIN_PAGES = {
    "pages/review.py": "数据审核",
    "pages/benchmarks.py": "基准值与基期值",
    "pages/targets_admin.py": "目标维护",
    "pages/admin_users.py": "账户管理",
    "pages/audit.py": "审计日志",
    "pages/upload.py": "填报上传",
}


@pytest.mark.parametrize("page", list(ADMIN_PAGES))
def test_admin_pages_run_for_an_admin(app, page):
    sign_in(app, Actor("office-admin", ActorRole.ADMIN))  # not the first-start "admin", who must change its password
    app.session_state["selected_plan"] = "lingbi"
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    assert any(ADMIN_PAGES[page] in t.value for t in app.title)


def test_a_viewer_cannot_open_admin_pages(app):
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in a viewer's navigation
        app.switch_page("pages/audit.py")


@pytest.mark.parametrize("plan", ["luan", "lingbi"])
def test_briefing_page_runs_for_both_plans(app, plan):
    app.session_state["selected_plan"] = plan
    app.run()
    app.switch_page("pages/briefing.py")
    app.run()
    assert not app.exception, app.exception
    assert "推进情况汇报" in _texts(app)


def test_overview_can_include_figures_awaiting_review(app, tmp_path, monkeypatch):
    """Off by default; a kept choice turns it on with a warning (clicking it is covered in the browser)."""
    toggle = next(c for c in app.checkbox if c.label == "包含待审核数据")
    assert toggle.value is False and not any("尚未审核通过" in w.value for w in app.warning)
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    sign_in(again, Actor("leader", ActorRole.VIEWER))
    again.session_state["include_pending"] = True
    again.run()
    assert not again.exception, again.exception
    assert next(c for c in again.checkbox if c.label == "包含待审核数据").value is True
    assert any("尚未审核通过" in w.value for w in again.warning)


def test_methodology_page_reads_for_a_clerk(app):
    app.switch_page("pages/methodology.py")
    app.run()
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["进度评估方法说明"]
    text = _texts(app)
    from indicators.vocabulary import Status

    legend = next(m.value for m in app.markdown if "method-legend" in m.value)
    for status in Status:
        assert f">{status.value}</span>" in legend, status
    assert "算例 7（主要算例）" in text and "滞后指数 = 总分" in text
    for developer_word in (".py", "plan.yaml", "indicators", "settings", "METHODOLOGY"):
        assert developer_word not in text, developer_word


def test_catalogue_page_marks_a_reconstructed_catalogue(app):
    app.session_state["selected_plan"] = "lingbi"
    app.switch_page("pages/catalogue.py")
    app.run()
    assert not app.exception, app.exception
    warnings = [str(w.value) for w in app.warning]
    assert any("目录来源说明" in w and "反馈意见" in w for w in warnings), warnings
    app.session_state["selected_plan"] = "luan"
    app.run()
    assert not any("目录来源说明" in str(w.value) for w in app.warning)


def test_indicator_page_shows_definition_source_and_reporting(app):
    app.session_state["selected_plan"] = "luan"
    app.query_params["indicator"] = "LA-ENV-06"  # a link to the indicator, as the overview makes
    app.switch_page("pages/indicator.py")
    app.run()
    assert not app.exception, app.exception
    assert next(box for box in app.selectbox if box.label == "指标").value == "LA-ENV-06"
    line = next(str(m.value) for m in app.markdown if "统计口径" in str(m.value))
    # escaped for markdown: the text's own characters are backslash-escaped, the words stay
    assert "年末森林面积÷土地总面积×100%" in line.replace("\\", "")
    assert "报送频次**：按年度（次年第2季度报送）" in line
    assert "计数方式**：期末数" in line
    assert "林业部门森林资源年度监测" in line


def test_demo_banner_offers_removal_to_the_office_only(app):
    """The demo banner names no shell command; only an admin gets the 删除演示数据 button (the click,
    the confirmation and the audited removal are driven in a real browser: tests/test_browser_look.py,
    since AppTest does not deliver button clicks on st.navigation pages)."""
    app.session_state["selected_plan"] = "lingbi"
    app.run()
    banner = next(w.value for w in app.warning if "演示数据" in w.value)
    assert "manage.py" not in banner and "python" not in banner
    assert not [b for b in app.button if b.label == "删除演示数据"]  # a viewer cannot remove them
    sign_in(app, Actor("office", ActorRole.ADMIN))
    app.run()
    assert [b.key for b in app.button if b.label == "删除演示数据"] == ["demo_remove_lingbi"]


def test_a_benchmark_indicator_chart_draws_the_office_benchmark_it_is_judged_by(app):
    """六安's LA-PQ-04 (万台特种设备事故死亡率, 低于全省平均): the verdict compares each year with the
    全省平均 the office entered; the chart drew the figures' own (empty) benchmark column and so no
    全省平均 at all. The demo's 全省平均: 0.499 (2022, 2023), 0.497 (2024), 0.482 (2025)."""
    import json

    app.session_state["selected_plan"] = "luan"
    app.query_params["indicator"] = "LA-PQ-04"
    app.switch_page("pages/indicator.py")
    app.run()
    assert not app.exception, app.exception
    charts = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    traces = [t for c in charts for t in c["data"] if t.get("name") == "全省平均"]
    assert len(traces) == 1, [t.get("name") for c in charts for t in c["data"]]
    assert traces[0]["x"] == ["2022Q4", "2023Q4", "2024Q4", "2025Q4"]
    assert traces[0]["y"] == [0.499, 0.499, 0.497, 0.482]
    # the figure as reported (0.453, not 0.45), the long unit in the label (cut off in the value at 1366 px)
    current = next(m for m in app.metric if m.label.startswith("当前值"))
    assert (current.label, current.value) == ("当前值（人/万台）", "0.453")
    row = next(r for r in app.dataframe if "实际值" in r.value.columns).value
    assert list(row["实际值"])[0] == "0.453 人/万台"
