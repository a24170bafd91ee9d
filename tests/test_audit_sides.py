"""The upload entry's sides serialised in a thread (services/imports/audit_sides.py): the same bytes
as serialising them in the caller, the builder's error raised to the caller, and sides that need
the general path (a key that is not a string) handed back as documents."""

from __future__ import annotations

import json

import pytest

from db.audit_chain import canonical_value_bytes
from services.imports.audit_sides import SidesInBackground


def _docs():
    figures = [("LA-PQ-01", "市市场监管局", "2026Q3", i, 97.5 + i / 1000, None, None, None, "说明“甲”", False,
                "accepted") for i in range(3000)]  # fmt: skip
    before = {"fields": ["code", "unit"], "figures": [None, *figures[1:]]}
    after = {"counts": {"new": 1, "changed": 2999}, "fields": ["code", "unit"], "figures": figures,
             "baselines": [], "task_reports": [{"task": "LA-T01", "text": "<b>进展</b>"}]}  # fmt: skip
    return before, after


def test_the_thread_gives_the_bytes_the_caller_would_have_made():
    before, after = _docs()
    expected = {"before": canonical_value_bytes(before), "after": canonical_value_bytes(after)}
    got = SidesInBackground(_docs).result()
    assert got == {"serialised": expected}
    assert json.loads(got["serialised"]["after"])["figures"][5][3] == 5


def test_an_error_while_building_reaches_the_caller():
    def broken():
        raise KeyError("LA-XX-99")

    with pytest.raises(KeyError, match="LA-XX-99"):
        SidesInBackground(broken).result()


def test_sides_with_a_key_that_is_not_a_string_take_the_general_path():
    before, after = {"figures": [{1: "a"}]}, {"figures": []}
    assert SidesInBackground(lambda: (before, after)).result() == {"before": before, "after": after}
