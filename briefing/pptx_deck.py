"""The 16:9 PPTX deck: title, overview, one slide per category, lagging indicators, units, reporting.

Every text run gets a Chinese font (latin and east-asian typeface: 微软雅黑), so the
deck looks right in PowerPoint and WPS; charts are the 3200×1800 PNGs of
:mod:`briefing.charts`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

from briefing.charts import category_chart_name
from briefing.content import OFFICE, Briefing, cn_date, row_numbers
from indicators.explain import fmt_ratio
from ui.charts import STATUS_COLORS, text_color

FONT = "微软雅黑"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
DARK = RGBColor(0x22, 0x22, 0x22)
GREY = RGBColor(0x66, 0x66, 0x66)
ROWS_PER_SLIDE = 9


def set_font(run, size: float | None = None, bold: bool | None = None, color: RGBColor | None = None) -> None:
    """Chinese font on a run: latin and east-asian typeface (plus size/bold/colour)."""
    font = run.font
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    font.name = FONT  # <a:latin>
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        old = rpr.find(qn(tag))
        if old is not None:
            rpr.remove(old)
    latin = rpr.find(qn("a:latin"))
    cs = OxmlElement("a:cs")
    cs.set("typeface", FONT)
    ea = OxmlElement("a:ea")
    ea.set("typeface", FONT)
    latin.addnext(cs)
    latin.addnext(ea)


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#"))


def _text(slide, left, top, width, height, text: str, size: float = 18, bold: bool = False, color=DARK):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        set_font(run, size, bold, color)
    return box


def _slide(prs, title: str, subtitle: str = ""):
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _text(slide, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.7), title, 28, True)
    if subtitle:
        _text(slide, MARGIN, Inches(0.95), WIDTH - 2 * MARGIN, Inches(0.4), subtitle, 13, color=GREY)
    return slide


def _table(
    slide,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    left,
    top,
    width,
    widths: Sequence[float],
    size: float = 11,
    status_col: int | None = None,
):
    height = Inches(0.4) * (len(rows) + 1)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, width, height)
    table = shape.table
    total = sum(widths)
    for j, w in enumerate(widths):
        table.columns[j].width = Emu(int(width * w / total))
    for i, values in enumerate([header, *rows]):
        for j, value in enumerate(values):
            cell = table.cell(i, j)
            cell.text = ""
            para = cell.text_frame.paragraphs[0]
            run = para.add_run()
            run.text = str(value)
            color = None
            if i > 0 and status_col is not None and j == status_col and value in STATUS_COLORS:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(STATUS_COLORS[value])
                color = _rgb(text_color(value))
            set_font(run, size, i == 0, color)
            cell.margin_top = cell.margin_bottom = Emu(30000)
    return table


def _picture(slide, png: bytes | None, left, top, width):
    if png:
        slide.shapes.add_picture(io.BytesIO(png), left, top, width=width)


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def build_deck(b: Briefing, charts: dict[str, bytes]) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    stamp = f"截至{b.label}　数据更新于 {b.data_as_of_text()}　制作日期 {cn_date(b.today)}"

    # 1. Title
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text(slide, Inches(1), Inches(2.3), Inches(11.3), Inches(1.2), b.deck_title, 40, True)
    _text(slide, Inches(1), Inches(3.6), Inches(11.3), Inches(0.6), f"（截至{b.label}）", 24, color=GREY)
    _text(slide, Inches(1), Inches(4.6), Inches(11.3), Inches(0.5), b.plan_title, 16, color=GREY)
    _text(
        slide,
        Inches(1),
        Inches(5.6),
        Inches(11.3),
        Inches(0.9),
        f"{b.jurisdiction}{OFFICE}\n{cn_date(b.today)}",
        18,
    )

    # 2. Overview: status tiles (table), sentence, status chart and matrix
    slide = _slide(prs, "总体进展", stamp)
    _text(slide, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(0.8), b.overall_sentence(), 16)
    header = list(b.counts)
    _table(
        slide,
        ["状态", *header],
        [["指标数（项）", *[str(b.counts[s]) for s in header]]],
        MARGIN,
        Inches(2.3),
        WIDTH - 2 * MARGIN,
        [1.4] + [1] * len(header),
        14,
    )
    for j, status in enumerate(header, start=1):
        cell = slide.shapes[-1].table.cell(0, j)
        cell.fill.solid()
        cell.fill.fore_color.rgb = _rgb(STATUS_COLORS[status])
        for run in cell.text_frame.paragraphs[0].runs:
            set_font(run, 14, True, _rgb(text_color(status)))
    half = (WIDTH - 2 * MARGIN - Inches(0.3)) / 2
    _picture(slide, charts.get("01_指标状态分布"), MARGIN, Inches(3.3), half)
    _picture(slide, charts.get("03_分类别进展"), MARGIN + half + Inches(0.3), Inches(3.3), half)

    slide = _slide(prs, "红黄绿灯矩阵", stamp)
    _picture(slide, charts.get("02_红黄绿灯矩阵"), Inches(1.6), Inches(1.4), Inches(10.1))

    # 3. One slide per category (continuation slides when the table is long)
    for category, rows in b.categories.items():
        counts = b.category_counts[category]
        summary = "、".join(f"{s}{n}项" for s, n in counts.items() if n)
        table_rows = [[r["code"], r["name"], r["status"], row_numbers(r)["ratio"]] for r in rows]
        for page, chunk in enumerate(_chunks(table_rows, 14)):
            suffix = "" if page == 0 else f"（续{page}）"
            slide = _slide(prs, f"{category}{suffix}", f"共{len(rows)}项：{summary}")
            _picture(slide, charts.get(category_chart_name(b, category)), MARGIN, Inches(1.5), Inches(7.4))
            _table(
                slide,
                ["编号", "指标", "状态", "完成序时进度"],
                chunk,
                Inches(8.1),
                Inches(1.5),
                Inches(4.75),
                [1.3, 2.6, 1.0, 1.1],
                10,
                status_col=2,
            )

    # 4. Lagging indicators with the engine's reasons
    lag_rows = [
        [r["code"], r["name"], r["status"], "、".join(r["lead_units"]), r["reason"]] for r in b.lagging
    ]
    for page, chunk in enumerate(_chunks(lag_rows, ROWS_PER_SLIDE)):
        suffix = "" if page == 0 else f"（续{page}）"
        slide = _slide(prs, f"进度滞后的指标{suffix}", b.lagging_sentence().rstrip("：。"))
        if chunk:
            _table(
                slide,
                ["编号", "指标", "状态", "牵头单位", "判断依据"],
                chunk,
                MARGIN,
                Inches(1.5),
                WIDTH - 2 * MARGIN,
                [1.2, 2.6, 0.9, 1.8, 5.8],
                10,
                status_col=2,
            )
        else:
            _text(slide, MARGIN, Inches(1.6), Inches(10), Inches(0.6), "截至本季度没有滞后的指标。", 18)

    # 5. Unit ranking
    slide = _slide(prs, "责任单位滞后排名", b.unit_sentence())
    _picture(slide, charts.get("05_牵头单位滞后指数"), MARGIN, Inches(1.5), Inches(7.4))
    rank_rows = [
        [
            str(u["rank"]),
            u["unit"],
            f"{u['score']:.1f}",
            str(u["seriously_behind"] + u.get("not_achieved", 0)),
            str(u["behind"]),
            str(u["not_reported"]),
            str(u["indicators"]),
        ]
        for u in b.ranking[:12]
    ]
    _table(
        slide,
        ["排名", "牵头单位", "滞后指数", "严重滞后/未完成", "滞后", "未报送", "牵头指标"],
        rank_rows,
        Inches(8.1),
        Inches(1.5),
        Inches(4.75),
        [0.7, 2.4, 1, 1, 0.8, 0.9, 1],
        9,
    )

    # 6. Reporting completeness
    slide = _slide(prs, "数据报送情况", b.reporting_sentence())
    _picture(slide, charts.get("06_本季度报送情况"), MARGIN, Inches(1.5), Inches(7.4))
    rep_rows = [
        [
            r["unit"],
            str(r["expected"]),
            str(r["on_time"]),
            str(r["late"]),
            str(r["missing"]),
            "—" if r["cumulative_rate"] is None else fmt_ratio(r["cumulative_rate"], ()),
        ]
        for r in b.report_rows[:14]
    ]
    if rep_rows:
        _table(
            slide,
            ["单位", "应报", "按时", "逾期", "未报送", "累计报送率"],
            rep_rows,
            Inches(8.1),
            Inches(1.5),
            Inches(4.75),
            [2.4, 0.8, 0.8, 0.8, 0.9, 1.2],
            9,
        )

    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
