"""First start: create or upgrade the schema and load the bundled catalogue."""

from __future__ import annotations

from pathlib import Path

from db.migrate import upgrade
from db.session import session_scope
from services.actor import Actor, system_actor
from services.catalogue import CATALOGUE_DIR, LoadReport, load_catalogues, read_catalogues


def init_database(
    url: str | None = None, catalogue: Path | None = CATALOGUE_DIR, actor: Actor | None = None
) -> LoadReport | None:
    """Upgrade the schema at ``url`` and load ``catalogue`` (None: schema only)."""
    upgrade(url)
    if catalogue is None:
        return None
    plans = read_catalogues(catalogue)
    with session_scope(url) as session:
        return load_catalogues(session, plans, actor or system_actor())
