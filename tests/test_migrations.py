"""The Alembic migrations build exactly the schema the models describe (no drift), on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from db.migrate import upgrade
from db.models import Base
from db.session import get_engine


def test_migrations_match_the_models(db_url):
    upgrade(db_url)
    with get_engine(db_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
