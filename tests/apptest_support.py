"""AppTest of the real app as a running server sees it.

Why this exists (Streamlit 1.67): ``AppTest._run`` resets ``PagesManager.uses_pages_directory``
to ``None`` before every run (streamlit PR #14217), and a new ``PagesManager`` then sets it to
``True`` because this project has a ``pages/`` folder. The script runner therefore starts every
AppTest run the legacy way (``_mpa_v1``): it runs the requested page file directly, without
app.py. Our pages hand such a run over to the router (``ui.guard.ensure_routed`` →
``st.switch_page("app.py")`` → the page again), and the widget input of that run — a file set
on ``st.file_uploader``, a button click — is consumed by the first, discarded pass and never
reaches the page.

In a real server the flag is ``False`` from the first ``st.navigation`` call on (it is a
class attribute, process-wide), so every run after the first goes through app.py. This helper
makes AppTest do the same: after each ``PagesManager`` is built the flag is ``False`` again.
Nothing of the app is replaced; only AppTest's reset of the process-wide flag is undone.
"""

from __future__ import annotations

import pytest


def route_through_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AppTest run starts with app.py, as in a server where the router has run once."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def demo_database(folder) -> str:
    """A fresh SQLite database in ``folder`` with the catalogue and the demo figures (the app's first
    start without its admin account): what the AppTest walks of every page read."""
    from db.session import session_scope
    from services.actor import Actor, ActorRole
    from services.demo import load_demo
    from services.setup import init_database

    url = f"sqlite:///{folder / 'app.db'}"
    init_database(url)
    with session_scope(url) as session:
        load_demo(session, Actor("演示", ActorRole.ADMIN))
    return url


def signed_in_app(url: str, monkeypatch: pytest.MonkeyPatch, actor=None, plan: str | None = None):
    """app.py in AppTest against ``url``, signed in as ``actor`` (None: nobody) with ``plan`` chosen,
    after its first run (which must not raise)."""
    import datetime as dt
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("TRACKER_PUBLIC_READ", raising=False)
    monkeypatch.chdir(root)
    route_through_app(monkeypatch)
    at = AppTest.from_file(str(root / "app.py"), default_timeout=180)
    if actor is not None:
        at.session_state["auth_actor"] = actor
        at.session_state["auth_last_seen"] = dt.datetime.now()
    if plan is not None:
        at.session_state["selected_plan"] = plan
    at.run()
    assert not at.exception, at.exception
    return at


def open_page(at, page: str):
    """Switch the AppTest to ``page`` (a path under the project) and run it; it must not raise."""
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at
