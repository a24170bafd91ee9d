"""督办台账's suggestions are one line per indicator (13 for 六安 at 2025Q4), the deck and bulletin one
draft notice per unit (7): a walker could not reconcile "拟发 7 份" with "指标预警督办建议（13）". The
tab now says how the two counts relate."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("streamlit.testing.v1")

from services.actor import Actor, ActorRole  # noqa: E402
from services.briefing import load_briefing  # noqa: E402
from tests.apptest_support import demo_database, open_page, signed_in_app  # noqa: E402


def test_the_suggestions_say_how_they_become_one_notice_per_unit(tmp_path, monkeypatch):
    url = demo_database(tmp_path)
    at = signed_in_app(url, monkeypatch, Actor("office", ActorRole.ADMIN), plan="luan")
    open_page(at, "pages/notices.py")
    captions = [c.value for c in at.caption]
    line = next(c for c in captions if c.startswith("共 "))
    assert line == "共 13 项指标、涉及 7 个单位。汇报材料按单位合并：向其中7 个有指标尚未印发通知单的单位各拟发一份（取其中最高级别）。"
    b = load_briefing(url, "luan", "2025Q4")
    assert len(b.notices) == 7  # the deck's and the bulletin's count of drafts


def test_the_notice_form_lists_the_units_own_indicators_first_with_their_status(tmp_path, monkeypatch):
    """A walker issued a 预警 to 县工业和信息化局 for LB-PQ-05, which is 正常: the list held every indicator
    of the plan, without status. The unit's own indicators now come first, each with its status; the
    notice is still issued (the office decides) with a warning that the indicator is not behind."""
    from db.session import read_scope
    from services import notices
    from services.progress import status_rows

    url = demo_database(tmp_path)
    unit = "县工业和信息化局"
    with read_scope(url) as s:
        rows = {r["indicator_code"]: r for r in status_rows(s, "lingbi", "2026Q3")}
    own = [c for c, r in rows.items() if unit in r["lead_units"].split("、")]
    at = signed_in_app(url, monkeypatch, Actor("office", ActorRole.ADMIN), plan="lingbi")
    open_page(at, "pages/notices.py")
    at.selectbox(key="notice_unit").set_value(unit).run()
    box = next(m for m in at.multiselect if m.label == "指标")
    first = box.options[: len(own)]
    assert [o.split(" ")[0] for o in first] == own, box.options[:8]
    assert first[own.index("LB-PQ-05")].endswith(f"（{rows['LB-PQ-05']['status']}）")
    assert rows["LB-PQ-05"]["status"] == "正常"
    assert all(o.endswith("，非本单位指标）") for o in box.options[len(own):])
    box.set_value([first[own.index("LB-PQ-05")]])
    next(b for b in at.button if b.label == "印发通知单").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已印发预警〔2026〕1号。"]
    (warning,) = [w.value for w in at.warning if "并未滞后" in w.value]
    assert warning.replace("\\", "").startswith("注意：LB-PQ-05 截至2026年第3季度并未滞后")  # markdown-escaped
    with read_scope(url) as s:
        (row,) = notices.register_rows(s, "lingbi", dt.date.today())
    assert row["事项"].startswith("LB-PQ-05 ")


def test_indicator_choices_order_and_labels_by_hand():
    from services.notices import indicator_choices, not_behind

    catalogue = [
        {"code": "A-1", "name": "甲", "lead_units": ["县商务局"], "co_units": []},
        {"code": "A-2", "name": "乙", "lead_units": ["县住建局"], "co_units": ["县商务局"]},
        {"code": "A-3", "name": "丙", "lead_units": ["县商务局"], "co_units": []},
    ]
    statuses = {"A-1": "正常", "A-2": "滞后", "A-3": "未报送"}
    assert list(indicator_choices(catalogue, statuses, "县商务局")) == [
        "A-1 甲（正常）", "A-3 丙（未报送）", "A-2 乙（滞后）"
    ]
    assert list(indicator_choices(catalogue, statuses, "县水利局")) == [
        "A-1 甲（正常，非本单位指标）", "A-2 乙（滞后，非本单位指标）", "A-3 丙（未报送，非本单位指标）"
    ]
    assert not_behind(["A-1", "A-2", "A-3"], statuses) == ["A-1"]
