"""Cached reads for the pages.

Query results are cached with ``st.cache_data`` keyed by the *data version*
(:func:`data_fingerprint`: the counters of db/versioning.py, which every write
transaction bumps, read once per rerun), so that any write, from this process or
another one, shows at the next rerun. The plan list is keyed by its own counter
(only a write to the plans table changes it). A dashboard loads its plan once per
data version (:func:`_plan_model`, shared by the status, units and indicator
reads) and prepares each indicator's series once for the current verdict and its
quarterly history. The engine and the first-start set-up are ``st.cache_resource``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from sqlalchemy import func, select

from db import queries
from db.models import Observation
from db.session import database_url, read_scope
from db.versioning import read_versions
from indicators.model import IndicatorData
from indicators.periods import Period
from indicators.status import Assessment, Prepared

CACHE_TTL_SECONDS = 600


@st.cache_resource(show_spinner="正在初始化数据库…")
def ensure_database(url: str) -> str:
    """Create/upgrade the schema and load the bundled catalogue once per process.

    On a brand-new database (no figures at all) demo figures are loaded too, so
    that a first user sees a living dashboard; pages then show a demo banner.
    app.py calls this after drawing the page: the sign-in form needs no database
    until it is sent, so on a first start it shows while the set-up runs.
    """
    from db.session import session_scope
    from services.accounts import FIRST_ADMIN_NAME, ensure_first_admin
    from services.actor import system_actor
    from services.demo import load_demo
    from services.setup import init_database

    init_database(url, actor=system_actor("系统"), only_new=True)  # a restart never reloads over the office
    with read_scope(url) as session:
        empty = not session.scalar(select(func.count(Observation.id)))
    if empty:
        with session_scope(url) as session:
            load_demo(session, system_actor("系统（首次启动）"))
    with session_scope(url) as session:
        password = ensure_first_admin(session)
    if password:  # printed once to the terminal that started the app; stored only as a hash
        notice = f"[质量目标监测平台] 已创建管理员账户 {FIRST_ADMIN_NAME}，初始密码（仅显示一次）：{password}"
        print(f"\n{notice}\n", flush=True)
    return url


def current_url() -> str:
    return ensure_database(database_url())


_run = threading.local()  # a script run executes on one thread


def _run_token() -> object | None:
    """An object that lives exactly as long as the current script run (None outside Streamlit)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.cursors if ctx is not None else None  # a new dict at every rerun


def data_fingerprint() -> tuple[int, int]:
    """(data version, plan-list version): read from the database once per rerun.

    Every write transaction bumps the data version (db/versioning.py), whoever made it; a
    write made by this run through :func:`ui.actions.run_write` makes the next call read again.
    """
    token = _run_token()
    memo = getattr(_run, "memo", None)
    if token is not None and memo is not None and memo[0] is token:
        return memo[1]
    with read_scope(current_url()) as session:
        versions = read_versions(session)
    _run.memo = (token, versions) if token is not None else None  # the token is kept alive: no id reuse
    return versions


def forget_versions() -> None:
    """After a write in this run: the next :func:`data_fingerprint` reads the counters again."""
    _run.memo = None


def plans(url: str, fingerprint: tuple) -> tuple[queries.PlanInfo, ...]:
    """Every plan; cached on the plan-list counter only (a figure or a review does not touch it)."""
    return _plan_list(url, fingerprint[1])


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=8, show_spinner=False)
def _plan_list(url: str, plans_version: int) -> tuple[queries.PlanInfo, ...]:
    """Shared, not copied: unpickling 2,800 plans on every rerun cost ~8 ms (frozen dataclasses)."""
    with read_scope(url) as session:
        return tuple(queries.list_plans(session))


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def catalogue(url: str, plan_code: str, fingerprint: tuple) -> list[dict[str, Any]]:
    with read_scope(url) as session:
        return queries.catalogue_rows(session, plan_code)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def revisions(url: str, plan_code: str, fingerprint: tuple) -> list[dict[str, Any]]:
    with read_scope(url) as session:
        return queries.revision_rows(session, plan_code)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def has_demo(url: str, plan_id: int, fingerprint: tuple) -> bool:
    with read_scope(url) as session:
        return queries.has_demo_data(session, plan_id)


# --- Dashboard reads (总览, 指标详情, 责任单位): plain, picklable results ----------------


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def quarters(url: str, plan_code: str, fingerprint: tuple) -> dict[str, Any]:
    """Selectable quarters (the plan's first … the latest due quarter) and the default."""
    from indicators.periods import period_range
    from services.progress import default_as_of

    with read_scope(url) as session:
        plan = queries.get_plan(session, plan_code)
    if plan is None:
        return {"periods": [], "default": None}
    default = default_as_of(plan)
    return {"periods": [str(p) for p in period_range(plan.first_period, default)], "default": str(default)}


@dataclass
class PlanModel:
    """One plan as of a quarter: loaded once, each indicator's series prepared once.

    Shared (``st.cache_resource``, never copied) by the status, units and indicator reads of
    a data version; treat it as read-only. ``histories`` (one assessment per quarter from the
    plan's first) reuse the prepared series and are computed on first use.
    """

    plan: queries.PlanInfo
    as_of: Period
    data: list[IndicatorData]
    prepared: list[Prepared]
    assessments: list[Assessment]
    url: str = ""
    include_pending: bool = False
    _histories: list[list[Assessment]] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def histories(self) -> list[list[Assessment]]:
        """One assessment per quarter, each against the targets in force at its end
        (services.progress.quarter_histories), from the prepared series where targets did not change."""
        from services.progress import quarter_histories

        with self._lock:
            if self._histories is None:
                with read_scope(self.url) as session:
                    self._histories = quarter_histories(
                        session, self.plan.code, self.as_of, self.include_pending, prepared_now=self.prepared
                    )
            return self._histories


def load_plan_model(url: str, plan_code: str, as_of: str | None, include_pending: bool = False) -> PlanModel:
    """Load a plan (plain queries) and assess every indicator as of ``as_of`` (default: the
    latest due quarter), judged against the targets in force at the quarter's end."""
    from indicators.status import assess_at, prepare
    from services.progress import default_as_of

    with read_scope(url) as session:
        plan = queries.get_plan(session, plan_code)
        if plan is None:
            raise LookupError(f"没有代码为“{plan_code}”的计划")
        period = Period.parse(as_of) if as_of else default_as_of(plan)
        plan, datas = queries.load_plan_data(session, plan_code, include_pending, on=period.end_date)
    prepared = [prepare(d, plan.settings) for d in datas]
    return PlanModel(
        plan, period, datas, prepared, [assess_at(p, period) for p in prepared], url, include_pending
    )


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=16, show_spinner=False)
def _plan_model(url: str, plan_code: str, as_of: str, fingerprint: tuple, include_pending: bool) -> PlanModel:
    return load_plan_model(url, plan_code, as_of, include_pending)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def progress(
    url: str, plan_code: str, as_of: str, fingerprint: tuple, include_pending: bool = False
) -> dict[str, Any]:
    """Assessments of every indicator of a plan as of a quarter, as plain rows.

    ``figures_total`` / ``figures_until`` count figures overall and up to ``as_of``
    (for the empty states: a plan without figures, a quarter before the first report).
    """
    from indicators import dashboard

    state = _plan_model(url, plan_code, as_of, fingerprint, include_pending)
    rows = [dashboard.assessment_row(a, d.spec) for d, a in zip(state.data, state.assessments, strict=True)]
    periods = [f.period for d in state.data for f in d.figures]
    return {
        "as_of": str(state.as_of),
        "rows": rows,
        "counts": dashboard.status_counts(rows),
        "figures_total": len(periods),
        "figures_until": sum(1 for p in periods if p <= state.as_of),
        "first_figure": str(min(periods)) if periods else None,
    }


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def matrix(url: str, plan_code: str, as_of: str, fingerprint: tuple, include_pending: bool = False):
    """The overview's traffic-light matrix (a plotly Figure), built once per data version.

    Shared, not copied (building it costs ~0.3 s, unpickling a copy ~50 ms): st.plotly_chart
    only serialises it; never change it in place.
    """
    from ui.charts import matrix_figure

    return matrix_figure(progress(url, plan_code, as_of, fingerprint, include_pending)["rows"])


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=16, show_spinner=False)
def units_view(
    url: str, plan_code: str, as_of: str, fingerprint: tuple, include_pending: bool = False
) -> dict[str, Any]:
    """Unit ranking (lead and co apart), each unit's indicators with streaks, completeness."""
    import datetime as dt

    from indicators import dashboard
    from indicators.completeness import STATE_LABELS, completeness
    from indicators.vocabulary import Role

    state = _plan_model(url, plan_code, as_of, fingerprint, include_pending)
    with read_scope(url) as session:
        records = queries.report_records(session, state.plan.id)
        units = queries.units_of_plan(session, plan_code)
    settings = state.plan.settings
    rows = [dashboard.assessment_row(a, d.spec) for d, a in zip(state.data, state.assessments, strict=True)]
    streak_by_code = dashboard.streaks(state.histories())
    report = (
        completeness([d.spec for d in state.data], records, settings, state.as_of, today=dt.date.today())
        if state.as_of >= settings.first_period
        else None
    )
    obligations = (
        [
            {
                "indicator_code": o.indicator_code,
                "unit": o.unit,
                "period": str(o.period),
                "state": STATE_LABELS[o.state],
                "deadline": o.deadline.isoformat(),
                "first_reported_at": o.first_reported_at.strftime("%Y-%m-%d %H:%M")
                if o.first_reported_at
                else "",
                "days_late": o.days_late,
            }
            for o in report.obligations
        ]
        if report
        else []
    )
    return {
        "as_of": str(state.as_of),
        "units": [{"name": u["name"], "kind": u["kind"]} for u in units],
        "ranking_lead": dashboard.unit_ranking(state.assessments, Role.LEAD),
        "ranking_co": dashboard.unit_ranking(state.assessments, Role.CO),
        "by_unit": dashboard.unit_indicators(rows, streak_by_code, settings),
        "obligations": obligations,
        "escalation_quarters": settings.escalation_quarters,
    }


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def indicator_view(
    url: str, plan_code: str, code: str, as_of: str, fingerprint: tuple, include_pending: bool = False
) -> dict[str, Any] | None:
    """One indicator: its assessment, quarterly timeline, targets, revisions and every figure version."""
    from indicators import dashboard

    state = _plan_model(url, plan_code, as_of, fingerprint, include_pending)
    with read_scope(url) as session:
        history = queries.observation_history(session, plan_code, code)
    for d, a in zip(state.data, state.assessments, strict=True):
        if d.spec.code == code:
            versions = [
                {
                    **h,
                    "done_on": h["done_on"].isoformat() if h["done_on"] else "",
                    "entered_at": h["entered_at"].strftime("%Y-%m-%d %H:%M") if h["entered_at"] else "",
                }
                for h in history
            ]
            return {
                "row": dashboard.assessment_row(a, d.spec),
                "direction": d.spec.direction.value,
                "baseline_source": d.spec.baseline.source if d.spec.baseline else "",
                "timeline": dashboard.indicator_timeline(d, state.plan.settings, state.as_of),
                "versions": versions,
            }
    return None


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4, show_spinner=False)
def methodology_text() -> str | None:
    """indicators/METHODOLOGY.md verbatim (None when the file is missing)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "indicators" / "METHODOLOGY.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def reporting_units(url: str, plan_code: str, fingerprint: tuple) -> list[str]:
    """Units that report at least one indicator of the plan (填报上传 page)."""
    from services.imports import reporting_units as _reporting_units

    with read_scope(url) as session:
        return _reporting_units(session, plan_code)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def template_quarters(url: str, plan_code: str, fingerprint: tuple) -> tuple[str, str | None]:
    """The first and last quarter a template of the plan can ask for anything (填报上传 page)."""
    from services.imports.context import template_quarters as _template_quarters

    with read_scope(url) as session:
        first, last = _template_quarters(session, plan_code)
    return str(first), str(last) if last else None


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def uploads(url: str, plan_code: str, fingerprint: tuple) -> list[dict[str, Any]]:
    """Recent uploads of a plan, newest first (填报上传 page)."""
    from services.imports import list_uploads

    with read_scope(url) as session:
        return list_uploads(session, plan_code)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def unit_names(url: str, unit_ids: tuple[int, ...], fingerprint: tuple) -> list[str]:
    """Names of the given units (a reporter's own units)."""
    with read_scope(url) as session:
        return queries.unit_names(session, list(unit_ids))
