"""The 我的待办 badge (counted at every rerun of every page) asks only the plans that have a key
task or a notice, and still counts what every plan owes: a pending task report of one plan and a
notice of a plan without any task."""

from __future__ import annotations

import datetime as dt

from catalogue_factory import write_catalogue

from db.session import read_scope, session_scope
from services import notices, tasks
from services.setup import init_database
from tests.supervision_support import OFFICE, reporter
from ui.supervision import supervised_plans, todo_count

TODAY = dt.date(2026, 12, 1)


def test_badge_counts_task_reports_and_notices_of_every_plan(seeded_url, tmp_path, monkeypatch):
    url = seeded_url
    write_catalogue(tmp_path)  # testcity: indicators, no key tasks
    init_database(url, tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    with read_scope(url) as s:
        assert supervised_plans(s) == ["lingbi", "luan"]  # the seed plans have tasks.csv
        clerk = reporter(s, "clerk", "县农业农村局")
        city = reporter(s, "city", "测试市市场监管局")
    assert todo_count(OFFICE) == 0

    with session_scope(url) as s:  # one report awaiting the office (lingbi)
        tasks.report_progress(
            s, clerk, "lingbi", "LB-T09", "县农业农村局", "2026Q3", "已上线", "推进中", today=TODAY
        )
    with session_scope(url) as s:  # a notice in the plan without tasks
        nid = notices.issue_notice(
            s,
            OFFICE,
            "testcity",
            "测试市市场监管局",
            "预警",
            indicator_codes=["T-01"],
            as_of="2024Q4",
            today=TODAY,
        ).id
    with read_scope(url) as s:
        assert supervised_plans(s) == ["lingbi", "luan", "testcity"]
    assert todo_count(city) == 1  # the notice to answer; testcity has no task to report
    assert todo_count(OFFICE) == 1  # the pending report; the notice is not answered yet

    with session_scope(url) as s:
        notices.answer_notice(s, city, nid, "抽查批次少", "增加抽查", dt.date(2027, 3, 31), today=TODAY)
    assert todo_count(city) == 0
    assert todo_count(OFFICE) == 2  # the pending report and the answer to verify
