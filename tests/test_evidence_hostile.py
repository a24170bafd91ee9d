"""Hostile evidence files are refused with a clear message, the database and the file store unchanged."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, EvidenceFile, Notice, NoticeEvent, TaskReport
from db.session import read_scope, session_scope
from services import evidence, notices, tasks
from services.evidence import EvidenceRefused
from tests.supervision_support import OFFICE, PDF, PNG, docx_bytes, reporter

TODAY = dt.date(2026, 12, 1)


def _zip_bomb_docx() -> bytes:
    """A real .docx with one extra part of 30 MiB of zeros (it deflates about 1000:1)."""
    return docx_bytes({"word/media/image1.bin": b"\0" * (30 * 1024 * 1024)})


def _xlsx_with_macro() -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return out.getvalue()


HOSTILE = [
    ("证明材料.pdf", b"<html><body><script>alert(1)</script></body></html>", "内容不是PDF、JPEG/PNG 图片"),
    ("照片.png", b"MZ\x90\x00" + b"\0" * 200, "内容不是PDF、JPEG/PNG 图片"),
    ("会议纪要.docx", _zip_bomb_docx(), "疑似压缩炸弹"),
    ("台账.xlsx", _xlsx_with_macro(), "含有宏"),
    ("旧版.doc", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 512, "旧版 Office 文件"),
    ("扫描件.pdf", PDF + b"0" * (evidence.MAX_FILE_BYTES + 1 - len(PDF)), "超过单个文件上限 20.0 MB"),
    ("空.pdf", b"", "是空文件"),
]


def _snapshot(url, root):
    with read_scope(url) as s:
        counts = tuple(
            s.scalar(select(func.count(m.id))) for m in (TaskReport, EvidenceFile, Notice, NoticeEvent)
        )
        ok = s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.outcome == "ok"))
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.exists() else []
    return counts, ok, files


@pytest.mark.parametrize("name,data,message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_refused_on_a_task_report(seeded_url, tmp_path, monkeypatch, name, data, message):
    root = tmp_path / "store"
    monkeypatch.setenv("TRACKER_EVIDENCE_DIR", str(root))
    with read_scope(seeded_url) as s:
        clerk = reporter(s, "clerk", "县农业农村局")
    before = _snapshot(seeded_url, root)
    with pytest.raises(EvidenceRefused, match=message) as refused, session_scope(seeded_url) as s:
        # a good file beside the hostile one: nothing of the submission is written
        tasks.report_progress(s, clerk, "lingbi", "LB-T09", "县农业农村局", "2026Q3", "进展", "推进中",
                              [("好文件.png", PNG), (name, data)], today=TODAY)  # fmt: skip
    assert name.split(".")[0] in str(refused.value)
    assert _snapshot(seeded_url, root) == before


def test_hostile_file_refused_on_a_notice_answer(seeded_url, tmp_path, monkeypatch):
    root = tmp_path / "store"
    monkeypatch.setenv("TRACKER_EVIDENCE_DIR", str(root))
    with session_scope(seeded_url) as s:
        notice_id = notices.issue_notice(s, OFFICE, "lingbi", "县农业农村局", "预警", task_codes=["LB-T09"],
                                         today=TODAY).id  # fmt: skip
        clerk = reporter(s, "clerk", "县农业农村局")
    before = _snapshot(seeded_url, root)
    with pytest.raises(EvidenceRefused, match="疑似压缩炸弹"), session_scope(seeded_url) as s:
        notices.answer_notice(s, clerk, notice_id, "原因", "措施", dt.date(2027, 3, 31),
                              [("整改方案.docx", _zip_bomb_docx())], today=TODAY)  # fmt: skip
    assert _snapshot(seeded_url, root) == before
    with read_scope(seeded_url) as s:
        assert s.scalar(select(Notice.state).where(Notice.id == notice_id)) == "issued"


def test_type_is_decided_by_content_not_by_name():
    assert evidence.check_file("scan.jpg", PDF).media_type == "application/pdf"
    assert evidence.check_file("scan.jpg", PDF).name == "scan.pdf"
    assert evidence.check_file("..\\..\\etc\\报告.docx", docx_bytes()).name == "报告.docx"
    assert evidence.check_file("图.bin", PNG).media_type == "image/png"
