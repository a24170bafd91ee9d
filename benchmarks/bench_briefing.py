"""Time to produce the full briefing set (deck, chart PNGs, bulletin, notices) for one plan.

Seed catalogue + demo figures in a temporary SQLite file; goal < 10 s per plan.

    python benchmarks/bench_briefing.py [--plan lingbi] [--as-of 2026Q2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.session import session_scope  # noqa: E402
from services.actor import system_actor  # noqa: E402
from services.briefing import build_briefing  # noqa: E402
from services.demo import load_demo  # noqa: E402
from services.setup import init_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", default="lingbi")
    parser.add_argument("--as-of", dest="as_of", default="2026Q2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        init_database(url)
        with session_scope(url) as session:
            load_demo(session, system_actor("bench"))
        for run in ("first (starts Chromium)", "second (warm)"):
            start = time.perf_counter()
            files = build_briefing(url, args.plan, args.as_of, Path(tmp) / f"out{run[:5]}")
            elapsed = time.perf_counter() - start
            print(f"{args.plan} {args.as_of} {run}: {len(files)} files in {elapsed:.2f} s (goal < 10 s)")


if __name__ == "__main__":
    main()
