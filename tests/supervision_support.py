"""Shared pieces of the supervision-loop tests: small real files and actors."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from db.models import Unit
from services.actor import Actor, ActorRole

# A minimal but real PDF (one empty page) and PNG (1×1): type is decided from these bytes.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
OFFICE = Actor(name="office", role=ActorRole.ADMIN)


def unit_id(session, name: str) -> int:
    return session.scalar(select(Unit.id).where(Unit.name == name))


def reporter(session, name: str, unit: str) -> Actor:
    return Actor(name=name, role=ActorRole.REPORTER, unit_ids=frozenset({unit_id(session, unit)}))


def docx_bytes(extra: dict[str, bytes] | None = None) -> bytes:
    """A .docx made with python-docx, optionally with extra parts added to the package."""
    from docx import Document

    doc = Document()
    doc.add_paragraph("佐证材料")
    buf = io.BytesIO()
    doc.save(buf)
    if not extra:
        return buf.getvalue()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for name, data in extra.items():
            dst.writestr(name, data)
    return out.getvalue()
