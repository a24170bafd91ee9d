"""After 录入基准值 the page's table still showed the old value until a reload (it was read before
the entry); the page now reruns and says what was saved."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit.testing.v1")

from services.actor import Actor, ActorRole  # noqa: E402
from tests.apptest_support import demo_database, open_page, signed_in_app  # noqa: E402


def test_a_saved_benchmark_shows_in_the_table_at_once(tmp_path, monkeypatch):
    url = demo_database(tmp_path)
    at = signed_in_app(url, monkeypatch, Actor("office", ActorRole.ADMIN), plan="luan")
    open_page(at, "pages/benchmarks.py")
    next(s for s in at.selectbox if s.label == "指标").set_value("LA-PQ-04")
    next(t for t in at.text_input if t.label == "季度").set_value("2025年第4季度")
    next(t for t in at.text_input if t.label == "基准值").set_value("0.453")
    next(t for t in at.text_input if t.label == "来源（必填）").set_value("省统计局2025年第4季度通报")
    next(b for b in at.button if b.label == "录入基准值").click().run()
    assert not at.exception, at.exception
    assert [m.value for m in at.success] == ["已录入基准值。"]
    table = next(d.value for d in at.dataframe if "基准值" in d.value.columns and "来源" in d.value.columns)
    row = table[(table["季度"] == "2025年第4季度") & table["指标"].str.startswith("LA-PQ-04")]
    assert list(row["基准值"]) == [0.453]
    assert list(row["来源"]) == ["省统计局2025年第4季度通报"]


def test_a_new_account_is_listed_at_once_and_its_password_shown_once(tmp_path, monkeypatch):
    """A walker's new viewer account was missing from 账户管理's list until a reload."""
    url = demo_database(tmp_path)
    at = signed_in_app(url, monkeypatch, Actor("office", ActorRole.ADMIN), plan="lingbi")
    open_page(at, "pages/admin_users.py")
    next(t for t in at.text_input if t.label == "账户名").set_value("xldr")
    next(b for b in at.button if b.label == "创建").click().run()
    assert not at.exception, at.exception
    (notice,) = [m.value for m in at.success]
    assert notice.startswith("已创建账户 xldr。初始密码（仅显示这一次，请当面告知本人）：`")
    assert "xldr" in list(at.dataframe[0].value["账户"])
    at.run()  # the password is not shown again
    assert not [m.value for m in at.success]


def test_the_baselines_to_enter_are_only_those_a_verdict_needs(tmp_path, monkeypatch):
    """"尚无基期值的指标 15 个" listed counts of new items (0 by definition) and milestones."""
    from services.baselines import NO_BASELINE_KINDS
    from ui.data import catalogue

    url = demo_database(tmp_path)
    at = signed_in_app(url, monkeypatch, Actor("office", ActorRole.ADMIN), plan="lingbi")
    open_page(at, "pages/benchmarks.py")
    (line,) = [t.value for t in at.text if t.value.startswith("尚无基期值")]
    rows = catalogue.__wrapped__(url, "lingbi", ())
    expected = [r for r in rows if not r["baseline"] and r["measure_kind"] not in NO_BASELINE_KINDS]
    assert expected and line == f"尚无基期值、需要录入的指标 {len(expected)} 个：" + "、".join(
        f"{r['code']} {r['name']}" for r in expected
    )
    assert len(expected) < len([r for r in rows if not r["baseline"]])  # counts of new items left out
