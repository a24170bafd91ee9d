"""计划与指标: every target of a plan with baseline, units and revision history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import data
from ui.formats import consultation_row, counting_text, describe_target, label, reporting_frequency_text
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.vocabulary import is_office_revision, office_change_row, revision_words
from ui.widgets import demo_banner, frame_height, plan_selector, top_padding

ensure_routed()

top_padding()
plan = plan_selector(st.columns([3, 8])[0])  # at the top of the page (below Streamlit's top bar)
if plan is None:
    st.stop()

url, fingerprint = data.current_url(), data.data_fingerprint()
st.title(f"{escape_markdown(plan.jurisdiction)} · 计划与指标")
st.caption(
    f"{escape_markdown(plan.title)}　|　基期 {plan.baseline_year} 年"
    f"　|　目标年份 {'、'.join(map(str, plan.horizon_years))} 年"
)
demo_banner(plan)
if plan.provenance_note:
    st.warning(f"**目录来源说明**：{escape_markdown(plan.provenance_note)}", icon=":material/info:")

rows = data.catalogue(url, plan.code, fingerprint)
if not rows:
    st.info("该计划尚无指标。")
    st.stop()

left, right = st.columns([2, 1])
query = left.text_input("搜索指标、单位或原文", placeholder="如：合格率、市农业农村局、三品一标")
categories = sorted({r["category"] for r in rows}, key=[r["category"] for r in rows].index)
chosen = right.multiselect("类别", categories, placeholder="全部类别")


def _matches(row: dict) -> bool:
    if chosen and row["category"] not in chosen:
        return False
    if not query:
        return True
    haystack = " ".join(
        [
            row["code"],
            row["name"],
            row["source_text"],
            row["responsible_text"],
            *row["lead_units"],
            *row["co_units"],
        ]
    )
    return query.strip() in haystack


shown = [r for r in rows if _matches(r)]
table = pd.DataFrame(
    [
        {
            "代码": r["code"],
            "类别": r["category"],
            "指标": r["name"],
            "现行目标": "；".join(
                describe_target(t, r["measure_unit"]) for t in r["targets"] if t["in_force"]
            )
            or "（暂无生效目标）",
            "征求意见建议": "；".join(
                describe_target(t, r["measure_unit"]) for t in r["targets"] if not t["in_force"]
            ),
            "基期值": r["baseline"]
            or ("0（累计新增按定义）" if r["measure_kind"] == "new_since_baseline" else "未提供"),
            "牵头单位": "、".join(r["lead_units"]),
            "报送与计数": f"{reporting_frequency_text(r['frequency'], r['release_lag'])}；"
            f"{counting_text(r['figure_basis'], r['whole_items'])}；{label(r['measure_kind'])}",
            "配合单位": "、".join(r["co_units"]),
        }
        for r in shown
    ]
)
st.markdown(f"共 **{len(rows)}** 项指标，当前显示 **{len(shown)}** 项。")
# Widths fit the main area at 1366×768 with the sidebar open (about 900 px): no column cut off.
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    height=frame_height(len(shown), 640),
    column_config={
        "代码": st.column_config.TextColumn(width=80),
        "类别": st.column_config.TextColumn(width=60),
        "指标": st.column_config.TextColumn(width=160),
        "现行目标": st.column_config.TextColumn(width=120),
        "征求意见建议": st.column_config.TextColumn(width=90),
        "基期值": st.column_config.TextColumn(width=60),
        "牵头单位": st.column_config.TextColumn(width=100),
        "报送与计数": st.column_config.TextColumn(width=110),
        "配合单位": st.column_config.TextColumn(width=100),
    },
)

with st.expander("指标原文与责任分工"):
    for r in shown:
        st.markdown(
            f"**{escape_markdown(r['code'])} {escape_markdown(r['name'])}**"
            f"　{escape_markdown(r['source_text'])}"
            f"  \n责任分工原文：{escape_markdown(r['responsible_text'] or '—')}"
            f"  \n统计口径：{escape_markdown(r['definition'] or '未说明')}"
            f"　数据来源：{escape_markdown(r['data_source'] or '未说明')}"
        )

st.subheader("征求意见修改记录")
every_revision = data.revisions(url, plan.code, fingerprint)
revisions = [r for r in every_revision if not is_office_revision(r)]
office_changes = [r for r in every_revision if is_office_revision(r)]
if not revisions:
    st.info("该计划没有征求意见修改记录。")
else:
    # A static table: the consultation texts (原稿 → 建议) wrap and read in full, no cell to scroll.
    st.table(
        pd.DataFrame(
            [consultation_row(r, revision_words(r), indicator=True) for r in revisions]
        ).style.hide(axis="index")
    )
    st.caption("“是否采纳”为“未说明”时，原稿目标继续有效；两者均保留可查。")
if office_changes:
    st.subheader("质量办修改记录")
    st.table(
        pd.DataFrame(
            [
                {"指标": f"{r['indicator_code']} {r['indicator']}", **office_change_row(r)}
                for r in office_changes
            ]
        ).style.hide(axis="index")
    )
