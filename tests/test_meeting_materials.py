"""Meeting materials fit to hand out (issue 14 items 6 and 7), for both seed plans on demo figures.

From the files: deck table text ≥ 14 pt, every chart across the whole slide with labels ≥ 12 pt
at slide size, no chart without bars, tables continued over slides with every unit and indicator
(never dropped), bars drawn to their real length, a 演示数据 watermark on every slide and page; the
bulletin with a PAGE field in the footer, header rows repeated, rows never split and the sign-off
kept with the last paragraph.  By rendering: LibreOffice headless → PDF → PNG (pdftoppm) under
``artifacts/renders/`` (skipped with the reason when soffice or pdftoppm is missing).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn
from pptx import Presentation
from pptx.util import Pt

from briefing import figures
from briefing.charts import EXPORT_MIN_FONT, briefing_charts, chart_fonts, export_copy, png_available
from briefing.content import DEMO_MARK
from briefing.docx_docs import build_bulletin, build_notice
from briefing.pptx_deck import build_deck
from db.session import session_scope
from services.actor import system_actor
from services.briefing import load_briefing
from services.demo import load_demo, remove_demo
from tests.conftest import ROOT

TODAY = dt.date(2026, 10, 20)
CASES = [("lingbi", "2026Q3"), ("luan", "2025Q4")]
RENDERS = ROOT / "artifacts" / "renders"
NEEDS_PNG = pytest.mark.skipif(not png_available(), reason="no PNG renderer (kaleido+chromium or matplotlib)")
SOFFICE, PDFTOPPM = shutil.which("soffice") or shutil.which("libreoffice"), shutil.which("pdftoppm")


@pytest.fixture
def demo_url(seeded_url):
    if "postgres" in seeded_url:
        pytest.skip("file generation is backend-independent; the SQLite run covers it")
    with session_scope(seeded_url) as session:
        load_demo(session, system_actor("test"), today=TODAY)
    return seeded_url


def _briefings(url):
    return {plan: load_briefing(url, plan, as_of, TODAY) for plan, as_of in CASES}


def _fake_pngs(b) -> dict[str, bytes]:
    """One small valid PNG per chart (the deck's structure does not depend on the pixels)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 18), "white").save(buf, format="PNG")
    return {c.name: buf.getvalue() for c in briefing_charts(b)}


def _tables(prs):
    for index, slide in enumerate(prs.slides):
        for shape in slide.shapes:
            if shape.has_table:
                yield index, slide, shape.table


def _slide_title(slide) -> str:
    texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.name != "演示数据水印"]
    return next((t for t in texts if t and not t.startswith(DEMO_MARK)), "")


def test_palette_reaches_figures_and_bars_are_not_capped(demo_url):
    b = _briefings(demo_url)["luan"]
    rows = [dict(r, progress_ratio=1.71) if i == 0 else r for i, r in enumerate(b.rows[:3])]
    fig = figures.progress_figure(rows, "测试")
    assert fig.data[0].x[0] == pytest.approx(171.0)  # a 171 % bar is drawn as 171 %
    assert fig.layout.xaxis.range[1] > 171
    assert fig.data[0].text[0].endswith("171%")


def test_every_chart_has_data_and_large_labels(demo_url):
    for b in _briefings(demo_url).values():
        charts = briefing_charts(b)
        names = [c.name for c in charts]
        for category, rows in b.categories.items():
            has_bars = figures.has_bars(rows)  # a ratio above 0, or a target met without one (full bar)
            assert any(n.startswith("04-") and n.endswith(category) for n in names) == has_bars, category
        for chart in charts:
            assert chart.figure.data, chart.name  # nothing drawn → no chart
            if chart.name.startswith("04-"):  # a 完成序时进度 chart has a bar to see
                assert any(x > 0 for x in chart.figure.data[0].x), chart.name
            exported = export_copy(chart.figure, demo=b.demo)
            assert min(chart_fonts(exported)) >= EXPORT_MIN_FONT, chart.name
            notes = [a.text for a in exported.layout.annotations]
            assert DEMO_MARK in notes  # the watermark of a chart image built on demo figures


def test_deck_tables_fonts_continuations_and_watermark(demo_url):
    for b in _briefings(demo_url).values():
        prs = Presentation(__import__("io").BytesIO(build_deck(b, _fake_pngs(b))))
        # 14 pt or more in every table cell
        for _, _, table in _tables(prs):
            for row in table.rows:
                for cell in row.cells:
                    for para in cell.text_frame.paragraphs:
                        for run in para.runs:
                            assert run.font.size is not None and run.font.size >= Pt(14), run.text
        # every chart is a whole-slide picture: 20 px of 1600 at 13.33 in = 12 pt
        pictures = [sh for s in prs.slides for sh in s.shapes if sh.shape_type == 13]
        assert len(pictures) == len(briefing_charts(b))
        for pic in pictures:
            assert pic.width == prs.slide_width and pic.height == prs.slide_height
            assert EXPORT_MIN_FONT * (pic.width / 914400 * 72) / 1600 >= 12
        # continued tables keep every row: reporting units, lead units, lagging indicators, categories
        by_title: dict[str, int] = {}
        for _, slide, table in _tables(prs):
            title = _slide_title(slide).split("（续")[0]
            by_title[title] = by_title.get(title, 0) + len(table.rows) - 1
            assert [c.text for c in table.rows[0].cells]  # the header repeats on each slide
        assert by_title.get("数据报送情况", 0) == len(b.report_rows)
        assert by_title.get("责任单位滞后排名", 0) == len(b.ranking)
        assert by_title.get("进度滞后的指标", 0) == len(b.lagging)
        for category, rows in b.categories.items():
            assert by_title[category] == len(rows), category
        # the demo watermark on every slide (a chart slide's picture carries its own: see above)
        for slide in prs.slides:
            chart_only = len(slide.shapes) == 1 and slide.shapes[0].shape_type == 13
            marked = any(DEMO_MARK in (s.text_frame.text if s.has_text_frame else "") for s in slide.shapes)
            assert chart_only or marked
            if not chart_only:
                assert any(s.name == "演示数据水印" and s.rotation for s in slide.shapes)  # the large one


def test_long_reporting_table_continues_on_further_slides(demo_url):
    """六安 reports from more than 14 units: the deck used to stop at 14 and drop the rest."""
    b = _briefings(demo_url)["luan"]
    many = [dict(b.report_rows[0], unit=f"单位{i:02d}") for i in range(40)]
    b.report_rows = many
    prs = Presentation(__import__("io").BytesIO(build_deck(b, _fake_pngs(b))))
    slides = [(s, t) for _, s, t in _tables(prs) if _slide_title(s).startswith("数据报送情况")]
    assert len(slides) >= 2 and _slide_title(slides[1][0]).startswith("数据报送情况（续1）")
    units = [row.cells[0].text for _, t in slides for row in list(t.rows)[1:]]
    assert units == [r["unit"] for r in many]


def _flags(table, tag):
    return [tr.find(qn("w:trPr")) is not None and tr.find(qn("w:trPr")).find(qn(tag)) is not None
            for tr in table._tbl.tr_lst]  # fmt: skip


def test_bulletin_page_numbers_headers_sign_off_and_watermark(demo_url):
    for b in _briefings(demo_url).values():
        doc = Document(__import__("io").BytesIO(build_bulletin(b)))
        footer = doc.sections[0].footer._element.xml
        assert "PAGE" in footer and "fldChar" in footer  # a page-number field
        header = doc.sections[0].header._element.xml
        assert DEMO_MARK in header and "PowerPlusWaterMarkObject" in header  # header line and watermark
        for table in doc.tables:
            assert _flags(table, "w:tblHeader")[0]  # header row repeated on every page
            assert all(_flags(table, "w:cantSplit"))  # no row split over two pages
        paras = [p for p in doc.paragraphs]
        office = max(i for i, p in enumerate(paras) if p.text == f"{b.jurisdiction}质量发展委员会办公室")
        assert paras[office].paragraph_format.keep_with_next  # office with the date
        body = max(i for i in range(office) if paras[i].text.strip())
        assert all(paras[i].paragraph_format.keep_with_next for i in range(body, office))  # … and the text
        for notice in b.notices:
            ndoc = Document(__import__("io").BytesIO(build_notice(b, notice)))
            assert DEMO_MARK in ndoc.sections[0].header._element.xml
            assert any(DEMO_MARK in p.text for p in ndoc.paragraphs)


def test_no_demo_mark_without_demo_figures(demo_url):
    with session_scope(demo_url) as session:
        remove_demo(session, system_actor("test"), "lingbi")
    b = load_briefing(demo_url, "lingbi", "2026Q3", TODAY)
    assert b.demo is False
    prs = Presentation(__import__("io").BytesIO(build_deck(b, _fake_pngs(b))))
    assert DEMO_MARK not in "\n".join(
        s.text_frame.text for slide in prs.slides for s in slide.shapes if s.has_text_frame
    )
    doc = Document(__import__("io").BytesIO(build_bulletin(b)))
    assert DEMO_MARK not in doc.sections[0].header._element.xml
    assert all(
        DEMO_MARK not in a.text for c in briefing_charts(b) for a in export_copy(c.figure).layout.annotations
    )


@NEEDS_PNG
@pytest.mark.skipif(SOFFICE is None or PDFTOPPM is None,
                    reason="LibreOffice (soffice) or pdftoppm missing: bash setup.sh dev (as root) installs them")  # fmt: skip
def test_render_deck_and_documents_to_png(demo_url, tmp_path):
    """Deck, bulletin and notices → PDF (LibreOffice) → PNG (pdftoppm) under artifacts/renders/:
    one PNG per slide and page, which a person opens to check (Chinese drawn, nothing clipped,
    watermark visible). Asserted here: a page per slide, the bulletin has pages, every PNG is drawn."""
    from PIL import Image

    from services.briefing import build_briefing

    for plan, as_of in CASES:
        out = tmp_path / plan
        written = build_briefing(demo_url, plan, as_of, out, today=TODAY)
        target = RENDERS / plan
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        sources = [p for p in written if p.suffix in (".pptx", ".docx")]
        for src in sources:
            stem = "deck" if src.suffix == ".pptx" else ("bulletin" if src.name.startswith("季度通报") else
                                                          "notice_" + src.stem.split("_", 1)[-1])  # fmt: skip
            work = tmp_path / f"{plan}_{stem}{src.suffix}"
            shutil.copy(src, work)
            profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
            subprocess.run([SOFFICE, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                            str(work)], check=True, capture_output=True, timeout=300)  # fmt: skip
            pdf = work.with_suffix(".pdf")
            assert pdf.is_file(), src.name
            subprocess.run(
                [PDFTOPPM, "-r", "60", "-png", str(pdf), str(target / stem)], check=True, timeout=300
            )
            pages = sorted(target.glob(f"{stem}-*.png"))
            if src.suffix == ".pptx":
                assert len(pages) == len(Presentation(str(src)).slides)
            assert pages, stem
            for png in pages:
                image = Image.open(png).convert("L")
                assert image.getextrema()[0] < 128  # something dark is drawn on every page
