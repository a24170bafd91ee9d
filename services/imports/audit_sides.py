"""An upload's audit entry lists every figure's before → after; its JSON is made in a thread.

The entry's two sides (10,000 figures each for a 10,000-row upload) are built and serialised to
the canonical bytes the hash chain covers (db/audit_chain.canonical_value_bytes, ≈ 20 ms) while
the main thread waits for the statement that links the replaced versions (≈ 30 ms): SQLite and
psycopg release the GIL while a statement runs, so the two overlap instead of following each
other. The thread reads only Python objects that nobody changes meanwhile (the prepared writes,
the catalogue's codes) and never touches a session; an error in it is raised by :meth:`result`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from db.audit_chain import canonical_value_bytes, serialisable_once

Doc = dict[str, Any]


class SidesInBackground:
    """``build()`` → (before, after) documents, serialised in a thread; :meth:`result` waits."""

    def __init__(self, build: Callable[[], tuple[Doc, Doc]]) -> None:
        self._sides: dict[str, bytes] = {}
        self._docs: tuple[Doc, Doc] | None = None  # sides that need services.audit's general path
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(build,), name="audit-sides", daemon=True)
        self._thread.start()

    def _run(self, build: Callable[[], tuple[Doc, Doc]]) -> None:
        try:
            before, after = build()
            if not (serialisable_once(before) and serialisable_once(after)):
                self._docs = (before, after)
                return
            self._sides["before"] = canonical_value_bytes(before)
            before.clear()  # its 10,000 tuples freed before the other side's text is made (peak memory)
            self._sides["after"] = canonical_value_bytes(after)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._error = exc

    def result(self) -> dict[str, Any]:
        """Keyword arguments for services.audit.record_large (waits for the thread): the canonical
        bytes of both sides (``serialised``), or the documents themselves when they need the
        general path (a key that is not a string)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._docs is not None:
            return {"before": self._docs[0], "after": self._docs[1]}
        return {"serialised": self._sides}
