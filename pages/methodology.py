"""方法说明: indicators/METHODOLOGY.md, verbatim."""

from __future__ import annotations

import streamlit as st

from ui import data
from ui.guard import ensure_routed

ensure_routed()

text = data.methodology_text()
if text is None:
    st.title("方法说明")
    st.info("方法说明文档（indicators/METHODOLOGY.md）尚未提供。")
else:
    st.markdown(text)
