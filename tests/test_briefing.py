"""汇报材料: deck, bulletin and notices for both seed plans agree with ``manage.py status``;
chart PNGs are 3200×1800 and draw Chinese text (no tofu)."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import zipfile

import pytest
from docx import Document
from pptx import Presentation

from briefing.charts import png_available, render_png
from briefing.content import RESPONSE_WORKING_DAYS, add_working_days, cn_date
from db.session import session_scope
from services.actor import system_actor
from services.briefing import build_briefing, load_briefing
from services.demo import load_demo
from services.progress import status_rows
from tests.conftest import ROOT

TODAY = dt.date(2026, 10, 20)  # 2026Q3 is the latest due quarter
CASES = [("lingbi", "2026Q2"), ("lingbi", "2026Q3"), ("luan", "2025Q4")]
BEHIND = ("滞后", "严重滞后", "未完成", "未报送")
NEEDS_PNG = pytest.mark.skipif(
    not png_available(), reason="no PNG renderer: neither kaleido with /usr/bin/chromium nor matplotlib"
)


@pytest.fixture
def demo_url(seeded_url):
    with session_scope(seeded_url) as session:
        load_demo(session, system_actor("test"), today=TODAY)
    return seeded_url


def _status(url, plan, as_of):
    from db.session import read_scope

    with read_scope(url) as session:
        return status_rows(session, plan, as_of)


def _counts(rows):
    out: dict[str, int] = {}
    for r in rows:
        out[r["status"]] = out.get(r["status"], 0) + 1
    return out


def _deck_text(prs) -> str:
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


def _docx_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_content_numbers_equal_status(demo_url):
    for plan, as_of in CASES:
        rows = _status(demo_url, plan, as_of)
        b = load_briefing(demo_url, plan, as_of, TODAY)
        assert {k: v for k, v in b.counts.items() if v} == _counts(rows)
        lagging = {r["indicator_code"]: r["reason"] for r in rows if r["status"] in BEHIND}
        assert {r["code"]: r["reason"] for r in b.lagging} == lagging
        assert b.data_as_of is not None


def test_bulletin_title_and_sign_off(demo_url):
    b = load_briefing(demo_url, "lingbi", "2026Q3", TODAY)
    assert b.bulletin_title == "关于2026年第3季度质量强县建设目标任务推进情况的通报"
    assert load_briefing(demo_url, "luan", "2025Q4", TODAY).bulletin_title.startswith(
        "关于2025年第4季度质量强市"
    )


def test_the_bulletin_names_the_achieved_indicators_by_category_without_codes(demo_url):
    """Not 45 "名称（LA-PQ-02）" in one run of text: by category, each with its count, names only."""
    from sqlalchemy import select

    from db.models import Indicator, Plan
    from db.session import read_scope

    b = load_briefing(demo_url, "luan", "2025Q4", TODAY)
    met = [r["indicator_code"] for r in _status(demo_url, "luan", "2025Q4") if r["status"] in ("已达标", "逾期完成")]
    with read_scope(demo_url) as s:
        catalogue = dict(
            (code, (name, category))
            for code, name, category in s.execute(
                select(Indicator.code, Indicator.name, Indicator.category)
                .join(Plan, Plan.id == Indicator.plan_id)
                .where(Plan.code == "luan")
            )
        )
    sentence = b.achieved_sentence()
    assert len(met) > 20 and sentence.startswith(f"已达到规划目标的指标共{len(met)}项。其中，")
    assert "LA-" not in sentence
    by_category: dict[str, int] = {}
    for code in met:
        name, category = catalogue[code]
        assert name in sentence
        by_category[category] = by_category.get(category, 0) + 1
    for category, n in by_category.items():
        assert f"{category}{n}项：" in sentence, (category, n)


def test_the_unit_sentence_names_the_ties_the_count_of_misses_and_the_rule(demo_url):
    """六安 2025Q4: 市交通运输局 and 市发改委 share rank 5 (33.3); only the first was named. 市市场监管局
    leads 28 indicators of which 7 are 未完成 (the status rows below count them): its index (25.0)
    ranks it 7th, behind units whose one indicator failed, and the sentence now says its count. The
    index is defined where it is used."""
    b = load_briefing(demo_url, "luan", "2025Q4", TODAY)
    rows = _status(demo_url, "luan", "2025Q4")
    lead = [r for r in rows if "市市场监管局" in r["lead_units"].split("、")]
    failed = sum(r["status"] in ("未完成", "严重滞后") for r in lead)
    assert (len(lead), failed) == (28, 7)
    sentence = b.unit_sentence()
    behind = [u for u in b.ranking if u["score"] > 0]
    fifth = behind[4]["rank"]
    for u in behind:
        assert (f"{u['unit']}（滞后指数" in sentence) == (u["rank"] <= fifth), u
    assert "市交通运输局（滞后指数33.3）" in sentence and "市发改委（滞后指数33.3）" in sentence
    assert "未完成和严重滞后的指标最多的是市市场监管局（7 项，占其牵头指标 28 项的25%）。" in sentence
    assert sentence.endswith("未报送 2 分，滞后 1 分，合计分除以（3×牵头指标数）再乘以 100；0 为没有滞后，"
                             "100 为全部未完成或严重滞后。")


def test_working_days():
    assert add_working_days(dt.date(2026, 10, 16), 10) == dt.date(2026, 10, 30)  # Fri → Fri two weeks on
    assert add_working_days(dt.date(2026, 10, 17), 1) == dt.date(2026, 10, 19)  # Sat → Mon


@NEEDS_PNG
@pytest.mark.parametrize(("plan", "as_of"), [("lingbi", "2026Q3"), ("luan", "2025Q4")])
def test_briefing_files_read_back_equal_status(demo_url, tmp_path, plan, as_of):
    if "postgres" in demo_url:
        pytest.skip("file generation is backend-independent; the SQLite run covers it")
    rows = _status(demo_url, plan, as_of)
    counts = _counts(rows)
    written = build_briefing(demo_url, plan, as_of, tmp_path, today=TODAY)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    deck = next(p for p in written if p.suffix == ".pptx")
    bulletin = next(p for p in written if p.name.startswith("季度通报"))
    assert any(n.startswith("charts/") for n in names)

    # Deck: 16:9, overview table = status counts, every lagging reason verbatim, Chinese font on runs.
    prs = Presentation(str(deck))
    assert round(prs.slide_width / prs.slide_height, 3) == round(16 / 9, 3)
    overview = next(
        s
        for s in prs.slides
        if any(sh.has_text_frame and sh.text_frame.text == "总体进展" for sh in s.shapes)
    )
    table = next(sh.table for sh in overview.shapes if sh.has_table)
    header = [c.text[1:] for c in table.rows[0].cells][1:]  # "▲滞后": icon and word, no space (it wrapped)
    values = [int(c.text) for c in list(table.rows[1].cells)[1:]]
    assert {h: v for h, v in zip(header, values, strict=True) if v} == counts
    text = _deck_text(prs)
    for r in rows:
        if r["status"] in BEHIND:
            assert r["reason"] in text, r["indicator_code"]
    pictures = [sh for s in prs.slides for sh in s.shapes if sh.shape_type == 13]
    assert pictures and all(p.image.size == (3200, 1800) for p in pictures)
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                for para in shape.text_frame.paragraphs:
                    for run in para.runs:
                        ea = run._r.rPr.find("{http://schemas.openxmlformats.org/drawingml/2006/main}ea")
                        assert ea is not None and ea.get("typeface") == "微软雅黑"

    # Bulletin: the counts sentence, each lagging indicator with its reason, sign-off.
    doc = Document(str(bulletin))
    btext = _docx_text(doc)
    b = load_briefing(demo_url, plan, as_of, TODAY)
    # the long title breaks between its parts: "…建设" / "目标任务推进情况的通报"
    assert doc.paragraphs[0].text == b.bulletin_title.replace("建设目标", "建设\n目标")
    for word, status in (
        ("已达标", "已达标"),
        ("正常推进", "正常"),
        ("严重滞后", "严重滞后"),
        ("未报送", "未报送"),
    ):
        assert f"{word}{counts.get(status, 0)}项" in btext
    assert f"纳入监测的指标共{len(rows)}项" in btext
    for heading in ("一、总体进展", "二、", "三、进度滞后的指标", "四、数据报送情况"):
        assert heading in btext
    for r in rows:
        if r["status"] in BEHIND:
            assert r["reason"] in btext
    assert "质量发展委员会办公室" in btext and cn_date(TODAY) in btext
    for unit in b.not_reported:
        assert unit in btext

    # Notices: one per unit with indicators behind ≥ escalation_quarters, numbers and response date.
    notices = sorted(n for n in names if n.startswith("notices/"))
    assert len(notices) == len(b.notices)
    due = cn_date(add_working_days(TODAY, RESPONSE_WORKING_DAYS))
    for notice in b.notices:
        path = next(p for p in written if p.parent.name == "notices" and notice.unit in p.name)
        ntext = _docx_text(Document(str(path)))
        assert notice.unit in ntext and due in ntext and notice.title in ntext
        for item in notice.items:
            assert item.code in ntext and item.reason in ntext and item.current in ntext
            # long enough behind, or a target missed at its year's end (warned at once, METHODOLOGY 十八)
            assert item.streak >= b.escalation_quarters or item.status == "未完成"


@NEEDS_PNG
def test_chart_png_draws_chinese_not_tofu():
    import plotly.graph_objects as go
    from PIL import Image, ImageChops

    def text_png(text: str) -> Image.Image:
        fig = go.Figure()
        fig.add_annotation(text=text, x=0.5, y=0.5, showarrow=False, font={"size": 120})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return Image.open(io.BytesIO(render_png(fig, 800, 450, 1))).convert("L")

    first, second = text_png("质量强县"), text_png("督办通知")
    tofu = text_png("\U0010fffd\U0010fffd\U0010fffd\U0010fffd")  # no font has these: .notdef boxes
    assert first.size == (800, 450)
    assert ImageChops.difference(first, second).getbbox() is not None
    assert ImageChops.difference(first, tofu).getbbox() is not None
    assert ImageChops.difference(second, tofu).getbbox() is not None

    # Different missing characters draw the same boxes; different CJK strings must not.
    other_tofu = text_png("\U0010fff0\U0010fff1\U0010fff2\U0010fff3")
    assert ImageChops.difference(tofu, other_tofu).getbbox() is None


@NEEDS_PNG
def test_manage_briefing_command(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    assert manage("init-db").returncode == 0
    assert manage("demo", "load", "--plan", "lingbi").returncode == 0
    out = tmp_path / "out"
    result = manage("briefing", "--plan", "lingbi", "--as-of", "2026Q2", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "汇报材料_灵璧县_2026Q2.pptx").is_file()
    assert (out / "季度通报_灵璧县_2026Q2.docx").is_file()
    pngs = list((out / "charts").glob("*.png"))
    assert len(pngs) >= 5
    from PIL import Image

    assert all(Image.open(p).size == (3200, 1800) for p in pngs)
    assert list((out / "notices").glob("*.docx"))


def test_zip_bundle_prefix():
    from briefing.bundle import zip_files

    data = zip_files({"a.pptx": b"1", "charts/x.png": b"2", "notices/y.docx": b"3"}, "charts/")
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["charts/x.png"]


def test_matplotlib_fallback_draws_chinese_and_every_chart(demo_url, monkeypatch):
    """Without kaleido/Chromium the charts fall back to matplotlib with the CJK font."""
    from PIL import Image, ImageChops

    from briefing import charts
    from services.briefing import load_briefing

    if not charts.matplotlib_available():
        pytest.skip("matplotlib is not installed")
    import plotly.graph_objects as go

    monkeypatch.setattr(charts, "kaleido_available", lambda: False)

    def bar_png(labels: list[str]) -> Image.Image:
        fig = go.Figure(go.Bar(x=labels, y=[3, 5]))
        return Image.open(io.BytesIO(render_png(fig, 800, 450, 1))).convert("L")

    first, second = bar_png(["质量", "强县"]), bar_png(["督办", "通知"])
    tofu = bar_png(["\U0010fffd\U0010fffd", "\U0010fffd\U0010fffd"])
    assert first.size == (800, 450)
    assert ImageChops.difference(first, second).getbbox() is not None
    assert ImageChops.difference(first, tofu).getbbox() is not None

    pngs = charts.render_all(load_briefing(demo_url, "lingbi", "2026Q3", dt.date(2026, 10, 20)))
    assert pngs and all(Image.open(io.BytesIO(p)).size == (3200, 1800) for p in pngs.values())
