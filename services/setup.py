"""First start: create or upgrade the schema and load the bundled catalogue."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from db.migrate import upgrade
from db.models import Plan
from db.session import session_scope
from services.actor import Actor, system_actor
from services.catalogue import CATALOGUE_DIR, LoadReport, load_catalogues, read_catalogues


def init_database(
    url: str | None = None,
    catalogue: Path | None = CATALOGUE_DIR,
    actor: Actor | None = None,
    *,
    only_new: bool = False,
) -> LoadReport | None:
    """Upgrade the schema at ``url`` and load ``catalogue`` (None: schema only).

    ``only_new`` (app start, ``manage.py init-db``) loads only plans the database does not
    hold yet: a restart never reloads the bundled files over what the office loaded or
    changed since. Reloading a plan is the explicit ``manage.py load-catalogue PATH``.
    """
    upgrade(url)
    if catalogue is None:
        return None
    plans = read_catalogues(catalogue)
    with session_scope(url) as session:
        if only_new:
            known = set(session.scalars(select(Plan.code)))
            plans = [plan for plan in plans if plan.code not in known]
        return load_catalogues(session, plans, actor or system_actor())
