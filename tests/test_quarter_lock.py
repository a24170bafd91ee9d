"""Locking a quarter (季度锁定 on 数据审核).

A walk locked a quarter with a figure still 待审核: once locked, that figure could be neither
accepted nor returned (review checks the lock), so it stayed 待审核 until somebody unlocked the
quarter. Now the lock is refused while any figure of the quarter awaits review; figures returned
and not yet corrected do not stop it (the office closes the quarter with what it accepted, after
confirming). The page says why the button is disabled, and its 已锁定 / 已解锁 message is shown next
to the buttons, not at the top of a long page.
"""

from __future__ import annotations

import io

import bad_inputs
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.models import Observation, PeriodLock, Unit
from db.session import read_scope, session_scope
from indicators.periods import Period
from services import review
from services.actor import Actor, ActorRole, system_actor
from services.imports import commit_import, make_template

PLAN, UNIT, PERIOD = bad_inputs.PLAN, bad_inputs.UNIT, bad_inputs.PERIOD
OFFICE = system_actor("质量办")


def _reporter_sends_one_rate(url) -> int:
    """The unit's reporter sends one rate for PERIOD (pending review); its observation id."""
    with read_scope(url) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == UNIT))
    wb = load_workbook(io.BytesIO(make_template(url, PLAN, PERIOD, UNIT)))
    ws = wb[bad_inputs.S]
    row = next(r for r in range(4, ws.max_row + 1) if (ws.cell(r, 5).value or "").startswith("比率"))
    ws.cell(row, 8).value = 97.3
    clerk = Actor("clerk", ActorRole.REPORTER, frozenset({unit_id}))
    result = commit_import(url, bad_inputs.save(wb), "q.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT)
    assert result.status == "committed" and result.pending_review
    with read_scope(url) as s:
        return s.scalar(select(Observation.id).where(Observation.review_state == "pending"))


def _locks(url) -> int:
    with read_scope(url) as s:
        return s.scalar(select(func.count(PeriodLock.id)))


def test_a_quarter_with_a_figure_awaiting_review_cannot_be_locked(seeded_url):
    obs_id = _reporter_sends_one_rate(seeded_url)
    label = Period.parse(PERIOD).label
    with pytest.raises(review.PendingInPeriod) as refused, session_scope(seeded_url) as s:
        review.lock_period(s, OFFICE, PLAN, Period.parse(PERIOD))
    assert str(refused.value) == f"{label}还有 1 条待审核数据，请先在上方逐条通过或退回，再锁定该季度"
    assert _locks(seeded_url) == 0
    # another quarter of the same plan is not held up by it
    with session_scope(seeded_url) as s:
        review.lock_period(s, OFFICE, PLAN, Period.parse(PERIOD).shift(-1))
    assert _locks(seeded_url) == 1
    # returned (awaiting the unit's correction): the office may close the quarter
    with session_scope(seeded_url) as s:
        review.review_figures(s, OFFICE, [obs_id], accept=False, comment="请核实")
    with session_scope(seeded_url) as s:
        review.lock_period(s, OFFICE, PLAN, Period.parse(PERIOD))
    assert _locks(seeded_url) == 2


def test_the_page_says_why_it_cannot_lock_and_confirms_the_lock_next_to_the_button(seeded_url, monkeypatch):
    pytest.importorskip("streamlit.testing.v1")
    from tests.apptest_support import open_page, signed_in_app

    if not seeded_url.startswith("sqlite"):
        pytest.skip("the page is backend-independent; the SQLite run covers it")
    obs_id = _reporter_sends_one_rate(seeded_url)
    label = Period.parse(PERIOD).label
    at = signed_in_app(seeded_url, monkeypatch, Actor("质量办", ActorRole.ADMIN), PLAN)
    at.query_params["quarter"] = PERIOD
    open_page(at, "pages/review.py")
    lock = next(b for b in at.button if b.label == "锁定该季度")
    assert lock.disabled
    assert any(f"{label}还有 1 条待审核数据" in w.value for w in at.warning), [w.value for w in at.warning]

    with session_scope(seeded_url) as s:
        review.review_figures(s, OFFICE, [obs_id], accept=True)
    at.run()
    lock = next(b for b in at.button if b.label == "锁定该季度")
    assert not lock.disabled and not any("待审核数据" in w.value for w in at.warning)
    # the lock itself and its message next to the button: tests/test_browser_accounts.py (a dialog)


def test_a_quarter_with_a_flagged_figure_does_not_read_ready_to_lock():
    """A walker was offered "2026年第2季度（已全部审核，可锁定）" while 待核实 held LB-PQ-03 of that quarter."""
    from services.review_queue import QuarterState

    q = Period(2026, 2)
    assert QuarterState(q, False, 0, 0, 12).label == "2026年第2季度（已全部审核，可锁定）"
    assert QuarterState(q, False, 0, 0, 12, flagged=1).label == "2026年第2季度（已全部审核，1 条待核实）"
    assert QuarterState(q, False, 2, 0, 12, flagged=1).label == "2026年第2季度（2 条待审核）"


def test_the_review_page_counts_the_flagged_figures_of_each_quarter(tmp_path, monkeypatch):
    pytest.importorskip("streamlit.testing.v1")
    from tests.apptest_support import demo_database, open_page, signed_in_app

    url = demo_database(tmp_path)
    at = signed_in_app(url, monkeypatch, Actor("质量办", ActorRole.ADMIN), "lingbi")
    open_page(at, "pages/review.py")
    flagged = [
        c.value for c in at.caption if "待核实的数据（见上方“待核实”）" in c.value
    ]  # the default quarter (2026Q3) has none in the demo
    options = next(b for b in at.selectbox if b.label == "季度").options
    assert "2026年第2季度（已全部审核，1 条待核实）" in options, options
    assert not flagged
