"""Evidence files (佐证材料): type checks by content, size limits, a content-addressed store.

Accepted: PDF, JPEG, PNG, Word (.docx) and Excel (.xlsx), decided from the bytes, never from
the file name. Office files are ZIP packages: they are opened only as a ZIP directory (no XML
parser runs) and refused when they hold macros, more than MAX_MEMBERS parts, more than
MAX_UNCOMPRESSED bytes in all, or a large part that inflates more than MAX_RATIO times (a
zip bomb), or when the package is not the kind its parts say. Legacy .doc/.xls (OLE files,
which may carry macros) are refused with a request to save as .docx/.xlsx.

The bytes are stored once per sha256 in a folder (``evidence_dir``): by default beside the
SQLite file (``data/tracker.db`` → ``data/tracker.evidence/``), for PostgreSQL
``data/evidence/``; ``TRACKER_EVIDENCE_DIR`` sets another folder. ``manage.py backup`` copies
it beside the database copy. Every check runs before anything is written, so a refused
file leaves the database and the store as they were. Files are written before the
transaction that records them commits: a file the database names always exists; a
transaction that fails afterwards can leave an unreferenced file (harmless: content-addressed).

Downloads are for signed-in users only (:func:`read_evidence`); pages offer them as
attachments and never render their content.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import EvidenceFile
from db.session import PROJECT_ROOT, database_url, is_sqlite
from services.actor import Actor, ActorRole, PermissionDenied

MAX_FILE_BYTES = 20 * 1024 * 1024  # one evidence file
MAX_FILES = 10  # files in one submission
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # all parts of an Office file together
MAX_RATIO = 100  # uncompressed / compressed, per part of more than 1 MiB
MAX_MEMBERS = 2000
MAX_NAME_CHARS = 120

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPES = {  # media type → (extension, what a clerk calls it)
    "application/pdf": (".pdf", "PDF 文件"),
    "image/jpeg": (".jpg", "JPEG 图片"),
    "image/png": (".png", "PNG 图片"),
    DOCX: (".docx", "Word 文档"),
    XLSX: (".xlsx", "Excel 工作簿"),
}
ALLOWED_TEXT = "PDF、JPEG/PNG 图片、Word（.docx）或 Excel（.xlsx）"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class EvidenceRefused(ValueError):
    """A file refused with a Chinese message naming the file."""


@dataclass(frozen=True)
class CheckedFile:
    name: str  # cleaned display name, extension from the content type
    data: bytes
    sha256: str
    media_type: str

    @property
    def size(self) -> int:
        return len(self.data)


def evidence_dir(url: str | None = None) -> Path:
    """The store folder: TRACKER_EVIDENCE_DIR, else beside the SQLite file, else data/evidence."""
    configured = os.environ.get("TRACKER_EVIDENCE_DIR", "").strip()
    if configured:
        return Path(configured)
    url = url or database_url()
    if is_sqlite(url) and "///" in url:
        path = url.split("///", 1)[1].split("?", 1)[0]
        if path and path != ":memory:":
            db = Path(path)
            return db.with_name(db.stem + ".evidence")
    return PROJECT_ROOT / "data" / "evidence"


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def clean_name(name: str) -> str:
    """The file name as shown: no folders, no control characters, at most MAX_NAME_CHARS."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = _CONTROL.sub("", base).strip() or "佐证材料"
    return base[:MAX_NAME_CHARS]


def _office_kind(data: bytes, label: str) -> str:
    """DOCX or XLSX after the ZIP checks (raises EvidenceRefused)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise EvidenceRefused(f"“{label}”已损坏，无法作为 Office 文件打开（{exc}）") from None
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_MEMBERS or total > MAX_UNCOMPRESSED:
        raise EvidenceRefused(
            f"“{label}”解压后过大（{len(infos)} 个部件，共 {_mib(total)}，上限 {_mib(MAX_UNCOMPRESSED)}），"
            "疑似压缩炸弹，已拒收"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_RATIO:
            raise EvidenceRefused(
                f"“{label}”中的部件 {info.filename[:60]} 压缩比 {ratio:.0f}:1（上限 {MAX_RATIO}:1），"
                "疑似压缩炸弹，已拒收"
            )
    names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise EvidenceRefused(f"“{label}”含有宏，不能作为佐证材料；请另存为不含宏的 .docx 或 .xlsx")
    if "[Content_Types].xml" not in names:
        raise EvidenceRefused(f"“{label}”不是 Word 或 Excel 文件（缺少 [Content_Types].xml）")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        head = zf.open("[Content_Types].xml").read(64 * 1024)
    if b"macroEnabled" in head:
        raise EvidenceRefused(f"“{label}”是启用宏的文件，不能作为佐证材料；请另存为 .docx 或 .xlsx")
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    raise EvidenceRefused(f"“{label}”不是 Word 或 Excel 文件；只接受{ALLOWED_TEXT}")


def check_file(name: str, data: bytes) -> CheckedFile:
    """Decide the type from the bytes and check the limits; raise EvidenceRefused with a clear message."""
    label = clean_name(name)
    if not data:
        raise EvidenceRefused(f"“{label}”是空文件")
    if len(data) > MAX_FILE_BYTES:
        raise EvidenceRefused(f"“{label}”大小 {_mib(len(data))}，超过单个文件上限 {_mib(MAX_FILE_BYTES)}")
    if data.startswith(bytes.fromhex("D0CF11E0A1B11AE1")):
        raise EvidenceRefused(
            f"“{label}”是旧版 Office 文件（.doc/.xls，可能含宏）；请另存为 .docx 或 .xlsx 后上传"
        )
    if data.startswith(b"PK\x03\x04"):
        media = _office_kind(data, label)
    elif data.startswith(b"%PDF-"):
        media = "application/pdf"
    else:
        kind = filetype.guess(data[:8192])
        media = kind.mime if kind is not None else ""
        if media not in ("image/jpeg", "image/png"):
            found = f"（实际内容为 {kind.extension} 格式）" if kind is not None else "（无法识别的内容）"
            raise EvidenceRefused(
                f"“{label}”的内容不是{ALLOWED_TEXT}{found}，已拒收；文件类型按内容判断，与扩展名无关"
            )
    ext = TYPES[media][0]
    stem = PurePosixPath(label).stem if PurePosixPath(label).suffix else label
    return CheckedFile(stem + ext, data, hashlib.sha256(data).hexdigest(), media)


def check_files(files: list[tuple[str, bytes]]) -> list[CheckedFile]:
    """Check every file of a submission first (nothing is written if one is refused)."""
    if len(files) > MAX_FILES:
        raise EvidenceRefused(f"一次最多上传 {MAX_FILES} 个佐证材料，本次 {len(files)} 个")
    return [check_file(name, data) for name, data in files]


def url_of(session: Session) -> str:
    return session.get_bind().url.render_as_string(hide_password=False)


def blob_path(root: Path, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("无效的文件摘要")
    return root / sha256[:2] / sha256


def store(root: Path, checked: CheckedFile) -> Path:
    """Write the bytes once per sha256 (atomically: a temporary file renamed into place)."""
    path = blob_path(root, checked.sha256)
    if path.exists() and path.stat().st_size == checked.size:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(checked.data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def attach(
    session: Session,
    actor: Actor,
    checked: list[CheckedFile],
    *,
    unit_id: int | None,
    task_report_id: int | None = None,
    notice_event_id: int | None = None,
    url: str | None = None,
) -> list[EvidenceFile]:
    """Store checked files and record one attachment row each (the caller audits and commits)."""
    root = evidence_dir(url or url_of(session))
    rows = []
    for item in checked:
        store(root, item)
        row = EvidenceFile(
            sha256=item.sha256,
            size=item.size,
            media_type=item.media_type,
            file_name=item.name,
            unit_id=unit_id,
            task_report_id=task_report_id,
            notice_event_id=notice_event_id,
            uploaded_by=actor.name,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def copy_attachments(session: Session, rows: list[EvidenceFile], *, task_report_id: int) -> None:
    """Carry earlier attachments over to a new version of a report (same stored bytes)."""
    for old in rows:
        session.add(
            EvidenceFile(
                sha256=old.sha256,
                size=old.size,
                media_type=old.media_type,
                file_name=old.file_name,
                unit_id=old.unit_id,
                task_report_id=task_report_id,
                uploaded_by=old.uploaded_by,
                uploaded_at=old.uploaded_at,
            )
        )


def can_download(actor: Actor | None) -> bool:
    """Signed-in users only: not a visitor of a public-read screen (an anonymous viewer)."""
    return actor is not None and (actor.account or actor.role is not ActorRole.VIEWER)


def read_evidence(session: Session, actor: Actor | None, evidence_id: int, url: str | None = None):
    """(display name, media type, bytes) of an attachment; refused for visitors who are not signed in."""
    if not can_download(actor):
        raise PermissionDenied("请先登录后再下载佐证材料", actor)
    row = session.get(EvidenceFile, evidence_id)
    if row is None:
        raise LookupError(f"没有编号为 {evidence_id} 的佐证材料")
    root = evidence_dir(url or url_of(session))
    path = blob_path(root, row.sha256)
    if not path.exists():
        raise LookupError(f"佐证材料“{row.file_name}”的文件不在存储目录中（{root}），请从备份恢复")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise LookupError(f"佐证材料“{row.file_name}”的文件已被改动（摘要不符），请从备份恢复")
    return row.file_name, row.media_type, data


def evidence_for(session: Session, *, task_report_ids=(), notice_event_ids=()) -> list[EvidenceFile]:
    query = select(EvidenceFile).order_by(EvidenceFile.id)
    if task_report_ids:
        query = query.where(EvidenceFile.task_report_id.in_(list(task_report_ids)))
    elif notice_event_ids:
        query = query.where(EvidenceFile.notice_event_id.in_(list(notice_event_ids)))
    else:
        return []
    return list(session.scalars(query))


def backup_store(target_db: Path, url: str | None = None) -> Path | None:
    """Copy the evidence store beside a database backup (``FILE`` → ``FILE.evidence/``)."""
    root = evidence_dir(url)
    if not root.exists():
        return None
    dest = Path(str(target_db) + ".evidence")
    if dest.exists():
        raise FileExistsError(f"目标文件夹已存在：{dest}")
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns(".upload-*"))
    return dest
