"""Write rows to .xlsx or CSV with spreadsheet formula injection neutralised.

A text value starting with ``= + - @`` (or a tab/carriage return) would be run
as a formula by Excel/WPS when the file is opened. In CSV it gets a leading
apostrophe; in .xlsx it is written as an explicit text cell (never a formula)
and also gets the apostrophe so that a later CSV re-save stays safe. Numbers
(including negative ones) stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The value, with text that a spreadsheet would evaluate prefixed by an apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | dt.date | dt.datetime):
        return value
    return str(value)


def write_xlsx(
    columns: Sequence[str], headers: Mapping[str, str], rows: Iterable[Mapping[str, Any]], title: str = "数据"
) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title[:31]
    ws.append([headers.get(c, c) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, key in enumerate(columns, start=1):
            value = _plain(row.get(key))
            cell = ws.cell(r, c)
            if isinstance(value, str):
                cell.value = neutralise(value)
                cell.data_type = TYPE_STRING  # never a formula, whatever the text
            else:
                cell.value = value
                if isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    for c, key in enumerate(columns, start=1):
        width = max(10, min(40, len(headers.get(key, key)) * 2 + 4))
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_csv(columns: Sequence[str], headers: Mapping[str, str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 with BOM (Excel opens it with the right encoding)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([headers.get(c, c) for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else neutralise(_csv_text(row.get(c))) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool | int | float):
        return str(value)
    return str(value)
