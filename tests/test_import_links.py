"""Each version an import replaces points at the version that replaced it (superseded_by_id), and
nothing else: the import sets these links with one statement over its own new rows
(services/imports/pipeline.py: _link_upload), so an earlier upload's rows, rows of other
quarters and figures the file leaves unchanged must keep theirs."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from db.models import Observation
from db.session import read_scope
from services.actor import Actor, ActorRole
from services.imports import commit_import, make_template
from tests import bad_inputs

PLAN, UNIT, PERIOD = bad_inputs.PLAN, bad_inputs.UNIT, bad_inputs.PERIOD
ADMIN = Actor("office-admin", ActorRole.ADMIN)


def _file(template: bytes, changed: dict[str, float]) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[bad_inputs.S]
    bad_inputs.fill_valid(ws)
    rows = bad_inputs.rows_by_code(ws)
    for code, value in changed.items():
        ws.cell(rows[code], 8).value = value
    return bad_inputs.save(wb)


def _rows(url) -> dict[int, tuple]:
    with read_scope(url) as s:
        return {
            o.id: (o.indicator_id, o.unit_id, o.period, o.version, o.supersedes_id, o.superseded_by_id,
                   o.upload_id)
            for o in s.scalars(select(Observation))
        }  # fmt: skip


def test_replaced_versions_point_at_their_replacements_only(seeded_url):
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    first = commit_import(seeded_url, _file(template, {}), "a.xlsx", ADMIN)
    assert first.status == "committed"
    after_first = _rows(seeded_url)
    mine = {i: r for i, r in after_first.items() if r[6] == first.upload_id}
    assert len(mine) >= 5  # the unit's template has several figures

    second = commit_import(seeded_url, _file(template, {"LA-PQ-01": 91.5, "LA-PQ-02": 92.5}), "b.xlsx", ADMIN)
    assert second.status == "committed" and second.preview.counts["changed"] == 2
    rows = _rows(seeded_url)
    new = {i: r for i, r in rows.items() if r[6] == second.upload_id}
    assert len(new) == 2
    for new_id, r in new.items():
        replaced = rows[r[4]]
        assert r[3] == replaced[3] + 1 and replaced[6] == first.upload_id
        assert replaced[5] == new_id  # the replaced version points at its replacement
        assert r[5] is None  # and the replacement is current
    replaced_ids = {r[4] for r in new.values()}
    for i, r in rows.items():  # every other row's link is as it was before the second import
        if i not in replaced_ids and i not in new:
            assert r[5] == after_first[i][5], i
    current = [r[:3] for r in rows.values() if r[5] is None]
    assert len(current) == len(set(current))  # one current version per figure


def test_the_upload_entry_stores_the_text_its_hash_covers(seeded_url):
    """An upload's audit entry serialises each side once (services/audit.record_large): the column
    holds the canonical UTF-8 JSON that the chain hashed, it loads back to every figure (Chinese
    names intact), and the whole log still verifies."""
    import json

    from sqlalchemy import String, cast

    from db import audit_chain
    from db.models import AuditEntry

    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    commit_import(seeded_url, _file(template, {}), "a.xlsx", ADMIN)
    result = commit_import(seeded_url, _file(template, {"LA-PQ-01": 91.5}), "b.xlsx", ADMIN)
    with read_scope(seeded_url) as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "upload", AuditEntry.entity_key == str(result.upload_id))
        ).one()
        before, after = entry.before, entry.after
        stored = s.scalar(select(cast(AuditEntry.after, String)).where(AuditEntry.id == entry.id))
        assert audit_chain.verify(s).ok
    figures = after["figures"]
    assert [f[:3] for f in figures] == [["LA-PQ-01", UNIT, PERIOD]]
    assert figures[0][4] == 91.5 and before["figures"][0][4] == 98.5
    assert stored == json.dumps(after, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
