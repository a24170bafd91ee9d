"""What a new user met on a first walk through the app (admin, reporter, viewer), each fixed here:

- 指标详情's 数据来源 table showed stored codes: 审核 ``accepted``, 来源文件 ``demo``, 季度 ``2026Q3``;
- the plan selector of the work pages sat in the sidebar below the navigation, out of sight: a reporter
  of 六安 opened 填报上传 on 灵璧县 ("您绑定的单位在该计划中没有需要填报的指标") with no way to see why;
- after the first password change the typed passwords stayed in the form and nothing said what next;
- a milestone (创建国家质量强县, stored 0 until done) read 当前值 0 and was drawn on a −1 … 1 axis;
- the traffic-light matrix kept 10 cell slots for a plan whose rows hold 8, so labels ran into the
  next cell.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("streamlit.testing.v1")

from services.actor import Actor, ActorRole  # noqa: E402
from tests.apptest_support import demo_database, open_page, signed_in_app  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

OFFICE = Actor("质量办", ActorRole.ADMIN)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    return demo_database(tmp_path_factory.mktemp("walk"))




def test_the_data_source_table_speaks_chinese(demo_url, monkeypatch):
    from ui.vocabulary import REVIEW_STATE_LABELS

    at = open_page(signed_in_app(demo_url, monkeypatch, Actor("县领导", ActorRole.VIEWER), "lingbi"), "pages/indicator.py")
    table = next(f.value for f in at.dataframe if "来源文件" in f.value.columns)
    assert len(table) >= 1
    assert set(table["审核"]) <= set(REVIEW_STATE_LABELS.values()), set(table["审核"])
    assert "已通过" in set(table["审核"])  # every demo figure is accepted
    assert set(table["来源文件"]) == {"演示数据"}, set(table["来源文件"])  # demo figures come from no file
    assert all(re.fullmatch(r"\d{4}年第[1-4]季度", q) for q in table["季度"]), list(table["季度"])


def _reporter(url: str, jurisdiction: str, unit: str) -> Actor:
    from db.session import read_scope
    from services import accounts

    with read_scope(url) as session:
        ids = frozenset(accounts.unit_ids_by_name(session, jurisdiction, [unit]))
    return Actor("市局填报员", ActorRole.REPORTER, ids)


def test_a_reporter_keeps_the_plan_it_chose(demo_url, monkeypatch):
    at = open_page(signed_in_app(demo_url, monkeypatch, _reporter(demo_url, "六安市", "市市场监管局")), "pages/upload.py")
    assert at.title[0].value == "六安市 · 填报上传"
    next(b for b in at.main.selectbox if b.label == "计划").set_value("lingbi").run()
    open_page(at, "pages/overview.py")
    open_page(at, "pages/upload.py")
    assert at.title[0].value == "灵璧县 · 填报上传"  # the own plan is only the first choice


@pytest.mark.parametrize("page", ["pages/upload.py", "pages/review.py", "pages/admin_users.py"])
def test_the_office_finds_the_plan_selector_on_the_page(demo_url, monkeypatch, page):
    at = open_page(signed_in_app(demo_url, monkeypatch, OFFICE), page)
    assert [b.label for b in at.sidebar.selectbox] == []
    box = next(b for b in at.main.selectbox if b.label == "计划")
    other = "lingbi" if box.value == "luan" else "luan"
    box.set_value(other).run()
    assert not at.exception, at.exception
    jurisdiction, unit = {"lingbi": ("灵璧县", "县市场监管局"), "luan": ("六安市", "市市场监管局")}[other]
    if page == "pages/admin_users.py":  # the units offered to a new account are the chosen plan's
        assert unit in next(m for m in at.multiselect if m.label.startswith("绑定责任单位")).options
    else:
        assert at.title[0].value.startswith(jurisdiction)


def test_a_new_reporter_changes_its_password_then_uploads_for_its_own_plan(demo_url, monkeypatch):
    """The walk as it happened: sign in with the one-time password, change it (the page says what
    to do next), open 填报上传 from the menu: the reporter's plan (六安市, the second
    plan), with the plan selector on the page, not hidden under the sidebar's navigation."""
    from db.session import session_scope
    from services import accounts

    with session_scope(demo_url) as session:
        ids = accounts.unit_ids_by_name(session, "六安市", ["市市场监管局"])
        first = accounts.create_user(session, OFFICE, "wang", ActorRole.REPORTER, ids)
    at = signed_in_app(demo_url, monkeypatch)
    next(t for t in at.text_input if t.label == "账户名").input("wang")
    next(t for t in at.text_input if t.label == "密码").input(first)
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, at.exception
    assert any("请先修改密码" in str(i.value) for i in at.info)
    new = "Shiju#2026ok"
    next(t for t in at.text_input if t.label == "原密码").input(first)
    next(t for t in at.text_input if t.label.startswith("新密码")).input(new)
    next(t for t in at.text_input if t.label == "再次输入新密码").input(new)
    next(b for b in at.button if b.label == "修改密码").click().run()
    assert not at.exception, at.exception
    notice = " ".join(str(i.value) for i in at.info)
    assert "密码已修改" in notice and "我的待办" in notice, notice

    open_page(at, "pages/upload.py")
    assert at.title[0].value == "六安市 · 填报上传"
    assert next(b for b in at.selectbox if b.label == "填报单位").value == "市市场监管局"
    assert [b.label for b in at.sidebar.selectbox] == []
    assert next(b for b in at.main.selectbox if b.label == "计划").value == "luan"


def _matrix_rows(per_category: dict[str, int]) -> list[dict]:
    return [
        {"code": f"X-{c}-{i}", "name": f"指标{c}{i}", "category": c, "status": "正常", "reason": "依据"}
        for c, n in per_category.items()
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("per_category", "columns", "slots"),
    [
        ({"产品质量": 8, "服务质量": 5, "质量治理": 2}, 10, 8),  # 灵璧县: 8 cells, not 10 slots
        ({"品牌建设": 20, "工程质量": 11}, 10, 10),  # 六安市: rows wrap at 10
        ({"品牌建设": 20, "工程质量": 11}, 11, 11),  # the briefing screen's 11
        ({"质量治理": 2, "环境质量": 1}, 10, 6),  # two indicators do not get half the width each
    ],
)
def test_the_matrix_is_as_wide_as_its_longest_row(per_category, columns, slots):
    from ui.charts import matrix_figure

    fig = matrix_figure(_matrix_rows(per_category), columns=columns)
    low, high = fig.layout.xaxis.range
    assert (low, high) == (-0.55, slots - 0.45)
    # a walker's drag zoomed the matrix and slid its top row under the legend: nothing to zoom
    assert fig.layout.xaxis.fixedrange is True and fig.layout.yaxis.fixedrange is True


@pytest.mark.parametrize(("plan", "code", "word"), [("lingbi", "LB-QG-02", "未完成"), ("luan", "LA-QI-01", "已完成")])
def test_a_milestone_reads_done_or_not_done_not_a_number(demo_url, monkeypatch, plan, code, word):
    """创建国家质量强县 is stored as 0 until it is done: the page said 当前值 0."""
    at = signed_in_app(demo_url, monkeypatch, Actor("县领导", ActorRole.VIEWER), plan)
    at.query_params["indicator"] = code
    open_page(at, "pages/indicator.py")
    assert next(m for m in at.metric if m.label.startswith("当前值")).value == word
    quarters = next(f.value for f in at.dataframe if "应达值" in f.value.columns)
    versions = next(f.value for f in at.dataframe if "来源文件" in f.value.columns)
    assert quarters["实际值"].iloc[0] == word and versions["数值"].iloc[0] == word  # newest first
    assert set(quarters["实际值"]) | set(versions["数值"]) <= {"已完成", "未完成", "—"}


@pytest.mark.parametrize(("code", "head"), [("LB-QG-02", "截至2026年第3季度尚未完成"), ("LB-SQ-05", "2026年第3季度实际")])
def test_the_verdict_line_names_the_quarter_once(demo_url, monkeypatch, code, head):
    """A walker read 指标详情's "截至 2026年第3季度：截至2026年第3季度尚未完成…"."""
    at = signed_in_app(demo_url, monkeypatch, Actor("县领导", ActorRole.VIEWER), "lingbi")
    at.query_params["indicator"] = code
    at.query_params["as_of"] = "2026Q3"
    open_page(at, "pages/indicator.py")
    line = next(str(m.value) for m in at.markdown if "</span>" in str(m.value) and "border-radius" in str(m.value))
    verdict = line.split("</span>", 1)[1].lstrip("　")
    assert verdict.startswith(head), verdict
    assert verdict.count("2026年第3季度") == 1, verdict


def test_the_file_uploader_shows_chinese_instead_of_streamlits_english(demo_url, monkeypatch):
    """Streamlit 1.67 writes "Upload" and "200MB per file" in the drop zone; the app's style hides
    both (font-size 0) and puts Chinese in their place (checked by eye in a real browser at
    1366×768; here the rule itself)."""
    at = open_page(signed_in_app(demo_url, monkeypatch, OFFICE), "pages/upload.py")
    style = next(str(m.value) for m in at.markdown if "stFileUploaderDropzoneInstructions" in str(m.value))
    assert '[data-testid="stFileUploaderDropzoneInstructions"] span {font-size: 0}' in style
    assert 'content: "选择文件"' in style and 'content: "或将文件拖放到此处' in style


def test_stored_tags_are_shown_in_words():
    """Found once the ASCII-word test read pandas 3 text columns: 审计日志 showed the command line's
    actor ``manage.py``, 基准值与基期值 the demo baselines' source ``演示数据（demo）``."""
    from services.actor import system_actor
    from services.demo import DEMO_SOURCE
    from ui.vocabulary import actor_name, audit_sentence, record_source

    assert record_source(DEMO_SOURCE) == "演示数据" and record_source("2021年统计公报") == "2021年统计公报"
    assert actor_name(system_actor().name) == "命令行管理工具" and actor_name("admin") == "admin"
    entry = {"actor": system_actor().name, "actor_role": "admin", "action": "create_user", "outcome": "ok",
             "entity": "user", "entity_key": "wang"}  # fmt: skip
    assert "manage.py" not in audit_sentence(entry, {})


def test_audit_sentences_space_after_a_latin_name_and_no_change_of_equal_counts():
    """审计日志 read "填报员 li修改密码" and "数据条数 由 1 项 改为 1 项" (an upload undone)."""
    from ui.vocabulary import audit_sentence

    entry = {"actor": "li", "actor_role": "reporter", "action": "change_password", "entity": "user",
             "entity_key": "li"}  # fmt: skip
    assert audit_sentence(entry).startswith("填报员 li 修改密码")
    chinese = {**entry, "actor": "张三"}
    assert audit_sentence(chinese).startswith("填报员 张三修改密码")  # no space between Chinese words
    undo = {"actor": "office", "actor_role": "admin", "action": "upload", "entity": "upload", "entity_key": "7",
            "before": {"figures": [["A", 1]]}, "after": {"figures": [["A", 2]]}}  # fmt: skip
    text = audit_sentence(undo)
    assert "数据条数：1 项" in text and "由 1 项" not in text


def test_the_command_line_names_roles_in_chinese(tmp_path):
    import os
    import subprocess
    import sys


    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    subprocess.run([sys.executable, "manage.py", "init-db"], cwd=ROOT, env=env, capture_output=True, check=True)
    out = subprocess.run(
        [sys.executable, "manage.py", "user", "add", "zhang", "--role", "reporter", "--plan", "luan",
         "--unit", "市市场监管局"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "zhang（填报员）" in out and "reporter" not in out


def test_the_overview_says_how_many_lagging_indicators_it_leaves_out(demo_url, monkeypatch):
    """六安 at 2025Q4: 17 indicators 未完成 or 未报送, the table shows 10 and said nothing of the rest."""
    at = open_page(signed_in_app(demo_url, monkeypatch, OFFICE, "luan"), "pages/overview.py")
    captions = [c.value for c in at.caption if "列出最滞后的" in c.value]
    assert captions == ["共 17 项，列出最滞后的 10 项；其余见上方红黄绿灯矩阵或“指标详情”。"], captions


def test_the_notice_form_opens_on_the_most_urgent_proposal(demo_url, monkeypatch):
    """督办台账 → 印发通知单 opened on 叶集区 / 预警, a unit with nothing behind. 六安 at 2025Q4: 市市场监管局
    has the longest run behind (LA-BR-12, 督办), so the form opens on it, at 督办."""
    at = open_page(signed_in_app(demo_url, monkeypatch, OFFICE, "luan"), "pages/notices.py")
    unit = next(b for b in at.selectbox if b.label == "责任单位")
    level = next(b for b in at.selectbox if b.label == "级别")
    assert (unit.value, level.value) == ("市市场监管局", "督办")
    assert "叶集区" in unit.options  # every unit can still be chosen
    unit.set_value("叶集区").run()  # a unit with nothing proposed: 预警 by default
    assert next(b for b in at.selectbox if b.label == "级别").value == "预警"


def test_most_urgent_first_orders_units_by_level_then_run():
    from services.notices import most_urgent_first

    proposals = [
        {"unit": "乙局", "level": "预警", "streak": 3},
        {"unit": "丙局", "level": "督办", "streak": 4},
        {"unit": "乙局", "level": "督办", "streak": 5},
        {"unit": "外局", "level": "督办", "streak": 9},  # not among the form's units: left out
    ]
    units, level = most_urgent_first(proposals, ["甲局", "乙局", "丙局", "丁局"])
    assert units == ["乙局", "丙局", "甲局", "丁局"]
    assert (level["乙局"], level["丙局"], level.get("甲局")) == ("督办", "督办", None)
