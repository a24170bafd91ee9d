"""The supervision loop (督办闭环) through the services, on SQLite and PostgreSQL: task progress with a
PDF, returned, corrected, confirmed; a notice issued, answered with evidence, verified and closed; every
step in the audit log and on the 督办台账; escalation of a late answer; working days."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from sqlalchemy import select

from db.models import AuditEntry, EvidenceFile, Notice, TaskReport
from db.session import read_scope, session_scope
from indicators.workdays import WorkCalendar
from services import evidence, notices, tasks
from services.actor import PermissionDenied
from services.audit import perform
from services.workdays import load_calendar
from tests.supervision_support import OFFICE, PDF, PNG, reporter

TODAY = dt.date(2026, 12, 1)  # a Tuesday; 2026Q3 is the quarter units report on
PLAN, UNIT, TASK = "lingbi", "县农业农村局", "LB-T09"


@pytest.fixture
def store(tmp_path, monkeypatch):
    root = tmp_path / "evidence"
    monkeypatch.setenv("TRACKER_EVIDENCE_DIR", str(root))
    return root


def _audit(url, action):
    with read_scope(url) as s:
        return [
            (a.actor, a.outcome, a.entity_key)
            for a in s.scalars(select(AuditEntry).where(AuditEntry.action == action))
        ]


def test_task_progress_and_notice_loop(seeded_url, store):
    url = seeded_url
    with read_scope(url) as s:
        clerk = reporter(s, "clerk", UNIT)
        other = reporter(s, "other", "县商务局")

    # 1. the reporter reports 2026Q3 progress with a PDF
    with session_scope(url) as s:
        r1 = tasks.report_progress(
            s,
            clerk,
            PLAN,
            TASK,
            UNIT,
            "2026Q3",
            "已上线一网追溯平台",
            "已完成",
            [("平台上线通知.pdf", PDF)],
            today=TODAY,
        )
        r1_id = r1.id
    with read_scope(url) as s:
        (pending,) = tasks.pending_reports(s, PLAN)
        assert (pending["task_code"], pending["unit"], pending["status"]) == (TASK, UNIT, "已完成")
        assert [name for _, name, _ in pending["evidence"]] == ["平台上线通知.pdf"]
    sha = evidence.hashlib.sha256(PDF).hexdigest()
    assert (store / sha[:2] / sha).read_bytes() == PDF

    # a reporter of another unit is refused, and the refusal is audited
    with pytest.raises(PermissionDenied):
        perform(
            url,
            other,
            "report_task",
            lambda s: tasks.report_progress(
                s, other, PLAN, TASK, UNIT, "2026Q3", "代填", "推进中", today=TODAY
            ),
        )
    assert ("other", "refused") in [(a, o) for a, o, _ in _audit(url, "report_task")]

    # 2. the office returns it with a comment
    with session_scope(url) as s:
        tasks.review_report(s, OFFICE, r1_id, "return", "请补充平台覆盖的农产品品类")
    with read_scope(url) as s:
        item = next(
            i for i in tasks.unit_task_items(s, PLAN, clerk.unit_ids, TODAY) if i["task_code"] == TASK
        )
        assert item["todo"] == "已退回，请更正" and item["returned"][0][2] == "请补充平台覆盖的农产品品类"

    # 3. the reporter corrects it: a new version, the PDF carried over
    with session_scope(url) as s:
        r2 = tasks.report_progress(
            s,
            clerk,
            PLAN,
            TASK,
            UNIT,
            "2026Q3",
            "已上线一网追溯平台，覆盖茶叶、蔬菜、水果3类",
            "已完成",
            today=TODAY,
        )
        r2_id = r2.id
    with read_scope(url) as s:
        versions = s.scalars(select(TaskReport).order_by(TaskReport.id)).all()
        assert [(v.version, v.review_state, v.superseded_by_id) for v in versions] == [
            (1, "returned", r2_id),
            (2, "pending", None),
        ]
        assert [e.file_name for e in evidence.evidence_for(s, task_report_ids=[r2_id])] == [
            "平台上线通知.pdf"
        ]

    # 4. the office confirms completion: the task is done (its node is 2027Q4: not late)
    with session_scope(url) as s:
        tasks.review_report(s, OFFICE, r2_id, "confirm")
    with read_scope(url) as s:
        row = next(r for r in tasks.ledger_rows(s, PLAN, TODAY) if r["编号"] == TASK)
        assert (row["任务状态"], row["审核"], row["佐证材料"]) == ("已完成", "已确认完成", 1)
        assert TASK not in [i["task_code"] for i in tasks.unit_task_items(s, PLAN, clerk.unit_ids, TODAY)]

    # 5. a 预警 notice about an indicator and a task: due in 10 working days (2026-12-15)
    with session_scope(url) as s:
        n = notices.issue_notice(
            s,
            OFFICE,
            PLAN,
            UNIT,
            "预警",
            indicator_codes=["LB-PQ-07"],
            task_codes=["LB-T09"],
            as_of="2026Q3",
            request="请说明未达序时进度的原因并提出整改措施",
            today=TODAY,
        )
        notice_id, number = n.id, n.number
        assert (number, n.respond_by) == ("预警〔2026〕1号", dt.date(2026, 12, 15))
    with read_scope(url) as s:
        (todo,) = notices.unit_notices(s, PLAN, clerk.unit_ids, TODAY)
        assert todo["number"] == number and [c for c, *_ in todo["items"]] == ["LB-PQ-07", "LB-T09"]

    # 6. the unit answers with causes, 整改措施, an expected date and evidence
    with session_scope(url) as s:
        notices.answer_notice(
            s,
            clerk,
            notice_id,
            "认证周期长",
            "对接认证机构，集中申报",
            dt.date(2027, 6, 30),
            [("申报材料.png", PNG)],
            today=dt.date(2026, 12, 10),
        )
    # 7. the office verifies and closes it (销号)
    with session_scope(url) as s:
        notices.verify_notice(s, OFFICE, notice_id, True, "整改措施可行")
    with read_scope(url) as s:
        (row,) = notices.register_rows(s, PLAN, TODAY)
        assert (row["编号"], row["状态"], row["原因分析"], row["整改措施"], row["逾期"]) == (
            number,
            "已销号",
            "认证周期长",
            "对接认证机构，集中申报",
            "",
        )
        history = notices.notice_history(s, notice_id)
        assert [h["kind"] for h in history] == ["印发", "单位反馈", "销号"]
        # the request is on the line of the issue: the answers below it say what they answer
        assert history[0]["details"] == [("反馈期限", "2026-12-15"), ("要求", "请说明未达序时进度的原因并提出整改措施")]
        assert history[1]["details"] == [
            ("原因分析", "认证周期长"),
            ("整改措施", "对接认证机构，集中申报"),
            ("预计完成", "2027-06-30"),
            ("反馈日期", "2026-12-10"),
        ]
        assert [f[1] for f in history[1]["evidence"]] == ["申报材料.png"]
        name, doc = notices.notice_docx(s, notice_id)
    text = "\n".join(p.text for p in Document(io.BytesIO(doc)).paragraphs)
    assert name == f"{number}_{UNIT}.docx"
    assert "2026年12月15日前" in text and "顺延" not in text and "整改措施：对接认证机构，集中申报" in text

    # every step is in the audit log
    assert [a for a, o, _ in _audit(url, "report_task") if o == "ok"] == ["clerk", "clerk"]
    assert [a for a, _, _ in _audit(url, "review_task")] == ["office", "office"]
    assert [k for _, _, k in _audit(url, "issue_notice")] == [f"{PLAN}|{number}"]
    assert [a for a, _, _ in _audit(url, "answer_notice")] == ["clerk"]
    assert [a for a, _, _ in _audit(url, "verify_notice")] == ["office"]
    with read_scope(url) as s:
        assert s.scalar(select(Notice.state)) == "closed"
        assert len(s.scalars(select(EvidenceFile)).all()) == 3  # PDF, its carried copy, the PNG


def test_late_answer_escalates_to_supervision(seeded_url, store):
    with session_scope(seeded_url) as s:
        n = notices.issue_notice(s, OFFICE, PLAN, UNIT, "warning", task_codes=["LB-T09"], today=TODAY)
        warning_id = n.id
    with read_scope(seeded_url) as s:
        assert notices.escalation_candidates(s, PLAN, dt.date(2026, 12, 15)) == []
        (late,) = notices.escalation_candidates(s, PLAN, dt.date(2026, 12, 16))
        assert late["why"] == "逾期未反馈"
    with session_scope(seeded_url) as s:
        child = notices.escalate_notice(s, OFFICE, warning_id, today=dt.date(2026, 12, 16))
        assert (child.number, child.level, child.respond_by) == (
            "督办〔2026〕1号",
            "supervision",
            dt.date(2026, 12, 30),
        )
    with read_scope(seeded_url) as s:
        rows = {r["编号"]: r for r in notices.register_rows(s, PLAN, dt.date(2026, 12, 16))}
        assert (
            rows["预警〔2026〕1号"]["状态"] == "已升级督办"
            and rows["督办〔2026〕1号"]["升级自"] == "预警〔2026〕1号"
        )
        assert [
            r["编号"] for r in notices.register_rows(s, PLAN, dt.date(2026, 12, 16), level="supervision")
        ] == ["督办〔2026〕1号"]


def test_a_second_notice_for_the_same_open_item_is_refused(seeded_url, store):
    """A walker's second click on 印发 issued 预警〔2026〕2号 and 3号 for the same unit and indicator."""
    with session_scope(seeded_url) as s:
        first = notices.issue_notice(s, OFFICE, PLAN, UNIT, "warning", task_codes=["LB-T09"], today=TODAY)
        number = first.number
    with session_scope(seeded_url) as s, pytest.raises(ValueError) as refused:
        notices.issue_notice(s, OFFICE, PLAN, UNIT, "warning", task_codes=["LB-T08", "LB-T09"], today=TODAY)
    assert str(refused.value) == (
        f"{UNIT}的{number}（待反馈）已列有LB-T09，未销号前不再重复印发；需要加重的，请在该通知单上“升级为督办”"
    )
    with read_scope(seeded_url) as s:
        assert [n.number for n in s.scalars(select(Notice))] == [number]  # nothing else written
    with session_scope(seeded_url) as s:  # other items, or the same one to another unit: issued
        notices.issue_notice(s, OFFICE, PLAN, UNIT, "warning", task_codes=["LB-T08"], today=TODAY)
        child = notices.escalate_notice(s, OFFICE, first.id, today=TODAY)  # escalating is not a duplicate
        assert child.level == "supervision"


def test_overdue_task_flags_and_export(seeded_url):
    # 六安 LA-B4-03 (修订考核办法) is due 2025Q4: 预警 in 2026Q1, 督办 from 2026Q3 (2 quarters later)
    with read_scope(seeded_url) as s:

        def flag(day):
            row = next(r for r in tasks.ledger_rows(s, "luan", day) if r["编号"] == "LA-B4-03")
            return row["督办"]

        assert [
            flag(dt.date(2025, 12, 31)),
            flag(dt.date(2026, 1, 1)),
            flag(dt.date(2026, 6, 30)),
            flag(dt.date(2026, 7, 1)),
        ] == ["", "预警", "预警", "督办"]


def test_working_days_follow_the_holiday_notices_and_the_office_csv(seeded_url):
    cal = WorkCalendar()
    assert cal.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)  # 国庆 10月1日–7日
    assert cal.add_working_days(dt.date(2026, 10, 9), 1) == dt.date(2026, 10, 10)  # Saturday 10月10日 上班
    assert cal.add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)  # Saturday 2月14日 上班
    assert cal.unknown_years(dt.date(2027, 1, 4)) == [2027]
    assert cal.add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 1)  # 2027 unknown: Mon–Fri
    with session_scope(seeded_url) as s:
        counts = load_calendar(s, OFFICE, "date,type,note\n2027-01-01,休,元旦\n2027-01-02,休,元旦\n")
        assert counts == {"added": 2, "changed": 0, "unchanged": 0}
    with pytest.raises(ValueError, match="第3行 type 列"), session_scope(seeded_url) as s:
        load_calendar(s, OFFICE, "date,type,note\n2027-02-01,休,\n2027-02-02,放假,\n")
    with read_scope(seeded_url) as s:
        from services.workdays import calendar

        office = calendar(s)
        assert office.add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)
        assert dt.date(2027, 2, 1) not in office.extra  # the bad file wrote nothing


def test_work_list_shows_tasks_and_notices(seeded_url, store):
    """我的待办: the reporter's task progress owed / returned and notices to answer; the office's
    reports to review, answers to verify and late warnings; each goes once handled."""
    from services.worklist import work_list

    def keys(actor, day=TODAY):
        with read_scope(seeded_url) as s:
            return {sec.key: [i.key for i in sec.items] for sec in work_list(s, actor, PLAN, day)}

    with read_scope(seeded_url) as s:
        clerk = reporter(s, "clerk", UNIT)
        uid = next(iter(clerk.unit_ids))
        owed = [
            i["task_code"]
            for i in tasks.unit_task_items(s, PLAN, clerk.unit_ids, TODAY)
            if i["todo"] == "待填报"
        ]
    assert TASK in owed
    mine = keys(clerk)
    assert f"task-owed/{TASK}/{uid}/2026Q3" in mine["tasks"] and len(mine["tasks"]) == len(owed)
    assert mine["notices"] == [] and "task_review" not in mine

    with session_scope(seeded_url) as s:
        rid = tasks.report_progress(s, clerk, PLAN, TASK, UNIT, "2026Q3", "已上线", "已完成", today=TODAY).id
    assert keys(OFFICE)["task_review"] == [f"task-review/{rid}"]
    assert f"task-owed/{TASK}/{uid}/2026Q3" not in keys(clerk)["tasks"]
    with session_scope(seeded_url) as s:
        tasks.review_report(s, OFFICE, rid, "return", "请补充品类")
    with read_scope(seeded_url) as s:
        (sec,) = [x for x in work_list(s, clerk, PLAN, TODAY) if x.key == "tasks"]
    (returned,) = [i for i in sec.items if i.key == f"task-returned/{TASK}/{uid}"]
    assert returned.urgent and "请补充品类" in returned.detail and returned.link.page == "unit_tasks"
    assert keys(OFFICE)["task_review"] == []

    with session_scope(seeded_url) as s:
        nid = notices.issue_notice(s, OFFICE, PLAN, UNIT, "预警", task_codes=["LB-T08"], today=TODAY).id
    assert keys(clerk)["notices"] == [f"notice/{nid}"]
    assert keys(OFFICE, dt.date(2026, 12, 16))["notice_verify"] == [f"notice-late/{nid}"]  # due 12-15
    with session_scope(seeded_url) as s:
        notices.answer_notice(s, clerk, nid, "排期晚", "年底前完成", dt.date(2027, 1, 31), today=TODAY)
    assert keys(clerk)["notices"] == [] and keys(OFFICE)["notice_verify"] == [f"notice-verify/{nid}"]
    with session_scope(seeded_url) as s:
        notices.verify_notice(s, OFFICE, nid, True, "")
    assert keys(OFFICE)["notice_verify"] == []


def test_bulletin_lists_overdue_tasks_and_open_notices(seeded_url, store):
    from briefing.docx_docs import build_bulletin
    from services.briefing import load_briefing

    with session_scope(seeded_url) as s:
        open_one = notices.issue_notice(s, OFFICE, "luan", "市质量发展委员会办公室", "预警", task_codes=["LA-B4-03"],
                                        today=dt.date(2026, 7, 1)).number  # fmt: skip
    day = dt.date(2026, 7, 20)  # 10 working days after 07-01 is 07-15: the answer is late
    b = load_briefing(seeded_url, "luan", today=day)
    assert "LA-B4-03" in [r["编号"] for r in b.overdue_tasks]
    assert [(r["编号"], r["状态"], r["逾期"]) for r in b.open_notices] == [(open_one, "待反馈", "是")]
    doc = Document(io.BytesIO(build_bulletin(b)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "六、重点任务和督办台账" in text and "七、工作要求" in text
    assert "尚未销号的通知单1份，其中逾期1份" in text
    assert open_one in cells and "待反馈（逾期）" in cells
    row = next(r for r in b.overdue_tasks if r["编号"] == "LA-B4-03")
    # judged on 2025Q4's reporting deadline (2026-01-10), one quarter after its node: 预警, not the 督办
    # it has become by 2026-07-20 (a bulletin 截至2025年第4季度 speaks of that quarter)
    assert b.tasks_as_of == dt.date(2026, 1, 10)
    assert row["督办"] == "预警" and row["任务"] in cells


def test_lagging_indicators_are_proposed_for_notices(seeded_url, store):
    """No figure reported: 灵璧 LB-QG-02 is behind every quarter from 2025Q2 to 2026Q3 (6 = 2 × 3: 督办);
    LB-ENV-01 (2025's result is reported in 2026Q2: 次年第2季度报送上年完成情况) from 2026Q2, when it
    falls due (2: 预警; it counted from 2026Q1 before milestones waited for their release lag).
    Once a notice lists the pair it is no longer proposed."""
    with read_scope(seeded_url) as s:
        rows = {(r["code"], r["unit"]): r for r in notices.indicator_escalations(s, PLAN, TODAY)}
    qg = rows[("LB-QG-02", "县市场监管局")]
    env = rows[("LB-ENV-01", "县生态环境分局")]
    assert (qg["level"], qg["streak"], qg["as_of"], qg["open_notice"]) == ("督办", 6, "2026Q3", "")
    assert (env["level"], env["streak"], env["open_notice"]) == ("预警", 2, "")
    with session_scope(seeded_url) as s:
        n = notices.issue_notice(
            s, OFFICE, PLAN, "县生态环境分局", env["level"], indicator_codes=["LB-ENV-01"], today=TODAY
        )
        nid, number = n.id, n.number
    with read_scope(seeded_url) as s:
        rows = {(r["code"], r["unit"]): r for r in notices.indicator_escalations(s, PLAN, TODAY)}
    assert rows[("LB-ENV-01", "县生态环境分局")]["open_notice"] == number == "预警〔2026〕1号"
    assert rows[("LB-QG-02", "县市场监管局")]["open_notice"] == ""
    with session_scope(seeded_url) as s:
        notices.answer_notice(s, reporter(s, "env", "县生态环境分局"), nid, "数据未到", "补报", TODAY, today=TODAY)
        notices.verify_notice(s, OFFICE, nid, True, "")
    with read_scope(seeded_url) as s:  # closed, and still behind: proposed again
        rows = {(r["code"], r["unit"]): r for r in notices.indicator_escalations(s, PLAN, TODAY)}
    assert rows[("LB-ENV-01", "县生态环境分局")]["open_notice"] == ""


def test_the_office_sees_which_units_owe_overdue_task_progress(seeded_url, store):
    """县市场监管局's reporter saw six key tasks "进展待填报 … 已逾期 52 天"; the office's 我的待办 showed
    none of it. 灵璧's tasks.csv names 县市场监管局 lead of LB-T01, T02, T04, T05, B01 and B02."""
    from services import worklist

    def late():
        with read_scope(seeded_url) as s:
            (section,) = [x for x in worklist.work_list(s, OFFICE, PLAN, TODAY) if x.key == "task_late"]
            return {i.key: i for i in section.items}

    item = late()["task-late/县市场监管局"]
    assert item.text == "县市场监管局：6 项重点任务的2026年第3季度进展逾期未报（截止 2026年10月10日，已逾期 52 天）"
    assert item.detail == "任务：LB-T01、LB-T02、LB-T04、LB-T05、LB-B01、LB-B02"
    assert "task-late/县农业农村局" in late()
    with read_scope(seeded_url) as s:
        clerk = reporter(s, "clerk", UNIT)
    with session_scope(seeded_url) as s:  # 县农业农村局 reports its one task (LB-T09): off the list
        tasks.report_progress(s, clerk, PLAN, TASK, UNIT, "2026Q3", "已上线一网追溯平台", "推进中", [], today=TODAY)
    assert "task-late/县农业农村局" not in late()
