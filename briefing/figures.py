"""Plotly figures of the briefing (pure: no Streamlit), in the palette of :mod:`ui.charts`.

Used by the 汇报材料 page (interactive) and by :mod:`briefing.charts` (static PNG).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from indicators.explain import fmt_ratio
from ui.charts import (  # noqa: F401  (matrix_figure is re-exported for the briefing)
    REPORT_COLORS,
    STATUS_COLORS,
    STATUS_ICONS,
    STATUS_ORDER,
    ink_on,
    matrix_figure,
    status_label,
    style,
    text_color,
)
from ui.vocabulary import NO_PACE


def status_figure(counts: dict[str, int], title: str = "指标状态分布") -> go.Figure:
    statuses = [s for s in STATUS_ORDER if s in counts]
    fig = go.Figure(
        go.Bar(
            x=[status_label(s) for s in statuses],
            y=[counts[s] for s in statuses],
            marker_color=[STATUS_COLORS[s] for s in statuses],
            text=[f"{counts[s]} 项" for s in statuses],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}：%{y} 项<extra></extra>",
        )
    )
    fig.update_yaxes(title="指标数（项）", rangemode="tozero")
    return style(fig, height=380, title={"text": title}, showlegend=False)


def _stacked_bars(names: list[str], series: list[tuple[str, list[int], str]], xtitle: str) -> go.Figure:
    """Horizontal stacked bars, one trace per (label, values, colour); empty traces are left out."""
    fig = go.Figure()
    for label, values, colour in series:
        if not any(values):
            continue
        fig.add_trace(
            go.Bar(
                y=names,
                x=values,
                orientation="h",
                name=status_label(label),
                marker_color=colour,
                text=[v or "" for v in values],
                textposition="inside",
                textangle=0,
                insidetextanchor="middle",
                insidetextfont={"color": ink_on(colour)},
                hovertemplate=f"%{{y}} · {label}：%{{x}} 项<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)), title=None, automargin=True)
    fig.update_xaxes(title=xtitle)
    return fig


def category_figure(category_counts: dict[str, dict[str, int]], title: str = "分类别进展") -> go.Figure:
    """Stacked horizontal bars: statuses per category."""
    names = list(category_counts)
    series = [(s, [category_counts[n].get(s, 0) for n in names], STATUS_COLORS[s]) for s in STATUS_ORDER]
    fig = _stacked_bars(names, series, "指标数（项）")
    return style(fig, height=max(300, 48 * len(names) + 120), title={"text": title})


MET = ("已达标", "逾期完成")  # a target met: drawn as a full bar even without a ratio


def progress_bar(r: dict[str, Any]) -> tuple[float, str, bool]:
    """(length in %, label, hatched) of one indicator's bar.

    With a 完成序时进度: its real length (never capped) and ``icon 状态 ratio``. Without one (a target to
    maintain, a milestone, a benchmark or rank target): a target met is a full, hatched bar to the
    100 % line labelled ``★ 已达标（不计序时进度）`` — met is what it can show; one not met has no bar,
    only its label (``× 未完成（不计序时进度）``); 未报送 / 无法评估 only the status."""
    ratio, status = r["progress_ratio"], r["status"]
    if ratio is not None:
        return max(0.0, ratio * 100), f"{status_label(status)} {fmt_ratio(ratio)}", False
    if status in ("未报送", "无法评估"):
        return 0.0, status_label(status), False
    return (100.0 if status in MET else 0.0), f"{status_label(status)}（{NO_PACE}）", status in MET


def has_bars(rows: Sequence[dict[str, Any]]) -> bool:
    """Whether a 完成序时进度 chart of ``rows`` draws any bar (of positive length): a chart without
    one is left out of the deck (its table says everything)."""
    return any(progress_bar(r)[0] > 0 for r in rows)


def progress_figure(rows: Sequence[dict[str, Any]], title: str) -> go.Figure:
    """One bar per indicator (:func:`progress_bar`): 完成序时进度 (%) coloured by status, a target met
    without a ratio hatched to 100 %."""
    rows = list(rows)
    labels = [f"{r['code']} {_short(r['name'])}" for r in rows]
    bars = [progress_bar(r) for r in rows]
    values = [v for v, _, _ in bars]
    texts = [t for _, t, _ in bars]
    longest = max([100.0, *values])
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker_color=[STATUS_COLORS[r["status"]] for r in rows],
            marker_pattern_shape=["/" if hatched else "" for _, _, hatched in bars],
            marker_pattern_fgcolor="#FFFFFF",
            text=texts,
            textposition="outside",
            cliponaxis=False,
            customdata=[[r["status"], r["reason"]] for r in rows],
            hovertemplate="%{y}<br>%{customdata[0]}：%{customdata[1]}<extra></extra>",
        )
    )
    fig.add_vline(x=100, line_dash="dash", line_color="#555555")  # named in the axis title
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)), title=None, automargin=True)
    # room on the right for the labels
    axis = "完成序时进度（%，虚线为序时进度 100%"
    if any(hatched for _, _, hatched in bars):
        axis += f"；斜线条为已达标、{NO_PACE}的指标"
    fig.update_xaxes(title=axis + "）", range=[0, longest * 1.35])
    return style(fig, height=max(300, 34 * len(rows) + 120), title={"text": title}, showlegend=False)


def ranking_figure(
    ranking: Sequence[dict[str, Any]], limit: int = 15, title: str = "牵头单位滞后指数"
) -> go.Figure:
    """The units most behind (滞后指数 > 0 only: a unit with nothing behind has no bar to draw)."""
    top = [u for u in ranking if u["score"] > 0][:limit]
    names = [u["unit"] for u in top]
    fig = go.Figure(
        go.Bar(
            y=names,
            x=[u["score"] for u in top],
            orientation="h",
            marker_color=[
                STATUS_COLORS["未完成"]
                if u.get("not_achieved")
                else STATUS_COLORS["严重滞后"]
                if u["seriously_behind"]
                else STATUS_COLORS["未报送"]
                if u["not_reported"]
                else STATUS_COLORS["滞后"]
                if u["behind"]
                else STATUS_COLORS["正常"]
                for u in top
            ],
            text=[f"{u['score']:.1f}" for u in top],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x:.1f}<extra></extra>",
        )
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)), title=None, automargin=True)
    fig.update_xaxes(title="滞后指数（0–100）", range=[0, 110])
    return style(fig, height=max(300, 34 * len(top) + 120), title={"text": title}, showlegend=False)


def completeness_figure(report_rows: Sequence[dict[str, Any]], title: str = "本季度报送情况") -> go.Figure:
    names = [r["unit"] for r in report_rows]
    states = (("on_time", "按时"), ("late", "逾期"), ("missing", "未报送"), ("pending", "未到期"))
    series = [(label, [r[key] for r in report_rows], REPORT_COLORS[label]) for key, label in states]
    fig = _stacked_bars(names, series, "应报数据（项）")
    return style(fig, height=max(300, 30 * len(names) + 120), title={"text": title})


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
