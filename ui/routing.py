"""Every page address is always known to the router, whoever is signed in.

Streamlit shows its own English "Page not found" dialog for an address that is not in the
navigation. So app.py registers *every* page on every run: the pages the user may open as
they are, every other one as a hidden stand-in at the same address (same ``url_path``, hence
the same page id) that draws the sign-in form (signed out), the password form (first sign-in)
or a Chinese "no access" message. A link such as ``/units?plan=luan&unit=市市场监管局`` therefore
opens the sign-in form at that address, and after sign-in the rerun runs the real page at the
same address with the same query parameters.

The root address ``/`` is a hidden start page of its own: it draws the sign-in form when signed
out and otherwise opens the role's landing page (a reporter's 我的待办). No real page is the
default page, so every real page keeps its own address (a default page would answer only ``/``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from ui.safe import escape_markdown

START_PATH = "start"


def no_access(title: str, landing) -> Callable[[], None]:
    def page() -> None:
        st.title(title)
        st.warning(f"您的账户无权打开“{escape_markdown(title)}”页面。如需此权限，请联系质量办管理员。")
        if landing is not None:
            st.page_link(landing, label=f"前往“{landing.title}”", icon=":material/arrow_forward:")

    return page


def start_page(landing, signed_out_page: Callable[[], None] | None) -> Callable[[], None]:
    """What ``/`` shows: the sign-in form (signed out) or the landing page."""

    def start() -> None:
        if signed_out_page is not None:
            signed_out_page()
        else:
            st.switch_page(landing)

    return start


def with_stand_ins(
    visible: Mapping[str, Sequence],
    every: Sequence,
    stand_in: Callable[[object], Callable[[], None]],
    start: Callable[[], None],
) -> dict[str, list]:
    """``visible`` plus the hidden start page and a hidden stand-in for each page of ``every``
    that is not visible (at that page's address)."""
    shown = {pg.url_path for group in visible.values() for pg in group}
    hidden = [
        st.Page(start, title="质量目标监测平台", url_path=START_PATH, default=True, visibility="hidden")
    ]
    seen = set(shown)
    for pg in every:
        if pg.url_path in seen:
            continue
        seen.add(pg.url_path)
        hidden.append(st.Page(stand_in(pg), title=pg.title, url_path=pg.url_path, visibility="hidden"))
    sections = {name: list(pages) for name, pages in visible.items()}
    first = next(iter(sections))
    sections[first] = hidden[:1] + sections[first] + hidden[1:]
    return sections


def find(sections: Mapping[str, Sequence], url_path: str):
    return next((pg for group in sections.values() for pg in group if pg.url_path == url_path), None)
