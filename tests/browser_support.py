"""Shared pieces of the real-browser tests: start the real app, drive Streamlit pages, screenshots."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
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
STATUSES = ["已达标", "逾期完成", "正常", "滞后", "严重滞后", "未完成", "未报送", "无法评估"]

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: browser tests skipped"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Finished: no "Running…" status (a "File change" notice may stay) and no stale element.
RUN_FINISHED = """() => !Array.from(document.querySelectorAll('[data-testid="stStatusWidget"]'))
                         .some(e => /Running|Stop/.test(e.innerText))
                   && document.querySelectorAll('[data-stale="true"]').length === 0"""


def settle(page, timeout: float = 60_000) -> None:
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


def choose(page, label: str, option_text: str) -> None:
    """Pick an option of the selectbox labelled ``label`` (sidebar or main)."""
    open_select(page, label)
    page.locator('[role="option"]').filter(has_text=option_text).first.click()
    settle(page)


def open_select(page, label: str):
    """Open the selectbox whose label starts with ``label``; its options get role=option."""
    page.locator(f'input[aria-label^="{label}"]').first.click()
    page.wait_for_selector('[role="option"]', timeout=10_000)


def go(page, server, path: str = "") -> None:
    page.goto(f"{server['url']}/{path}")
    settle(page)
    wait_set_up(server)


def wait_set_up(server, timeout: float = 120) -> None:
    """Block until the first start's set-up (schema, catalogue, demo figures, admin) is over.

    The sign-in page is drawn before the set-up runs (app.py), and a loaded machine may show it
    finished before Streamlit's status widget says "Running": a test that reads the database
    right after its first page waits for the set-up's last step, the first admin account.
    """
    if server.get("set_up"):
        return
    path = server["env"]["DATABASE_URL"].removeprefix("sqlite:///")
    deadline = time.time() + timeout
    while True:
        try:
            # read-only: polling must never create the database file before the app does
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
                if db.execute("SELECT count(*) FROM users").fetchone()[0]:
                    break
        except sqlite3.OperationalError:  # no schema yet, or the set-up holds the lock
            pass
        if time.time() > deadline:
            pytest.fail(f"first start not done in {timeout:.0f} s: {server['log'].read_text()}")
        time.sleep(0.2)
    server["set_up"] = True


def nav(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    settle(page)


def tiles(page) -> dict[str, int]:
    page.wait_for_selector(".status-tile", timeout=30_000)
    out = {}
    for tile in page.locator(".status-tile").all():
        out[tile.get_attribute("data-status")] = int(
            tile.locator(".tile-count").inner_text().replace(",", "")
        )
    return out


def cli_counts(server, plan: str, as_of: str | None = None) -> dict[str, int]:
    args = [sys.executable, "manage.py", "status", "--plan", plan]
    if as_of:
        args += ["--as-of", as_of]
    out = subprocess.run(args, cwd=ROOT, env=server["env"], capture_output=True, text=True, check=True)
    counts = Counter(row["status"] for row in csv.DictReader(io.StringIO(out.stdout)))
    return {s: counts.get(s, 0) for s in STATUSES}


def selected_quarter(page) -> str:
    text = page.locator('input[aria-label^="季度"]').first.input_value()
    year, quarter = text.split("年第")[0][-4:], text.split("年第")[1][0]
    return f"{year}Q{quarter}"


def shot(page, name: str) -> Path:
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


@contextlib.contextmanager
def running_app(folder: Path, **extra_env: str) -> Iterator[dict]:
    """The real app (``streamlit run app.py``) on a free port against a fresh SQLite database."""
    db = folder / "app.db"
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_PUBLIC_READ"}
    env.update(DATABASE_URL=f"sqlite:///{db}", **extra_env)
    port = free_port()
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
    try:
        yield {"url": url, "env": env, "log": db.parent / "streamlit.log", "pid": proc.pid}
    finally:  # also when the test failed: no server left running
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
