"""我的待办 (services/worklist.py) on real databases: what a reporter owes, what was returned with the
office's comment, what awaits review, warnings for its lead indicators; the office's list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.models import Indicator, Observation, Plan, Unit
from db.session import read_scope, session_scope
from indicators.periods import Period
from services import accounts, review, worklist
from services.actor import Actor, ActorRole, system_actor
from services.observations import FigureInput, record_figure

TODAY = dt.date(2026, 12, 1)  # assessment quarter 2026Q3 (deadline 10 Oct passed), reporting 2026Q4
PLAN, UNIT, CODE = "lingbi", "县农业农村局", "LB-PQ-07"
OWN = ("LB-PQ-06", "LB-PQ-07", "LB-PQ-08")  # the quarterly indicators 县农业农村局 reports
OFFICE = system_actor("office")


def _reporter(url, unit=UNIT) -> Actor:
    with read_scope(url) as session:
        ids = accounts.unit_ids_by_name(session, "灵璧县", [unit])
    return Actor("clerk", ActorRole.REPORTER, frozenset(ids))


def _sections(url, actor, today=TODAY) -> dict[str, worklist.Section]:
    with read_scope(url) as session:
        return {s.key: s for s in worklist.work_list(session, actor, PLAN, today)}


def _report(url, actor, value, period="2026Q3", code=CODE) -> int:
    with session_scope(url) as session:
        indicator = session.scalar(
            select(Indicator.id).join(Plan, Plan.id == Indicator.plan_id).where(Plan.code == PLAN,
                                                                               Indicator.code == code)
        )  # fmt: skip
        obs = record_figure(
            session, actor, FigureInput(indicator, min(actor.unit_ids), Period.parse(period), value)
        )
        return obs.id


def test_reporter_owes_due_figures_with_deadlines(seeded_url):
    clerk = _reporter(seeded_url)
    owed = _sections(seeded_url, clerk)["owed"]
    assert owed.title == "本季度应报数据 · 2026年第4季度"
    keys = [i.key for i in owed.items]
    # the quarter being reported (deadline 10 Jan 2027, 40 days ahead) and the overdue quarter before
    assert sorted(keys) == sorted(
        [f"owed/{c}/{UNIT}/2026Q4" for c in OWN] + [f"owed/{c}/{UNIT}/2026Q3" for c in OWN]
    )
    q3 = next(i for i in owed.items if i.key == f"owed/{CODE}/{UNIT}/2026Q3")
    assert q3.urgent and q3.due == dt.date(2026, 10, 10) and "已逾期 52 天" in q3.text
    q4 = next(i for i in owed.items if i.key == f"owed/{CODE}/{UNIT}/2026Q4")
    assert not q4.urgent and "截止 2027年01月10日（还有 40 天）" in q4.text
    assert q4.link.page == "upload"
    # each link opens the upload page on the quarter whose template asks for the figure
    assert dict(q4.link.params) == {"plan": PLAN, "quarter": "2026Q4"}
    assert dict(q3.link.params) == {"plan": PLAN, "quarter": "2026Q3"}
    # reported: the owed item goes, the figure awaits review
    _report(seeded_url, clerk, 44)
    after = _sections(seeded_url, clerk)
    assert f"owed/{CODE}/{UNIT}/2026Q3" not in [i.key for i in after["owed"].items]
    assert len(after["owed"].items) == 5
    assert [i.text for i in after["pending"].items] == [
        f"{UNIT}：2026年第3季度 {CODE} “三品一标”认证数：44 个（{_entered(seeded_url)} 报送，待质量办审核）"
    ]


def _entered(url) -> str:
    from db.models import Observation

    with read_scope(url) as session:
        at = session.scalar(select(Observation.entered_at).order_by(Observation.id.desc()))
    return f"{at:%Y-%m-%d %H:%M}"


def test_returned_with_comment_then_corrected_then_accepted(seeded_url):
    clerk = _reporter(seeded_url)
    first = _report(seeded_url, clerk, 44)
    office = _sections(seeded_url, OFFICE)
    assert [i.text for i in office["review"].items] == [f"{UNIT}：1 条数据待审核"]
    assert "lock/2026Q3" not in [i.key for i in office["lock"].items]  # a figure awaits review

    with session_scope(seeded_url) as session:
        review.review_figures(session, OFFICE, [first], False, "与统计年报不符，请核实")
    mine = _sections(seeded_url, clerk)
    assert mine["pending"].items == []
    (returned,) = mine["returned"].items
    assert returned.urgent and returned.key == f"returned/{first}"
    assert returned.text == f"{UNIT}：2026年第3季度 {CODE} “三品一标”认证数 报送的 44 个 被退回"
    assert returned.detail.startswith(
        f"质量办意见（office，{dt.date.today():%Y-%m-%d}）：与统计年报不符，请核实。"
    )
    assert "重新上传" in returned.detail
    assert "lock/2026Q3" not in [i.key for i in _sections(seeded_url, OFFICE)["lock"].items]  # not corrected

    second = _report(seeded_url, clerk, 45)  # the correction: the returned item goes, it awaits review
    mine = _sections(seeded_url, clerk)
    assert mine["returned"].items == []
    assert [i.key for i in mine["pending"].items] == [f"pending/{second}"]

    with session_scope(seeded_url) as session:
        review.review_figures(session, OFFICE, [second], True)
    mine = _sections(seeded_url, clerk)
    assert mine["returned"].items == [] and mine["pending"].items == []
    office = _sections(seeded_url, OFFICE)
    assert office["review"].items == []
    assert [i.key for i in office["lock"].items] == ["lock/2026Q3"]  # the only quarter with figures
    assert office["lock"].items[0].link.params == (("plan", PLAN), ("quarter", "2026Q3"))
    with session_scope(seeded_url) as session:
        review.lock_period(session, OFFICE, PLAN, Period(2026, 3))
    assert _sections(seeded_url, OFFICE)["lock"].items == []


def test_another_units_figures_are_not_in_my_list(seeded_url):
    other = _reporter(seeded_url, "县工业和信息化局")
    mine = _reporter(seeded_url)
    obs = _report(seeded_url, other, 3, code="LB-PQ-03")
    with session_scope(seeded_url) as session:
        review.review_figures(session, OFFICE, [obs], False, "请核实")
    sections = _sections(seeded_url, mine)
    assert sections["returned"].items == [] and sections["pending"].items == []
    assert all(UNIT in i.text for i in sections["owed"].items)


def test_office_sees_late_units_and_flags(seeded_url):
    office = _sections(seeded_url, OFFICE)
    # the figures' sections first; the supervision loop adds its own (task reports, answers to close)
    assert list(office)[:5] == ["review", "flags", "late", "lock", "baselines"]
    assert set(list(office)[5:]) == {"task_review", "task_late", "notice_verify"}
    late = {i.key: i for i in office["late"].items}
    assert f"late/{UNIT}" in late  # nothing reported for 2026Q3 by anyone
    assert late[f"late/{UNIT}"].text.startswith(f"{UNIT}：3 项逾期未报（截止 2026年10月10日）")
    assert late[f"late/{UNIT}"].urgent
    assert office["flags"].items == []


def test_reporter_sees_warnings_of_its_lead_indicators_only(seeded_url):
    from db.queries import load_plan_data
    from indicators.dashboard import histories
    from indicators.history import escalations
    from indicators.vocabulary import Role
    from services.demo import load_demo

    with session_scope(seeded_url) as session:
        load_demo(session, system_actor("demo"))
    today = dt.date.today()
    with read_scope(seeded_url) as session:
        plan, datas = load_plan_data(session, PLAN)
        current = worklist.current_quarter(plan, today)
        found = escalations(histories(datas, plan.settings, current), plan.settings, Role.LEAD)
    assert found, "the demo has lagging indicators"
    unit = found[0].units[0]
    expected = sorted(f"warning/{e.key}/{unit}" for e in found if unit in e.units)
    items = _sections(seeded_url, _reporter(seeded_url, unit), today)["warnings"].items
    assert sorted(i.key for i in items) == expected
    assert all(i.text.startswith(f"{unit}：") and ("预警" in i.text or "督办" in i.text) for i in items)
    quiet = next(
        u for u in ("县农业农村局", "县市场监管局", "县住建局") if all(u not in e.units for e in found)
    )
    assert _sections(seeded_url, _reporter(seeded_url, quiet), today)["warnings"].items == []


def test_viewer_has_no_sections_and_others_can_register():
    calls = []

    def extra(ctx):
        calls.append(ctx.actor.role)
        return worklist.Section("extra", "附加", [worklist.Item("一项")])

    worklist.register(extra, roles=("viewer",))
    try:
        assert worklist.sections_for("viewer") == [extra]
        assert extra not in worklist.sections_for("reporter")
    finally:
        worklist._SECTIONS[:] = [(f, r) for f, r in worklist._SECTIONS if f is not extra]
    assert worklist.sections_for("viewer") == []


@pytest.mark.parametrize(
    "today, expected", [(dt.date(2026, 10, 9), "2026Q2"), (dt.date(2026, 10, 11), "2026Q3")]
)
def test_current_quarter_follows_the_deadline(seeded_url, today, expected):
    with read_scope(seeded_url) as session:
        from db.queries import get_plan

        plan = get_plan(session, PLAN)
    assert str(worklist.current_quarter(plan, today)) == expected
    assert worklist.reporting_quarter(plan, today) == Period.parse(expected).shift(1)


def test_a_milestone_awaiting_review_reads_as_not_done_not_zero(seeded_url):
    """A walker sent 未完成 for LB-QG-02 创建国家质量强县 and read "…创建国家质量强县：0（…待质量办审核）"."""
    clerk = _reporter(seeded_url, "县市场监管局")
    obs_id = _report(seeded_url, clerk, 0, period="2026Q4", code="LB-QG-02")
    (item,) = [i for i in _sections(seeded_url, clerk)["pending"].items if i.key == f"pending/{obs_id}"]
    assert "LB-QG-02 创建国家质量强县：未完成（" in item.text, item.text
    with session_scope(seeded_url) as session:
        review.review_figures(session, OFFICE, [obs_id], accept=False, comment="请附验收文件")
    (returned,) = _sections(seeded_url, clerk)["returned"].items
    assert "报送的 未完成 被退回" in returned.text, returned.text
    assert "下载2026年第4季度的模板" in returned.detail


def test_a_unit_that_reported_late_leaves_the_offices_list(seeded_url):
    """A walker's office list kept "县农业农村局：1 项逾期报送" for a unit that had reported (late):
    nothing the office could do would clear it. Only figures still missing are listed."""
    clerk = _reporter(seeded_url)
    for code in OWN[:2]:  # two of its three 2026Q3 figures, after the 10 Oct deadline (today)
        _report(seeded_url, clerk, 40, code=code)
    with session_scope(seeded_url) as session:
        review.review_figures(
            session, OFFICE, list(session.scalars(select(Observation.id).where(Observation.review_state == "pending"))),
            accept=True,
        )  # fmt: skip
    late = {i.key: i for i in _sections(seeded_url, OFFICE)["late"].items}
    assert late[f"late/{UNIT}"].text == f"{UNIT}：1 项逾期未报（截止 2026年10月10日），另有 2 项已逾期报送"
    assert late[f"late/{UNIT}"].detail == f"未报指标：{OWN[2]}"
    _report(seeded_url, clerk, 40, code=OWN[2])
    assert f"late/{UNIT}" not in {i.key for i in _sections(seeded_url, OFFICE)["late"].items}


def test_a_target_missed_at_its_end_is_warned_as_such_not_as_a_run_of_quarters(seeded_url):
    """六安's 森林覆盖率 (LA-ENV-06, lead 市林业局) was 44.8% against 45% at the plan's end: 未完成 after
    one quarter, so 预警 at once (METHODOLOGY 十八). The rule above the item must say so, and the item
    must not say 连续 1 个季度滞后或未报送 under a rule of two quarters."""
    from services.demo import load_demo

    with session_scope(seeded_url) as session:
        load_demo(session, system_actor("demo"))
    with read_scope(seeded_url) as session:
        ids = accounts.unit_ids_by_name(session, "六安市", ["市林业局"])
        forestry = Actor("clerk", ActorRole.REPORTER, frozenset(ids))
        sections = {s.key: s for s in worklist.work_list(session, forestry, "luan", TODAY)}
    warnings = sections["warnings"]
    assert (
        warnings.hint == "连续 2 个季度滞后或未报送、或目标到期未完成的为预警，连续 4 个季度及以上的为督办。"
    )
    item = next(i for i in warnings.items if "LA-ENV-06" in i.text)
    assert item.text == "市林业局：LA-ENV-06 森林覆盖率 达到预警条件（到期未完成，截至2025年第4季度）"
    assert item.detail.endswith("质量办尚未就此发出通知单。")


def test_a_warning_names_the_notice_the_office_issued_not_only_the_rules_level(seeded_url):
    """The rule says 督办 (four quarters behind) while the office issued a 预警通知单: the unit's item
    said "督办" beside "预警〔2026〕1号（预警）待反馈" in 通知单待反馈. It now says the rule's level as a
    condition met and names the notice actually issued, with its state."""
    from services import notices
    from services.demo import load_demo

    with session_scope(seeded_url) as session:
        load_demo(session, system_actor("demo"))
    today = dt.date.today()
    with read_scope(seeded_url) as session:
        units = sorted(u.name for u in session.scalars(select(Unit).where(Unit.jurisdiction == "灵璧县")))
    unit, item = next(
        (u, i) for u in units for i in _sections(seeded_url, _reporter(seeded_url, u), today)["warnings"].items
    )
    code = item.key.split("/")[1]
    assert "达到" in item.text and item.detail.endswith("质量办尚未就此发出通知单。")
    with session_scope(seeded_url) as session:
        number = notices.issue_notice(
            session, OFFICE, PLAN, unit, "预警", indicator_codes=[code], today=today
        ).number
    again = next(
        i for i in _sections(seeded_url, _reporter(seeded_url, unit), today)["warnings"].items if i.key == item.key
    )
    assert again.text == item.text
    assert again.detail.endswith(f"质量办已发出通知单：{number}（预警，待反馈）。"), again.detail


def test_indicators_without_a_baseline_are_asked_for_until_one_is_proposed(seeded_url):
    """六安's 森林覆盖率 (LA-ENV-06) has no baseline: 无法评估 for three years, then 未完成, and nobody
    was asked for one. The office's and 市林业局's lists now name it; a target of unknown value
    (LA-PQ-05 “***%”) or one already met (LA-BR-01) is not listed. A proposal awaiting review says so."""
    from services.baselines import propose_baseline
    from services.demo import load_demo

    with session_scope(seeded_url) as session:
        load_demo(session, system_actor("demo"))
    with read_scope(seeded_url) as session:
        forestry = Actor(
            "clerk", ActorRole.REPORTER, frozenset(accounts.unit_ids_by_name(session, "六安市", ["市林业局"]))
        )
        market = Actor("clerk2", ActorRole.REPORTER, frozenset(accounts.unit_ids_by_name(session, "六安市", ["市市场监管局"])))  # fmt: skip

    def items(actor):
        with read_scope(seeded_url) as session:
            return {s.key: s for s in worklist.work_list(session, actor, "luan", TODAY)}["baselines"].items

    assert [i.text for i in items(OFFICE)] == ["市林业局：LA-ENV-06 森林覆盖率：缺少基期值，无法计算序时进度"]
    assert items(OFFICE)[0].link.page == "benchmarks"
    [mine] = items(forestry)
    assert mine.link.page == "upload" and "“基期值”“基期年份”列" in mine.detail
    # the annual figure of 2025 is asked in the 2026Q2 template only: the link opens that quarter (the
    # walk's reporter was sent to 2025Q4, whose template had no row for it)
    assert mine.link.params == (("plan", "luan"), ("quarter", "2026Q2"))
    assert mine.detail.startswith("可在2026年第2季度填报模板该指标一行的“基期值”“基期年份”列填写")
    assert items(market) == []
    with session_scope(seeded_url) as session:
        indicator = session.scalar(
            select(Indicator.id).join(Plan, Plan.id == Indicator.plan_id).where(Plan.code == "luan",
                                                                               Indicator.code == "LA-ENV-06")
        )  # fmt: skip
        propose_baseline(session, forestry, indicator, min(forestry.unit_ids), 44.1, 2020, source="林业年报")
    assert [i.text for i in items(OFFICE)] == [
        "市林业局：LA-ENV-06 森林覆盖率：单位提出的基期值待审核，无法计算序时进度"
    ]
