"""Run a service-layer write from a page: one transaction, refusals audited, Chinese feedback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from services.actor import Actor, PermissionDenied
from services.audit import perform
from ui import data
from ui.safe import escape_markdown


def run_write(actor: Actor, action: str, work: Callable[[Any], Any], success: str = "") -> Any:
    """Perform ``work(session)``; show errors in Chinese instead of a traceback."""
    try:
        result = perform(data.current_url(), actor, action, work)
    except PermissionDenied as exc:
        st.error(f"操作被拒绝：{escape_markdown(exc)}（已记入审计日志）")
        return None
    except (ValueError, LookupError, RuntimeError) as exc:
        st.error(escape_markdown(exc))
        return None
    data.forget_versions()  # the rest of this run reads the data as written
    if success:
        st.success(escape_markdown(success))
    return result


DONE_KEY = "write_done_notice"


def done_and_rerun(message: str) -> None:
    """Rerun the page after a write so that what it shows (read before the write) includes it, and
    say ``message`` (markdown, already escaped by the caller) at the top of the next run
    (:func:`show_done`). A saved value missing from the table below its form read as not saved."""
    st.session_state[DONE_KEY] = message
    st.rerun()


def show_done() -> None:
    """The message of the write that reran the page (:func:`done_and_rerun`), once."""
    message = st.session_state.pop(DONE_KEY, None)
    if message:
        st.success(message)


def require_role(actor: Actor | None, *roles: str) -> Actor:
    """Stop the page with a message unless the actor has one of ``roles``."""
    if actor is None or actor.role.value not in roles:
        st.warning("您没有访问此页面的权限。")
        st.stop()
    return actor


def rerun_this_part() -> None:
    """Rerun the fragment this code runs in (``st.rerun(scope="fragment")``), or the whole app when
    it runs as part of a full run (Streamlit refuses a fragment-scoped rerun there; AppTest's runs
    are full runs)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    st.rerun(scope="fragment" if ctx is not None and ctx.fragment_ids_this_run else "app")
