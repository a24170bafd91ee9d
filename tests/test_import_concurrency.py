"""Crash safety and concurrent imports from separate processes (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import bad_inputs
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.models import Observation, Upload
from db.session import read_scope
from services.imports import PAUSE_ENV, make_template, reporting_units
from services.progress import plan_progress

ROOT = Path(__file__).resolve().parent.parent
WORKER = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from services.actor import system_actor
from services.imports import commit_import
path = Path(sys.argv[2])
result = commit_import(sys.argv[1], path.read_bytes(), path.name, system_actor())
print(result.status, result.upload_id or "", flush=True)
"""


def _filled(template: bytes, value: float) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[bad_inputs.S]
    bad_inputs.fill_valid(ws)
    for r in range(4, ws.max_row + 1):
        if (ws.cell(r, 5).value or "").startswith("比率"):
            ws.cell(r, 8).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _counts(url):
    with read_scope(url) as s:
        return (
            s.scalar(select(func.count(Upload.id))),
            s.scalar(select(func.count(Observation.id)).where(Observation.upload_id.is_not(None))),
        )


def test_sigkill_during_commit_leaves_no_partial_upload(seeded_url, tmp_path):
    path = tmp_path / "q3.xlsx"
    path.write_bytes(
        bad_inputs.filled(make_template(seeded_url, bad_inputs.PLAN, bad_inputs.PERIOD, bad_inputs.UNIT))
    )
    env = {**os.environ, "DATABASE_URL": seeded_url, PAUSE_ENV: "60"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "import", str(path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 60
        line = ""
        while "QTT-IMPORT-PAUSED" not in line and time.time() < deadline:
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "import ended before its commit"
        assert "QTT-IMPORT-PAUSED" in line
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _counts(seeded_url) == (0, 0)
    # the database is usable at once, and the same file imports fine
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import", str(path)],
        env={**os.environ, "DATABASE_URL": seeded_url}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert _counts(seeded_url)[0] == 1


def test_twenty_concurrent_imports(seeded_url, tmp_path):
    with read_scope(seeded_url) as s:
        units = reporting_units(s, bad_inputs.PLAN)[:5]
    templates = {u: make_template(seeded_url, bad_inputs.PLAN, bad_inputs.PERIOD, u) for u in units}
    files = []
    for i in range(20):
        unit = units[i % len(units)]
        value = 90 + (i % 3)  # some files are byte-identical duplicates of others
        path = tmp_path / f"f{i:02d}_{value}.xlsx"
        path.write_bytes(_filled(templates[unit], value))
        files.append(path)
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER.format(root=str(ROOT)))
    procs = [
        subprocess.Popen([sys.executable, str(worker), seeded_url, str(f)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for f in files
    ]  # fmt: skip
    # Meanwhile a reader does what the pages do (load the plan and assess it), again and again.
    reads, read_errors, done = [], [], threading.Event()

    def read_like_a_page() -> None:
        while not done.is_set():
            try:
                with read_scope(seeded_url) as session:
                    reads.append(len(plan_progress(session, bad_inputs.PLAN, bad_inputs.PERIOD).assessments))
            except Exception as exc:  # noqa: BLE001 - any failure of a reader is the finding
                read_errors.append(repr(exc))

    reader = threading.Thread(target=read_like_a_page)
    reader.start()
    try:
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        done.set()
        reader.join()
    assert read_errors == [] and len(reads) >= 1
    for (out, err), proc in zip(outputs, procs, strict=True):
        assert proc.returncode == 0, err
        assert "database is locked" not in err
        assert out.split()[0] in {"committed", "duplicate", "unchanged"}, out + err
    committed = sum(out.startswith("committed") for out, _ in outputs)
    with read_scope(seeded_url) as s:
        assert s.scalar(select(func.count(Upload.id))) == committed
        # no forked version chains: exactly one current version per figure
        forks = s.execute(
            select(Observation.indicator_id, Observation.unit_id, Observation.period, func.count())
            .where(Observation.superseded_by_id.is_(None))
            .group_by(Observation.indicator_id, Observation.unit_id, Observation.period)
            .having(func.count() > 1)
        ).all()
        assert forks == []
        # every figure a committed upload wrote is in some version chain: none lost
        written = s.scalar(select(func.count(Observation.id)).where(Observation.upload_id.is_not(None)))
        assert written >= committed
        chains = s.execute(select(Observation.id, Observation.supersedes_id)).all()
        superseded = [sup for _, sup in chains if sup is not None]
        assert len(superseded) == len(set(superseded))
