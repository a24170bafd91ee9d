"""总览: status tiles, the traffic-light matrix, the most-behind indicators and units."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.dashboard import most_behind
from indicators.explain import fmt_ratio
from indicators.periods import Period
from ui import data
from ui.charts import plotly_config, status_label, styled_status
from ui.formats import format_figure, format_number, severity_weights_text, unit_ranking_table
from ui.guard import ensure_routed
from ui.safe import escape_markdown
from ui.widgets import dashboard_context, demo_banner, frame_height, status_tiles

ensure_routed()

context = dashboard_context()
plan, as_of, pending = context.plan, context.as_of, context.include_pending
url, fingerprint = context.url, context.fingerprint
label = Period.parse(as_of).label
st.title(f"{escape_markdown(plan.jurisdiction)} · 总览")
years = "、".join(map(str, plan.horizon_years))
st.caption(f"{escape_markdown(plan.title)}　|　截至 {label}　|　目标年份 {years} 年")
demo_banner(plan)

state = data.progress(url, plan.code, as_of, fingerprint, pending)
rows = state["rows"]
if not rows:
    st.info("该计划尚无指标，请先导入计划目录（`python manage.py load-catalogue`）。")
    st.stop()
if state["figures_total"] == 0:
    st.info(
        "该计划还没有任何填报数据。各责任单位填报季度数据后，这里将显示进度；"
        "在此之前所有指标均为“未报送”或“无法评估”。",
        icon=":material/hourglass_empty:",
    )
elif state["figures_until"] == 0:
    first = Period.parse(state["first_figure"]).label
    st.info(
        f"所选季度（{label}）早于首次填报（{first}），尚无可用数据。请在左侧选择更晚的季度。",
        icon=":material/event_busy:",
    )

status_tiles(state["counts"])
st.caption(f"共 {len(rows):,} 项指标。点击左侧“指标详情”查看每项指标的依据与数据来源。")

fig = data.matrix(url, plan.code, as_of, fingerprint, pending)  # built once per data version
st.subheader("红黄绿灯矩阵")
st.plotly_chart(fig, config=plotly_config("总览", plan.jurisdiction, as_of), key="matrix")
st.caption("每格一项指标，按类别分行，格内为状态符号和指标简称；鼠标悬停显示指标全称与一句话判断依据。")

left, right = st.columns([3, 2])
with left:
    st.subheader("进度最滞后的指标")
    every = most_behind(rows, limit=len(rows))
    worst = every[:10]
    if not worst:
        st.success("截至本季度没有滞后、严重滞后或未报送的指标。")
    else:
        if len(every) > len(worst):  # never a silent cut: say how many there are and where the rest are
            st.caption(
                f"共 {len(every)} 项，列出最滞后的 {len(worst)} 项；其余见上方红黄绿灯矩阵或“指标详情”。"
            )
        st.table(  # a static table: every reason wrapped and readable in full, status cells coloured
            styled_status(
                pd.DataFrame(
                    [
                        {
                            "状态": status_label(r["status"]),
                            "指标": f"{r['code']} {r['name']}",
                            "当前值": format_figure(r["current_value"], r["measure_unit"]),
                            "序时进度应达": format_number(r["expected_value"], r["measure_unit"]),
                            "完成序时进度": "—"
                            if r["progress_ratio"] is None
                            else fmt_ratio(r["progress_ratio"]),
                            "牵头单位": "、".join(r["lead_units"]),
                            "依据": r["reason"],
                        }
                        for r in worst
                    ]
                ),
                hide_index=True,
            )
        )
with right:
    st.subheader("进度最滞后的责任单位")
    view = data.units_view(url, plan.code, as_of, fingerprint, pending)
    ranking = [u for u in view["ranking_lead"] if u["score"] > 0][:10]
    if not ranking:
        st.success("没有牵头指标滞后的责任单位。")
    else:
        st.dataframe(
            unit_ranking_table(ranking, "牵头单位", "牵头指标", parts=False),  # the counts: 责任单位 page
            hide_index=True,
            width="stretch",
            height=frame_height(len(ranking)),
        )
        st.caption(f"滞后指数 0–100：{severity_weights_text()}，其余 0 分；总分除以 3×牵头指标数。")

from ui.supervision import task_overview  # noqa: E402  key tasks (督办闭环)

task_overview(plan.code)
