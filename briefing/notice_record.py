"""The Word 预警通知单 / 督办通知单 of one notice record (services/notices.py).

Same formal layout as briefing/docx_docs.py. The response date is the one stored on the
record, counted in working days by the State Council's holiday notices (services.workdays):
the document states the date itself, never "遇法定节假日顺延".
"""

from __future__ import annotations

from briefing.content import OFFICE, cn_date, cn_index
from briefing.docx_docs import H1_FONT, _closing, _document, _para, _save, _sign_off, _table, _title
from indicators.periods import Period

LEVEL_TITLES = {"warning": "预警通知单", "supervision": "督办通知单"}


def build_notice_record(notice, plan, unit) -> bytes:
    doc = _document()
    _title(doc, LEVEL_TITLES[notice.level])
    _para(doc, notice.number, indent=False, align=1)
    _para(doc, f"{unit.name}：", indent=False)
    as_of = Period.parse(notice.as_of).label if notice.as_of else cn_date(notice.issued_on)
    kind = "预警" if notice.level == "warning" else "督办"
    _para(
        doc,
        f"根据《{plan.title}》确定的目标任务和{OFFICE}的季度监测，截至{as_of}，你单位牵头负责的以下"
        f"{len(notice.items)}项指标或重点任务进度滞后、未报送或逾期未完成，现予{kind}：",
    ).paragraph_format.keep_with_next = True
    _table(
        doc,
        ["编号", "事项", "类别", "状态"],
        [[i.code, i.name, "指标" if i.indicator_id else "重点任务", i.status] for i in notice.items],
        [2.2, 8.0, 2.0, 2.6],
    )
    for i, item in enumerate(notice.items, start=1):  # after the table: the last goes with the closing
        what = "指标" if item.indicator_id else "重点任务"
        _para(doc, f"（{cn_index(i)}）{what} {item.code} {item.name}（{item.status}）。{item.reason}")
    if notice.request:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
        _para(doc, notice.request)
    _closing(
        doc,
        f"请你单位认真分析原因，于{cn_date(notice.respond_by)}前（自本通知单印发之日起{notice.response_days}个工作日，"
        f"已按国务院办公厅公布的节假日安排计算）将原因分析、整改措施、预计完成时间及佐证材料"
        f"通过质量目标监测平台报送{OFFICE}。",
    )
    if notice.state in ("answered", "closed") or notice.causes:
        _para(doc, "单位反馈", H1_FONT, indent=False)
        _para(doc, f"原因分析：{notice.causes}")
        _para(doc, f"整改措施：{notice.measures}")
        if notice.expected_on:
            _para(doc, f"预计完成时间：{cn_date(notice.expected_on)}")
    if notice.state == "closed":
        _para(
            doc,
            f"核销情况：经{OFFICE}核实，已于{cn_date(notice.verified_at.date())}销号。{notice.verify_comment}",
        )
    _sign_off(doc, f"{plan.jurisdiction}{OFFICE}", notice.issued_on)
    return _save(doc)
