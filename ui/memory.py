"""Keep the server's long-lived objects out of Streamlit's garbage collection after every run.

Streamlit calls ``gc.collect(2)`` after every script run (``runner.postScriptGC``). With the
modules, the catalogue and the caches of a running server that is a scan of ≈ 250,000–290,000
objects, 170–230 ms per run, three times per upload (benchmarks/bench_upload_browser.py). After a
run that imported new modules (a page opened for the first time in this process), everything
alive is collected once and frozen (``gc.freeze``: moved to a generation no collection scans).
Modules are imported a bounded number of times, so this happens a few times per process; the
objects of later runs are collected as usual.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_frozen = 0


def freeze_after_imports() -> bool:
    """Collect and freeze when modules were imported since the last freeze (True when it did)."""
    global _modules_frozen
    if len(sys.modules) <= _modules_frozen:
        return False
    with _lock:
        count = len(sys.modules)
        if count <= _modules_frozen:
            return False
        gc.collect()
        gc.freeze()
        _modules_frozen = count
    return True
