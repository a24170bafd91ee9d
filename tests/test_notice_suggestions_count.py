"""督办台账's suggestions are one line per indicator (13 for 六安 at 2025Q4), the deck and bulletin one
draft notice per unit (7): a walker could not reconcile "拟发 7 份" with "指标预警督办建议（13）". The
tab now says how the two counts relate."""

from __future__ import annotations

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
