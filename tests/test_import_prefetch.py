"""The plan's catalogue and current figures read while the file is parsed (services/imports/prefetch.py):
used only for the plan and quarter the file is for, and never a way around the commit's re-check."""

from __future__ import annotations

import time

from db.session import read_scope
from services.actor import Actor, ActorRole
from services.imports import commit_import, make_template, pipeline, read_upload
from services.imports.prefetch import Prefetch
from tests import bad_inputs
from tests.test_import_stale_preview import _chain, _forks, _with_value
from workbook import sandbox

PLAN, UNIT, PERIOD = bad_inputs.PLAN, bad_inputs.UNIT, bad_inputs.PERIOD
ADMIN = Actor("office-admin", ActorRole.ADMIN)


def test_the_parsing_worker_sends_the_templates_plan_and_quarter_ahead(seeded_url):
    data = _with_value(make_template(seeded_url, PLAN, PERIOD, UNIT), 91.5)
    sandbox.shutdown()
    sandbox.warm()
    deadline = time.monotonic() + 30
    while len(sandbox._idle) < 2 and time.monotonic() < deadline:  # two workers: scan and parse at once
        time.sleep(0.05)
    seen = []
    raw = read_upload(data, "a.xlsx", on_meta=seen.append)
    assert raw.errors == []
    assert len(seen) == 1 and (seen[0]["plan"], seen[0]["period"]) == (PLAN, PERIOD)


def test_a_prefetch_is_used_only_for_its_plan_and_quarter(seeded_url):
    prefetch = Prefetch(seeded_url)
    prefetch.start(PLAN, PERIOD)
    got = prefetch.get(PLAN, PERIOD)
    assert got is not None and got.ctx.code == PLAN and PERIOD in got.periods
    assert prefetch.get(PLAN, "2024Q1") is None
    assert prefetch.get("other", PERIOD) is None
    unknown = Prefetch(seeded_url)
    unknown.start("no-such-plan", PERIOD)
    assert unknown.get("no-such-plan", PERIOD) is None  # failed quietly: the import reads itself


def test_a_prefetch_and_a_file_read_without_one_preview_the_same(seeded_url):
    data = _with_value(make_template(seeded_url, PLAN, PERIOD, UNIT), 91.5)
    raw = read_upload(data, "a.xlsx")
    prefetch = Prefetch(seeded_url)
    prefetch.start(PLAN, PERIOD)
    with read_scope(seeded_url) as s:
        with_pre = pipeline._prepare(s, raw, ADMIN, PLAN, None, None, prefetch)
    with read_scope(seeded_url) as s:
        without = pipeline._prepare(s, raw, ADMIN, PLAN, None, None)
    assert with_pre.preview.changes == without.preview.changes and with_pre.preview.errors == []
    assert [w.key for w in with_pre.writes] == [w.key for w in without.writes]


def test_a_write_after_the_prefetch_is_caught_under_the_lock(seeded_url):
    """Prefetched before another upload wrote LA-PQ-01: the commit re-reads and chains after it."""
    template = make_template(seeded_url, PLAN, PERIOD, UNIT)
    first, second = _with_value(template, 91.5), _with_value(template, 93.0)
    prefetch = Prefetch(seeded_url)
    prefetch.start(PLAN, PERIOD)
    assert prefetch.get(PLAN, PERIOD) is not None  # read now, before the other upload
    assert commit_import(seeded_url, first, "first.xlsx", ADMIN).status == "committed"
    raw = read_upload(second, "second.xlsx")
    with read_scope(seeded_url) as s:
        prep = pipeline._prepare(s, raw, ADMIN, None, None, None, prefetch)
    result = pipeline._commit(seeded_url, ADMIN, prep, None, None, None)
    assert result.status == "committed"
    assert _chain(seeded_url) == [(1, 91.5, False), (2, 93.0, True)]
    assert _forks(seeded_url) == 0
