"""The whole briefing set as file name → bytes (deck, charts/*.png, bulletin, notices/*.docx)."""

from __future__ import annotations

import io
import zipfile

from briefing.charts import render_all
from briefing.content import Briefing
from briefing.docx_docs import build_bulletin, build_notice
from briefing.pptx_deck import build_deck
from ui.charts import export_filename
from ui.vocabulary import DRAFT_NOTICE


def deck_name(b: Briefing) -> str:
    return export_filename("汇报材料", b.jurisdiction, str(b.as_of)) + ".pptx"


def bulletin_name(b: Briefing) -> str:
    return export_filename("季度通报", b.jurisdiction, str(b.as_of)) + ".docx"


def notice_name(notice) -> str:
    """``拟发督办通知单_市发改委.docx``: a draft, not an issued notice (those come from the 督办台账)."""
    return export_filename(DRAFT_NOTICE + notice.title, notice.unit) + ".docx"


def build_files(b: Briefing, charts: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Relative path → content for every file of the briefing set."""
    charts = render_all(b) if charts is None else charts
    files = {deck_name(b): build_deck(b, charts), bulletin_name(b): build_bulletin(b)}
    files.update({f"charts/{name}.png": png for name, png in charts.items()})
    files.update({f"notices/{notice_name(n)}": build_notice(b, n) for n in b.notices})
    return files


def zip_files(files: dict[str, bytes], prefix: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            if name.startswith(prefix):
                zf.writestr(name, content)
    return buf.getvalue()
