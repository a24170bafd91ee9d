"""指标详情: one indicator's figures, 序时进度 path, targets, status, units, revisions and provenance."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.explain import fmt_ratio
from indicators.periods import Period, period_range
from services.observations import version_states
from ui import data
from ui.charts import (
    SERIES_COLORS,
    plotly_config,
    status_color,
    status_label,
    style,
    styled_status,
    text_color,
)
from ui.formats import (
    consultation_row,
    counting_text,
    format_figure,
    format_number,
    label,
    quarter_words,
    reporting_frequency_text,
)
from ui.guard import ensure_routed
from ui.safe import escape_markdown, escape_plotly
from ui.vocabulary import (
    REVISION_ORIGINS,
    VERSION_STATE_LABELS,
    entered_by_label,
    is_office_revision,
    office_change_row,
    review_state_label,
    revision_words,
    source_label,
)
from ui.widgets import dashboard_context, demo_banner, frame_height

ensure_routed()

context = dashboard_context()
plan, as_of, pending = context.plan, context.as_of, context.include_pending
url, fingerprint = context.url, context.fingerprint
state = data.progress(url, plan.code, as_of, fingerprint, pending)
rows = state["rows"]
st.title(f"{escape_markdown(plan.jurisdiction)} · 指标详情")
demo_banner(plan)
if not rows:
    st.info("该计划尚无指标，请先导入计划目录。")
    st.stop()

codes = [r["code"] for r in rows]
by_code = {r["code"]: r for r in rows}
key = f"indicator_{plan.code}"  # plain session value (widget state is dropped on page switches)
wanted = st.query_params.get("indicator")
if wanted in codes and st.session_state.get("_indicator_param") != wanted:
    st.session_state[key] = wanted
    st.session_state["_indicator_param"] = wanted
if st.session_state.get(key) not in codes:
    st.session_state[key] = codes[0]
code = st.selectbox(
    "指标",
    codes,
    index=codes.index(st.session_state[key]),
    format_func=lambda c: f"{by_code[c]['code']} {by_code[c]['name']}（{by_code[c]['status']}）",
)
st.session_state[key] = code
st.query_params["indicator"] = code

view = data.indicator_view(url, plan.code, code, as_of, fingerprint, pending)
if view is None:
    st.warning("找不到该指标。")
    st.stop()
row, timeline = view["row"], view["timeline"]
unit = row["measure_unit"]
period_label = Period.parse(as_of).label
MILESTONE = row["measure_kind"] == "milestone"


def shown(value: float | None) -> str:
    """A figure as this page writes it: a milestone's stored 1 / 0 is 已完成 / 未完成 (not "0")."""
    if MILESTONE and value is not None:
        return "已完成" if value else "未完成"
    return format_figure(value, unit)


st.subheader(escape_markdown(f"{row['code']} {row['name']}"))
status = row["status"]
st.markdown(
    f'<span style="background:{status_color(status)};color:{text_color(status)};padding:3px 12px;'
    f'border-radius:6px;font-weight:700">{html.escape(status_label(status))}</span>　'
    # a reason that starts with its own 截至… or with the quarter itself is not told the quarter twice
    + ("" if row["reason"].startswith(("截至", period_label)) else f"截至 {period_label}：")
    + escape_markdown(row["reason"]),  # inline in a markdown paragraph: names in it are escaped
    unsafe_allow_html=True,
)
if row.get("flag"):
    st.warning(
        f"**待核实**：{escape_markdown(row['flag'])}。该数据仍按原值计入；质量办可在“数据审核”中核实无误或退回。"
    )

baseline = timeline["baseline"]
cols = st.columns(5)
# a unit of measure of more than two characters goes into the labels: "0.453 人/万台" in a fifth of
# the page was cut to "0.45 人/…" at 1366 px ("98.5%", "27 家", "3.2 亿元" fit)
in_label = unit if not MILESTONE and len(unit) > 2 else ""
metric_unit = "" if in_label else unit


def _with_unit(words: str) -> str:
    return f"{words}（{in_label}）" if in_label else words


def _metric_figure(value: float | None) -> str:
    return shown(value) if MILESTONE else format_figure(value, metric_unit)


cols[0].metric(
    _with_unit("基期值" + (f" {baseline['year']}年" if baseline else "")),
    "未提供" if baseline is None else _metric_figure(baseline["value"]),
)
# the quarter of the current value is named only when it is not the page's quarter (an annual
# figure of last year): in the label it pushed the unit out of sight at 1366 px
older = row["current_period"] and row["current_period"] != str(as_of)
cols[1].metric(_with_unit("当前值"), _metric_figure(row["current_value"]))
cols[2].metric(_with_unit("序时进度应达"), format_number(row["expected_value"], metric_unit))
cols[3].metric("完成序时进度", "—" if row["progress_ratio"] is None else fmt_ratio(row["progress_ratio"]))
cols[4].metric("连续滞后", f"{timeline['streak']} 个季度")
if older:
    st.caption(f"当前值为{Period.parse(row['current_period']).label}的数据。")
lead, co = "、".join(row["lead_units"]) or "—", "、".join(row["co_units"]) or "—"
st.markdown(
    f"**牵头单位**：{escape_markdown(lead)}　　**配合单位**：{escape_markdown(co)}"
    f"　　**计量**：{label(row['measure_kind'])}，{label(view['direction'])}"
)
meta = next((r for r in data.catalogue(url, plan.code, fingerprint) if r["code"] == code), None)
if meta is not None:
    st.markdown(
        f"**统计口径**：{escape_markdown(meta['definition'] or '未说明')}"
        f"　　**数据来源**：{escape_markdown(meta['data_source'] or '未说明')}"
        f"　　**报送频次**：{reporting_frequency_text(meta['frequency'], meta['release_lag'])}"
        f"　　**计数方式**：{counting_text(meta['figure_basis'], meta['whole_items'])}"
    )

# Chart: reported values per quarter, the 序时进度 path, interim and final targets, benchmark.
quarters = timeline["quarters"]
targets = timeline["targets"]
start = Period(baseline["year"], 4) if baseline else plan.first_period
end_year = max([t["year"] for t in targets] + list(plan.horizon_years) + [Period.parse(as_of).year])
axis = [str(p) for p in period_range(min(start, plan.first_period), Period(end_year, 4))]
fig = go.Figure()
if baseline:
    fig.add_trace(
        go.Scatter(
            x=[f"{baseline['year']}Q4"],
            y=[baseline["value"]],
            mode="markers",
            name=f"基期值（{baseline['year']}年）",
            marker={"size": 12, "symbol": "diamond", "color": SERIES_COLORS["baseline"]},
            customdata=[format_figure(baseline["value"], unit)],
            hovertemplate="基期值 %{customdata}<extra></extra>",
        )
    )
path = [(q["period"], q["expected"]) for q in quarters if q["expected"] is not None]
if path:
    if baseline and path[0][0] != f"{baseline['year']}Q4":
        path.insert(0, (f"{baseline['year']}Q4", baseline["value"]))
    later = [t for t in sorted(targets, key=lambda t: t["year"]) if f"{t['year']}Q4" > path[-1][0]]
    path += [(f"{t['year']}Q4", t["value"]) for t in later]
    fig.add_trace(
        go.Scatter(
            x=[p for p, _ in path],
            y=[v for _, v in path],
            mode="lines",
            name="序时进度（应达值）",
            line={"color": SERIES_COLORS["path"], "dash": "dash", "width": 2},
            customdata=[format_number(v, unit) for _, v in path],
            hovertemplate="%{x} 应达 %{customdata}<extra></extra>",
        )
    )
figures = [f for f in timeline["figures"] if f["value"] is not None]
for reporter in dict.fromkeys(f["unit"] for f in figures):
    own = [f for f in figures if f["unit"] == reporter]
    fig.add_trace(
        go.Scatter(
            x=[f["period"] for f in own],
            y=[f["value"] for f in own],
            mode="lines+markers",
            name=escape_plotly(f"实际值（{reporter or '合计'}）"),
            line={"color": SERIES_COLORS["reported"], "width": 3},
            marker={"size": 9},
            customdata=[shown(f["value"]) for f in own],
            hovertemplate="%{x} 实际 %{customdata}<extra>" + html.escape(reporter or "合计") + "</extra>",
        )
    )
if timeline["benchmark"]:
    bench = [b for b in timeline["benchmarks"] if b["period"] in axis]
    if bench:
        fig.add_trace(
            go.Scatter(
                x=[b["period"] for b in bench],
                y=[b["value"] for b in bench],
                mode="lines+markers",
                name=escape_plotly(timeline["benchmark_name"]),
                line={"color": SERIES_COLORS["benchmark"], "dash": "dot", "width": 2},
                customdata=[format_figure(b["value"], unit) for b in bench],
                hovertemplate="%{x} "
                + html.escape(timeline["benchmark_name"])
                + " %{customdata}<extra></extra>",
            )
        )
for t in targets:
    fig.add_hline(
        y=t["value"],
        line={"color": SERIES_COLORS["target" if t["final"] else "interim"], "dash": "dot", "width": 2},
        annotation_text=f"{t['year']}年{'目标' if t['final'] else '阶段目标'} "
        f"{format_figure(t['value'], unit)}",
        annotation_position="top left",
        annotation_font={"color": SERIES_COLORS["target" if t["final"] else "interim"]},
    )
fig.add_vline(x=as_of, line={"color": "#BBBBBB", "width": 1})
fig.update_xaxes(
    type="category", categoryorder="array", categoryarray=axis, tickangle=0,
    tickvals=axis, ticktext=[quarter_words(p).replace("年", "年<br>") for p in axis],
)  # fmt: skip
fig.update_yaxes(title=None, ticksuffix="%" if unit == "%" else "", separatethousands=True)
if MILESTONE:  # 0 / 1 on the axis, not −1 … 1 in steps of 0.5
    fig.update_yaxes(range=[-0.3, 1.3], tickvals=[0, 1], ticktext=["未完成", "已完成"])
style(fig, height=420)
if len(fig.data) == 0 and not targets:
    st.info("该指标暂无可绘制的数据（尚无填报值，也没有数值目标）。")
else:
    st.plotly_chart(
        fig, config=plotly_config("指标详情", plan.jurisdiction, row["code"], as_of), key="indicator_chart"
    )
if not figures:
    st.info(f"截至{period_label}该指标尚无填报值。")

# full width: 依据 is the verdict's reason, cut after a few characters in half the page
st.markdown("**各季度状态**")
if not quarters:
    st.info("所选季度早于计划的第一个报送季度。")
else:
    st.dataframe(
        styled_status(
            pd.DataFrame(
                [
                    {
                        "季度": q["label"],
                        "状态": q["status"],
                        "实际值": shown(q["value"]),
                        "应达值": format_number(q["expected"], unit),
                        "依据": q["reason"],
                    }
                    for q in reversed(quarters)
                ]
            )
        ),
        hide_index=True,
        width="stretch",
        height=frame_height(len(quarters), 320),
        column_config={  # 依据 takes the rest of the main area (in full on hover)
            "季度": st.column_config.TextColumn(width=105),
            "状态": st.column_config.TextColumn(width=75),
            "实际值": st.column_config.TextColumn(width=90),
            "应达值": st.column_config.TextColumn(width=90),
            "依据": st.column_config.TextColumn(width=540),
        },
    )
st.markdown("**目标修改记录**")
revisions = [r for r in data.revisions(url, plan.code, fingerprint) if r["indicator_code"] == code]
if not revisions:
    st.info("该指标没有目标修改记录。")
consultation = [(r, revision_words(r)) for r in revisions if not is_office_revision(r)]
office = [r for r in revisions if is_office_revision(r)]
if consultation:
    st.caption(REVISION_ORIGINS["consultation"])
    st.table(  # the consultation texts wrap and read in full
        pd.DataFrame([consultation_row(r, w) for r, w in consultation])
        .style.hide(axis="index")
        # short columns never one character a line beside the long texts (1366 px)
        .set_properties(subset=["类型", "是否采纳", "现行", "日期"], **{"white-space": "nowrap"})
        .set_table_styles([{"selector": "th", "props": "white-space: nowrap"}])
    )
if office:
    st.caption(REVISION_ORIGINS["office"])
    st.table(
        pd.DataFrame(
            [office_change_row(r) for r in office]
        ).style.hide(axis="index")
    )

st.markdown("**数据来源（每个数据由谁、何时、从哪个文件填报；含历次版本）**")
versions = view["versions"]
if not versions:
    st.info("该指标尚无填报记录。")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "季度": Period.parse(v["period"]).label,
                    "填报单位": v["unit"],
                    "数值": shown(v["value"]),
                    "版本": f"第 {v['version']} 版",
                    "现行": VERSION_STATE_LABELS[used],
                    "填报人": entered_by_label(v["entered_by"], v["is_demo"]),
                    "填报时间": v["entered_at"],
                    "来源文件": v["file_name"] or source_label(v["source"]),
                    "审核": review_state_label(v["review_state"]),
                    "演示": "是" if v["is_demo"] else "",
                    "备注": v["note"],
                }
                for v, used in zip(versions, version_states(versions, pending), strict=True)
            ]
        ),
        hide_index=True,
        width="stretch",
        height=frame_height(len(versions), 360),
        column_config={  # fits the main area at 1366×768 (about 1,000 px)
            "季度": st.column_config.TextColumn(width=105),
            "填报单位": st.column_config.TextColumn(width=100),
            "数值": st.column_config.TextColumn(width=70),
            "版本": st.column_config.TextColumn(width=55),
            "现行": st.column_config.TextColumn(width=105),
            "填报人": st.column_config.TextColumn(width=70),
            "填报时间": st.column_config.TextColumn(width=130),
            "来源文件": st.column_config.TextColumn(width=105),
            "审核": st.column_config.TextColumn(width=55),
            "演示": st.column_config.TextColumn(width=40),
            "备注": st.column_config.TextColumn(width=60),
        },
    )
