"""A key task's 逾期（预警）/逾期（督办） is a level the platform marks, not a notice the office issued:
a leader read 总览's "逾期（督办）70" beside 督办台账's "还没有印发任何预警或督办通知单" as a contradiction.
Both the 总览's task block and the 重点任务台账 say what the level is, where tasks are overdue."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit.testing.v1")

from services.actor import Actor, ActorRole  # noqa: E402
from tests.apptest_support import demo_database, open_page, signed_in_app  # noqa: E402
from ui.vocabulary import TASK_FLAG_NOTE  # noqa: E402


def test_overdue_task_levels_are_explained_where_they_are_counted(tmp_path, monkeypatch):
    url = demo_database(tmp_path)
    at = signed_in_app(url, monkeypatch, Actor("leader", ActorRole.VIEWER), plan="luan")
    assert TASK_FLAG_NOTE.startswith("逾期（预警）、逾期（督办）是按时间节点过后的季度数自动标出的级别")
    for page in ("pages/overview.py", "pages/tasks.py"):
        open_page(at, page)
        captions = [c.value for c in at.caption]
        assert TASK_FLAG_NOTE in captions, (page, captions)
        assert any(m.label.startswith("逾期（督办）") for m in at.metric) or page == "pages/tasks.py"
