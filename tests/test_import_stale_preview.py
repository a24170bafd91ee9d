"""Confirming a page's preview: reused as validated when nothing was written since, checked again when
something was (the data-version counter differs), never forking a figure's version chain."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from db.models import Observation
from db.session import read_scope
from services.actor import Actor, ActorRole
from services.imports import commit_import, make_template, preview_import, read_upload
from tests import bad_inputs

PLAN, UNIT, PERIOD = bad_inputs.PLAN, bad_inputs.UNIT, bad_inputs.PERIOD
ADMIN = Actor("office-admin", ActorRole.ADMIN)


def _with_value(template: bytes, value: float) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[bad_inputs.S]
    bad_inputs.fill_valid(ws)
    ws.cell(bad_inputs.rows_by_code(ws)["LA-PQ-01"], 8).value = value
    return bad_inputs.save(wb)


def _chain(url) -> list[tuple]:
    """(version, value, current) of LA-PQ-01's figure for the quarter, in id order."""
    from db.models import Indicator

    with read_scope(url) as s:
        return [
            (o.version, o.value, o.superseded_by_id is None)
            for o in s.scalars(
                select(Observation)
                .join(Indicator)
                .where(Indicator.code == "LA-PQ-01", Observation.period == PERIOD)
                .order_by(Observation.id)
            )
        ]


def _forks(url) -> int:
    """Keys with more than one current version (must be none)."""
    with read_scope(url) as s:
        counts = s.execute(
            select(func.count(Observation.id))
            .where(Observation.superseded_by_id.is_(None))
            .group_by(Observation.indicator_id, Observation.unit_id, Observation.period)
        ).scalars()
        return sum(1 for c in counts if c > 1)


def test_preview_reused_when_nothing_changed(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    data = _with_value(template, 91.5)
    raw = read_upload(data, "a.xlsx")
    preview = preview_import(seeded_url, data, "a.xlsx", ADMIN, plan=PLAN, raw=raw)
    result = commit_import(seeded_url, data, "a.xlsx", ADMIN, plan=PLAN, raw=raw, preview=preview)
    assert result.status == "committed" and result.preview is preview
    assert _chain(seeded_url) == [(1, 91.5, True)]


def test_stale_preview_is_checked_again_under_the_lock(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    first = _with_value(template, 91.5)
    assert commit_import(seeded_url, first, "a.xlsx", ADMIN, plan=PLAN).status == "committed"
    data = _with_value(template, 93.0)
    raw = read_upload(data, "b.xlsx")
    preview = preview_import(seeded_url, data, "b.xlsx", ADMIN, plan=PLAN, raw=raw)
    old = {c.code: c.old for c in preview.changes}
    assert old["LA-PQ-01"] == "91.5"
    # meanwhile another user's upload changes the same figure
    other = _with_value(template, 97.0)
    assert commit_import(seeded_url, other, "c.xlsx", ADMIN, plan=PLAN).status == "committed"
    result = commit_import(seeded_url, data, "b.xlsx", ADMIN, plan=PLAN, raw=raw, preview=preview)
    assert result.status == "committed"
    changed = {c.code: (c.status, c.old, c.new) for c in result.preview.changes}
    assert changed["LA-PQ-01"] == ("changed", "97", "93")  # diffed again against what is current now
    assert _chain(seeded_url) == [(1, 91.5, False), (2, 97.0, False), (3, 93.0, True)]
    assert _forks(seeded_url) == 0


def test_stale_preview_of_a_file_now_current_writes_nothing(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    data = _with_value(template, 91.5)
    raw = read_upload(data, "a.xlsx")
    preview = preview_import(seeded_url, data, "a.xlsx", ADMIN, plan=PLAN, raw=raw)
    # the same figures arrive first through another upload (another file name, same content)
    assert commit_import(seeded_url, data, "copy.xlsx", ADMIN, plan=PLAN).status == "committed"
    result = commit_import(seeded_url, data, "a.xlsx", ADMIN, plan=PLAN, raw=raw, preview=preview)
    assert result.status in ("unchanged", "duplicate")
    assert _chain(seeded_url) == [(1, 91.5, True)] and _forks(seeded_url) == 0
