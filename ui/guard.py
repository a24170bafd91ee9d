"""Pages run only through app.py's router.

Until the router has run once in a server process, Streamlit still knows the
``pages/`` folder the old way and may run a page file directly for a URL such as
``/units`` — skipping app.py (sign-in, roles, query parameters, layout). Each page
calls :func:`ensure_routed` first; app.py marks the runs it routes.
"""

from __future__ import annotations

import inspect
import threading
from pathlib import Path

import streamlit as st

_state = threading.local()  # a script run executes on one thread


def mark_routed(routed: bool) -> None:
    _state.routed = routed


def ensure_routed() -> None:
    """Hand a page run that did not come through app.py over to app.py (which then opens the
    page, with its query parameters, if the user may see it)."""
    if not getattr(_state, "routed", False):
        caller = Path(inspect.stack()[1].filename)
        st.session_state[INTENDED_KEY] = (f"pages/{caller.name}", dict(st.query_params))
        st.switch_page("app.py")


INTENDED_KEY = "_intended_page"


def take_intended() -> tuple[str, dict[str, str]] | None:
    """The page (and query parameters) a direct page run asked for, once."""
    return st.session_state.pop(INTENDED_KEY, None)
