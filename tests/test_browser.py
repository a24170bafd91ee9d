"""Real-browser tests: the real app (``streamlit run``) in headless Chromium via Playwright.

Every dashboard page is visited for both seed plans; the overview's tile counts must
equal ``python manage.py status`` for the same plan and quarter; screenshots at
1600×900 go to ``artifacts/screenshots/``; Chinese text must render with a CJK font
(no tofu boxes).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = ROOT / "artifacts" / "screenshots"
WIDTH, HEIGHT = 1600, 900
PLANS = {"luan": "六安市", "lingbi": "灵璧县"}
PAGES = {"overview": "总览", "indicator": "指标详情", "units": "责任单位", "catalogue": "计划与指标"}
STATUSES = ["已达标", "正常", "滞后", "严重滞后", "未报送", "无法评估"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: browser tests skipped"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real app on a free port against a fresh SQLite database."""
    db = tmp_path_factory.mktemp("browser") / "app.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "TRACKER_PUBLIC_READ": "1"}
    port = _free_port()
    log = open(db.parent / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail(f"streamlit did not start: {(db.parent / 'streamlit.log').read_text()}")
    yield {"url": url, "env": env}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()


# Finished: no "Running…" status (a "File change" notice may stay) and no stale element.
RUN_FINISHED = """() => !Array.from(document.querySelectorAll('[data-testid="stStatusWidget"]'))
                         .some(e => /Running|Stop/.test(e.innerText))
                   && document.querySelectorAll('[data-stale="true"]').length === 0"""


def _settle(page, timeout: float = 60_000) -> None:
    """Wait until the script run is over and nothing is stale."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout)
    page.wait_for_function(
        RUN_FINISHED,
        timeout=timeout,
    )
    page.wait_for_timeout(600)
    page.wait_for_function(
        RUN_FINISHED,
        timeout=timeout,
    )


def _choose(page, label: str, option_text: str) -> None:
    """Pick an option of the selectbox labelled ``label`` (sidebar or main)."""
    _open(page, label)
    page.locator('[role="option"]').filter(has_text=option_text).first.click()
    _settle(page)


def _open(page, label: str):
    """Open the selectbox whose label starts with ``label``; its options get role=option."""
    page.locator(f'input[aria-label^="{label}"]').first.click()
    page.wait_for_selector('[role="option"]', timeout=10_000)


def _go(page, server, path: str = "") -> None:
    page.goto(f"{server['url']}/{path}")
    _settle(page)


def _nav(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    _settle(page)


def _tiles(page) -> dict[str, int]:
    page.wait_for_selector(".status-tile", timeout=30_000)
    out = {}
    for tile in page.locator(".status-tile").all():
        out[tile.get_attribute("data-status")] = int(
            tile.locator(".tile-count").inner_text().replace(",", "")
        )
    return out


def _cli_counts(server, plan: str, as_of: str | None = None) -> dict[str, int]:
    args = [sys.executable, "manage.py", "status", "--plan", plan]
    if as_of:
        args += ["--as-of", as_of]
    out = subprocess.run(args, cwd=ROOT, env=server["env"], capture_output=True, text=True, check=True)
    counts = Counter(row["status"] for row in csv.DictReader(io.StringIO(out.stdout)))
    return {s: counts.get(s, 0) for s in STATUSES}


def _selected_quarter(page) -> str:
    text = page.locator('input[aria-label^="季度"]').first.input_value()
    year, quarter = text.split("年第")[0][-4:], text.split("年第")[1][0]
    return f"{year}Q{quarter}"


def _shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    # Data grids and plotly charts draw after the script run: wait for their canvases / SVGs.
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
                    .every(e => !e.checkVisibility() || e.querySelector('canvas'))
                 && Array.from(document.querySelectorAll('.js-plotly-plot'))
                    .every(e => e.querySelector('.main-svg'))""",
        timeout=20_000,
    )
    page.wait_for_timeout(2000)
    page.screenshot(path=str(path))
    return path


def test_cjk_font_installed():
    if shutil.which("fc-list") is None:
        pytest.skip("fc-list (fontconfig) is missing")
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert out.strip(), "no CJK font installed (fc-list :lang=zh is empty); install fonts-noto-cjk"


def test_chinese_renders_without_tofu(page, server):
    _go(page, server)
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
    _go(page, server)
    _choose(page, "计划", PLANS[plan])
    assert PLANS[plan] in page.locator("h1").first.inner_text()
    assert page.get_by_text("演示数据").first.is_visible()
    as_of = _selected_quarter(page)
    assert _tiles(page) == _cli_counts(server, plan, as_of)
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    _shot(page, f"{plan}_overview_{as_of}")

    # An earlier quarter: tiles follow, and still equal the CLI.
    _open(page, "季度")
    options = page.locator('[role="option"]')
    options.nth(min(2, options.count() - 1)).click()
    _settle(page)
    earlier = _selected_quarter(page)
    assert earlier != as_of
    assert _tiles(page) == _cli_counts(server, plan, earlier)
    _shot(page, f"{plan}_overview_{earlier}")

    for slug, title in PAGES.items():
        if slug == "overview":
            continue
        _nav(page, title)
        heading = page.locator("h1").first.inner_text()
        assert title in heading and PLANS[plan] in heading, heading
        assert page.locator('[data-testid="stException"]').count() == 0
        _shot(page, f"{plan}_{slug}")
    _nav(page, "方法说明")
    assert page.locator("h1").first.inner_text().strip()
    assert page.locator('[data-testid="stException"]').count() == 0
    _shot(page, f"{plan}_methodology")


def test_unit_landing_page(page, server):
    _go(page, server, "units")
    first = page.locator("h1").first.inner_text()
    assert "责任单位" in first
    _go(page, server, "units?plan=luan&unit=市市场监管局")
    assert page.get_by_role("heading", name="市市场监管局").first.is_visible()
    assert page.get_by_text("牵头指标").first.is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    _shot(page, "luan_units_市市场监管局")
