"""An unexpected failure of a page shows a Chinese message with a reference number, never Streamlit's
English error screen; the server's log has the same number with the traceback (ui/errors.py).

The failure here is a real one: the database file is not a database (a disk that was restored from
a broken copy). In the test suite exceptions stay uncaught (QTT_PAGE_ERRORS=raise, conftest), which
the second test checks, so no other test passes over a failing page."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from services.actor import Actor, ActorRole
from tests.apptest_support import route_through_app

ROOT = Path(__file__).resolve().parent.parent


def _app(tmp_path, monkeypatch) -> AppTest:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not an SQLite database file, but a damaged copy" * 200)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{broken}")
    monkeypatch.delenv("TRACKER_PUBLIC_READ", raising=False)
    monkeypatch.chdir(ROOT)
    route_through_app(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["auth_actor"] = Actor("办公室", ActorRole.ADMIN)
    at.session_state["auth_last_seen"] = dt.datetime.now()
    return at


def test_a_failing_page_says_so_in_chinese_with_a_number_in_the_log(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("QTT_PAGE_ERRORS", raising=False)
    at = _app(tmp_path, monkeypatch)
    with caplog.at_level(logging.ERROR, logger="tracker.pages"):
        at.run()
    assert not at.exception  # Streamlit's own (English) error element is not drawn
    messages = [e.value for e in at.error]
    assert len(messages) == 1, messages
    match = re.fullmatch(
        r"页面出现意外错误，本次操作未完成。请刷新页面后重试；如仍出错，请联系系统管理员，"
        r"并告知错误编号 ([0-9A-F]{8})（服务器日志中记有详细信息）。",
        messages[0],
    )
    assert match, messages[0]
    logged = [r for r in caplog.records if r.name == "tracker.pages"]
    assert [r.getMessage() for r in logged] == [f"page error {match.group(1)}"]
    assert "file is not a database" in str(logged[0].exc_info[1])


def test_in_the_test_suite_the_exception_stays_uncaught(tmp_path, monkeypatch):
    monkeypatch.setenv("QTT_PAGE_ERRORS", "raise")
    at = _app(tmp_path, monkeypatch)
    at.run()
    # Streamlit's own error element (its English, redacted by showErrorDetails = "none"): what every
    # user saw before ui/errors.py, and what a test must still see
    assert at.exception and "This app has encountered an error" in at.exception[0].message
    assert not at.error
