"""No HTML or markdown from data (issue 12, item 7): hostile strings in every place the pages show
text from catalogues, files and users are rendered as text (AppTest).

The hostile text is put into the catalogue (plan title, indicator name, definition, data source),
a unit name, an upload's file name, a figure's note, a review comment, an audit entry's detail
and the signed-in name. Every markdown/HTML string the pages hand to Streamlit is then checked
the way CommonMark reads it: after backslash escapes are taken out, no raw ``<img``/``<a`` tag,
no link ``](`` and no image ``![`` may remain; in HTML blocks only ``&lt;img`` may appear.
Each place is also checked to show the hostile text (as text), so that the test cannot pass by
not reaching it. Dataframes show text as text: the hostile strings appear there verbatim.
"""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("streamlit.testing.v1")
from sqlalchemy import select  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from db.models import Indicator, Plan, Unit, Upload  # noqa: E402
from db.session import session_scope  # noqa: E402
from indicators.periods import Period  # noqa: E402
from services import review  # noqa: E402
from services.actor import Actor, ActorRole, system_actor  # noqa: E402
from services.audit import record  # noqa: E402
from services.observations import FigureInput, record_figure  # noqa: E402
from services.setup import init_database  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

HOSTILE = "<img src=x onerror=alert(1)>[x](http://evil.example)![](http://evil.example/a.png)"
_ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")  # a CommonMark backslash escape of ASCII punctuation


def literal(value: str) -> str:
    """What the reader sees of a markdown string: escapes resolved, entities decoded."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", value))


def dangers(value: str) -> list[str]:
    """Markup a markdown/HTML string would turn into a tag, a link or an image."""
    live = _ESCAPED.sub("□", value)
    found = [m for m in ("<img", "<a ", "<a>", "](", "![") if m in live]
    return found + (["onerror="] if "onerror=" in live and "&lt;img" not in live and "<img" in live else [])


def _texts(at: AppTest) -> list[str]:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
        parts += [str(e.value) for e in getattr(at.sidebar, kind)]
    return parts


def _frames(at: AppTest) -> str:
    return "\n".join(e.value.to_string() for e in at.dataframe)


@pytest.fixture
def hostile_app(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    init_database(url)
    office = system_actor("质量办")
    with session_scope(url) as session:
        plan = session.scalar(select(Plan).where(Plan.code == "lingbi"))
        plan.title = "灵璧县质量强县规划" + HOSTILE
        indicator = session.scalar(select(Indicator).where(Indicator.plan_id == plan.id, Indicator.code == "LB-PQ-07"))
        indicator.name = "三品一标" + HOSTILE
        indicator.definition = "口径" + HOSTILE
        indicator.data_source = "来源" + HOSTILE
        unit = session.get(Unit, indicator.responsibilities[0].unit_id)
        unit.name = "县农业农村局" + HOSTILE
        session.add(Upload(plan_id=plan.id, unit_id=unit.id, period="2025Q3", file_name=HOSTILE + ".xlsx",
                           sha256="0" * 64, size=1, actor="office", counts={"new": 1, "changed": 0}))  # fmt: skip
        reporter = Actor("clerk", ActorRole.REPORTER, frozenset({unit.id}))
        obs = record_figure(session, reporter, FigureInput(indicator.id, unit.id, Period(2025, 3), 41, note="备注" + HOSTILE))
        session.flush()
        review.review_figures(session, office, [obs.id], accept=False, comment="意见" + HOSTILE)
        record(session, office, "test", detail="细节" + HOSTILE)
        unit_name = unit.name
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["auth_actor"] = Actor("office" + HOSTILE, ActorRole.ADMIN)
    at.session_state["selected_plan"] = "lingbi"
    at.run()
    assert not at.exception, at.exception
    return at, unit_name


def _visit(at: AppTest, page: str, **query) -> tuple[list[str], str]:
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, (page, at.exception)
    return _texts(at), _frames(at)


def _check(texts: list[str], where: str) -> list[str]:
    bad = [(t, dangers(t)) for t in texts if dangers(t)]
    assert not bad, (where, bad)
    return [t for t in texts if HOSTILE in literal(t)]


def test_hostile_text_is_shown_as_text_everywhere(hostile_app):
    at, unit_name = hostile_app

    texts, _ = _visit(at, "pages/overview.py")
    shown = _check(texts, "总览")
    assert any(literal(t).startswith("灵璧县质量强县规划" + HOSTILE) for t in shown)  # plan title caption
    assert any(t == "当前用户：office" + HOSTILE + "（管理员）" for t in map(literal, shown))  # signed-in name

    texts, frames = _visit(at, "pages/indicator.py", indicator="LB-PQ-07")
    shown = [literal(t) for t in _check(texts, "指标详情")]
    assert "LB-PQ-07 三品一标" + HOSTILE in shown  # subheader: catalogue text
    assert any(f"**牵头单位**：{unit_name}" in t for t in shown)  # unit name
    assert any("口径" + HOSTILE in t and "来源" + HOSTILE in t for t in shown)  # definition, data source
    assert "备注" + HOSTILE in frames  # a note, in the versions table: text

    texts, _ = _visit(at, "pages/units.py", unit=unit_name)
    assert unit_name in [literal(t) for t in _check(texts, "责任单位")]  # unit subheader

    texts, _ = _visit(at, "pages/upload.py")
    shown = [literal(t) for t in _check(texts, "上传记录")]
    assert any(HOSTILE + ".xlsx" in t for t in shown)  # file name in the upload history

    texts, _ = _visit(at, "pages/catalogue.py")
    assert _check(texts, "计划与指标")

    texts, frames = _visit(at, "pages/audit.py")
    _check(texts, "审计日志")
    assert "细节" + HOSTILE in frames and "意见" + HOSTILE in frames  # audit details, review comment

    for page in ("pages/review.py", "pages/targets_admin.py", "pages/admin_users.py", "pages/briefing.py"):
        texts, _ = _visit(at, page)
        _check(texts, page)


def test_the_checker_sees_unescaped_markup():
    from ui.safe import escape_html, escape_markdown

    assert dangers(HOSTILE) == ["<img", "](", "![", "onerror="]
    assert dangers(escape_markdown(HOSTILE)) == []
    assert dangers(f"<div>{html.escape(HOSTILE)}</div>") == ["](", "!["]  # html.escape alone: markdown left
    assert dangers(f"<div>{escape_html(HOSTILE)}</div>") == []
    assert literal(escape_html(HOSTILE)) == HOSTILE
    assert literal(escape_markdown(HOSTILE)) == HOSTILE
    assert literal(escape_markdown("# 标题\n- 列表 1. 2) *a* _b_ `c` ~d~ |e| {f} :red[g] $h$")) == (
        "# 标题\n- 列表 1. 2) *a* _b_ `c` ~d~ |e| {f} :red[g] $h$".replace("\n", "  \n")
    )


def test_charts_draw_hostile_names_as_text():
    """Plotly renders a subset of HTML in labels and hover text: data reaches it escaped."""
    from ui.charts import matrix_figure

    evil = '<a href="http://evil.example">x</a><img src=x onerror=alert(1)>'
    rows = [{"code": "X-01", "name": "指标" + evil, "category": "类别" + evil, "status": "正常",
             "reason": "依据" + evil}]  # fmt: skip
    fig = matrix_figure(rows)
    drawn = [str(t) for trace in fig.data for t in (trace.text or ())]
    drawn += [str(v) for trace in fig.data for row in (trace.customdata or ()) for v in row]
    drawn += [str(t) for t in fig.layout.yaxis.ticktext]
    assert drawn and not any("<a href" in t or "<img" in t for t in drawn), drawn
    assert any("&lt;a href" in t for t in drawn)  # still there, as text


def test_the_html_matrix_writes_hostile_names_as_text():
    """The 汇报材料 screen's matrix (ui.charts.matrix_html) is HTML: every data text reaches it escaped,
    in the cell, the category heading and the tooltip."""
    from ui.charts import matrix_html

    evil = '<a href="http://evil.example">x</a><img src=x onerror=alert(1)>'
    rows = [{"code": "X-01" + evil, "name": "指标" + evil, "category": "类别" + evil, "status": "正常",
             "reason": "依据" + evil}]  # fmt: skip
    out = matrix_html(rows, columns=3)
    assert "<a href" not in out and "<img" not in out and "onerror=alert" not in out.replace("onerror&#61;", "")
    assert dangers(out.split("</style>", 1)[1]) == []
    assert out.count("&lt;a href") == 5  # the category heading, the cell (shortened), tooltip code, name, reason
