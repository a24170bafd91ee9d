"""A unit stands by a figure the office returned: sending it again unchanged (with or without a
new note) is a resubmission, a new version awaiting review, not "nothing changed" (before, the
import said 没有任何新的或修改的数据 and the returned item stayed on the unit's 我的待办 for ever)."""

from __future__ import annotations

import datetime as dt
import io

import bad_inputs
from openpyxl import load_workbook
from sqlalchemy import select

from db.models import Indicator, Observation, Plan, Unit
from db.session import read_scope, session_scope
from indicators.periods import Period
from services import review
from services.actor import Actor, ActorRole, system_actor
from services.imports import commit_import, make_template, preview_import
from services.imports.pipeline import RETURNED_MARK
from services.observations import FigureInput, record_figure
from services.worklist import work_list

PLAN, UNIT, PERIOD = bad_inputs.PLAN, bad_inputs.UNIT, bad_inputs.PERIOD


def _ids(session, code: str) -> tuple[int, int]:
    indicator_id = session.scalar(
        select(Indicator.id).join(Plan, Plan.id == Indicator.plan_id).where(Plan.code == PLAN, Indicator.code == code)
    )
    return indicator_id, session.scalar(select(Unit.id).where(Unit.name == UNIT))


def _versions(url, indicator_id, unit_id):
    with read_scope(url) as s:
        return s.execute(
            select(Observation.version, Observation.value, Observation.review_state)
            .where(Observation.indicator_id == indicator_id, Observation.unit_id == unit_id,
                   Observation.period == PERIOD)
            .order_by(Observation.version)
        ).all()  # fmt: skip


def _return_only_version(url, indicator_id, unit_id, comment: str) -> int:
    """The office returns the figure's one version (with ``comment``); its id."""
    with session_scope(url) as s:
        (obs_id,) = s.scalars(
            select(Observation.id).where(Observation.indicator_id == indicator_id, Observation.unit_id == unit_id,
                                         Observation.period == PERIOD)
        ).all()  # fmt: skip
        review.review_figures(s, system_actor(), [obs_id], accept=False, comment=comment)
    return obs_id


def _returned(url, clerk, what: str = "key") -> list:
    with read_scope(url) as s:
        sections = work_list(s, clerk, PLAN, dt.date(2025, 7, 20))
    return [getattr(i, what) for sec in sections if sec.key == "returned" for i in sec.items]


def _rate_files(url, *values: float) -> tuple[str, list[bytes], int, int]:
    """The unit's template with its first rate indicator filled in, one file per value: (code, files,
    indicator id, unit id)."""
    wb = load_workbook(io.BytesIO(make_template(url, PLAN, PERIOD, UNIT)))
    ws = wb[bad_inputs.S]
    rows = bad_inputs.rows_by_code(ws)
    code, row = next((c, r) for c, r in rows.items() if (ws.cell(r, 5).value or "").startswith("比率"))
    files = []
    for value in values:
        ws.cell(row, 8).value = value
        files.append(bad_inputs.save(wb))
    with session_scope(url) as s:
        indicator_id, unit_id = _ids(s, code)
    return code, files, indicator_id, unit_id


def test_a_returned_figure_sent_again_unchanged_goes_back_to_review(seeded_url):
    code, (data,), indicator_id, unit_id = _rate_files(seeded_url, 97.3)
    clerk = Actor("clerk", ActorRole.REPORTER, frozenset({unit_id}))

    first = commit_import(seeded_url, data, "q2.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT)
    assert first.status == "committed"
    obs_id = _return_only_version(seeded_url, indicator_id, unit_id, "与上年差异大，请核实")
    assert _versions(seeded_url, indicator_id, unit_id) == [(1, 97.3, "returned")]
    assert _returned(seeded_url, clerk) == [f"returned/{obs_id}"]
    # 去更正上传 opens the page on the quarter of the template the figure came in
    (link,) = _returned(seeded_url, clerk, "link")
    assert (link.page, dict(link.params)) == ("upload", {"plan": PLAN, "quarter": PERIOD})

    # the same file again: this figure is re-sent (the other rows are pending, so unchanged)
    preview = preview_import(seeded_url, data, "q2-again.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT)
    assert preview.ok and preview.changes_anything
    resent = [c for c in preview.changes if c.status == "changed"]
    assert [(c.code, c.old.endswith(RETURNED_MARK)) for c in resent] == [(code, True)]
    assert preview.counts["changed"] == 1 and preview.counts["new"] == 0
    again = commit_import(seeded_url, data, "q2-again.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT,
                          preview=preview)  # fmt: skip
    assert again.status == "committed" and again.pending_review
    assert _versions(seeded_url, indicator_id, unit_id) == [(1, 97.3, "returned"), (2, 97.3, "pending")]
    assert _returned(seeded_url, clerk) == []  # off the unit's list; now the office reviews it again

    # a third time, pending now: nothing to send
    third = preview_import(seeded_url, data, "q2-third.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT)
    assert not third.changes_anything


def test_a_returned_figure_entered_again_by_hand_is_a_new_pending_version(seeded_url):
    with session_scope(seeded_url) as s:
        indicator_id, unit_id = _ids(s, "LA-PQ-01")
        clerk = Actor("clerk", ActorRole.REPORTER, frozenset({unit_id}))
        figure = FigureInput(indicator_id, unit_id, Period.parse(PERIOD), 97.3)
        obs = record_figure(s, clerk, figure)
        review.review_figures(s, system_actor(), [obs.id], accept=False, comment="请核实")
        again = record_figure(s, clerk, figure)
        assert again is not None and (again.version, again.review_state) == (2, "pending")
        assert record_figure(s, clerk, figure) is None  # pending now: the same figure is unchanged


def test_a_correction_after_a_return_shows_the_returned_value_as_such(seeded_url):
    """The preview's 原值 of a figure the office returned is the returned version, marked 已退回 (not
    taken for the figure in use); a pending one is marked 待审核."""
    code, (first_file, corrected), indicator_id, unit_id = _rate_files(seeded_url, 97.3, 98.1)
    clerk = Actor("clerk", ActorRole.REPORTER, frozenset({unit_id}))
    assert commit_import(seeded_url, first_file, "q2.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT).status == (
        "committed"
    )
    pending = preview_import(seeded_url, corrected, "q2b.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT)
    assert [c.old for c in pending.changes if c.code == code] == ["97.3（待审核）"]
    _return_only_version(seeded_url, indicator_id, unit_id, "请核实")
    preview = preview_import(seeded_url, corrected, "q2b.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT)
    change = next(c for c in preview.changes if c.code == code)
    assert (change.status, change.old, change.new) == ("changed", "97.3（已退回）", "98.1")
    # the unit's next template says so too, in its 上次填报 column, with the office's reason
    ws = load_workbook(io.BytesIO(make_template(seeded_url, PLAN, PERIOD, UNIT)))[bad_inputs.S]
    header = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}
    assert ws.cell(bad_inputs.rows_by_code(ws)[code], header["上次填报"]).value == (
        "97.3（2025年第2季度，已退回：请核实）"
    )


def test_a_long_return_comment_is_one_short_line_of_the_template():
    from services.imports.templates import COMMENT_CHARS, clean_comment

    assert clean_comment("与统计年报\n不符，\t请核实") == "与统计年报 不符， 请核实"
    long = "省经信厅2026年公布名单" * 10
    assert len(clean_comment(long)) == COMMENT_CHARS and clean_comment(long).endswith("…")


def test_the_reviewer_sees_why_the_office_returned_the_earlier_version(seeded_url):
    """The 数据审核 card of a corrected figure carries the office's earlier return and its comment:
    the reviewer checks that the correction answers it. A figure never returned carries nothing."""
    from services.review_queue import pending_figures

    code, (first_file, corrected), indicator_id, unit_id = _rate_files(seeded_url, 97.3, 98.1)
    clerk = Actor("clerk", ActorRole.REPORTER, frozenset({unit_id}))
    first = commit_import(seeded_url, first_file, "q2.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT)
    assert first.status == "committed", first.preview.errors
    with read_scope(seeded_url) as s:
        assert [(f.indicator_code, f.earlier_return) for f in pending_figures(s, PLAN)] == [(code, "")]
    _return_only_version(seeded_url, indicator_id, unit_id, "与统计年报不符，请核实")
    commit_import(seeded_url, corrected, "q2b.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT)
    with read_scope(seeded_url) as s:
        (card,) = pending_figures(s, PLAN)
    day = dt.datetime.now(dt.UTC).date().isoformat()  # reviewed_at is stored in UTC
    assert card.new.startswith("98.1") and card.version == 2
    assert card.earlier_return == f"第 1 版 97.3%，命令行管理工具 {day} 退回：与统计年报不符，请核实"
    # not "—（首次报送）" beside 第 2 版: the first version was returned, nothing is in force
    assert card.old == "—（第 1 版已退回，尚无审核通过的数值）"


def test_the_reviewer_sees_the_units_figure_for_the_period_before(seeded_url):
    """A walker's reviewer saw "原值 —（首次报送） → 新值 8 家" for a cumulative count, with nothing to
    judge it by; the unit's template had shown last quarter's 7 家. The card now shows it."""
    from services.review_queue import pending_figures

    code, (data,), indicator_id, unit_id = _rate_files(seeded_url, 97.3)
    with session_scope(seeded_url) as s:
        record_figure(s, system_actor(), FigureInput(indicator_id, unit_id, Period.parse(PERIOD).shift(-1), 96.5))
    clerk = Actor("clerk", ActorRole.REPORTER, frozenset({unit_id}))
    assert commit_import(seeded_url, data, "q2.xlsx", clerk, plan=PLAN, period=PERIOD, unit=UNIT).pending_review
    with read_scope(seeded_url) as s:
        (card,) = pending_figures(s, PLAN)
    assert (card.indicator_code, card.old, card.previous) == (code, "—（首次报送）", "2025年第1季度 96.5%")
