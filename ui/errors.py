"""What a user sees when a page fails unexpectedly (a bug, a database that went away, a full disk).

Streamlit's own screen for an uncaught exception is English ("This app has encountered an error…",
or a traceback). app.py runs the page through :func:`guarded`: the user gets a Chinese message with
a short reference number, and the server's log gets the same number with the whole traceback, so the
administrator can find it. Streamlit's control flow (``st.rerun``, ``st.stop``, ``st.switch_page``)
raises ``BaseException`` subclasses and passes through untouched.

The test suite sets ``QTT_PAGE_ERRORS=raise`` (tests/conftest.py): there an exception stays
uncaught, so AppTest reports it and no test passes over a failing page.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable

import streamlit as st

from ui.vocabulary import UNEXPECTED_ERROR

LOG = logging.getLogger("tracker.pages")


def report(exc: Exception) -> str:
    """Log ``exc`` with a new reference number and return the number."""
    ref = secrets.token_hex(4).upper()
    LOG.error("page error %s", ref, exc_info=exc)
    return ref


def guarded(run: Callable[[], object]) -> None:
    """``run()``; an unexpected exception becomes the Chinese message (see the module docstring)."""
    try:
        run()
    except Exception as exc:
        if os.environ.get("QTT_PAGE_ERRORS") == "raise":
            raise
        st.error(UNEXPECTED_ERROR.format(ref=report(exc)), icon=":material/error:")
