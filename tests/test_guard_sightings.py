"""The guard's vectorised scan of a plainly spelled sheet (workbook/guard.py: _plain_sightings).

It must find exactly what the regex path finds: the same refusals and the same facts (percent
cells, formula cells without a value, merged ranges, shape). Sheets here are padded with plain
rows so that what matters lies in the vectorised part (the last bytes are left to the regexes),
and the block size is varied so that tags straddle the blocks' edges.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from workbook import guard

PCT = {3}  # the percent style of these sheets
HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
PAD = b"".join(b'<row r="%d"><c r="A%d" s="1"><v>%d</v></c></row>' % (r, r, r) for r in range(100, 140))
MARGINS = b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'


def sheet(rows: bytes, after: bytes = b"") -> bytes:
    return HEAD + rows + PAD + b"</sheetData>" + after + MARGINS + b"</worksheet>"


def regex_path(xml: bytes, pct: set[int]) -> tuple[guard.SheetFacts, object]:
    """scan_sheet as it was before the vectorised scan: the regex and bytes searches alone."""
    facts = guard.SheetFacts("填报", "p")
    p = guard._prefix(xml, b"worksheet")
    usual = guard._usual_spelling(xml, p)
    error = guard._fast_shape(xml, p, facts) if usual else guard._general_shape(xml, facts)
    if error is None:
        guard._facts(xml, p, usual, pct, facts)
    return facts, error


def sightings_path(xml: bytes, pct: set[int], block: int) -> tuple[guard.SheetFacts, object]:
    facts = guard.SheetFacts("填报", "p")
    seen = guard._plain_sightings(xml, pct, block)
    assert seen is not None, "expected the plain spelling"
    error = guard._fast_shape(xml, b"", facts, seen)
    if error is None:
        guard._facts(xml, b"", True, pct, facts, seen)
    return facts, error


def summary(facts: guard.SheetFacts, error) -> tuple:
    err = None if error is None else (error.code, error.params.get("detail"))
    shape = (facts.max_row, facts.max_col, facts.cells)
    return shape, sorted(facts.percent), sorted(facts.formula_without_value), facts.merged, err


PLAIN = sheet(
    b'<row r="1" s="3"><c r="A1" s="2" t="inlineStr"><is><t>x="ZZ" and s="3"</t></is></c></row>'
    b'<row r="2"><c r="B2" s="3"><v>0.5</v></c><c r="C2" t="n" s="3"><v>1</v></c><c r="D2" s="30"/></row>'
    b'<row r="3"><c r="E3"><f>SUM(B2:C2)</f></c><c r="F3"><f>1+1</f><v>2</v></c><c r="G3" s="3"><f>B2</f></c></row>'
    b'<row r="59999"><c r="Q59999"><v>1</v></c></row>',
    after=b'<mergeCells count="2"><mergeCell ref="H5:H6"/><x:mergeCell ref="J1:K1"/></mergeCells>',
)


@pytest.mark.parametrize("block", [1 << 20, 4096, 97, 64])
def test_plain_sheet_facts_by_hand(block):
    facts, error = sightings_path(PLAIN, PCT, block)
    assert error is None
    # cell styles only (row 1's s="3" is a row's; text that looks like an attribute is text)
    assert facts.percent == {(2, "B"), (2, "C"), (3, "G")}
    assert facts.formula_without_value == {(3, "E"), (3, "G")}
    assert facts.merged == ["H5:H6", "J1:K1"]
    assert (facts.cells, facts.max_col, facts.max_row) == (8 + 40, 26, 0)
    assert summary(facts, error) == summary(*regex_path(PLAIN, PCT))


@pytest.mark.parametrize(
    ("rows", "detail"),
    [
        (b'<row r="7"><c r="A60001"/></row>', "单元格 A60001"),
        (b'<row r="60001"><c r="A7"/></row>', "第 60001 行"),
        (b'<row r="7"><c r="B100000"/></row>', "单元格 B100000"),
        (
            b'<row r="7"><c r="A7"/></row><row r="8" ht="15"><c r="A8" s="3"/></row><row r="65000">',
            "第 65000 行",
        ),
    ],
)
@pytest.mark.parametrize("block", [1 << 20, 97, 64])
def test_references_beyond_the_limits_are_refused(rows, detail, block):
    facts, error = sightings_path(sheet(rows), PCT, block)
    assert (error.code, error.params["detail"]) == ("sheet-too-large", detail)
    assert summary(facts, error) == summary(*regex_path(sheet(rows), PCT))


@pytest.mark.parametrize(
    ("rows", "percent", "shape"),
    [
        # single quotes, a cell without r, a row without r, a two-letter column: the regex path decides
        (b"<row r='2'><c r='B2' s='3'><v>1</v></c></row>", {(2, "B")}, (139, 2, 41)),
        (b'<row r="2"><c s="3"><v>1</v></c><c r="C2" s="3"/></row>', {(2, "C")}, (139, 3, 42)),
        (b'<row><c r="D2" s="3"/></row>', {(2, "D")}, (139, 4, 41)),
        (b'<row r="2"><c r="AB2" s="3"/></row>', {(2, "AB")}, (0, 28, 41)),
        (b'<row r="2"><c\tr="E2" s="3"/></row>', {(2, "E")}, (139, 5, 41)),
    ],
)
def test_unusual_spellings_go_to_the_regex_path(rows, percent, shape):
    xml = sheet(rows)
    assert guard._plain_sightings(xml, PCT) is None
    facts, error = guard.scan_sheet(xml, "填报", "p", PCT)
    assert error is None
    assert facts.percent == percent
    assert (facts.max_row, facts.max_col, facts.cells) == shape


def test_a_prefixed_cell_in_an_unprefixed_sheet_is_not_plain():
    xml = sheet(b'<row r="2"><x:c r="A2" s="3"/></row>')
    assert guard._plain_sightings(xml, PCT) is None
    assert summary(*guard.scan_sheet(xml, "填报", "p", PCT)) == summary(*regex_path(xml, PCT))


def test_a_prefixed_sheet_keeps_the_regex_path():
    xml = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        b'<x:row r="2"><x:c r="B2" s="3"><x:v>1</x:v></x:c><x:c r="C2"><x:f>B2</x:f></x:c></x:row>'
        b"</x:sheetData></x:worksheet>"
    )
    facts, error = guard.scan_sheet(xml, "填报", "p", PCT)
    assert error is None
    assert (facts.percent, facts.formula_without_value, facts.cells) == ({(2, "B")}, {(2, "C")}, 2)


@pytest.mark.parametrize("block", [4096, 97, 64])
def test_edits_anywhere_find_what_the_regex_path_finds(block):
    """Snippets at every few offsets of a plain sheet, near block edges and in its last bytes."""
    snippets = [
        b'<c r="K9" s="3"/>',
        b'<c r="L9" t="s" s="3"><f>A1</f></c>',
        b'<row r="60002">',
        b'<c r="M60000"/>',
        b'<mergeCell ref="A1:A2"/>',
        b' s="3"',
        b'r="AAA1"',
    ]
    base = PLAIN
    for snippet in snippets:
        for at in range(40, len(base), 173):
            xml = base[:at] + snippet + base[at:]
            if guard._plain_sightings(xml, PCT, block) is None:
                continue  # not plain (e.g. inside a tag): the regex path alone decides
            assert summary(*sightings_path(xml, PCT, block)) == summary(*regex_path(xml, PCT)), (snippet, at)


def test_read_part_gives_the_same_bytes_and_refuses_a_bad_crc():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", PLAIN * 50)
        zf.writestr("stored.xml", PLAIN, compress_type=zipfile.ZIP_STORED)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert guard.read_part(zf, "xl/worksheets/sheet1.xml") == PLAIN * 50
        assert guard.read_part(zf, "stored.xml") == PLAIN
    broken = bytearray(data)
    central = data.find(b"PK\x01\x02")  # the sheet's entry in the central directory (written first)
    broken[central + 16] ^= 0xFF  # the CRC both readers check against
    with zipfile.ZipFile(io.BytesIO(bytes(broken))) as zf, pytest.raises(zipfile.BadZipFile, match="CRC"):
        guard.read_part(zf, "xl/worksheets/sheet1.xml")
