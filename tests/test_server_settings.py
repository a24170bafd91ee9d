"""The settings an installed server runs with: SQLite's connection pragmas and Streamlit's config."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import text

from db.session import SQLITE_BUSY_TIMEOUT_MS, get_engine

ROOT = Path(__file__).resolve().parent.parent


def test_every_sqlite_connection_gets_the_pragmas(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'settings.db'}")
    with engine.connect() as conn:
        values = {
            name: conn.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous", "cache_size")
        }
    assert values == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
        "synchronous": 1,  # NORMAL
        "cache_size": -16_000,  # 16 MB (negative: KiB), not SQLite's 2 MB default
    }


def test_streamlit_config_of_an_installed_server():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    # no source-file watching on a server: no polling thread, no rerun when a file changes
    assert server["fileWatcherType"] == "none"
    assert server["runOnSave"] is False
    assert server["headless"] is True
    assert config["client"]["toolbarMode"] == "viewer"  # no developer menu for users
