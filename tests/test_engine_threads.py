"""One engine per database per process, also when threads ask for it at the same moment.

An import reads the plan in a thread while the main thread parses (services/imports/prefetch.py);
both open the database. CI once failed with "module 'sqlalchemy.dialects' has no attribute
'sqlite'" in one of twenty concurrent imports: two threads had made the engine at once.
Each trial runs in a fresh interpreter, where nothing has imported the SQLite dialect yet.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys, threading
sys.path.insert(0, {root!r})
from db.session import get_engine, read_scope
from sqlalchemy import text

url = "sqlite:///" + sys.argv[1]
barrier = threading.Barrier(12)
engines, errors = [], []

def ask():
    barrier.wait()
    try:
        engines.append(get_engine(url))
        with read_scope(url) as s:
            s.execute(text("select 1"))
    except Exception as exc:  # reported below
        errors.append(repr(exc))

threads = [threading.Thread(target=ask) for _ in range(12)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps([len({{id(e) for e in engines}}), len(engines), errors]))
"""


def test_threads_asking_at_once_get_one_engine_and_no_error(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE.format(root=str(ROOT)))
    for trial in range(6):
        out = subprocess.run([sys.executable, str(probe), str(tmp_path / f"t{trial}.db")],
                             capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
        distinct, made, errors = json.loads(out.stdout)
        assert (distinct, made, errors) == (1, 12, []), (trial, out.stderr)
