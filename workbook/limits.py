"""Every limit an upload is held to, in one place (sizes, shapes, parse budget, plausible values).

Change a number here and every check uses it: the safety checks before any parser runs
(workbook/guard.py), the isolated parse (workbook/sandbox.py) and cell validation
(workbook/reader.py, workbook/cells.py). Messages quote the limits from here.
"""

from __future__ import annotations

# --- the file and its zip container (checked on the zip directory, nothing inflated) ---------
MAX_FILE_BYTES = 10 * 1024 * 1024  # an upload larger than this is refused unread
MAX_MEMBERS = 5000  # parts in the zip
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all parts together, as the zip directory declares
MAX_PART_BYTES = 100 * 1024 * 1024  # one part (a sheet's XML, the shared strings)
# A ratio alone is no bomb (a repetitive 1 MB note compresses 1000:1): only a part that is also
# large (≥ RATIO_MIN_BYTES) and compressed beyond MAX_RATIO is refused as a bomb.
MAX_RATIO = 400
RATIO_MIN_BYTES = 32 * 1024 * 1024
XML_PROLOG_BYTES = 4096  # DOCTYPE/ENTITY may only appear before the root element

# --- workbook shape (checked by scanning the XML before the reader allocates) -----------------
MAX_SHEETS = 50
MAX_SHEET_ROW = 60_000  # highest row number any cell or row may have
MAX_COLUMNS = 64  # highest column (BL); the template uses 15
MAX_CELLS = 2_000_000  # <c> elements in one sheet, and rows × columns of its used range
MAX_ROWS = 50_000  # data rows below the header
MAX_STRING_CHARS = 2 * 1024 * 1024  # one shared string (bytes of its XML); a cell's text limit is below
MAX_SHARED_STRINGS = 1_500_000

# --- the isolated parse --------------------------------------------------------------------------
PARSE_TIMEOUT_SECONDS = 20.0
PARSE_MEMORY_BYTES = 1024 * 1024 * 1024  # address space the parsing process may add to its own

# --- text in cells ---------------------------------------------------------------------------
NOTE_MAX_CHARS = 500

# --- plausible values per measure kind: (lowest, highest); outside is refused -------------------
# Rates keep their own message (比率须在 0–100 之间); a rate inside 0–100 that is implausible
# for its series (a jump) is the engine's 待核实 flag, not an upload error.
VALUE_BOUNDS: dict[str, tuple[float, float]] = {
    "rate": (0.0, 100.0),
    "stock": (0.0, 1e9),  # counts: 件, 个, 家, 项
    "new_since_baseline": (0.0, 1e9),
    "per_capita": (0.0, 1e6),
    "ratio": (0.0, 1e6),
    "score": (0.0, 1e6),
    "level": (-1e12, 1e12),  # amounts (元) and indices, either sign
    "change": (-1e6, 1e6),  # a change rate in %, either sign
}
DEFAULT_BOUNDS = (-1e12, 1e12)
RANK_MAX = 100_000  # a rank and the number of units ranked
YEAR_MIN, YEAR_MAX = 1949, 2100
# A milestone's completion date: from 1 January of the plan's baseline year to 31 December of the
# year after its last target year (a report may come a year late); a baseline year: from
# YEAR_MIN to the last target year.
DONE_YEARS_AFTER_HORIZON = 1


def fmt_limit(value: float) -> str:
    """A bound as a clerk reads it: 10亿, 100万, 1万亿, 100."""
    for size, word in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
        if abs(value) >= size and abs(value) % size == 0:
            return f"{value / size:g}{word}"
    return f"{value:g}"


def mib(size: float) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
