"""A button that asks before it acts (undo an upload, remove demo figures, lock a quarter).

    from ui.confirm import confirm_button

    confirm_button(
        "撤销该次上传", key=f"undo_{upload_id}",
        question="撤销后，该文件导入的数据将恢复为导入前的版本（历史记录保留）。确定撤销吗？",
        action=lambda: run_write(actor, "undo_upload", lambda s: imports.undo_upload(s, actor, upload_id)),
        done="已撤销该次上传。",
    )

Clicking the button opens a dialog with the question and 确认 / 取消; only 确认 runs ``action``.
A truthy result (or None from an action that returns nothing but raised no error) closes the
dialog and shows ``done`` once after the rerun; a falsy ``False`` keeps the dialog open with the
error the action showed (ui.actions.run_write shows refusals itself and returns None on failure:
pass ``ok=lambda r: r is not None`` for those).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.safe import escape_markdown

_DONE_KEY = "_confirm_done"


def confirm_button(
    label: str,
    *,
    key: str,
    question: str,
    action: Callable[[], Any],
    done: str = "",
    confirm_label: str = "确认",
    title: str = "请确认",
    ok: Callable[[Any], bool] = lambda result: result is not False and result is not None,
    where=st,
    disabled: bool = False,
    button_type: str = "secondary",
    help: str | None = None,  # noqa: A002 - Streamlit's name
    done_here: bool = False,
) -> None:
    """Draw the button; on click ask ``question`` in a dialog; on 确认 run ``action``.

    ``done`` is shown by :func:`show_done` near the top of the page, or with ``done_here`` right
    under this button (for a button far down a long page, always drawn)."""
    done_key = f"{_DONE_KEY}_{key}" if done_here else _DONE_KEY

    def dialog() -> None:
        st.markdown(escape_markdown(question))
        left, right = st.columns(2)
        if left.button(confirm_label, key=f"{key}_yes", type="primary"):
            result = action()
            if ok(result):
                if done:
                    st.session_state[done_key] = done
                st.rerun()
        if right.button("取消", key=f"{key}_no"):
            st.rerun()

    if where.button(label, key=key, disabled=disabled, type=button_type, help=help):
        st.dialog(title)(dialog)()
    message = st.session_state.pop(done_key, None) if done_here else None
    if message:
        where.success(escape_markdown(message))


def show_done() -> None:
    """The ``done`` message of the last confirmed action (once); call near the top of the page."""
    message = st.session_state.pop(_DONE_KEY, None)
    if message:
        st.success(escape_markdown(message))
