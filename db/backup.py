"""Online-consistent copy of the SQLite database (SQLite's backup API)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from db.session import database_url, is_sqlite


def backup_sqlite(target: Path, url: str | None = None) -> Path:
    """Copy the live SQLite database to ``target`` while others may be writing."""
    url = url or database_url()
    if not is_sqlite(url):
        raise ValueError("backup 仅适用于 SQLite；PostgreSQL 请使用 pg_dump")
    source_path = url.split("///", 1)[1]
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"目标文件已存在：{target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target
