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
