"""Hostile zips against the upload scan's one-call inflate (workbook/guard.py: read_part).

read_part must refuse what ``zf.read`` refused and hold no more memory than it did. A sheet part
whose name does not end in .xml is never opened by check_file (only .xml/.rels/.vml parts are), so
its local header is checked only when the scan reads it: before read_part these files were
refused as unreadable (zipfile compares the header with the directory); calamine reads them.
The zips are written by hand here (a few bytes patched in what zipfile writes).
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
import zlib

import pytest

from workbook import guard, reader

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PART = "xl/worksheets/sheet1.bin"  # a sheet part named like no XML part: check_file skips it
SHEET = (
    f'<worksheet xmlns="{MAIN}"><sheetData>'
    '<row r="1"><c r="A1" s="1"><v>0.5</v></c><c r="B1"><f>A1*2</f></c></row>'
    '<row r="2"><c r="A2"><v>1</v></c></row>'
    '</sheetData><mergeCells count="1"><mergeCell ref="C1:D2"/></mergeCells></worksheet>'
).encode()
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="9"/></cellXfs></styleSheet>'
).encode()


def workbook(sheet: bytes = SHEET, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    parts = {
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.bin"/>'
            "</Relationships>"
        ).encode(),
        "xl/styles.xml": STYLES,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in parts.items():
            zf.writestr(name, content, zipfile.ZIP_DEFLATED)
        zf.writestr(PART, sheet, compression)
    return out.getvalue()


def _header(data: bytes, name: str, signature: bytes, name_length_at: int, name_at: int) -> int:
    """The offset of the zip record with ``signature`` whose file name is ``name``."""
    at = data.find(signature)
    while at >= 0:
        length = int.from_bytes(data[at + name_length_at : at + name_length_at + 2], "little")
        if data[at + name_at : at + name_at + length] == name.encode():
            return at
        at = data.find(signature, at + 4)
    raise AssertionError(name)


def local_header(data: bytes, name: str) -> int:
    return _header(data, name, b"PK\x03\x04", 26, 30)


def central_header(data: bytes, name: str) -> int:
    return _header(data, name, b"PK\x01\x02", 28, 46)


def scan(data: bytes) -> tuple[list[tuple[str, str]], dict[str, tuple]]:
    inspection = reader.scan_file(data, "a.xlsx")
    errors = [(e.code, e.params.get("detail", "")) for e in inspection.errors]
    facts = {
        title: (sorted(f.percent), sorted(f.formula_without_value), f.merged)
        for title, f in inspection.sheets.items()
    }
    return errors, facts


def test_the_hand_made_workbook_is_read_with_its_facts():
    """The control: unpatched, the .bin sheet is scanned (percent A1, formula B1 without value, C1:D2)."""
    assert scan(workbook()) == ([], {"S": ([(1, "A")], [(1, "B")], ["C1:D2"])})


def test_a_local_header_naming_another_part_is_refused():
    data = bytearray(workbook())
    at = local_header(bytes(data), PART)
    data[at + 30 : at + 30 + len(PART)] = b"xl/worksheets/sheetX.bin"  # same length, other name
    errors, facts = scan(bytes(data))
    assert errors == [
        (
            "unreadable",
            "BadZipFile: File name in directory 'xl/worksheets/sheet1.bin' and header "
            "b'xl/worksheets/sheetX.bin' differ.",
        )
    ]
    assert facts == {}


def test_compressed_patched_data_is_refused():
    """Flag bit 5 (Zip 2.7 patched data) in the directory: zipfile refuses to read such a part."""
    data = bytearray(workbook())
    at = central_header(bytes(data), PART)
    flags = int.from_bytes(data[at + 8 : at + 10], "little") | 0x20
    data[at + 8 : at + 10] = flags.to_bytes(2, "little")
    assert scan(bytes(data)) == ([("unreadable", "NotImplementedError: compressed patched data (flag bit 5)")], {})


def test_a_stored_sheet_is_read_as_a_deflated_one():
    assert scan(workbook(compression=zipfile.ZIP_STORED)) == ([], {"S": ([(1, "A")], [(1, "B")], ["C1:D2"])})


def liar(real: bytes, declared: int) -> bytes:
    """One part whose deflated stream holds ``real`` but whose directory declares its first bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", real, zipfile.ZIP_DEFLATED)
    data = bytearray(out.getvalue())
    for at in (local_header(bytes(data), "xl/worksheets/sheet1.xml"), None):
        if at is None:
            at = central_header(bytes(data), "xl/worksheets/sheet1.xml") + 2  # same layout from +2 on
        data[at + 14 : at + 18] = zlib.crc32(real[:declared]).to_bytes(4, "little")
        data[at + 22 : at + 26] = declared.to_bytes(4, "little")
    return bytes(data)


def test_a_stream_longer_than_declared_gives_zf_reads_bytes_without_holding_both():
    """zf.read stops at the declared size (its CRC checked on those bytes); read_part inflates the whole
    stream first and, finding it too long, drops it before zf.read inflates it again: the peak is
    zf.read's own, not the two together (a lying bomb in the worker's 1 GB)."""
    real = b"<worksheet>" + b" " * (24 << 20) + b"</worksheet>"
    with zipfile.ZipFile(io.BytesIO(liar(real, 1000))) as zf:
        tracemalloc.start()
        try:
            expected = zf.read("xl/worksheets/sheet1.xml")
            _, zf_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            got = guard.read_part(zf, "xl/worksheets/sheet1.xml")
            _, part_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert expected == got == real[:1000]
    assert zf_peak > 24 << 20  # zf.read itself inflates the whole stream
    assert part_peak < zf_peak + (4 << 20)


def test_a_zip_password_on_an_xml_part_is_an_encrypted_file_not_a_crash():
    """zipfile raises RuntimeError (no BadZipFile) for an encrypted part: check_file opens every .xml
    part, so scan_file raised and the scanning worker died (the upload failed as 读取进程退出)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED)
        zf.writestr("xl/workbook.xml", b"<workbook/>", zipfile.ZIP_DEFLATED)
    data = bytearray(out.getvalue())
    at = central_header(bytes(data), "xl/workbook.xml")
    data[at + 8 : at + 10] = (int.from_bytes(data[at + 8 : at + 10], "little") | 0x1).to_bytes(2, "little")
    assert scan(bytes(data)) == ([("encrypted-file", "")], {})


def _mixed(rows: str, root: str = "") -> bytes:
    """A sheet whose rows use a second prefix ``y:`` bound to the same main namespace (calamine reads
    them as rows), under an unprefixed root or an ``x:`` one."""
    p = f"{root}:" if root else ""
    ns = f'xmlns:{root}="{MAIN}"' if root else f'xmlns="{MAIN}"'
    return (f'<{p}worksheet {ns} xmlns:y="{MAIN}"><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>').encode()


_FIRST_ROW = {"": '<row r="1"><c r="A1"><v>1</v></c></row>', "x": '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'}
_MANY = "".join(f"<y:row><y:c><y:v>{i}</y:v></y:c></y:row>" for i in range(60_005))


@pytest.mark.parametrize(
    ("root", "rows", "detail"),
    [
        ("x", '<y:row\tr ="70000"><y:c><y:v>1</y:v></y:c></y:row>', "第 70000 行"),
        ("", _MANY, "第 60001 行"),
        ("x", _MANY, "第 60001 行"),
    ],
    ids=["x-root-y-row-beyond", "plain-root-y-rows-without-r", "x-root-y-rows-without-r"],
)
def test_rows_with_another_prefix_count_towards_the_limits(root, rows, detail):
    """Row and cell tags with another prefix than the root's were invisible to the usual-spelling
    shape (it counted the root's own tags) and passed; they now send the sheet to the general pass."""
    facts, error = guard.scan_sheet(_mixed(_FIRST_ROW[root] + rows, root), "填报", "p", set())
    assert error is not None and error.code == "sheet-too-large"
    assert error.params["detail"] == detail and error.params["limit"] == "BL 列、60000 行以内"


@pytest.mark.parametrize(
    ("rows", "detail"),
    [
        ("<row r='1'><c foo='>' r='XFD1048576'><v>1</v></c></row>", "单元格 XFD1048576"),
        ("<row r='1'><c r='A1' r='A70000'><v>1</v></c></row>", "单元格 A70000"),
    ],
    ids=["gt-inside-a-quoted-value", "r-given-twice"],
)
def test_the_general_pass_reads_attributes_as_the_parser_does(rows, detail):
    """A '>' inside a quoted attribute value ended the tag for the general pass (the cell's r was
    never seen), and of two r attributes it took the first while the parser takes the last."""
    xml = f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    facts, error = guard.scan_sheet(xml, "填报", "p", set())
    assert error is not None and error.code == "sheet-too-large" and error.params["detail"] == detail
