"""Import many files (``manage.py import DIR``, the page's bulk import): one transaction each.

A bad file, a locked quarter, a refused permission or a busy database fails only that file:
the rest go on and the caller gets every result (the CLI prints a summary of all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from services.actor import Actor, PermissionDenied
from services.audit import refusals_audited
from services.imports.pipeline import commit_import
from services.imports.results import ImportPreview, ImportResult
from workbook.errors import FileError
from workbook.limits import MAX_FILE_BYTES


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a folder contributes its files (not hidden, not Excel lock files ~$…)."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out.extend(
                p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith((".", "~$"))
            )
        else:
            out.append(path)
    return out


def import_files(
    url: str | None,
    paths: Iterable[str | Path],
    actor: Actor,
    *,
    dry_run: bool = False,
    plan: str | None = None,
    period: str | None = None,
    on_progress: Callable[[int, int, ImportResult], None] | None = None,
) -> list[ImportResult]:
    """Import files one by one (each in its own transaction); a bad file never stops the rest."""
    files = expand_paths(paths)
    results = []
    for i, path in enumerate(files, start=1):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                with path.open("rb") as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)  # refused by size, never read whole
            else:
                data = path.read_bytes()
            # a refusal (no permission, a locked quarter) is audited like on the upload page
            with refusals_audited(url, actor, "import", entity="upload", entity_key=path.name):
                result = commit_import(url, data, path.name, actor, plan=plan, period=period, dry_run=dry_run)
        except (OSError, PermissionDenied, ValueError, LookupError) as exc:
            preview = ImportPreview(
                path.name, "", 0, errors=[FileError("unreadable", params={"detail": str(exc)[:300]})]
            )
            result = ImportResult(preview, "refused")
        except Exception as exc:  # noqa: BLE001 - one file's failure must never stop the folder
            detail = f"{type(exc).__name__}: {exc}"[:300]
            preview = ImportPreview(
                path.name, "", 0, errors=[FileError("unreadable", params={"detail": detail})]
            )
            result = ImportResult(preview, "refused")
        results.append(result)
        if on_progress is not None:
            on_progress(i, len(files), result)
    return results
