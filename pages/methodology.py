"""方法说明: indicators/METHODOLOGY.md, with the status colours shown as they appear on every page."""

from __future__ import annotations

import re

import streamlit as st

from ui import data
from ui.charts import STATUS_COLORS, STATUS_MEANINGS, STATUS_ORDER, text_color
from ui.guard import ensure_routed

ensure_routed()


def legend() -> str:
    """The statuses as the tiles show them: colour, word and meaning (constants, no data)."""
    items = "".join(
        f'<div class="method-status"><span class="method-badge" style="background:{STATUS_COLORS[s]};'
        f'color:{text_color(s)}">{s}</span><span>{STATUS_MEANINGS[s]}</span></div>'
        for s in STATUS_ORDER
    )
    return (
        "<style>.method-legend{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:6px 24px;"
        "margin:4px 0 16px 0}.method-status{display:flex;gap:10px;align-items:center}"
        ".method-badge{display:inline-block;min-width:5.5em;text-align:center;padding:2px 8px;"
        "border-radius:6px;font-weight:700}</style>"
        f'<div class="method-legend">{items}</div>'
    )


# The file names each setting by its key for whoever edits plan.yaml; the page speaks Chinese only.
SETTING_WORDS = {
    "path_method": "",
    "linear": "匀速推进",
    "growth": "固定增长率",
    "on_track_ratio": "",
    "behind_ratio": "",
    "report_deadline_days": "",
    "escalation_quarters": "",
    "jump_factor": "",
    "maintain_behind_gap": "",
    "few_items": "",
}


def for_the_office(markdown: str) -> str:
    """METHODOLOGY.md without setting keys: a `key` after a Chinese name goes, a value key becomes words."""
    for key, words in SETTING_WORDS.items():
        markdown = re.sub(rf"\s*`{key}`", f" {words}" if words else "", markdown)
    return markdown


text = data.methodology_text()
if text is None:
    st.title("方法说明")
    st.info("方法说明文档尚未提供，请联系系统管理员。")
else:
    first, _, rest = text.partition("\n")
    st.title(first.lstrip("# ").strip() or "方法说明")
    st.caption("平台每个季度怎样判断每项指标的进度：规则、默认设置和算例。各页面的状态颜色如下。")
    st.markdown(legend(), unsafe_allow_html=True)
    st.markdown(for_the_office(rest))
