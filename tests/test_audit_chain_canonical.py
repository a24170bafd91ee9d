"""The audit chain's canonical text is unchanged by the no-copy fast path (db/audit_chain.py): for
random nested before/after values (str and non-str keys, tuples, dates, decimals, enums, NaN) it
equals the text of the JSON round trip used before, so entries written earlier still verify."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import random

from db import audit_chain


def _round_trip_canonical(fields: dict) -> str:
    payload = {name: audit_chain._normal(fields.get(name)) for name in audit_chain.HASHED_FIELDS}
    for name in ("before", "after"):
        if fields.get(name) is None:
            payload[name] = None
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class _Kind(enum.IntEnum):
    A = 1


class _Word(enum.StrEnum):
    X = "x"


LEAVES = [1, -0.0, 1.5e300, float("nan"), float("inf"), True, None, "中文", "\u2028", "",
          dt.datetime(2026, 1, 2, 3, 4, 5, 6), dt.date(2025, 1, 1), decimal.Decimal("1.10"), _Kind.A,
          _Word.X, 10**30]  # fmt: skip


def _value(rnd: random.Random, depth: int = 0):
    r = rnd.random()
    if depth > 3 or r < 0.4:
        return rnd.choice(LEAVES)
    if r < 0.7:
        items = [_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
        return items if rnd.random() < 0.5 else tuple(items)
    keys = ["b", "a", "10", "9", "中"] + ([1, 2.5, True, None] if rnd.random() < 0.3 else [])
    return {k: _value(rnd, depth + 1) for k in rnd.sample(keys, rnd.randint(0, len(keys)))}


def test_canonical_text_equals_the_round_trip():
    rnd = random.Random(20261201)
    compared = 0
    for _ in range(5000):
        fields = {"at": dt.datetime(2026, 1, 1), "actor": "a", "before": _value(rnd), "after": _value(rnd)}
        try:
            expected = _round_trip_canonical(fields)
        except TypeError:  # keys the round trip itself cannot sort
            continue
        assert audit_chain.canonical(fields) == expected
        compared += 1
    assert compared > 4000
    upload = {"fields": ["indicator", "unit"], "figures": [["LA-PQ-01", "市市场监管局", 97.5, None]] * 3}
    assert audit_chain.canonical({"after": upload}) == _round_trip_canonical({"after": upload})
    # rows of scalars are checked in one pass; a row holding a dict with non-str keys (10 sorts
    # before 9 only as text) must still take the round trip
    rows = [("LA-PQ-01", 1, None)] * 5 + [("LA-PQ-02", {10: "a", 9: "b"})] + [["x", 2.5]] * 5
    for doc in ({"figures": rows}, {"figures": tuple(rows)}):
        text = audit_chain.canonical({"after": doc})
        assert text == _round_trip_canonical({"after": doc})
        assert '{"10":"a","9":"b"}' in text


def test_long_figure_lists_hashed_in_slices_give_the_same_text_and_hash():
    """An upload's figure lists longer than SLICE are serialised slice by slice (db/audit_chain.py:
    canonical_pieces): the pieces join to the round trip's text, and the hash is of that text."""
    import hashlib

    rnd = random.Random(7)
    size = audit_chain.SLICE
    for n in (size, size + 1, 2 * size, 2 * size + 1, 5 * size + 17):
        figures = [
            ["LA-PQ-01", f"单位{i % 7}", "2026Q3", i, rnd.choice([97.5, None, -0.0, 1e-7]), None, None,
             rnd.choice([None, "2026-03-01"]), rnd.choice(["", "备注：含\u2028换行", '引号"与\\反斜杠']),
             rnd.random() < 0.5, {"b": 1, "a": [2, "中"]}]
            for i in range(n)
        ]  # fmt: skip
        before = {"fields": ["indicator"], "figures": [None if i % 3 == 0 else f for i, f in enumerate(figures)]}
        after = {"counts": {"new": n}, "figures": tuple(tuple(f) for f in figures), "baselines": []}
        fields = {"at": dt.datetime(2026, 1, 1), "actor": "a", "before": before, "after": after}
        expected = _round_trip_canonical(fields)
        pieces = list(audit_chain.canonical_pieces(fields))
        assert "".join(pieces) == expected == audit_chain.canonical(fields)
        assert len(pieces) > 1 or n <= size  # really sliced when longer than a slice
        assert audit_chain.entry_hash("f" * 64, fields) == hashlib.sha256(
            ("f" * 64 + "\n" + expected).encode()
        ).hexdigest()
        assert fields["after"]["figures"] is after["figures"]  # the caller's values are not changed


def test_json_text_of_a_long_list_in_slices_is_the_same_json():
    """db/audit_chain.json_text (what an upload's entry stores) loads back to what json.dumps of the
    whole document would give, for lists around the slice size, empty and other keys."""
    size = audit_chain.SLICE
    for n in (0, 1, size, size + 1, 3 * size + 5):
        figures = [("LA-PQ-01", f"单位{i % 5}", "2026Q3", i, None if i % 4 else 97.5, '引号"', i % 2 == 0)
                   for i in range(n)]  # fmt: skip
        for doc in (
            {"fields": ["indicator", "unit"], "figures": figures},
            {"figures": figures},
            {"counts": {"new": n}, "figures": figures, "baselines": [], "task_reports": 0},
        ):
            text = audit_chain.json_text(doc)
            assert json.loads(text) == json.loads(json.dumps(doc))
            assert text.isascii()  # stored as is: no second, encoded copy of megabytes
