"""The plan's catalogue and current figures, read in a thread while the upload is being parsed.

While the parsing workers read a file (≈ 0.1 s for 10,000 rows, workbook/sandbox.py) this
process only waits for them. As soon as the plan and the quarter are known — the page's
selection, or the template's 说明 sheet that the parsing worker sends ahead — a thread reads,
in one read transaction and in the order ``_prepare`` reads them (the data-version counter
first), what validation and the diff need: the plan's context (services/imports/context.py)
and the current figures of every period the template of that quarter asks for.

``_prepare`` uses the result only when the file turns out to be for that plan and quarter and
every figure's period was read; otherwise, or when the thread failed, it reads them itself as
before. Nothing here writes. Correctness does not depend on the timing: the counter read first
is the preview's, so a write committed after it makes the commit re-check under the lock,
exactly as for a preview validated a while before its confirmation.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from db import versioning
from db.session import read_scope
from indicators.periods import Period
from services.imports.context import PlanContext, current_figures, plan_context


@dataclass(frozen=True)
class Prefetched:
    plan_code: str
    period: str
    data_version: int
    ctx: PlanContext
    periods: frozenset[str]  # the periods whose current figures ``current`` holds
    current: dict


class Prefetch:
    """One upload's speculative read: :meth:`start` once, :meth:`get` after the parse."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._thread: threading.Thread | None = None
        self._result: Prefetched | None = None

    def start(self, plan_code: str | None, period: str | None) -> None:
        """Begin reading (in a thread) for ``plan_code`` and ``period``; a second call is ignored."""
        if self._thread is not None or not plan_code or not period or len(plan_code) > 40:
            return
        try:
            period = str(Period.parse(period))
        except ValueError:
            return
        self._thread = threading.Thread(target=self._run, args=(plan_code, period), daemon=True)
        self._thread.start()

    def on_meta(self, meta: dict[str, str] | None) -> None:
        """The parsing worker's early answer: the template's 说明 sheet (plan code, quarter)."""
        if meta:
            self.start(meta.get("plan"), meta.get("period"))

    def _run(self, plan_code: str, period: str) -> None:
        try:
            with read_scope(self.url) as session:
                version = versioning.read_versions(session.connection())[0]
                ctx = plan_context(session, plan_code)
                owed = ctx.owed(Period.parse(period))
                periods = frozenset({p for p in owed.values() if p} | {period})
                current = current_figures(session, ctx, sorted(periods))
        except Exception:  # noqa: BLE001 - only a head start: _prepare reads again and reports
            return
        self._result = Prefetched(plan_code, period, version, ctx, periods, current)

    def get(self, plan_code: str, period: str) -> Prefetched | None:
        """The result for this plan and quarter (waits for the thread), or None."""
        if self._thread is None:
            return None
        try:
            period = str(Period.parse(period))
        except ValueError:
            return None
        self._thread.join()
        result = self._result
        if result is None or (result.plan_code, result.period) != (plan_code, period):
            return None
        return result
