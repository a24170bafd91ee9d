"""The 16:9 PPTX deck: title, overview, matrix, one chart and table per category, lagging indicators,
units, reporting.

Fit to hand out: every text run gets a Chinese font (latin and east-asian typeface: 微软雅黑),
so the deck looks right in PowerPoint and WPS; table text is at least 14 pt; each chart (the
3200×1800 PNGs of :mod:`briefing.charts`) fills a whole slide, so its smallest label (20 px of
1600) is 12 pt; a chart with nothing to draw gets no slide; a long table continues on further
slides (rows are paged by their estimated height, never dropped, never clipped); with demo
figures every slide carries a large light 演示数据 watermark and a red note.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

from briefing.charts import category_chart_name, has_progress_chart
from briefing.content import DEMO_MARK, DEMO_NOTE, OFFICE, Briefing, cn_date, row_numbers
from indicators.explain import fmt_ratio
from indicators.rollup import score_rule_text
from ui.charts import STATUS_COLORS, status_label, text_color

FONT = "微软雅黑"
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13 1/3 × 7.5 in (16:9)
MARGIN = Inches(0.5)
DARK = RGBColor(0x22, 0x22, 0x22)
GREY = RGBColor(0x66, 0x66, 0x66)
TABLE_PT = 14  # the smallest text of any table
SUBTITLE_PT = 14
NOTE_PT = 14  # a note under a table: as legible as the table
TABLE_TOP = Inches(1.45)
TABLE_BOTTOM = HEIGHT - Inches(0.35)
LINE_HEIGHT = 1.45  # a text line: Noto Sans CJK (what LibreOffice draws 微软雅黑 with) is 1.45 em high
CELL_MARGIN_X = Inches(0.1)
CELL_MARGIN_Y = Emu(45720)  # 0.05 in


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
        _text(
            slide, MARGIN, Inches(0.95), WIDTH - 2 * MARGIN, Inches(0.45), subtitle, SUBTITLE_PT, False, GREY
        )
    return slide


def _wide(c: str) -> bool:
    return ord(c) >= 0x2E80 or c in "★☆●▲▼×○？√—"


def text_width_in(text: str, size: float) -> float:
    """Estimated width of ``text`` in inches at ``size`` pt: CJK full width, Latin and digits ~0.55 em,
    and a quarter em where CJK meets Latin or digits (LibreOffice's autospacing: "2025 年目标 98% 已到期")."""
    ems = sum(1.0 if _wide(c) else 0.55 for c in text)
    pairs = zip(text, text[1:], strict=False)
    ems += 0.25 * sum(1 for a, b in pairs if _wide(a) != _wide(b) and not a.isspace() and not b.isspace())
    return ems * size / 72


def row_height_in(values: Sequence[str], widths_in: Sequence[float], size: float = TABLE_PT) -> float:
    """Estimated height of a table row whose cells wrap their text."""
    lines = 1
    for value, width in zip(values, widths_in, strict=True):
        inner = max(0.3, 0.95 * (width - 2 * CELL_MARGIN_X / 914400))  # 5 % kept for the estimate's error
        for part in str(value).split("\n"):
            lines_here = max(1, -(-text_width_in(part, size) // inner))
            lines = max(lines, int(lines_here))
    return lines * size * LINE_HEIGHT / 72 + 2 * CELL_MARGIN_Y / 914400 + 0.04


def page_rows(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_in: Sequence[float],
    available_in: float,
    size: float = TABLE_PT,
) -> list[list[Sequence[str]]]:
    """Rows split into slides by estimated height (the header repeats on each); at least one row each."""
    head = row_height_in(header, widths_in, size)
    pages: list[list[Sequence[str]]] = [[]]
    used = head
    for row in rows:
        h = row_height_in(row, widths_in, size)
        if pages[-1] and used + h > available_in:
            pages.append([])
            used = head
        pages[-1].append(row)
        used += h
    return pages


def _fill(cell, hex_colour: str) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = _rgb(hex_colour)


def _table(
    slide,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    left,
    top,
    widths_in: Sequence[float],
    size: float = TABLE_PT,
    status_col: int | None = None,
):
    """A table with a bold header on grey; ``status_col`` cells coloured with icon and word."""
    height = Emu(int(sum(row_height_in(r, widths_in, size) for r in [header, *rows]) * 914400))
    width = Emu(int(sum(widths_in) * 914400))
    shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, width, height)
    table = shape.table
    table.first_row = True
    for j, w in enumerate(widths_in):
        table.columns[j].width = Emu(int(w * 914400))
    for i, values in enumerate([header, *rows]):
        table.rows[i].height = Emu(int(row_height_in(values, widths_in, size) * 914400))
        for j, value in enumerate(values):
            cell = table.cell(i, j)
            cell.text = ""
            cell.margin_left = cell.margin_right = CELL_MARGIN_X
            cell.margin_top = cell.margin_bottom = CELL_MARGIN_Y
            cell.text_frame.word_wrap = True
            para = cell.text_frame.paragraphs[0]
            run = para.add_run()
            text = str(value)
            color = DARK
            if i == 0:
                _fill(cell, "#E6E6E6")
            elif status_col is not None and j == status_col and value in STATUS_COLORS:
                _fill(cell, STATUS_COLORS[value])
                color = _rgb(text_color(value))
                text = status_label(value)
            else:
                _fill(cell, "#FFFFFF" if i % 2 else "#F5F5F5")
            run.text = text
            set_font(run, size, i == 0, color)
    return table


def _paged_table(
    prs,
    title: str,
    subtitle: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_in: Sequence[float],
    status_col: int | None = None,
    empty: str = "",
    note: str = "",
) -> list:
    """The table on as many slides as its rows need, titled 标题（续1）… on the later ones; ``note``, a
    line or two under the table on every one of them (how a column is made)."""
    note_height = Inches(0.6) if note else 0
    available = (TABLE_BOTTOM - note_height - TABLE_TOP) / 914400
    slides = []
    scale = (WIDTH - 2 * MARGIN) / 914400 / sum(widths_in)
    widths = [w * scale for w in widths_in]
    for page, chunk in enumerate(page_rows(header, rows, widths, available) if rows else [[]]):
        suffix = "" if page == 0 else f"（续{page}）"
        slide = _slide(prs, f"{title}{suffix}", subtitle)
        if chunk:
            _table(slide, header, chunk, MARGIN, TABLE_TOP, widths, status_col=status_col)
        else:
            _text(slide, MARGIN, Inches(1.6), Inches(11), Inches(0.6), empty, 18)
        if note:
            top = TABLE_BOTTOM - note_height + Inches(0.05)
            _text(slide, MARGIN, top, WIDTH - 2 * MARGIN, note_height, note, NOTE_PT, False, GREY)
        slides.append(slide)
    return slides


def _chart_slide(prs, png: bytes | None):
    """A chart across the whole slide (its title is in the image)."""
    if not png:
        return None
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_picture(io.BytesIO(png), 0, 0, width=WIDTH, height=HEIGHT)
    return slide


def _alpha(run, percent: int) -> None:
    """Make a run's solid colour ``percent`` opaque (a:alpha)."""
    clr = run._r.find(qn("a:rPr")).find(qn("a:solidFill")).find(qn("a:srgbClr"))
    alpha = OxmlElement("a:alpha")
    alpha.set("val", str(percent * 1000))
    clr.append(alpha)


def _is_chart_slide(slide) -> bool:
    return len(slide.shapes) == 1 and slide.shapes[0].shape_type == 13  # a picture only


def watermark(slide, large: bool = True) -> None:
    """A large light 演示数据 across the slide (``large``) and a red note at the top right, on top."""
    note = _text(
        slide, WIDTH - Inches(4.6), Inches(0.08), Inches(4.5), Inches(0.4), f"{DEMO_MARK}（非真实填报）", 14,
        True, RGBColor(0xB0, 0x00, 0x20),
    )  # fmt: skip
    note.name = "演示数据标注"
    note.text_frame.paragraphs[0].alignment = 3  # right
    if not large:
        return
    box = _text(
        slide, Inches(1.9), Inches(2.3), Inches(9.5), Inches(2.6), DEMO_MARK, 140, True,
        RGBColor(0xC0, 0x00, 0x00),
    )  # fmt: skip
    box.rotation = -20
    box.name = "演示数据水印"
    para = box.text_frame.paragraphs[0]
    para.alignment = 2  # centre
    _alpha(para.runs[0], 18)


def _supervision_slides(prs, b: Briefing) -> None:
    issued = sorted(b.issued_notices, key=lambda r: (r["印发日期"], r["id"]))
    n = b.escalation_quarters
    rule = f"连续{n}个季度滞后或未报送、或目标到期未完成的预警，连续{2 * n}个季度及以上的督办"
    notice_rows = [
        [r["编号"], r["责任单位"], r["级别"], "已印发", r["事项"]] for r in issued
    ] + [
        ["未编号", x.unit, x.level, "拟发（尚未印发）", "、".join(f"{i.code} {i.name}" for i in x.items)]
        for x in b.notices
    ]
    _paged_table(
        prs,
        "预警和督办",
        f"{rule}；本季度已印发 {len(issued)} 份，拟发 {len(b.notices)} 份",
        ["通知单编号", "责任单位", "级别", "状态", "指标"],
        notice_rows,
        [1.9, 2.0, 1.0, 1.9, 5.5],
        empty="本季度没有须发预警或督办通知单的指标。",
    )
    tasks = b.overdue_tasks  # the ledger's order, as in the bulletin
    _paged_table(
        prs,
        "重点任务逾期情况",
        b.overdue_tasks_sentence().split("。")[0] if tasks else "",  # its first sentence: the date and count
        ["编号", "任务", "牵头单位", "时间节点", "推进状态", "预警/督办"],
        [[r["编号"], r["任务"], r["牵头单位"], r["时间节点"], r["推进状态"], r["督办"]] for r in tasks],
        [1.45, 4.1, 2.0, 2.35, 1.3, 1.3],
        empty="重点任务均在时间节点内推进，没有逾期未完成的任务。",
    )
    if b.open_notices:
        late = sum(1 for r in b.open_notices if r["逾期"])
        _paged_table(
            prs,
            "督办台账：尚未销号的通知单",
            f"共 {len(b.open_notices)} 份，其中逾期 {late} 份",
            ["编号", "责任单位", "事项", "反馈期限", "状态"],
            [
                [r["编号"], r["责任单位"], r["事项"], f"{r['反馈期限']:%Y-%m-%d}",
                 r["状态"] + ("（逾期）" if r["逾期"] else "")]
                for r in b.open_notices
            ],  # fmt: skip
            [2.2, 2.2, 5.0, 1.6, 1.8],
        )


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
    if b.demo:
        _text(slide, Inches(1), Inches(1.3), Inches(11.3), Inches(0.6), DEMO_NOTE, 20, True,
              RGBColor(0xB0, 0x00, 0x20))  # fmt: skip

    # 2. Overview: the sentence and the status counts (coloured header: icon and word)
    slide = _slide(prs, "总体进展", stamp)
    _text(slide, MARGIN, Inches(1.5), WIDTH - 2 * MARGIN, Inches(1.2), b.overall_sentence(), 20)
    statuses = list(b.counts)
    # eight statuses across the slide: symbol and word without a space, so that "☆逾期完成" and
    # "▼严重滞后" fit their column at 16 pt (with the space they broke as "逾期完/成", "严重滞/后")
    widths = [1.3] + [(12.333 - 1.3) / len(statuses)] * len(statuses)
    table = _table(
        slide,
        ["状态", *[status_label(s).replace(" ", "", 1) for s in statuses]],
        [["指标项数", *[str(b.counts[s]) for s in statuses]]],
        MARGIN,
        Inches(3.2),
        widths,
        18,
    )
    for j, status in enumerate(statuses, start=1):
        cell = table.cell(0, j)
        _fill(cell, STATUS_COLORS[status])
        for run in cell.text_frame.paragraphs[0].runs:
            set_font(run, 16, True, _rgb(text_color(status)))
    _chart_slide(prs, charts.get("01_指标状态分布"))
    _chart_slide(prs, charts.get("03_分类别进展"))
    _chart_slide(prs, charts.get("02_红黄绿灯矩阵"))

    # 3. Per category: its chart (when any indicator has a ratio), then its table, continued as needed
    for category, rows in b.categories.items():
        counts = b.category_counts[category]
        summary = "、".join(f"{s}{n}项" for s, n in counts.items() if n)
        if not has_progress_chart(rows):  # no bar to draw: no empty chart slide, the table says why
            summary += "（本类指标没有可画的完成序时进度，未附进度图）"
        _chart_slide(prs, charts.get(category_chart_name(b, category)))
        table_rows = []
        for r in rows:
            nums = row_numbers(r)
            table_rows.append(
                [r["code"], r["name"], r["status"], nums["current"], nums["expected"], nums["ratio"]]
            )
        _paged_table(
            prs,
            category,
            f"共{len(rows)}项：{summary}",
            ["编号", "指标", "状态", "当前值", "序时进度应达", "完成序时进度"],
            table_rows,
            [1.4, 3.7, 1.5, 2.1, 2.0, 1.6],
            status_col=2,
        )

    # 4. Lagging indicators with the engine's reasons (never clipped: rows paged by height)
    lag_rows = [
        [r["code"], r["name"], r["status"], "、".join(r["lead_units"]), r["reason"]] for r in b.lagging
    ]
    _paged_table(
        prs,
        "进度滞后的指标",
        b.lagging_sentence().rstrip("：。"),
        ["编号", "指标", "状态", "牵头单位", "判断依据"],
        lag_rows,
        [1.3, 2.6, 1.4, 1.9, 5.1],
        status_col=2,
        empty="截至本季度没有滞后的指标。",
    )

    # 5. Unit ranking: chart of the units behind, then every lead unit
    _chart_slide(prs, charts.get("05_牵头单位滞后指数"))
    rank_rows = [
        [
            str(u["rank"]),
            u["unit"],
            f"{u['score']:.1f}",
            str(u.get("not_achieved", 0)),
            str(u["seriously_behind"]),
            str(u["not_reported"]),
            str(u["behind"]),
            str(u["indicators"]),
        ]
        for u in b.ranking
    ]
    _paged_table(
        prs,
        "责任单位滞后排名",
        b.unit_ranking_sentence(),
        ["排名", "牵头单位", "滞后指数", "未完成", "严重滞后", "未报送", "滞后", "牵头指标"],
        rank_rows,
        [0.9, 3.2, 1.4, 1.2, 1.3, 1.2, 1.0, 1.4],
        empty="没有牵头单位。",
        note=b.unit_misses_sentence() + score_rule_text() + "。",
    )

    # 6. Reporting completeness: chart, then every unit (never cut off)
    _chart_slide(prs, charts.get("06_本季度报送情况"))
    rep_rows = [
        [
            r["unit"],
            str(r["expected"]),
            str(r["on_time"]),
            str(r["late"]),
            str(r["missing"]),
            "—" if r["cumulative_rate"] is None else fmt_ratio(r["cumulative_rate"], ()),
        ]
        for r in b.report_rows
    ]
    _paged_table(
        prs,
        "数据报送情况",
        b.reporting_sentence(),
        ["单位", "应报", "按时", "逾期", "未报送", "累计报送率"],
        rep_rows,
        [3.6, 1.2, 1.2, 1.2, 1.2, 1.6],
        empty="本季度尚无到期的报送任务。",
    )

    # 7. Warnings and key tasks (the bulletin's 五 and 六): the notices proposed and issued, the key
    # tasks past their time node, the notices of the 督办台账 not yet closed
    _supervision_slides(prs, b)

    if b.demo:
        for slide in prs.slides:
            if not _is_chart_slide(slide):  # a chart image carries its own watermark and note
                watermark(slide)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
