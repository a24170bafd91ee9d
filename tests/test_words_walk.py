"""What a fresh-eyed user reported of the words on 指标详情, 数据审核, 审计日志 and 目标维护, each fixed here:

- 指标详情's 数据来源 table called a correction awaiting review 现行 and the accepted figure the
  dashboards still judge on 已被替代;
- an office change of a target read "2027年 ge 5" → "2027年 ge 4", with no proposer, 现行 建议稿,
  no reason, under the heading 目标修改记录（征求意见）;
- demo figures named their 填报人 ``manage.py``; the 审计日志 named an upload by its database id;
- 目标维护 kept the old 现行目标 in its header after a save, showed 5.00 for a count of whole items
  and 上限 0.00 on a target without a range.
"""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("streamlit.testing.v1")

from services.actor import Actor, ActorRole  # noqa: E402
from tests.apptest_support import open_page, signed_in_app  # noqa: E402

OFFICE = Actor("质量办", ActorRole.ADMIN)
REASON = "县政府常务会议2026年11月研究，考虑3A级景区创建周期，目标调整为4家。"


def _demo_from_the_command_line(folder) -> str:
    """The catalogue and demo figures as ``manage.py demo load`` writes them (entered by manage.py)."""
    from db.session import session_scope
    from services.actor import system_actor
    from services.demo import load_demo
    from services.setup import init_database

    url = f"sqlite:///{folder / 'app.db'}"
    init_database(url)
    with session_scope(url) as session:
        load_demo(session, system_actor())
    return url


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    return _demo_from_the_command_line(tmp_path_factory.mktemp("words"))




# --------------------------------------------------------------------------- 1. version states


def _v(period: str, version: int, state: str, retracted: bool = False, unit: str = "市市场监管局") -> dict:
    return {"unit": unit, "period": period, "version": version, "review_state": state, "retracted": retracted}


def test_the_version_in_use_is_the_latest_accepted_one():
    from services.observations import version_states

    rows = [  # newest first, as observation_history lists them: LA-BR-12 in the walk
        _v("2026Q1", 1, "accepted"),
        _v("2025Q4", 3, "pending"),  # 29 家, 待审核
        _v("2025Q4", 2, "returned"),  # 31 家, 已退回
        _v("2025Q4", 1, "accepted"),  # 27 家: what the dashboards judge on
        _v("2025Q3", 2, "accepted"),
        _v("2025Q3", 1, "accepted"),
        _v("2025Q2", 2, "accepted", retracted=True),  # an undone upload withdrew the figure
        _v("2025Q2", 1, "accepted"),
        _v("2025Q4", 1, "accepted", unit="市统计局"),  # another unit's figure of the same quarter
    ]
    assert version_states(rows) == [
        "current", "pending", "returned", "current", "current", "superseded", "retracted", "superseded",
        "current",
    ]  # fmt: skip
    with_pending = version_states(rows, include_pending=True)  # 包含待审核数据: the pending one counts
    assert with_pending[1:4] == ["pending_counted", "returned", "superseded"]


def _correct_br12(url: str) -> tuple[float, int, int]:
    """A reporter sends 31 for LA-BR-12 2025Q4, the office returns it, the reporter sends 29."""
    from sqlalchemy import select

    from db.models import Indicator, Observation, Plan, Unit
    from db.session import session_scope
    from indicators.periods import Period
    from services import review
    from services.observations import FigureInput, record_figure

    with session_scope(url) as session:
        indicator = session.scalar(
            select(Indicator).join(Plan).where(Plan.code == "luan", Indicator.code == "LA-BR-12")
        )
        unit = session.scalar(select(Unit).where(Unit.name == "市市场监管局", Unit.jurisdiction == "六安市"))
        accepted = session.scalar(
            select(Observation.value).where(
                Observation.indicator_id == indicator.id, Observation.unit_id == unit.id,
                Observation.period == "2025Q4",
            )
        )  # fmt: skip
        clerk = Actor("市监局填报员", ActorRole.REPORTER, frozenset({unit.id}))
        first = record_figure(session, clerk, FigureInput(indicator.id, unit.id, Period(2025, 4), 31))
        review.review_figures(session, OFFICE, [first.id], False, "含2025年第三季度企业，请核对")
        record_figure(session, clerk, FigureInput(indicator.id, unit.id, Period(2025, 4), 29))
        return accepted, indicator.id, unit.id


def test_indicator_page_labels_a_pending_correction_and_keeps_current_for_the_accepted_figure(
    demo_url, monkeypatch
):
    accepted, _, _ = _correct_br12(demo_url)
    at = signed_in_app(demo_url, monkeypatch, OFFICE, "luan")
    at.query_params["indicator"] = "LA-BR-12"
    at = open_page(at, "pages/indicator.py")
    versions = next(f.value for f in at.dataframe if "来源文件" in f.value.columns)
    quarter = versions[versions["季度"] == "2025年第4季度"]
    assert list(quarter["版本"]) == ["第 3 版", "第 2 版", "第 1 版"]
    assert list(quarter["现行"]) == ["待审核（未生效）", "已退回", "现行"]
    assert list(quarter["数值"]) == ["29 家", "31 家", f"{accepted:g} 家"]
    metric = next(m for m in at.metric if m.label.startswith("当前值"))
    assert metric.value == f"{accepted:g} 家"  # the dashboards judge on the figure labelled 现行
    # 3. demo figures were entered by no person: not "manage.py"
    demo = versions[versions["演示"] == "是"]
    assert len(demo) and set(demo["填报人"]) == {"演示数据"}
    assert "manage.py" not in set(versions["填报人"])
    assert set(quarter["填报人"].iloc[:2]) == {"市监局填报员"}


# --------------------------------------------------------------------------- 3. who entered, uploads


def test_review_page_names_demo_figures_not_the_program(demo_url, monkeypatch):
    at = open_page(signed_in_app(demo_url, monkeypatch, OFFICE, "luan"), "pages/review.py")
    cards = [t.value for t in at.text if "填报人" in t.value]
    assert cards, "no flagged demo figure to check"
    assert not [c for c in cards if "manage.py" in c]
    assert any("填报人 演示数据" in c for c in cards)


def test_audit_log_names_an_upload_by_its_file(tmp_path):
    from sqlalchemy import select

    from db.models import Plan, Upload
    from db.session import session_scope
    from services.setup import init_database
    from ui.vocabulary import audit_names, audit_sentence

    url = f"sqlite:///{tmp_path / 'audit.db'}"
    init_database(url)
    with session_scope(url) as session:
        plan_id = session.scalar(select(Plan.id).where(Plan.code == "luan"))
        uploads = [
            Upload(plan_id=plan_id, period="2025Q4", file_name=name, actor="li")
            for name in ("fill_good.xlsx", "fill_bad.xlsx", "fill_good.xlsx", "")
        ]
        session.add_all(uploads)
        session.flush()
        ids = [u.id for u in uploads]
    names = audit_names(url)
    entry = {"actor": "li", "actor_role": "reporter", "action": "upload", "outcome": "ok", "unit": "市市场监管局",
             "entity": "upload", "after": {"figures": [["A", 1]]}, "detail": "fill_bad.xlsx（8123 字节）"}  # fmt: skip
    text = audit_sentence({**entry, "entity_key": str(ids[1])}, names)
    assert text == "市市场监管局的填报员 li 上传文件：fill_bad.xlsx（数据条数：1 项）", text
    again = audit_sentence({**entry, "entity_key": str(ids[2]), "detail": "fill_good.xlsx（9000 字节）"}, names)
    assert "上传文件：fill_good.xlsx（第2次上传）" in again
    first = audit_sentence({**entry, "entity_key": str(ids[0]), "detail": "fill_good.xlsx（9000 字节）"}, names)
    assert "上传文件：fill_good.xlsx（第1次上传）" in first
    undo = {**entry, "action": "undo_upload", "entity_key": str(ids[1]), "detail": "已撤销 1 条数据"}
    assert "撤销上传：fill_bad.xlsx" in audit_sentence(undo, names)
    assert "页面录入的一批数据" in audit_sentence({**entry, "entity_key": str(ids[3])}, names)
    for key in (*map(str, ids), "99999"):  # never the bare database id
        assert f"上传文件：{key}" not in audit_sentence({**entry, "entity_key": key}, names)


# --------------------------------------------------------------------------- 2. and 6. an office change


def _office_changes_sq05(url: str) -> None:
    from db.session import session_scope
    from indicators.vocabulary import Comparator
    from services import targets

    with session_scope(url) as session:
        targets.change_target(
            session, OFFICE, "lingbi", "LB-SQ-05", "2027", comparator=Comparator.GE, value=4, reason=REASON,
            effective_from=dt.date(2026, 1, 1),
        )  # fmt: skip


def test_an_office_change_reads_in_words_with_the_office_its_reason_and_heading(tmp_path, monkeypatch):
    from sqlalchemy import select

    from db.models import AuditEntry, TargetRevision
    from db.session import read_scope

    url = _demo_from_the_command_line(tmp_path)
    _office_changes_sq05(url)
    with read_scope(url) as session:
        rev = session.scalars(select(TargetRevision).where(TargetRevision.source == "办公室目标维护")).one()
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "edit_target")).one()
        stored = (rev.old_text, rev.proposed_text, audit.before, audit.after)
    assert stored == (
        "2027年 ≥ 5 家（原文：新增5家以上）", "2027年 ≥ 4 家",
        {"target": "2027年 ≥ 5 家（原文：新增5家以上）"}, {"target": "2027年 ≥ 4 家"},
    )  # fmt: skip
    at = signed_in_app(url, monkeypatch, OFFICE, "lingbi")
    at.query_params["indicator"] = "LB-SQ-05"
    at = open_page(at, "pages/indicator.py")
    headings = [m.value for m in at.markdown]
    assert "**目标修改记录**" in headings and not [h for h in headings if "目标修改记录（征求意见）" in h]
    assert [c.value for c in at.caption if c.value in ("征求意见建议", "质量办修改")] == ["征求意见建议", "质量办修改"]
    consultation, office = (t.value for t in at.table[:2])
    assert list(consultation["提出单位"]) == ["县文化和旅游局"]
    assert list(consultation["现行"]) == ["均已被替代"]  # neither the draft nor the proposal applies now
    assert office.to_dict("records") == [
        {"类型": "目标值", "修改前": "2027年 ≥ 5 家（原文：新增5家以上）", "修改后": "2027年 ≥ 4 家",
         "提出单位": "质量办", "理由": REASON, "现行": "修改后", "生效日期": dt.date(2026, 1, 1)},
    ]  # fmt: skip
    at = open_page(at, "pages/targets_admin.py")  # an office change is no consultation proposal to decide
    assert not [m.value for m in at.markdown if "office-" in m.value]


def test_an_office_change_stored_by_an_older_version_reads_in_words(tmp_path):
    """Revision rows written before the fix hold "2027年 ge 5 新增5家以上": shown from their targets."""
    from sqlalchemy import update

    from db.models import TargetRevision
    from db.queries import revision_rows
    from db.session import read_scope, session_scope
    from ui.vocabulary import revision_words

    url = _demo_from_the_command_line(tmp_path)
    _office_changes_sq05(url)
    with session_scope(url) as session:
        session.execute(
            update(TargetRevision)
            .where(TargetRevision.source == "办公室目标维护")
            .values(old_text="2027年 ge 5 新增5家以上", proposed_text="2027年 ge 4")
        )
    with read_scope(url) as session:
        rows = [r for r in revision_rows(session, "lingbi") if r["indicator_code"] == "LB-SQ-05"]
    words = [revision_words(r) for r in rows]
    assert [(w["origin"], w["proposer"]) for w in words] == [("征求意见建议", "县文化和旅游局"), ("质量办修改", "质量办")]
    assert (words[1]["old"], words[1]["new"]) == ("2027年 ≥ 5 家（原文：新增5家以上）", "2027年 ≥ 4 家")


def test_target_maintenance_shows_the_saved_target_at_once_in_whole_items(tmp_path, monkeypatch):
    url = _demo_from_the_command_line(tmp_path)
    at = signed_in_app(url, monkeypatch, OFFICE, "lingbi")
    at = open_page(at, "pages/targets_admin.py")
    indicator = next(s for s in at.selectbox if s.label == "指标")
    indicator.set_value("LB-SQ-05").run()
    assert "现行目标：2027年 ≥ 5 家" in [m.value for m in at.markdown]
    value = next(n for n in at.number_input if n.label == "目标值")
    high = next(n for n in at.number_input if n.label == "上限（区间目标）")
    assert value.value == 5 and isinstance(value.value, int)  # a count of whole items: 5, not 5.00
    assert high.value is None  # no range: no 上限 of 0.00
    value.set_value(4)
    next(t for t in at.text_area if t.label.startswith("修改理由")).input(REASON)
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    texts = [m.value for m in at.markdown]
    assert "现行目标：2027年 ≥ 4 家" in texts, texts  # read after the write, no reload
    from indicators.periods import Period

    today = dt.date.today()
    first = Period.containing(today).label
    assert [s.value.replace("\\", "") for s in at.success] == [
        f"目标已修改并记入修订历史：自 {today:%Y-%m-%d} 起生效，{first}及以后各季度按新目标评估，此前各季度仍按原目标。"
    ]  # the day the new target applies from, and what it does to earlier quarters
    value = next(n for n in at.number_input if n.label == "目标值")
    assert value.value == 4 and isinstance(value.value, int)
    key = next(s for s in at.selectbox if s.label == "要修改的目标")
    assert key.options == ["2027年 ≥ 4 家"]  # the form edits the target now in force
    assert next(t for t in at.text_area if t.label.startswith("修改理由")).value == ""  # no stale reason


def test_a_range_target_needs_its_upper_bound(tmp_path):
    from db.session import session_scope
    from indicators.vocabulary import Comparator
    from services import targets
    from services.setup import init_database

    url = f"sqlite:///{tmp_path / 'range.db'}"
    init_database(url)
    with session_scope(url) as session:
        for high in (None, 3):
            with pytest.raises(ValueError, match="上限"):
                targets.change_target(
                    session, OFFICE, "lingbi", "LB-SQ-05", "2027", comparator=Comparator.RANGE, value=4,
                    value_high=high, reason=REASON,
                )  # fmt: skip
        with pytest.raises(ValueError, match="目标值"):
            targets.change_target(
                session, OFFICE, "lingbi", "LB-SQ-05", "2027", comparator=Comparator.GE, value=None, reason=REASON
            )


@pytest.mark.parametrize(
    ("entry", "sentence"),
    [
        ({"action": "edit_target", "entity": "target", "entity_key": "LB-PQ-02/2027-ge",
          "before": {"target": "2027年 ≥ 40 家"}, "after": {"target": "2027年 ≥ 60 家"}, "detail": "县政府常务会议决定"},
         "管理员 office1 修改目标或责任单位：LB-PQ-02（目标 由 2027年 ≥ 40 家 改为 2027年 ≥ 60 家）。县政府常务会议决定"),
        ({"action": "record_baseline", "entity": "baseline", "entity_key": "LB-PQ-06",
          "before": {}, "after": {"value": 5, "year": 2024}, "detail": ""},
         "管理员 office1 录入基期值：LB-PQ-06（数值：5，年份：2024）"),
        ({"action": "record_benchmark", "entity": "benchmark", "entity_key": "LA-PQ-04/2025Q4",
          "before": {"value": 0.482}, "after": {"value": 0.453}, "detail": "省统计局通报"},
         "管理员 office1 录入基准值：LA-PQ-04 2025年第4季度（数值 由 0.482 改为 0.453）。省统计局通报"),
    ],
)  # fmt: skip
def test_an_office_change_names_its_indicator_and_what_changed(entry, sentence):
    """审计日志 read "修改目标或责任单位。<reason>" (no indicator, no 40 → 60), a baseline's year as
    "2,024" and a benchmark's 0.482 as "0.48"."""
    from ui.vocabulary import audit_sentence

    assert audit_sentence({"actor": "office1", "actor_role": "admin", "outcome": "ok", **entry}) == sentence
