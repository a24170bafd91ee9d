"""季度通报 and 预警通知单 as editable Word documents (python-docx).

Formal layout of government bulletins: title in 小标宋/宋体 二号 bold, body 仿宋 三号
(16 pt) with 2-character first-line indent, level-1 headings 黑体 (一、), level-2
楷体 (（一）), sign-off (落款) and date right-aligned.  Every run sets the
east-asian font (``w:eastAsia``) so Word/WPS use the Chinese typeface.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT  # noqa: F401  (kept for editors who switch to landscape)
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from briefing.content import OFFICE, RESPONSE_WORKING_DAYS, Briefing, Notice, cn_date, cn_index, row_numbers

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋"
H1_FONT = "黑体"
H2_FONT = "楷体"
BODY_PT = 16
TABLE_PT = 10.5


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


def _document():
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    return doc


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


def _table(doc, header: Sequence[str], rows: Sequence[Sequence[str]], widths_cm: Sequence[float]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for values, cells in [(header, table.rows[0].cells)] + [(r, None) for r in rows]:
        cells = cells or table.add_row().cells
        for j, value in enumerate(values):
            cells[j].text = ""
            p = cells[j].paragraphs[0]
            set_run_font(p.add_run(str(value)), BODY_FONT, TABLE_PT, values is header)
    for row in table.rows:
        for j, w in enumerate(widths_cm):
            row.cells[j].width = Cm(w)
    doc.add_paragraph()


def _sign_off(doc, office: str, day) -> None:
    doc.add_paragraph()
    _para(doc, office, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, cn_date(day), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def build_bulletin(b: Briefing) -> bytes:
    """季度通报: 一、总体进展 二、已达标 三、滞后指标 四、报送情况 五、预警和督办 六、工作要求."""
    doc = _document()
    _title(doc, b.bulletin_title)
    _para(doc, "各有关单位：", indent=False)
    _para(
        doc,
        f"根据《{b.plan_title}》确定的目标任务，{OFFICE}对截至{b.label}各项指标的推进情况进行了监测。"
        "现将有关情况通报如下。",
    )
    sections: list[tuple[str, callable]] = []

    def overall() -> None:
        _para(doc, b.overall_sentence())
        header = ["类别", *b.counts.keys(), "合计"]
        rows = [
            [name, *[str(c[s]) for s in b.counts], str(sum(c.values()))]
            for name, c in b.category_counts.items()
        ]
        rows.append(["合计", *[str(n) for n in b.counts.values()], str(sum(b.counts.values()))])
        _table(doc, header, rows, [3.2] + [1.6] * (len(header) - 1))

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
                [1.8, 4.0, 1.5, 1.8, 1.8, 1.6, 2.6],
            )
        _para(doc, b.unit_sentence())

    def reporting() -> None:
        _para(doc, b.reporting_sentence())
        if b.not_reported:
            rows = [[unit, "、".join(codes), str(len(codes))] for unit, codes in b.not_reported.items()]
            _table(doc, ["未报送单位", "未报送的指标", "项数"], rows, [4.0, 9.0, 1.6])

    def escalation() -> None:
        n = b.escalation_quarters
        if not b.notices:
            _para(doc, f"本季度没有连续{n}个季度及以上进度滞后或未报送的指标，不发预警通知单。")
            return
        names = "、".join(f"{x.unit}（{x.level}）" for x in b.notices)
        _para(
            doc,
            f"对连续{n}个季度及以上进度滞后或未报送的指标，向牵头单位发出预警通知单；"
            f"连续{2 * n}个季度及以上的，列入督办。本季度共向{len(b.notices)}个单位发出通知单：{names}。",
        )

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
        ("工作要求", requirements),
    ]
    for i, (heading, body) in enumerate(sections, start=1):
        _para(doc, f"{cn_index(i)}、{heading}", H1_FONT)
        body()
    _sign_off(doc, f"{b.jurisdiction}{OFFICE}", b.today)
    _para(doc, f"（数据截至{b.label}，数据更新于 {b.data_as_of_text()}）", size=12, indent=False)
    return _save(doc)


def build_notice(b: Briefing, notice: Notice) -> bytes:
    """预警通知单 (督办通知单) for one unit: its indicators behind, the numbers, the response date."""
    doc = _document()
    _title(doc, notice.title)
    _para(doc, f"{notice.unit}：", indent=False)
    n = b.escalation_quarters
    _para(
        doc,
        f"经监测，截至{b.label}，你单位牵头负责的以下{len(notice.items)}项指标已连续{n}个季度及以上"
        f"进度滞后或未报送（连续{2 * n}个季度及以上的列入督办），现予{notice.level}：",
    )
    for i, item in enumerate(notice.items, start=1):
        _para(
            doc,
            f"（{cn_index(i)}）{item.code} {item.name}：自{item.since}起"
            f"连续{item.streak}个季度滞后（{item.level}）。{item.reason}",
        )
    rows = [
        [i.code, i.name, i.status, str(i.streak), i.current, i.expected, i.target, i.ratio, i.level]
        for i in notice.items
    ]
    _table(
        doc,
        ["编号", "指标", "状态", "连续季度", "当前值", "序时进度应达", "目标", "完成序时进度", "级别"],
        rows,
        [1.6, 3.2, 1.3, 1.2, 1.5, 1.5, 1.8, 1.4, 1.0],
    )
    _para(
        doc,
        f"请你单位认真分析原因，于{cn_date(notice.respond_by)}前（自本通知单印发之日起{RESPONSE_WORKING_DAYS}个工作日，"
        f"已按国务院办公厅公布的节假日安排计算）将原因分析、整改措施和完成时限书面报送{OFFICE}。",
    )
    _sign_off(doc, f"{b.jurisdiction}{OFFICE}", notice.issued_on)
    return _save(doc)
