"""Every bad input is refused at the right [sheet, row, column, code], and nothing is written."""

from __future__ import annotations

import bad_inputs
import pytest
from sqlalchemy import func, select

from db.models import Baseline, Observation, Upload
from db.session import read_scope
from services.actor import system_actor
from services.imports import commit_import, make_template, preview_import

assert len(bad_inputs.CASES) >= 40


def snapshot(url: str) -> tuple:
    with read_scope(url) as session:
        return tuple(
            session.scalar(select(func.count(model.id))) for model in (Observation, Upload, Baseline)
        ) + (session.scalar(select(func.max(Observation.id))),)


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    from services.setup import init_database

    url = f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'corpus.db'}"
    init_database(url)
    template = make_template(url, bad_inputs.PLAN, bad_inputs.PERIOD, bad_inputs.UNIT)
    return url, template, bad_inputs.template_rows(template)


@pytest.mark.parametrize("case", bad_inputs.CASES, ids=[c.name for c in bad_inputs.CASES])
def test_corpus_case_refused_at_location(corpus_db, case):
    url, template, rows = corpus_db
    data, name = case.build(template)
    before = snapshot(url)
    preview = preview_import(url, data, name, system_actor(), **case.kwargs)
    expected = case.expected(rows)
    assert [e.location for e in preview.errors] == expected, preview.error_messages()
    for error in preview.errors:
        assert error.message and "{" not in error.message
    result = commit_import(url, data, name, system_actor(), **case.kwargs)
    assert result.status == "refused"
    assert [e.location for e in result.preview.errors] == expected
    assert snapshot(url) == before


def test_valid_base_file_is_accepted(corpus_db):
    """The corpus' starting point is itself valid (so each case fails for its own reason only)."""
    url, template, _rows = corpus_db
    preview = preview_import(url, bad_inputs.filled(template), "ok.xlsx", system_actor())
    assert preview.ok, preview.error_messages()
    assert preview.counts["new"] == len(_rows)


def test_whole_corpus_leaves_database_unchanged(seeded_url):
    """On SQLite and PostgreSQL: importing every bad file writes nothing."""
    template = make_template(seeded_url, bad_inputs.PLAN, bad_inputs.PERIOD, bad_inputs.UNIT)
    rows = bad_inputs.template_rows(template)
    before = snapshot(seeded_url)
    for case in bad_inputs.CASES:
        data, name = case.build(template)
        result = commit_import(seeded_url, data, name, system_actor(), **case.kwargs)
        assert result.status == "refused", case.name
        assert [e.location for e in result.preview.errors] == case.expected(rows), case.name
    assert snapshot(seeded_url) == before
