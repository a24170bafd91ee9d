"""季度通报 and 预警通知单 as editable Word documents (python-docx).

Formal layout of government bulletins: title in 小标宋/宋体 二号 bold, body 仿宋 三号
(16 pt) with 2-character first-line indent, level-1 headings 黑体 (一、), level-2
楷体 (（一）), sign-off (落款) and date right-aligned.  Every run sets the
east-asian font (``w:eastAsia``) so Word/WPS use the Chinese typeface.

Fit to hand out: page numbers (— 1 —, 宋体 四号) in the footer, table header rows repeated on
every page and rows never split across pages, the sign-off kept on the page of the last paragraph
(keep with next), status cells in the palette's colour with icon and word; built on demo
figures, every page has a red 演示数据 header and a large light 演示数据 watermark.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT  # noqa: F401  (kept for editors who switch to landscape)
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from briefing.content import (
    DEMO_MARK,
    DEMO_NOTE,
    OFFICE,
    RESPONSE_WORKING_DAYS,
    Briefing,
    Notice,
    cn_date,
    cn_index,
    row_numbers,
)
from ui.charts import STATUS_COLORS, status_label, text_color
from ui.vocabulary import DRAFT_NOTICE_NOTE

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋"
H1_FONT = "黑体"
H2_FONT = "楷体"
BODY_PT = 16
TABLE_PT = 10.5
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6  # A4 less the left and right margins
PAGE_NUMBER_FONT = "宋体"
PAGE_NUMBER_PT = 14  # 四号
DRAFT_DATE = "年　月　日"  # a draft's date under the sign-off, filled in when it is issued


def set_run_font(run, name: str, size: float | None = None, bold: bool | None = None) -> None:
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _document(demo: bool = False):
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _page_numbers(section)
    if demo:
        _demo_header(section)
    return doc


def _field(paragraph, instruction: str) -> None:
    """A Word field (``PAGE``) in ``paragraph``: begin, instruction, separate, placeholder, end."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        set_run_font(run, PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == instruction:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._r.append(instr)
        else:
            run.text = text


def _page_numbers(section) -> None:
    """``— 1 —`` centred in the footer (a PAGE field, so Word/WPS/LibreOffice number every page)."""
    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_run_font(para.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
    _field(para, "PAGE")
    set_run_font(para.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)


_WATERMARK = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
    "<w:pict>"
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/>'
    '<v:textpath on="t" fitshape="t"/></v:shapetype>'
    '<v:shape id="PowerPlusWaterMarkObject" o:spid="_x0000_s2049" type="#_x0000_t136" '
    'style="position:absolute;margin-left:0;margin-top:0;width:420pt;height:140pt;rotation:315;'
    "z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
    'mso-position-vertical:center;mso-position-vertical-relative:margin" fillcolor="#f4c7c7" stroked="f">'
    '<v:fill opacity=".5"/>'
    '<v:textpath style="font-family:&quot;{font}&quot;;font-size:1pt" string="{text}"/>'
    "</v:shape></w:pict></w:r>"
)


def _demo_header(section) -> None:
    """Every page: a red 演示数据 line in the header and a large light diagonal watermark."""
    para = section.header.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(f"{DEMO_MARK}（非真实填报）——仅供熟悉系统，不得印发")
    set_run_font(run, H1_FONT, 12, True)
    run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
    para._p.append(parse_xml(_WATERMARK.format(font=H1_FONT, text=DEMO_MARK)))


def _draft_header(section) -> None:
    """Every page of a draft (拟发稿) says so in the header, under the demo line if any."""
    header = section.header
    para = header.paragraphs[0] if not header.paragraphs[0].text else header.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(DRAFT_NOTICE_NOTE)
    set_run_font(run, H1_FONT, 12, True)
    run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def _para(
    doc,
    text: str,
    font: str = BODY_FONT,
    size: float = BODY_PT,
    bold: bool = False,
    indent: bool = True,
    align=None,
    space_after: float = 0,
):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(28)
    fmt.space_after = Pt(space_after)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    set_run_font(p.add_run(text), font, size, bold)
    return p


def _title(doc, text: str) -> None:
    _para(doc, text, TITLE_FONT, 22, True, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)


def _row_flag(row, tag: str) -> None:
    """Set a row property (``w:tblHeader``: repeat on every page; ``w:cantSplit``: keep on one page)."""
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _shade(cell, hex_colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), hex_colour.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shading)


def _table(
    doc,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_cm: Sequence[float],
    status_col: int | None = None,
    side_margin_cm: float | None = 0.1,
):
    """A grid table: header repeated on every page, rows never split; ``status_col`` cells coloured.
    ``side_margin_cm``: the cells' left and right margin (the style's 0.19 cm when None); 0.1 cm keeps a
    code (LA-ENV-06) and a three-character word (已达标) on one line in the narrow columns.

    Cell text single-spaced with no space after (the template's 10 pt after each cell paragraph made
    a one-row table a third of a page)."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _row_flag(table.rows[0], "w:tblHeader")
    for values, cells in [(header, table.rows[0].cells)] + [(r, None) for r in rows]:
        cells = cells or table.add_row().cells
        for j, value in enumerate(values):
            cells[j].text = ""
            p = cells[j].paragraphs[0]
            p.paragraph_format.space_after = Pt(0)
            p.paragraph_format.line_spacing = 1.0
            text = str(value)
            if values is header:
                _shade(cells[j], "#E6E6E6")
            elif j == status_col and text in STATUS_COLORS:
                _shade(cells[j], STATUS_COLORS[text])
                run = p.add_run(status_label(text))
                set_run_font(run, BODY_FONT, TABLE_PT, True)
                run.font.color.rgb = RGBColor.from_string(text_color(text).lstrip("#"))
                continue
            set_run_font(p.add_run(text), BODY_FONT, TABLE_PT, values is header)
    scale = min(1.0, TEXT_WIDTH_CM / sum(widths_cm))  # never wider than the text block
    table.autofit = False
    if side_margin_cm is not None:
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            m = OxmlElement(f"w:{side}")
            m.set(qn("w:w"), str(int(side_margin_cm / 2.54 * 1440)))  # twentieths of a point
            m.set(qn("w:type"), "dxa")
            margins.append(m)
        table._tbl.tblPr.append(margins)
    for j, w in enumerate(widths_cm):
        table.columns[j].width = Cm(w * scale)  # w:gridCol (LibreOffice reads these)
    for row in table.rows:
        _row_flag(row, "w:cantSplit")
        for j, w in enumerate(widths_cm):
            row.cells[j].width = Cm(w * scale)
    spacer = doc.add_paragraph()
    spacer.paragraph_format.space_after = Pt(0)
    spacer.paragraph_format.line_spacing = Pt(14)
    return table


def _sign_off(doc, office: str, day) -> None:
    """落款 and date (``day``: a date, or the text of a draft's blank date), kept on the page of the last
    paragraph (never alone on a page); one blank 28 pt line above them."""
    if doc.paragraphs:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    blank = doc.add_paragraph().paragraph_format
    blank.keep_with_next, blank.line_spacing, blank.space_after = True, Pt(28), Pt(0)
    _para(doc, office, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT).paragraph_format.keep_with_next = True
    _para(doc, day if isinstance(day, str) else cn_date(day), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _closing(doc, text: str):
    """A notice's closing paragraph (the response request): never split, kept with the sign-off and
    with the paragraph before it (a notice's items follow its table, so the closing, the sign-off and
    the last item always share a page: keep-with-next inside a table row is not honoured everywhere,
    LibreOffice ignores it)."""
    if doc.paragraphs:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    p = _para(doc, text)
    p.paragraph_format.keep_together = True
    p.paragraph_format.keep_with_next = True
    return p


def _demo_line(doc, demo: bool) -> None:
    """Under the title of a document built on demo figures: a red line saying so."""
    if demo:
        p = _para(doc, f"（{DEMO_NOTE}）", H1_FONT, 14, True, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        p.runs[0].font.color.rgb = RGBColor(0xB0, 0x00, 0x20)


def _save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def build_bulletin(b: Briefing) -> bytes:
    """季度通报: 一、总体进展 二、已达标 三、滞后指标 四、报送情况 五、预警和督办 六、重点任务和督办台账
    七、工作要求."""
    doc = _document(b.demo)
    # a title longer than a line breaks between its parts (公文 style), not where the line is full
    # ("…建设目标任/务推进情况的通报")
    title = b.bulletin_title
    if len(title) > 20 and "建设目标" in title:
        title = title.replace("建设目标", "建设\n目标", 1)
    _title(doc, title)
    _demo_line(doc, b.demo)
    _para(doc, "各有关单位：", indent=False)
    _para(
        doc,
        f"根据《{b.plan_title}》确定的目标任务，{OFFICE}对截至{b.label}各项指标的推进情况进行了监测。"
        "现将有关情况通报如下。",
    )
    sections: list[tuple[str, callable]] = []

    def overall() -> None:
        _para(doc, b.overall_sentence())
        # a four-character status breaks between its two words ("逾期/完成"), not as "逾期完/成"
        header = ["类别", *[s if len(s) < 4 else f"{s[:2]}\n{s[2:]}" for s in b.counts], "合计"]
        rows = [
            [name, *[str(c[s]) for s in b.counts], str(sum(c.values()))]
            for name, c in b.category_counts.items()
        ]
        rows.append(["合计", *[str(n) for n in b.counts.values()], str(sum(b.counts.values()))])
        _table(doc, header, rows, [2.4] + [1.47] * (len(header) - 1))

    def achieved() -> None:
        _para(doc, b.achieved_sentence())

    def lagging() -> None:
        _para(doc, b.lagging_sentence())
        for i, r in enumerate(b.lagging, start=1):
            units = "、".join(r["lead_units"]) or "未指定"
            _para(
                doc,
                f"（{cn_index(i)}）{r['code']} {r['name']}（{r['status']}，牵头单位：{units}）。"
                f"{r['reason']}",
            )
        if b.lagging:
            rows = []
            for r in b.lagging:
                nums = row_numbers(r)
                rows.append(
                    [
                        r["code"],
                        r["name"],
                        r["status"],
                        nums["current"],
                        nums["expected"],
                        nums["ratio"],
                        "、".join(r["lead_units"]),
                    ]
                )
            _table(
                doc,
                ["编号", "指标", "状态", "当前值", "序时进度应达", "完成序时进度", "牵头单位"],
                rows,
                [2.5, 3.0, 2.2, 2.3, 1.8, 1.6, 2.2],  # a code (LA-ENV-05) and "× 未完成" on one line
                status_col=2,
            )
        _para(doc, b.unit_sentence())

    def reporting() -> None:
        _para(doc, b.reporting_sentence())
        if b.not_reported:
            rows = [[unit, "、".join(codes), str(len(codes))] for unit, codes in b.not_reported.items()]
            _table(doc, ["未报送单位", "未报送的指标", "项数"], rows, [4.0, 9.0, 1.6])

    def escalation() -> None:
        _para(doc, b.escalation_sentence())  # only notices issued on the 督办台账 are said to be sent

    def supervision() -> None:
        """Key tasks past their time node, and the notices of the 督办台账 not yet closed."""
        if b.overdue_tasks:
            _para(doc, b.overdue_tasks_sentence()).paragraph_format.keep_with_next = True
            rows = [
                [r["编号"], r["任务"], r["牵头单位"], r["时间节点"], r["推进状态"], r["督办"]]
                for r in b.overdue_tasks
            ]
            _table(doc, ["编号", "任务", "牵头单位", "时间节点", "推进状态（经审核）", "预警/督办"], rows,
                   [2.4, 4.0, 2.4, 2.9, 2.0, 1.9])  # fmt: skip  (LA-T2.2-06 on one line)
        else:
            _para(doc, "重点任务均在时间节点内推进，没有逾期未完成的任务。")
        if b.open_notices:
            late = sum(1 for r in b.open_notices if r["逾期"])
            _para(doc, f"督办台账中尚未销号的通知单{len(b.open_notices)}份，其中逾期{late}份：")
            rows = [
                [
                    r["编号"],
                    r["责任单位"],
                    r["事项"],
                    f"{r['反馈期限']:%Y-%m-%d}",
                    r["状态"] + ("（逾期）" if r["逾期"] else ""),
                ]
                for r in b.open_notices
            ]
            _table(doc, ["编号", "责任单位", "事项", "反馈期限", "状态"], rows, [2.6, 2.6, 5.4, 2.0, 2.6])
        elif b.notices_logged:
            _para(doc, "督办台账中的通知单均已反馈并销号。")
        else:
            _para(doc, "督办台账中尚无印发的通知单。")

    def requirements() -> None:
        _para(
            doc,
            "各牵头单位要对照目标任务和序时进度，认真分析滞后原因，制定针对性措施，确保按期完成目标任务；"
            "各责任单位要按时、准确报送季度数据。收到预警通知单的单位，须在规定期限内书面反馈整改措施和进展。",
        )

    sections = [
        ("总体进展", overall),
        ("已达标的指标", achieved),
        ("进度滞后的指标", lagging),
        ("数据报送情况", reporting),
        ("预警和督办", escalation),
        ("重点任务和督办台账", supervision),
        ("工作要求", requirements),
    ]
    for i, (heading, body) in enumerate(sections, start=1):
        _para(doc, f"{cn_index(i)}、{heading}", H1_FONT).paragraph_format.keep_with_next = True
        body()
    _sign_off(doc, f"{b.jurisdiction}{OFFICE}", b.today)
    _para(doc, f"（数据截至{b.label}，数据更新于 {b.data_as_of_text()}）", size=12, indent=False)
    return _save(doc)


def build_notice(b: Briefing, notice: Notice) -> bytes:
    """The draft (拟发稿) of a 预警通知单 (督办通知单) for one unit: its indicators behind and the numbers.

    Not a notice yet: the office issues it on the 督办台账 (services/notices.py numbers, dates and logs
    it; briefing/notice_record.py writes that one). So the draft is titled 拟发稿, has no number, states
    the response period from the issue date (the date it would be if issued today only as an example)
    and leaves the date under the sign-off blank."""
    doc = _document(b.demo)
    _draft_header(doc.sections[0])
    _title(doc, notice.draft_title)
    _demo_line(doc, b.demo)
    _para(doc, f"{notice.unit}：", indent=False)
    n = b.escalation_quarters
    missed = [i for i in notice.items if i.streak < n]  # 到期未完成, warned at once (METHODOLOGY 十八)
    rule = f"连续{2 * n}个季度及以上的列入督办"  # not said after 到期未完成 alone (no two brackets)
    if not missed:
        why = f"已连续{n}个季度及以上进度滞后或未报送（{rule}）"
    elif len(missed) == len(notice.items):
        why = "目标年已过仍未完成，即到期未完成"
    else:
        why = f"已连续{n}个季度及以上进度滞后或未报送，或到期未完成（{rule}）"
    _para(
        doc,
        f"经监测，截至{b.label}，你单位牵头负责的以下{len(notice.items)}项指标{why}，现予{notice.level}：",
    ).paragraph_format.keep_with_next = True
    rows = [
        [i.code, i.name, i.status, str(i.streak), i.current, i.expected, i.target, i.ratio, i.level]
        for i in notice.items
    ]
    _table(
        doc,
        ["编号", "指标", "状态", "连续季度", "当前值", "序时进度应达", "目标", "完成序时进度", "级别"],
        rows,
        [2.3, 2.6, 1.9, 1.1, 1.9, 1.4, 1.9, 1.3, 1.2],  # the whole text width; a code on one line
        status_col=2,
    )
    for i, item in enumerate(notice.items, start=1):  # after the table: the last goes with the closing
        _para(
            doc,
            f"（{cn_index(i)}）{item.code} {item.name}："
            + (f"{b.label}到期未完成（{item.level}）。" if item.streak < n
               else f"自{item.since}起连续{item.streak}个季度滞后（{item.level}）。")
            + item.reason,
        )
    _closing(
        doc,
        f"请你单位认真分析原因，自本通知单印发之日起{RESPONSE_WORKING_DAYS}个工作日内（如于{cn_date(notice.issued_on)}"
        f"印发，即{cn_date(notice.respond_by)}前，已按国务院办公厅公布的节假日安排计算）将原因分析、整改措施和"
        f"完成时限书面报送{OFFICE}。",
    )
    _sign_off(doc, f"{b.jurisdiction}{OFFICE}", DRAFT_DATE)
    return _save(doc)
