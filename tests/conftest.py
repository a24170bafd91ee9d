"""Shared fixtures: real SQLite files and a real PostgreSQL server (pgserver).

``db_url`` is parametrized over both backends: every database test runs twice.
The PostgreSQL server is started once per test session in a temporary folder;
each test gets a new, empty database on it.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.session import get_engine, get_read_sessionmaker, get_sessionmaker  # noqa: E402

# A page's unexpected exception stays uncaught in tests (ui/errors.py), so AppTest and the browser
# tests see it; the one test of the Chinese error message unsets this.
os.environ.setdefault("QTT_PAGE_ERRORS", "raise")

# CI replays the same property-test examples every run (a failure there is reproducible);
# local runs keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A throw-away PostgreSQL 16 server (pgserver ships the binaries)."""
    if os.environ.get("SKIP_POSTGRES") == "1":
        pytest.skip("SKIP_POSTGRES=1")
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    yield server
    server.cleanup()


def _pg_admin_url(server) -> str:
    return server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A URL of a fresh, empty database on the parametrized backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        yield url
    else:
        server = request.getfixturevalue("pg_server")
        admin = sa.create_engine(_pg_admin_url(server), isolation_level="AUTOCOMMIT")
        name = f"t_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        base = _pg_admin_url(server)
        url = base.replace("/postgres?", f"/{name}?", 1)
        yield url
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    get_read_sessionmaker.cache_clear()


@pytest.fixture
def schema_url(db_url):
    """A fresh database with the schema (Alembic head) but no catalogue."""
    from db.migrate import upgrade

    upgrade(db_url)
    return db_url


@pytest.fixture
def seeded_url(db_url):
    """A fresh database with the bundled catalogue (both seed plans) loaded."""
    from services.setup import init_database

    init_database(db_url)
    return db_url


# --- real browser (headless Debian chromium driven by Playwright; no browser download) ---


@pytest.fixture(scope="module")
def browser():
    from tests import browser_support

    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=browser_support.CHROMIUM, args=browser_support.CHROMIUM_ARGS, headless=True
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    from tests import browser_support

    context = browser.new_context(
        viewport={"width": browser_support.WIDTH, "height": browser_support.HEIGHT}, locale="zh-CN"
    )
    pg = context.new_page()
    yield pg
    context.close()
