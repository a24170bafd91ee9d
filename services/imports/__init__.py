"""Fill-in templates, uploads (preview → commit in one transaction) and undo.

Split into small modules; everything callers use is importable from here:

* ``context`` — the plan's catalogue and ids, one plain query per table;
* ``pipeline`` — :func:`preview_import` and :func:`commit_import` (set-based: validation on
  calamine's row lists outside the write lock, diff on tuples, bulk insert, one audit entry);
* ``results`` — :class:`Change`, :class:`ImportPreview`, :class:`ImportResult`, labels;
* ``templates`` — :func:`template_data`, :func:`make_template`;
* ``undo`` — :func:`undo_upload` (a reporter's undo of accepted figures is a pending request),
  :func:`list_uploads`, :func:`figure_history`;
* ``bulk`` — :func:`import_files` for folders (a bad file never stops the rest).

The workbook package parses (guarded, in a separate process) and validates (no SQL).
"""

from services.imports.bulk import expand_paths, import_files
from services.imports.context import PlanContext, plan_catalogue, plan_context, reporting_units
from services.imports.pipeline import FIGURE_FIELDS, PAUSE_ENV, commit_import, preview_import, read_upload
from services.imports.results import RESULT_LABELS, STATUS_LABELS, Change, ImportPreview, ImportResult
from services.imports.templates import make_template, template_data
from services.imports.undo import UndoResult, figure_history, list_uploads, undo_upload

__all__ = [
    "FIGURE_FIELDS",
    "PAUSE_ENV",
    "RESULT_LABELS",
    "STATUS_LABELS",
    "Change",
    "ImportPreview",
    "ImportResult",
    "PlanContext",
    "UndoResult",
    "commit_import",
    "expand_paths",
    "figure_history",
    "import_files",
    "list_uploads",
    "make_template",
    "plan_catalogue",
    "plan_context",
    "preview_import",
    "read_upload",
    "reporting_units",
    "template_data",
    "undo_upload",
]
