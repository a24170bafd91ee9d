"""The audit log's hash chain: each entry's ``entry_hash`` covers the previous entry's hash.

``entry_hash = sha256(prev_hash + "\\n" + canonical JSON of the entry's fields)``, where the
fields are everything an entry says (when, who, what, outcome, before → after, file hash,
detail) but not its id. Walking the log in id order, every entry's ``prev_hash`` must equal
the ``entry_hash`` of the entry before it, and every ``entry_hash`` must match its fields:
a row changed by hand breaks its own hash, a row removed breaks the link of the next one.

What the chain cannot show on its own is the *newest* entries removed (nothing follows
them); ``verify`` therefore reports the count and the last hash, which the office can note
down (e.g. in the quarterly minutes) to compare later.

Writers serialise on the chain's head: on SQLite the write transaction holds the database
lock already (BEGIN IMMEDIATE); on PostgreSQL :func:`lock_head` takes a transaction-scoped
advisory lock (any role may, no table privilege needed) before reading the last hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

GENESIS = "0" * 64
HASHED_FIELDS = (
    "at",
    "actor",
    "actor_role",
    "action",
    "outcome",
    "plan_code",
    "unit",
    "entity",
    "entity_key",
    "before",
    "after",
    "file_sha256",
    "detail",
)
_ADVISORY_KEY = 720_514_001  # any fixed number: "the audit chain's head"
_HEAD_KEY = "audit_chain_head"


def _normal(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, dict | list | tuple):
        return json.loads(json.dumps(value, ensure_ascii=False, default=str))
    return "" if value is None else value


_SCALARS = frozenset({str, int, float, bool, type(None)})
_STR = frozenset({str})
_ROWS = frozenset({tuple, list})
_SCALARS_OR_ROWS = _SCALARS | _ROWS


def _str_keys_only(value: Any) -> bool:
    """Every dict inside ``value`` has only str keys: then ``json.dumps(value, default=str)`` equals
    the dumps of its JSON round trip (``_normal``), so the round trip (a full copy) can be skipped."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if not set(map(type, item)) <= _STR:
                return False
            children = item.values()
        else:
            children = item
        types = set(map(type, children))  # C-level, as below: an upload lists 10,000 figure rows
        if types <= _SCALARS:
            continue
        if types <= _SCALARS_OR_ROWS:  # rows of scalars (the figures' before → after): one pass over
            rows = [child for child in children if type(child) in _ROWS]  # all their items at once
            if set(map(type, itertools.chain.from_iterable(rows))) <= _SCALARS:
                continue
        for child in children:
            if type(child) not in _SCALARS and isinstance(child, dict | list | tuple):
                stack.append(child)
    return True


_DUMPS = {"ensure_ascii": False, "sort_keys": True, "separators": (",", ":"), "default": str}
SLICE = 2000  # list items serialised at a time by canonical_pieces


def _payload(fields: dict[str, Any]) -> dict[str, Any]:
    payload = {}
    for name in HASHED_FIELDS:
        value = fields.get(name)
        if isinstance(value, dict | list | tuple) and _str_keys_only(value):
            payload[name] = value  # same text as _normal's round trip, without copying (an upload's
            # entry carries every figure's before → after)
        else:
            payload[name] = _normal(value)
    for name in ("before", "after"):  # JSON columns: None stays null
        if fields.get(name) is None:
            payload[name] = None
    return payload


def canonical(fields: dict[str, Any]) -> str:
    """The entry's fields as one canonical JSON text (sorted keys, no spaces)."""
    return "".join(canonical_pieces(fields))


def canonical_pieces(fields: dict[str, Any]) -> Iterable[str]:
    """:func:`canonical`'s text in pieces whose concatenation is exactly that text.

    An upload's entry lists 10,000 figures before and after: as one text that is megabytes (twice,
    once as ``str`` and once encoded), the largest allocation of an import. Here ``before`` and
    ``after`` are each serialised in their place in the text (:func:`_around`), and a long list
    held directly by either is serialised SLICE items at a time (:func:`_value_pieces`): the same
    characters (tests/test_audit_chain_canonical.py).
    """
    payload = _payload(fields)
    sides = {
        name: _value_pieces(payload[name]) for name in ("before", "after") if isinstance(payload[name], dict)
    }
    return _around(payload, sides)


def _around(payload: dict[str, Any], sides: dict[str, Iterable[str | bytes]]) -> Iterable[str | bytes]:
    """``json.dumps(payload)`` with the value of each field named in ``sides`` given as pieces:
    the payload is serialised with each such value replaced by a unique placeholder string, and
    the pieces are put where the placeholder's text is."""
    if not sides:
        yield json.dumps(payload, **_DUMPS)
        return
    token = secrets.token_hex(16)  # a placeholder no data text can contain by chance or design
    markers = {name: json.dumps(f"\x00canonical-{name}-{token}\x00", **_DUMPS) for name in sides}
    text = json.dumps({**payload, **{name: json.loads(m) for name, m in markers.items()}}, **_DUMPS)
    start = 0
    for at, name in sorted((text.index(marker), name) for name, marker in markers.items()):
        yield text[start:at]
        yield from sides[name]
        start = at + len(markers[name])
    yield text[start:]


def _value_pieces(value: dict[str, Any]) -> Iterable[str]:
    """``json.dumps(value)`` (canonical) in pieces: each list longer than SLICE held directly by
    ``value`` is ``[`` + its slices' texts (each without its brackets) joined by ``,`` + ``]``."""
    long_lists = {k: v for k, v in value.items() if isinstance(v, list | tuple) and len(v) > SLICE}
    yield from _around(value, {key: _list_pieces(items) for key, items in long_lists.items()})


def _list_pieces(items: list | tuple) -> Iterable[str]:
    yield "["
    for i in range(0, len(items), SLICE):
        if i:
            yield ","
        yield json.dumps(list(items[i : i + SLICE]), **_DUMPS)[1:-1]
    yield "]"


def serialisable_once(value: dict[str, Any]) -> bool:
    """``value`` needs no JSON round trip before it is hashed (every dict in it has str keys only):
    then :func:`canonical_value_bytes` gives the text the entry's hash covers."""
    return _str_keys_only(value)


def canonical_value_bytes(value: dict[str, Any]) -> bytes:
    """The UTF-8 text :func:`canonical` gives ``value`` (:func:`serialisable_once`) as an entry's
    ``before`` or ``after``. An upload's entry stores these very bytes as the column's JSON text and
    hashes them (:func:`entry_hash` with ``sides``): its 10,000 figures are serialised once."""
    return b"".join(piece.encode() for piece in _value_pieces(value))


_COMPACT = {"separators": (",", ":"), "default": str}  # ASCII: a compact str, stored without a copy


def json_text(doc: dict[str, Any]) -> str:
    """``doc`` as the JSON text of a JSON column, its long lists serialised SLICE items at a time.

    ``json.dumps`` of an upload's 10,000 figure rows at once holds every row's small strings
    before joining them (+4 MB, the peak of an import); slice by slice it holds one slice's.
    Keys keep their order except that long lists come last (a JSON object has no order).
    """
    long_lists = {k: v for k, v in doc.items() if isinstance(v, list | tuple) and len(v) > SLICE}
    if not long_lists:
        return json.dumps(doc, **_COMPACT)
    head = json.dumps({k: v for k, v in doc.items() if k not in long_lists}, **_COMPACT)
    pieces = [head[:-1]]
    first = head == "{}"
    for key, items in long_lists.items():
        pieces.append(("" if first else ",") + json.dumps(key) + ":[")
        first = False
        for i in range(0, len(items), SLICE):
            if i:
                pieces.append(",")
            pieces.append(json.dumps(list(items[i : i + SLICE]), **_COMPACT)[1:-1])
        pieces.append("]")
    pieces.append("}")
    return "".join(pieces)


def entry_hash(prev_hash: str, fields: dict[str, Any], sides: dict[str, bytes] | None = None) -> str:
    """sha256 of ``prev_hash + "\\n" + canonical(fields)``, fed piece by piece (an upload's entry is
    megabytes of text, never held whole). ``sides``: ``before`` and/or ``after`` given as their
    :func:`canonical_value_bytes` (the values in ``fields`` are then not read)."""
    digest = hashlib.sha256(f"{prev_hash}\n".encode())
    if sides:
        payload = _payload({**fields, **dict.fromkeys(sides)})
        pieces = _around(payload, {name: (data,) for name, data in sides.items()})
    else:
        pieces = canonical_pieces(fields)
    for piece in pieces:
        digest.update(piece if isinstance(piece, bytes) else piece.encode())
    return digest.hexdigest()


def lock_head(session: Session) -> None:
    """Serialise writers of the chain for the rest of the transaction (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})


def head(session: Session) -> str:
    """The newest entry_hash in this transaction (GENESIS on an empty log); taken once, then kept."""
    transaction = session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached[0] is transaction:
        return cached[1]
    from db.models import AuditEntry

    lock_head(session)
    session.flush()  # entries added through the ORM earlier in this transaction come first
    last = session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    return last or GENESIS


def chain(
    session: Session, rows: Iterable[dict[str, Any]], sides: dict[str, bytes] | None = None
) -> list[dict[str, Any]]:
    """Give each new entry (a dict of its fields, ``at`` set) its prev_hash and entry_hash, in order.
    ``sides``: a single entry's before/after as canonical bytes (see :func:`entry_hash`)."""
    prev = head(session)
    out = []
    for row in rows:
        digest = entry_hash(prev, row, sides)
        out.append({**row, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    session.info[_HEAD_KEY] = (session.get_transaction(), prev)
    return out


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    last_hash: str
    broken_id: int | None = None
    reason: str = ""


def verify(session: Session) -> VerifyResult:
    """Walk the whole log in id order; stop at the first entry that does not fit the chain."""
    from db.models import AuditEntry

    prev, count = GENESIS, 0
    columns = [getattr(AuditEntry, name) for name in HASHED_FIELDS]
    query = select(AuditEntry.id, AuditEntry.prev_hash, AuditEntry.entry_hash, *columns)
    query = query.order_by(AuditEntry.id)
    for row in session.execute(query).yield_per(2000):
        fields = dict(zip(HASHED_FIELDS, row[3:], strict=True))
        if row.prev_hash != prev:
            reason = "与前一条记录的链接不符（其前的记录被删除或修改）" if row.prev_hash else "缺少哈希值"
            return VerifyResult(False, count, prev, row.id, reason)
        if entry_hash(prev, fields) != row.entry_hash:
            return VerifyResult(False, count, prev, row.id, "记录内容与其哈希值不符（被修改）")
        prev, count = row.entry_hash, count + 1
    return VerifyResult(True, count, prev)
