"""Meeting materials after a new user's walk of 六安 at 2025年第4季度 (demo figures):

1. the bulletin states a key task's progress only as the office accepted it (a report awaiting review
   only marked 待审核), and its heading's count is the list's;
2. it says a notice was sent only when it was issued (印发) on the 督办台账; the engine's proposals are
   拟发 drafts (titled so, no date demanded, no signed date);
3. a milestone's value is 已完成 / 未完成 in every table, never 1 / 0;
4. a notice's closing paragraph and sign-off stay together with the last item (one page for one item;
   a long one breaks inside its table or items, never the sign-off alone);
5. a 完成序时进度 chart never shows without bars: a target met without a ratio is a full hatched bar,
   a category without any bar to draw has no chart and its table slide says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from docx import Document
from pptx import Presentation

from briefing import figures
from briefing.bundle import build_files, notice_name
from briefing.charts import briefing_charts, category_chart_name
from briefing.content import NoticeItem, cn_date
from briefing.docx_docs import build_bulletin, build_notice
from briefing.pptx_deck import build_deck
from db.session import read_scope, session_scope
from services import notices, tasks
from services.actor import system_actor
from services.briefing import load_briefing
from services.demo import load_demo
from tests.supervision_support import OFFICE, reporter

TODAY = dt.date(2026, 12, 1)  # the walk's day: 六安's 2025Q4 task nodes are overdue (督办)
PLAN, AS_OF, UNIT = "luan", "2025Q4", "市市场监管局"
SOFFICE, PDFTOTEXT = shutil.which("soffice") or shutil.which("libreoffice"), shutil.which("pdftotext")


@pytest.fixture
def demo_url(seeded_url):
    with session_scope(seeded_url) as session:
        load_demo(session, system_actor("test"), today=TODAY)
    return seeded_url


def _sqlite_only(url):
    if "postgres" in url:
        pytest.skip("file generation is backend-independent; the SQLite run covers it")


def _docx(data: bytes):
    return Document(io.BytesIO(data))


def _paras(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.text.strip()]


def _fake_pngs(b) -> dict[str, bytes]:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 18), "white").save(buf, format="PNG")
    return {c.name: buf.getvalue() for c in briefing_charts(b)}


def _task_table(doc):
    return next(t for t in doc.tables if t.rows[0].cells[0].text == "编号" and "推进状态" in t.rows[0].cells[4].text)


# --------------------------------------------------------------------------- 1. reviewed task progress


def test_bulletin_states_only_accepted_task_progress(seeded_url):
    with read_scope(seeded_url) as s:
        clerk = reporter(s, "clerk", UNIT)
    with session_scope(seeded_url) as s:
        # 01: 已完成, awaiting review (the walk's case); 02: accepted 推进中, then a newer 已完成 awaiting
        # review; 03: returned; 04: accepted 已完成, not confirmed; 05: no report
        tasks.report_progress(s, clerk, PLAN, "LA-T1.1-01", UNIT, AS_OF, "已全面落实", "已完成", today=TODAY)
        r2 = tasks.report_progress(s, clerk, PLAN, "LA-T1.1-02", UNIT, AS_OF, "起草中", "推进中", today=TODAY)
        r3 = tasks.report_progress(s, clerk, PLAN, "LA-T1.1-03", UNIT, AS_OF, "调研", "推进中", today=TODAY)
        r4 = tasks.report_progress(s, clerk, PLAN, "LA-T1.1-04", UNIT, AS_OF, "已推行", "已完成", today=TODAY)
        ids = r2.id, r3.id, r4.id
    with session_scope(seeded_url) as s:
        tasks.review_report(s, OFFICE, ids[0], "accept")
        tasks.review_report(s, OFFICE, ids[1], "return", "请补充佐证材料")
        tasks.review_report(s, OFFICE, ids[2], "accept")
    with session_scope(seeded_url) as s:
        tasks.report_progress(s, clerk, PLAN, "LA-T1.1-02", UNIT, "2026Q3", "已印发", "已完成", today=TODAY)

    b = load_briefing(seeded_url, PLAN, AS_OF, TODAY)
    rows = {r["编号"]: r["推进状态"] for r in b.overdue_tasks}
    assert rows["LA-T1.1-01"] == "已完成（待审核）"
    assert rows["LA-T1.1-02"] == "推进中（新报已完成，待审核）"
    assert rows["LA-T1.1-03"] == "已退回更正"
    assert rows["LA-T1.1-04"] == "已完成（待确认）"
    assert rows["LA-T1.2-01"] == "未填报"
    if "postgres" in seeded_url:
        return
    doc = _docx(build_bulletin(b))
    table = _task_table(doc)
    printed = {r.cells[0].text: r.cells[4].text for r in list(table.rows)[1:]}
    assert printed["LA-T1.1-01"] == "已完成（待审核）"  # was "已完成": a report nobody reviewed
    assert "已完成" not in printed.values()  # no task stated as done: none is confirmed
    heading = next(p for p in _paras(doc) if "时间节点已过" in p)
    assert heading.startswith("截至2026年1月10日（2025年第4季度数据报送截止日），时间节点已过")
    count = int(re.search(r"重点任务(\d+)项", heading).group(1))
    assert count == len(table.rows) - 1 == len(b.overdue_tasks)  # the heading's count is the list's
    by_level = dict(re.findall(r"(督办|预警)(\d+)项", heading))
    assert sum(map(int, by_level.values())) == count
    assert {r.cells[5].text for r in list(table.rows)[1:]} <= {"预警", "督办"}
    assert "其中2项有单位新报的进展尚待审核，标“待审核”" in heading  # 01 and 02


# --------------------------------------------------------------------------- 2. notices issued vs proposed


def _section(doc, number: str) -> str:
    paras = _paras(doc)
    start = next(i for i, p in enumerate(paras) if p.startswith(number))
    return paras[start + 1]


MISSED_ONLY = ["市交通运输局", "市住建局", "市林业局", "裕安区"]  # one quarter behind: 到期未完成 at 2025Q4


def test_bulletin_says_sent_only_of_issued_notices_and_drafts_are_marked(demo_url):
    _sqlite_only(demo_url)
    b = load_briefing(demo_url, PLAN, AS_OF, TODAY)
    # the engine's proposals: 督办 first; the targets missed at 2025's end are warned at once
    # (METHODOLOGY 十八), so every lead unit of a 未完成 indicator gets one
    assert [n.unit for n in b.notices] == ["市市场监管局", "市发改委", "市园林局", *MISSED_ONLY]
    doc = _docx(build_bulletin(b))
    text = _section(doc, "五、")
    assert "发出通知单：" not in text.split("拟向")[0]  # was "本季度共向3个单位发出通知单：…"
    assert "本季度尚未印发预警或督办通知单。" in text
    assert (
        "经监测，拟向7个单位发出通知单：市市场监管局（督办）、市发改委（督办）、市园林局（督办）、"
        "市交通运输局（预警）、市住建局（预警）、市林业局（预警）、裕安区（预警）。"
    ) in text
    assert "督办台账中尚无印发的通知单。" in _paras(doc)  # was "…均已反馈并销号" with none issued

    files = build_files(b, _fake_pngs(b))
    drafts = sorted(n for n in files if n.startswith("notices/"))
    assert drafts == sorted(f"notices/{notice_name(n)}" for n in b.notices)
    assert {n.split("_")[0] for n in drafts} == {"notices/拟发督办通知单", "notices/拟发预警通知单"}
    for notice in b.notices:
        ndoc = _docx(files[f"notices/{notice_name(notice)}"])
        paras = _paras(ndoc)
        assert paras[0] == f"{notice.level}通知单（拟发稿）"
        assert notice_name(notice).startswith(f"拟发{notice.level}通知单_")
        assert "拟发稿，尚未印发：经督办台账印发、编号后方为正式通知单" in ndoc.sections[0].header._element.xml
        closing = next(p for p in paras if p.startswith("请你单位"))
        assert closing.startswith("请你单位认真分析原因，自本通知单印发之日起10个工作日内（如于")
        assert f"于{cn_date(notice.respond_by)}前" not in closing  # no date demanded of a draft
        assert paras[-1] == "年　月　日"  # the date is written when it is issued
        # a notice of targets missed at 2025's end (one quarter behind) says so, not "连续2个季度及以上"
        opening = next(p for p in paras if p.startswith("经监测"))
        if notice.unit in MISSED_ONLY:
            # no 列入督办 clause in brackets after 到期未完成 (two brackets in a row, and not its rule)
            assert opening.endswith("项指标目标年已过仍未完成，即到期未完成，现予预警："), opening
            assert "连续" not in opening, opening
            assert any(p.startswith("（一）") and "2025年第4季度到期未完成（预警）" in p for p in paras)
        elif notice.unit == "市市场监管局":  # LA-BR-12 and LA-BR-20 long behind, five others missed
            assert "已连续2个季度及以上进度滞后或未报送，或到期未完成" in opening, opening

    # the office issues one (市发改委, LA-ENV-01, on 2025Q4's monitoring): the bulletin counts it, and
    # no longer proposes it
    with session_scope(demo_url) as s:
        number = notices.issue_notice(
            s, OFFICE, PLAN, "市发改委", "督办", indicator_codes=["LA-ENV-01"], as_of=AS_OF, today=TODAY
        ).number
    b = load_briefing(demo_url, PLAN, AS_OF, TODAY)
    assert [n.unit for n in b.notices] == ["市市场监管局", "市园林局", *MISSED_ONLY]
    doc = _docx(build_bulletin(b))
    text = _section(doc, "五、")
    assert f"本季度已印发通知单1份（督办1份），涉及1个单位：{number}（市发改委）。" in text
    assert (
        "经监测，另拟向6个单位发出通知单：市市场监管局（督办）、市园林局（督办）、"
        "市交通运输局（预警）、市住建局（预警）、市林业局（预警）、裕安区（预警）。"
    ) in text
    assert "督办台账中尚未销号的通知单1份，其中逾期0份：" in _paras(doc)
    # a notice on another quarter's monitoring is not this quarter's
    other = load_briefing(demo_url, PLAN, "2025Q3", TODAY)
    assert other.issued_notices == [] and "本季度尚未印发" in other.escalation_sentence()


# --------------------------------------------------------------------------- 3. milestones in words


def test_milestone_values_are_words_in_every_table(demo_url):
    _sqlite_only(demo_url)
    b = load_briefing(demo_url, PLAN, AS_OF, TODAY)
    milestones = {r["code"]: r for r in b.rows if r["measure_kind"] == "milestone"}
    assert {"LA-QI-01", "LA-QG-02"} <= set(milestones)
    words = {c: ("已完成" if r["current_value"] else "未完成") for c, r in milestones.items()}
    assert words["LA-QI-01"] == "已完成" and words["LA-QG-02"] == "未完成"

    prs = Presentation(io.BytesIO(build_deck(b, _fake_pngs(b))))
    seen = 0
    for slide in prs.slides:
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            header = [c.text for c in shape.table.rows[0].cells]
            if "当前值" not in header:
                continue
            col = header.index("当前值")
            for row in list(shape.table.rows)[1:]:
                code = row.cells[0].text
                if code in milestones:
                    assert row.cells[col].text == words[code], code  # was "1" / "0"
                    seen += 1
    assert seen >= len(milestones)
    doc = _docx(build_bulletin(b))
    lag = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:4] == ["编号", "指标", "状态", "当前值"])
    row = next(r for r in lag.rows if r.cells[0].text == "LA-QG-02")
    assert row.cells[3].text == "未完成"
    # a milestone in a draft notice: its 当前值 and 目标 in words
    qg = milestones["LA-QG-02"]
    item = NoticeItem("LA-QG-02", qg["name"], "未完成", 4, "2025年第1季度", "督办", *_numbers(qg), "理由")
    notice = dataclasses.replace(b.notices[0], items=(item,))
    cells = [c.text for t in _docx(build_notice(b, notice)).tables for r in t.rows for c in r.cells]
    assert "未完成" in cells and "2025年 已完成" in cells and "0" not in cells


def _numbers(row):
    from briefing.content import row_numbers

    nums = row_numbers(row)
    return nums["current"], nums["expected"], nums["target"], nums["ratio"]


# --------------------------------------------------------------------------- 4. notice layout


def _after_table(doc):
    """The body paragraphs before and after the notice's table."""
    from docx.text.paragraph import Paragraph

    table, before, after, seen = doc.tables[-1], [], [], False
    for el in doc.element.body.iterchildren():
        if el is table._tbl:
            seen = True
        elif el.tag.endswith("}p"):
            (after if seen else before).append(Paragraph(el, doc))
    return before, after


def test_notice_closing_and_sign_off_kept_together_with_the_items(demo_url):
    """The table comes right after the introduction, the items' paragraphs after it: the closing
    paragraph, the sign-off and the last item are chained by keep-with-next between paragraphs (which
    every word processor honours; keep-with-next inside a table row LibreOffice ignores)."""
    _sqlite_only(demo_url)
    b = load_briefing(demo_url, PLAN, AS_OF, TODAY)
    with session_scope(demo_url) as s:
        nid = notices.issue_notice(s, OFFICE, PLAN, UNIT, "预警", indicator_codes=["LA-BR-12"], as_of=AS_OF,
                                   request="请于年底前完成整改。", today=TODAY).id  # fmt: skip
    with read_scope(demo_url) as s:
        _, record = notices.notice_docx(s, nid)
    for data in (build_notice(b, b.notices[0]), record):
        doc = _docx(data)
        before, after = _after_table(doc)
        assert before[-1].text.endswith("：") and before[-1].paragraph_format.keep_with_next  # intro + table
        texts = [p.text for p in after]
        closing = next(i for i, t in enumerate(texts) if t.startswith("请你单位"))
        assert texts[closing - 1].startswith(("（", "请于"))  # the last item (or the office's request)
        assert after[closing].paragraph_format.keep_together  # never split
        chain = after[closing - 1 : -1]  # from the last item to the office's name: each kept with the next
        assert all(p.paragraph_format.keep_with_next for p in chain), [p.text for p in chain]
        assert texts[-2].endswith("质量发展委员会办公室")


def _pdf_pages(tmp_path, name: str, data: bytes) -> list[str]:
    src = tmp_path / f"{name}.docx"
    src.write_bytes(data)
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    subprocess.run([SOFFICE, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    text = subprocess.run([PDFTOTEXT, str(src.with_suffix(".pdf")), "-"], check=True,
                          capture_output=True, text=True, timeout=120).stdout  # fmt: skip
    return [re.sub(r"\s+", "", page) for page in text.split("\f") if page.strip()]


@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None,
                    reason="LibreOffice (soffice) or pdftotext missing: bash setup.sh dev (as root) installs them")  # fmt: skip
def test_notices_rendered_one_page_for_one_item_and_long_ones_break_before_the_last_row(demo_url, tmp_path):
    """Rendered by LibreOffice: the walk's one-item 督办通知单 (市发改委) put its closing paragraph and
    signature alone on page 2; now it is one page. A notice of 14 items starts its table on page 1 and
    the page with the closing and the sign-off also holds the last item."""
    _sqlite_only(demo_url)
    b = load_briefing(demo_url, PLAN, AS_OF, TODAY)
    one = next(n for n in b.notices if n.unit == "市发改委")
    assert len(one.items) == 1
    pages = _pdf_pages(tmp_path, "one", build_notice(b, one))
    assert len(pages) == 1, pages

    many = dataclasses.replace(one, items=tuple(
        dataclasses.replace(one.items[0], code=f"LAX{i:02d}") for i in range(14)))  # fmt: skip
    pages = _pdf_pages(tmp_path, "many", build_notice(b, many))
    assert len(pages) >= 2
    closing = [i for i, p in enumerate(pages) if "请你单位认真分析原因" in p]
    office = [i for i, p in enumerate(pages) if "六安市质量发展委员会办公室年月日" in p]
    assert closing == office == [len(pages) - 1]  # closing and sign-off together, on the last page
    assert "（十四）LAX13" in pages[-1]  # … with the last item
    assert "编号指标状态" in pages[0] and "LAX00" in pages[0]  # the table starts under the introduction
    table_pages = [i for i, p in enumerate(pages) if "编号指标状态" in p]  # continued: header repeated
    assert all("LAX" in pages[i] for i in table_pages)


# --------------------------------------------------------------------------- 5. progress charts


def test_progress_chart_draws_met_targets_and_is_left_out_without_bars(demo_url):
    _sqlite_only(demo_url)
    b = load_briefing(demo_url, PLAN, AS_OF, TODAY)
    rows = b.categories["工程质量"]
    fig = figures.progress_figure(rows, "工程质量：完成序时进度")
    bar = fig.data[0]
    drawn = zip(bar.x, bar.text, bar.marker.pattern.shape, strict=True)
    by_code = {label.split(" ")[0]: v for label, v in zip(bar.y, drawn, strict=True)}
    # the walk's slide: EQ-01 at 0 %, the rest without a ratio: no bar at all
    assert by_code["LA-EQ-02"] == (100.0, "★ 已达标（不计序时进度）", "/")  # met, maintain type: full, hatched
    assert by_code["LA-EQ-01"] == (0.0, "× 未完成 0%", "")
    assert by_code["LA-EQ-06"] == (0.0, "× 未完成（不计序时进度）", "")
    assert by_code["LA-EQ-08"][0] == 0.0 and "不计序时进度" not in by_code["LA-EQ-08"][1]  # 未报送
    assert "斜线条为已达标、不计序时进度的指标" in fig.layout.xaxis.title.text
    assert any(c.name == category_chart_name(b, "工程质量") for c in briefing_charts(b))

    # a category with nothing to draw (0 %, not met without a ratio, not reported): no chart slide,
    # and its table slide says why
    empty = [r for r in rows if r["code"] in ("LA-EQ-01", "LA-EQ-06", "LA-EQ-08")]
    b.categories = {"工程质量": empty}
    b.category_counts = {"工程质量": {"未完成": 2, "未报送": 1}}
    assert not figures.has_bars(empty)
    charts = briefing_charts(b)
    assert not any(c.name.startswith("04-") for c in charts)
    prs = Presentation(io.BytesIO(build_deck(b, _fake_pngs(b))))
    texts = [s.text_frame.text for slide in prs.slides for s in slide.shapes if s.has_text_frame]
    assert "共3项：未完成2项、未报送1项（本类指标没有可画的完成序时进度，未附进度图）" in texts


# --------------------------------------------------------------------------- the 汇报材料 page


def test_briefing_page_offers_the_notices_as_drafts(tmp_path, monkeypatch):
    """汇报材料 → 导出 → 生成汇报材料: the notices are offered as 拟发 drafts (was "预警通知单（3 份）")."""
    pytest.importorskip("streamlit.testing.v1")
    from streamlit.testing.v1 import AppTest

    from services.actor import Actor, ActorRole
    from tests.apptest_support import demo_database, route_through_app
    from tests.conftest import ROOT
    from tests.test_pages_apptest import sign_in

    route_through_app(monkeypatch)
    monkeypatch.setenv("DATABASE_URL", demo_database(tmp_path))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    sign_in(at, Actor("office", ActorRole.ADMIN))
    at.session_state["selected_plan"] = PLAN
    at.session_state[f"as_of_{PLAN}"] = AS_OF
    at.run()
    at.switch_page("pages/briefing.py")
    at.run()
    assert not at.exception, at.exception
    at.button(key="brief_build").click()
    at.run()
    assert not at.exception, at.exception
    labels = [e.proto.label for e in at.get("download_button")]
    drafts = [x for x in labels if x.startswith("拟发通知单")]
    assert drafts and re.fullmatch(r"拟发通知单（\d+ 份，未印发）", drafts[0]), labels
    assert not any(x.startswith("预警通知单") for x in labels)


# --------------------------------------------------------------------------- 7. warnings and key tasks


def _slide_tables(prs, title: str) -> list[list[list[str]]]:
    """The table rows of every slide titled ``title`` or ``title（续N）``, in order."""
    out = []
    for slide in prs.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        if texts and (texts[0] == title or texts[0].startswith(f"{title}（续")):
            for shape in slide.shapes:
                if shape.has_table:
                    out.append([[c.text for c in row.cells] for row in shape.table.rows])
    return out


def test_the_deck_has_the_warnings_and_the_overdue_key_tasks(demo_url):
    """The walk's leader found no 重点任务, 预警 or 督办 in 31 slides while the bulletin had both: the
    deck now ends with them. LA-B2-01 (its fund LA-QG-05 set up on 2024-06-14) is not overdue, and a
    node whose text is the task's title reads only its quarter."""
    _sqlite_only(demo_url)
    b = load_briefing(demo_url, PLAN, AS_OF, TODAY)
    prs = Presentation(io.BytesIO(build_deck(b, _fake_pngs(b))))
    [notices_table] = _slide_tables(prs, "预警和督办")
    assert notices_table[0] == ["通知单编号", "责任单位", "级别", "状态", "指标"]
    assert sorted(r[1] for r in notices_table[1:]) == sorted(n.unit for n in b.notices)
    assert len(b.notices) == 7 and all(r[3] == "拟发（尚未印发）" for r in notices_table[1:])
    forestry = next(r for r in notices_table if r[1] == "市林业局")
    assert forestry[2:] == ["预警", "拟发（尚未印发）", "LA-ENV-06 森林覆盖率"]
    task_rows = [r for t in _slide_tables(prs, "重点任务逾期情况") for r in t[1:]]
    assert len(task_rows) == len(b.overdue_tasks) > 0
    codes = [r[0] for r in task_rows]
    assert "LA-B2-01" not in codes and "LA-B1-01" in codes
    first = next(r for r in task_rows if r[0] == "LA-B1-01")
    assert first[1:4] == ["建立健全质量工作领导机制", "市质量发展委员会办公室", "2025年第4季度前"]


def test_key_tasks_are_judged_as_of_the_briefings_quarter(demo_url):
    """A deck 截至2025年第2季度 made on 2026-12-01 listed the 67 tasks due by 2025Q4 as 督办: they were
    not yet due on its date. Tasks are judged on the quarter's reporting deadline (2025-07-10 here)."""
    _sqlite_only(demo_url)
    early = load_briefing(demo_url, PLAN, "2025Q2", TODAY)
    assert early.tasks_as_of == dt.date(2025, 7, 10)
    assert all(not r["时间节点"].startswith("2025年第4季度") for r in early.overdue_tasks)
    final = load_briefing(demo_url, PLAN, AS_OF, TODAY)
    assert final.tasks_as_of == dt.date(2026, 1, 10)
    due_2025q4 = [r for r in final.overdue_tasks if r["时间节点"] == "2025年第4季度前"]
    assert due_2025q4 and all(r["督办"] == "预警" for r in due_2025q4)  # one quarter past their node
