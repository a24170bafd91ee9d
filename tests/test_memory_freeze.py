"""ui/memory.py: the server's objects are frozen once per batch of new imports, not at every run."""

from __future__ import annotations

import gc
import importlib
import sys

from ui import memory


def test_freezes_only_after_new_imports():
    memory.freeze_after_imports()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert memory.freeze_after_imports() is False  # nothing new imported: no collection, no freeze
    fresh = next(m for m in ("colorsys", "wave", "netrc", "tabnanny", "pyclbr", "mailbox") if m not in sys.modules)
    importlib.import_module(fresh)  # a page importing a module for the first time
    assert memory.freeze_after_imports() is True
    assert gc.get_freeze_count() >= frozen
    assert memory.freeze_after_imports() is False
