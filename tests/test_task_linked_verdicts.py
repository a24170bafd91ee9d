"""The 重点任务台账 shows each task's linked indicators with their verdicts: 六安's LA-T1.1-04
(首席质量官, linked to LA-QM-01) was chased as 逾期（预警） while the 总览 showed LA-QM-01 已达标,
and nothing on the ledger said so. The task stays 预警 (全面推行 is more than the figure); the
ledger puts the verdict beside it and says which overdue tasks only await a completion report."""

from __future__ import annotations

import pytest

from services.tasks import linked_verdicts

VERDICTS = {"A": "已达标", "B": "逾期完成", "C": "滞后", "D": "未报送"}


@pytest.mark.parametrize(
    ("codes", "text", "all_met"),
    [
        ([], "", False),
        (["A"], "A 已达标", True),
        (["A", "B"], "A 已达标、B 逾期完成", True),  # met after its year: met all the same
        (["A", "C"], "A 已达标、C 滞后", False),
        (["D"], "D 未报送", False),
        (["A", "X"], "A 已达标、X", False),  # a code without a verdict: shown bare, not met
    ],
)
def test_linked_verdicts(codes, text, all_met):
    assert linked_verdicts(codes, VERDICTS) == (text, all_met)


def test_the_ledger_page_shows_the_linked_verdicts(tmp_path, monkeypatch):
    pytest.importorskip("streamlit.testing.v1")
    from services.actor import Actor, ActorRole
    from tests.apptest_support import demo_database, open_page, signed_in_app

    url = demo_database(tmp_path)
    at = signed_in_app(url, monkeypatch, Actor("office", ActorRole.ADMIN), plan="luan")
    open_page(at, "pages/tasks.py")
    assert not at.exception
    frame = next(d.value for d in at.dataframe if "关联指标" in d.value.columns)
    linked = dict(zip(frame["编号"], frame["关联指标"], strict=True))
    assert linked["LA-T1.1-04"] == "LA-QM-01 已达标"
    assert linked["LA-T2.3-02"] == "LA-QM-02 已达标"
    captions = " ".join(c.value for c in at.caption)
    assert "LA-T1.1-04" in captions and "LA-T2.3-02" in captions and "均已达标" in captions


def test_a_co_units_report_is_marked_and_a_decision_is_confirmed(tmp_path, monkeypatch):
    """A walker read a co-responsible unit's 推进中 report as the task's own state, with a blue
    确认完成 beside it, and 通过 left no message."""
    pytest.importorskip("streamlit.testing.v1")
    from db.session import session_scope
    from services import tasks
    from services.actor import Actor, ActorRole
    from tests.apptest_support import demo_database, open_page, signed_in_app
    from tests.supervision_support import reporter

    url = demo_database(tmp_path)
    with session_scope(url) as s:
        clerk = reporter(s, "灵璧县", "县工业和信息化局")  # LB-T01: 配合单位 (lead: 县市场监管局)
        tasks.report_progress(
            s, clerk, "lingbi", "LB-T01", "县工业和信息化局", "2026Q3", "轴承产业攻关推进中", "in_progress"
        )
    at = signed_in_app(url, monkeypatch, Actor("office", ActorRole.ADMIN), plan="lingbi")
    open_page(at, "pages/tasks.py")
    card = next(t.value for t in at.text if "LB-T01" in t.value)
    assert "县工业和信息化局（配合单位）" in card and "推进状态：推进中" in card
    assert [b.label for b in at.button if b.key and b.key.startswith("task_")] == ["通过", "退回"]
    next(b for b in at.button if b.label == "通过").click().run()
    assert not at.exception
    # escaped for markdown (LB\-T01), drawn as LB-T01
    assert [m.value.replace("\\", "") for m in at.success] == ["LB-T01（县工业和信息化局，2026年第3季度）的进展已通过。"]
    frame = next(d.value for d in at.dataframe if "进展情况" in d.value.columns)
    row = frame[frame["编号"] == "LB-T01"].iloc[0]
    assert row["进展情况"] == "2026年第3季度（县工业和信息化局）：轴承产业攻关推进中"


def test_a_refused_answer_keeps_what_the_unit_typed(tmp_path, monkeypatch):
    """A walker's rejected attachment cleared the 原因分析 and 整改措施 typed into the notice's answer."""
    pytest.importorskip("streamlit.testing.v1")
    import datetime as dt

    from db.session import session_scope
    from services import notices
    from tests.apptest_support import demo_database, open_page, signed_in_app
    from tests.supervision_support import OFFICE, reporter

    url = demo_database(tmp_path)
    with session_scope(url) as s:
        notices.issue_notice(s, OFFICE, "lingbi", "县文化和旅游局", "warning", indicator_codes=["LB-SQ-05"],
                             today=dt.date.today())  # fmt: skip
        clerk = reporter(s, "文旅填报员", "县文化和旅游局")
    at = signed_in_app(url, monkeypatch, clerk, plan="lingbi")
    open_page(at, "pages/unit_tasks.py")
    next(t for t in at.text_area if t.label == "整改措施").set_value("成立专班，12月底前完成验收材料")
    next(b for b in at.button if b.label == "提交反馈").click().run()  # 原因分析 left empty: refused
    assert not at.exception
    assert at.error, "the refusal is shown"
    assert next(t for t in at.text_area if t.label == "整改措施").value == "成立专班，12月底前完成验收材料"
    next(t for t in at.text_area if t.label == "原因分析").set_value("新评定标准提高，申报材料不全")
    next(b for b in at.button if b.label == "提交反馈").click().run()
    assert [m.value for m in at.success] and not at.error
    assert not [t for t in at.text_area if t.label == "整改措施"]  # answered: it leaves 通知单待反馈
