"""Cached reads for the pages.

Query results are cached with ``st.cache_data`` keyed by a cheap *data
fingerprint* (:func:`data_fingerprint`), so that any write, from this process
or another one, invalidates them on the next rerun. The engine and the
first-start set-up are ``st.cache_resource``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy import func, select

from db import queries
from db.models import Baseline, Observation, Target, TargetRevision, Upload
from db.session import database_url, read_scope

CACHE_TTL_SECONDS = 600


@st.cache_resource(show_spinner="正在初始化数据库…")
def ensure_database(url: str) -> str:
    """Create/upgrade the schema and load the bundled catalogue once per process.

    On a brand-new database (no figures at all) demo figures are loaded too, so
    that a first user sees a living dashboard; pages then show a demo banner.
    """
    from db.session import session_scope
    from services.actor import system_actor
    from services.demo import load_demo
    from services.setup import init_database

    init_database(url)
    with read_scope(url) as session:
        empty = not session.scalar(select(func.count(Observation.id)))
    if empty:
        with session_scope(url) as session:
            load_demo(session, system_actor("首次启动"))
    return url


def current_url() -> str:
    return ensure_database(database_url())


def data_fingerprint() -> tuple[Any, ...]:
    """Changes whenever figures, baselines, targets, revisions or uploads change."""
    with read_scope(current_url()) as session:
        return tuple(
            session.execute(
                select(
                    select(func.max(Observation.id)).scalar_subquery(),
                    select(func.count(Observation.id)).scalar_subquery(),
                    select(func.max(Baseline.id)).scalar_subquery(),
                    select(func.count(Baseline.id)).scalar_subquery(),
                    select(func.count(Target.id)).scalar_subquery(),
                    select(func.count(TargetRevision.id)).scalar_subquery(),
                    select(func.max(Upload.undone_at)).scalar_subquery(),
                )
            ).one()
        )


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=8, show_spinner=False)
def plans(url: str, fingerprint: tuple) -> list[queries.PlanInfo]:
    with read_scope(url) as session:
        return queries.list_plans(session)


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
