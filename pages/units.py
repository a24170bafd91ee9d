"""责任单位: ranking by how far behind, each unit's indicators and streaks, reporting completeness.

Department staff land on their own unit with ``?unit=单位名称``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.explain import fmt_ratio
from indicators.history import escalation_rule
from indicators.periods import Period
from ui import data
from ui.charts import (
    COLOR_WORDS,
    REPORT_COLORS,
    REPORT_ICONS,
    STATUS_COLORS,
    plotly_config,
    style,
    styled_status,
)
from ui.formats import format_figure, format_number, quarter_words, severity_weights_text, unit_ranking_table
from ui.guard import ensure_routed
from ui.safe import escape_markdown, escape_plotly
from ui.widgets import dashboard_context, demo_banner, frame_height

ensure_routed()

context = dashboard_context()
plan, as_of, pending = context.plan, context.as_of, context.include_pending
url, fingerprint = context.url, context.fingerprint
view = data.units_view(url, plan.code, as_of, fingerprint, pending)
period_label = Period.parse(as_of).label
st.title(f"{escape_markdown(plan.jurisdiction)} · 责任单位")
st.caption(f"截至 {period_label}　|　{escalation_rule(plan.settings)}")
demo_banner(plan)

names = [u["name"] for u in view["units"]]
if not names:
    st.info("该计划尚未设定责任单位。")
    st.stop()

# --- The unit's own view (landing page for department staff: ?unit=…) -------------------
key = f"unit_{plan.code}"  # plain session value (widget state is dropped on page switches)
wanted = st.query_params.get("unit")
if wanted in names and st.session_state.get("_unit_param") != wanted:
    st.session_state[key] = wanted
    st.session_state["_unit_param"] = wanted
if st.session_state.get(key) not in names:
    st.session_state[key] = None
unit = st.selectbox(
    "查看单位",
    names,
    index=None if st.session_state[key] is None else names.index(st.session_state[key]),
    placeholder="选择本单位，查看本单位负责的指标",
)
st.session_state[key] = unit
if unit:
    st.query_params["unit"] = unit
elif "unit" in st.query_params:
    del st.query_params["unit"]


# Widths that fit the main area at 1366×768 with the sidebar open (about 900 px): no column cut off.
INDICATOR_COLUMNS = {
    "状态": st.column_config.TextColumn(width=80),
    "指标": st.column_config.TextColumn(width=200),
    "当前值": st.column_config.TextColumn(width=90),
    "应达值": st.column_config.TextColumn(width=90),
    "连续滞后": st.column_config.TextColumn(width=80),
    "预警": st.column_config.TextColumn(width=60),
    "依据": st.column_config.TextColumn(width=260, help="悬停单元格可看全文"),
}


def _indicator_table(items: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "状态": i["status"],
                "指标": f"{i['code']} {i['name']}",
                "当前值": format_figure(i["current_value"], i["measure_unit"]),
                "应达值": format_number(i["expected_value"], i["measure_unit"]),
                "连续滞后": f"{i['streak']} 个季度" if i["streak"] else "—",
                "预警": i["escalation"],
                "依据": i["reason"],
            }
            for i in items
        ]
    )


if unit:
    st.subheader(escape_markdown(unit))
    own = view["by_unit"].get(unit, {"lead": [], "co": []})
    for role, title in (("lead", "牵头指标"), ("co", "配合指标")):
        items = own[role]
        st.markdown(f"**{title}（{len(items)} 项）**")
        if not items:
            st.info(f"本单位没有{title}。")
        else:
            st.dataframe(
                styled_status(_indicator_table(items)),
                hide_index=True,
                width="stretch",
                height=frame_height(len(items), 380),
                column_config=INDICATOR_COLUMNS,
            )
    mine = [o for o in view["obligations"] if o["unit"] == unit]
    if mine:
        late = [o for o in mine if o["state"] in ("逾期", "未报送")]
        n = {s: sum(o["state"] == s for o in mine) for s in ("按时", "逾期", "未报送")}
        st.markdown(
            f"**报送情况**：应报 {len(mine):,} 个，按时 {n['按时']:,} 个，"
            f"逾期 {n['逾期']:,} 个，未报送 {n['未报送']:,} 个"
        )
        if late:
            with st.expander(f"逾期与未报送明细（{len(late)} 条）"):
                st.dataframe(
                    styled_status(
                        pd.DataFrame(
                            [
                                {
                                    "季度": Period.parse(str(o["period"])).label,
                                    "指标": o["indicator_code"],
                                    "情况": o["state"],
                                    "截止日期": o["deadline"],
                                    "首次报送": o["first_reported_at"] or "—",
                                    "逾期天数": f"{o['days_late']} 天" if o["days_late"] else "",
                                }
                                for o in late
                            ]
                        )
                    ),
                    hide_index=True,
                    width="stretch",
                )
    st.divider()

# --- Ranking ------------------------------------------------------------------------
st.subheader("牵头单位滞后排名")
ranking = view["ranking_lead"]
if not ranking:
    st.info("该计划没有牵头单位。")
else:
    shown = ranking[:15]
    fig = go.Figure()
    for status, field in (
        ("未完成", "not_achieved"),
        ("严重滞后", "seriously_behind"),
        ("未报送", "not_reported"),
        ("滞后", "behind"),
    ):
        if field == "not_achieved" and not any(u.get(field) for u in shown):
            continue  # no target year has ended unmet: no empty legend entry
        fig.add_trace(
            go.Bar(
                y=[escape_plotly(u["unit"]) for u in shown],
                x=[u.get(field, 0) for u in shown],
                orientation="h",
                name=status,
                marker_color=STATUS_COLORS[status],
                customdata=[[u["score"], u["indicators"]] for u in shown],
                hovertemplate=f"%{{y}}：{status} %{{x}} 项（滞后指数 %{{customdata[0]:.1f}}，"
                "牵头 %{customdata[1]} 项）<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title="指标数（项）", dtick=1)
    style(fig, height=max(260, 30 * len(shown) + 90))
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(fig, config=plotly_config("责任单位排名", plan.jurisdiction, as_of), key="ranking")
    with right:
        st.dataframe(
            unit_ranking_table(ranking, parts=False),
            hide_index=True,
            width="stretch",
            height=frame_height(len(ranking), 460),
        )
    st.caption(
        f"滞后指数 0–100：{severity_weights_text()}，其余 0 分；总分除以 3×牵头指标数。配合指标单独统计。"
    )
    co = view["ranking_co"]
    if co:
        with st.expander(f"配合单位滞后排名（{len(co)} 个单位）"):
            st.dataframe(
                unit_ranking_table(co, count_header="配合指标"),
                hide_index=True,
                width="stretch",
            )

# --- Reporting completeness per quarter ---------------------------------------------------
st.subheader("各单位各季度报送情况")
obligations = view["obligations"]
if not obligations:
    st.info("所选季度之前没有应报送的数据。")
else:
    table = pd.DataFrame(obligations)
    counts = table.groupby(["unit", "period", "state"]).size().unstack("state", fill_value=0)
    for state in ("按时", "逾期", "未报送", "未到期"):
        if state not in counts:
            counts[state] = 0
    periods = sorted(table["period"].unique())
    units = list(dict.fromkeys(table["unit"]))
    # Cell colour: the worst state in that quarter (未报送 > 逾期 > 按时).
    order = {"按时": 0, "未到期": 0, "逾期": 1, "未报送": 2}
    colors = [REPORT_COLORS["按时"], REPORT_COLORS["逾期"], REPORT_COLORS["未报送"]]
    z, text, hover = [], [], []
    for u in units:
        zr, tr, hr = [], [], []
        for p in periods:
            c = counts.loc[(u, p)] if (u, p) in counts.index else None
            if c is None:
                zr.append(None)
                tr.append("")
                hr.append("无应报")
                continue
            worst = 2 if c["未报送"] else (1 if c["逾期"] else 0)
            zr.append(worst)
            icon = REPORT_ICONS[("按时", "逾期", "未报送")[worst]]  # reads without colour too
            tr.append(f"{icon} {int(c['按时'])}/{int(c['逾期'])}/{int(c['未报送'])}")
            hr.append(f"按时 {int(c['按时'])}，逾期 {int(c['逾期'])}，未报送 {int(c['未报送'])}")
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    heat = go.Figure(
        go.Heatmap(
            z=z,
            x=[quarter_words(p) for p in periods],
            y=[escape_plotly(u) for u in units],
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{y} %{x}：%{customdata}<extra></extra>",
            colorscale=[
                [0, colors[0]],
                [1 / 3, colors[0]],
                [1 / 3, colors[1]],
                [2 / 3, colors[1]],
                [2 / 3, colors[2]],
                [1, colors[2]],
            ],  # fmt: skip
            zmin=-0.5,
            zmax=2.5,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    for state in ("按时", "逾期", "未报送"):  # the legend: the same colours, icons and words
        heat.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{REPORT_ICONS[state]} {state}",
                marker={"symbol": "square", "size": 14, "color": REPORT_COLORS[state]},
                hoverinfo="skip",
            )
        )
    heat.update_yaxes(autorange="reversed", title=None, fixedrange=True)
    heat.update_xaxes(type="category", title=None, side="top", fixedrange=True)
    style(heat, height=max(260, 26 * len(units) + 140))
    # the quarters are written above the grid: room above them for the chart's toolbar, which
    # covered "2026年3季度" on hover; fixed axes (a drag zoomed the grid)
    heat.update_layout(
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0}, showlegend=True, margin={"t": 70}
    )
    st.plotly_chart(heat, config=plotly_config("报送情况", plan.jurisdiction, as_of), key="completeness")
    words = "、".join(
        f"{COLOR_WORDS[REPORT_COLORS[s]]}{REPORT_ICONS[s]}{s}" for s in ("按时", "逾期", "未报送")
    )
    st.caption(
        f"格内为 按时/逾期/未报送 的数量；颜色和符号取该季度最差的情况：{words}；"
        "空白表示该单位该季度没有应报的数据（如年度指标只在其年度数据到期的季度应报）。"
    )
    total = len(table[table["state"] != "未到期"])
    received = int((table["state"].isin(["按时", "逾期"])).sum())
    st.markdown(
        f"合计应报 **{total:,}** 个，已报 **{received:,}** 个，报送率 "
        f"**{fmt_ratio(received / total, ()) if total else '—'}**。"
    )

from ui.supervision import task_overview  # noqa: E402  key tasks (督办闭环) of the chosen unit

if unit:
    task_overview(plan.code, unit)
