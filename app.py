"""质量目标监测平台: the only router (st.navigation). Pages only draw."""

from __future__ import annotations

import streamlit as st

from ui import data

st.set_page_config(page_title="质量目标监测平台", page_icon=":material/verified:", layout="wide")

data.current_url()  # first start: create the schema, load the catalogue (and demo figures)

PAGES = {
    "监测": [
        st.Page("pages/catalogue.py", title="计划与指标", icon=":material/list_alt:", default=True),
    ],
}

navigation = st.navigation(PAGES)
st.sidebar.caption("质量目标监测平台 · 质量发展委员会办公室")
navigation.run()
