"""Real-browser tests: the real app (``streamlit run``) in headless Chromium via Playwright.

Every dashboard page is visited for both seed plans; the overview's tile counts must
equal ``python manage.py status`` for the same plan and quarter; screenshots at
1600×900 go to ``artifacts/screenshots/``; Chinese text must render with a CJK font
(no tofu boxes).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.browser_support import (
    BROWSER_MARKS,
    choose,
    cli_counts,
    go,
    nav,
    open_select,
    running_app,
    selected_quarter,
    settle,
    shot,
    tiles,
)
from tests.test_chinese_ui import ascii_words

PLANS = {"luan": "六安市", "lingbi": "灵璧县"}
# The text a person sees: visible text nodes, without icon ligatures (":material/…" glyph names)
# screen-reader-only text and the hidden "skip to content" link; chart text (SVG) included.
VISIBLE_TEXT = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!el || !node.textContent.trim()) continue;
        if (el.closest('[data-testid*="Icon"], style, script')) continue;
        const box = el.getBoundingClientRect();  // screen-reader-only text (live regions) is 1 px
        if (box.width < 2 || box.height < 2) continue;
        if (el.closest('a') && /skip/i.test(el.closest('a').innerText)) continue;
        if (!el.checkVisibility()) continue;
        out.push(node.textContent);
    }
    return out.join(' ');
}"""
PAGES = {"overview": "总览", "indicator": "指标详情", "units": "责任单位", "catalogue": "计划与指标"}
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app as a meeting-room screen: visitors read without signing in (TRACKER_PUBLIC_READ=1)."""
    with running_app(tmp_path_factory.mktemp("browser"), TRACKER_PUBLIC_READ="1") as app:
        yield app


def test_cjk_font_installed():
    if shutil.which("fc-list") is None:
        pytest.skip("fc-list (fontconfig) is missing")
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert out.strip(), "no CJK font installed (fc-list :lang=zh is empty); install fonts-noto-cjk"


def test_chinese_renders_without_tofu(page, server):
    go(page, server)
    page.wait_for_selector("h1")
    result = page.evaluate(
        """() => {
            const h1 = document.querySelector('h1');
            const family = getComputedStyle(h1).fontFamily;
            const draw = (ch) => {
                const c = document.createElement('canvas'); c.width = 64; c.height = 64;
                const x = c.getContext('2d'); x.font = '48px ' + family; x.fillStyle = '#000';
                x.fillText(ch, 4, 52);
                return {w: x.measureText(ch).width, d: Array.from(x.getImageData(0, 0, 64, 64).data).join(',')};
            };
            const a = draw('质'), b = draw('量'), tofu = draw('\\u{10FFFD}');
            return {family, aw: a.w, tw: tofu.w, same_ab: a.d === b.d, a_tofu: a.d === tofu.d,
                    b_tofu: b.d === tofu.d, text: h1.innerText};
        }"""
    )
    assert "总览" in result["text"]
    # With a missing font every CJK character is the same .notdef box: distinct glyphs prove real rendering.
    assert not result["same_ab"], result
    assert not result["a_tofu"] and not result["b_tofu"], result
    assert result["aw"] > 0


@pytest.mark.parametrize("plan", list(PLANS))
def test_every_page_and_tiles_match_cli(page, server, plan):
    go(page, server)
    choose(page, "计划", PLANS[plan])
    assert PLANS[plan] in page.locator("h1").first.inner_text()
    assert page.get_by_text("演示数据").first.is_visible()
    as_of = selected_quarter(page)
    assert tiles(page) == cli_counts(server, plan, as_of)
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    shot(page, f"{plan}_overview_{as_of}")

    # An earlier quarter: tiles follow, and still equal the CLI.
    open_select(page, "季度")
    options = page.locator('[role="option"]')
    options.nth(min(2, options.count() - 1)).click()
    settle(page)
    earlier = selected_quarter(page)
    assert earlier != as_of
    assert tiles(page) == cli_counts(server, plan, earlier)
    shot(page, f"{plan}_overview_{earlier}")

    english: dict[str, set[str]] = {}
    for slug, title in PAGES.items():
        if slug != "overview":
            nav(page, title)
        heading = page.locator("h1").first.inner_text()
        assert title in heading and PLANS[plan] in heading, heading
        assert page.locator('[data-testid="stException"]').count() == 0
        # what the browser really shows (sidebar, widgets, tables' visible text) speaks Chinese
        words = ascii_words([page.evaluate(VISIBLE_TEXT)])
        if words:
            english[slug] = words
        if slug != "overview":
            shot(page, f"{plan}_{slug}")
    assert english == {}, english
    nav(page, "方法说明")
    assert page.locator("h1").first.inner_text().strip()
    assert page.locator('[data-testid="stException"]').count() == 0
    shot(page, f"{plan}_methodology")

    # 汇报材料: a sidebar-free 16:9 page; its tiles also equal the CLI for its quarter.
    go(page, server, f"briefing?plan={plan}")
    page.wait_for_selector(".status-tile", timeout=60_000)
    assert PLANS[plan] in page.locator(".brief-title").first.inner_text()
    briefing_quarter = selected_quarter(page)
    assert tiles(page) == cli_counts(server, plan, briefing_quarter)
    assert page.locator('[data-testid="stException"]').count() == 0
    shot(page, f"{plan}_briefing")


def test_unit_landing_page(page, server):
    go(page, server, "units")
    first = page.locator("h1").first.inner_text()
    assert "责任单位" in first
    go(page, server, "units?plan=luan&unit=市市场监管局")
    assert page.get_by_role("heading", name="市市场监管局").first.is_visible()
    assert page.get_by_text("牵头指标").first.is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    shot(page, "luan_units_市市场监管局")
