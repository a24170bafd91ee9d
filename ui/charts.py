"""The one status palette, the plotly font and the camera-button export settings.

Colours are Okabe-Ito (colour-blind safe): green for 已达标, sky blue for 正常,
orange for 滞后, vermillion for 严重滞后, reddish purple for 未报送, grey for 无法评估.
The two statuses after a target year: 逾期完成 (met, but late) teal, between the green of
已达标 and the blue of 正常; 未完成 (the year is over, not met) a darker red than 严重滞后,
as grave, and told apart by its word (every tile, legend and table prints the word).
Every chart and tile takes its colours from :data:`STATUS_COLORS`, in :data:`STATUS_ORDER`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from indicators.dashboard import DISPLAY_ORDER, matrix_rows
from indicators.model import PlanSettings
from indicators.vocabulary import Status

STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in DISPLAY_ORDER)  # 已达标 逾期完成 正常 … 无法评估
STATUS_COLORS: dict[str, str] = {
    Status.ACHIEVED.value: "#009E73",
    Status.ACHIEVED_LATE.value: "#44AA99",
    Status.ON_TRACK.value: "#56B4E9",
    Status.BEHIND.value: "#E69F00",
    Status.SERIOUSLY_BEHIND.value: "#D55E00",
    Status.NOT_ACHIEVED.value: "#9E2A00",
    Status.NOT_REPORTED.value: "#CC79A7",
    Status.CANNOT_ASSESS.value: "#999999",
}
_ON, _BEHIND = round(PlanSettings.on_track_ratio * 100), round(PlanSettings.behind_ratio * 100)
# What each status means, in a clerk's words (tile tooltips, legends).
STATUS_MEANINGS: dict[str, str] = {
    Status.ACHIEVED.value: "已达到目标（有最终目标的，指最终目标）",
    Status.ACHIEVED_LATE.value: "目标年结束后才达到目标",
    Status.ON_TRACK.value: f"完成序时进度的 {_ON}% 及以上（默认）",
    Status.BEHIND.value: f"完成序时进度的 {_BEHIND}%～{_ON}%（默认），或保持类目标差距在允许范围内",
    Status.SERIOUSLY_BEHIND.value: f"完成序时进度不足 {_BEHIND}%（默认），或比基期还差，或到期未完成",
    Status.NOT_ACHIEVED.value: "最终目标年已结束，目标未达到",
    Status.NOT_REPORTED.value: "应报的数据没有报送",
    Status.CANNOT_ASSESS.value: "缺少目标值、基期值或基准值等，无法判断",
}
# Reporting completeness (按时 / 逾期 / 未报送 / 未到期) in the same palette.
REPORT_COLORS: dict[str, str] = {
    "按时": "#009E73",
    "逾期": "#E69F00",
    "未报送": "#D55E00",
    "未到期": "#BBBBBB",
}
SERIES_COLORS = {
    "reported": "#0072B2",  # blue: reported values
    "path": "#555555",  # dark grey: 序时进度
    "target": "#009E73",
    "interim": "#E69F00",
    "benchmark": "#CC79A7",
    "baseline": "#999999",
}
FONT_FAMILY = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"
EXPORT_WIDTH, EXPORT_HEIGHT, EXPORT_SCALE = 1600, 900, 2


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, STATUS_COLORS[Status.CANNOT_ASSESS.value])


def text_color(status: str) -> str:
    """Readable text colour on a status background."""
    white = (Status.ACHIEVED.value, Status.SERIOUSLY_BEHIND.value, Status.NOT_ACHIEVED.value)
    return "#FFFFFF" if status in white else "#000000"


def export_filename(*parts: str) -> str:
    """``总览_灵璧县_2026Q3``: parts joined by ``_``, characters unsafe in file names dropped."""
    return "_".join(re.sub(r'[\\/:*?"<>|\s]+', "", p) for p in parts if p)


def plotly_config(*name_parts: str) -> dict[str, Any]:
    """The camera button exports a 1600×900 PNG at 2× with a Chinese file name."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": "png",
            "filename": export_filename(*name_parts),
            "width": EXPORT_WIDTH,
            "height": EXPORT_HEIGHT,
            "scale": EXPORT_SCALE,
        },
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def style(fig: go.Figure, height: int = 420, **layout: Any) -> go.Figure:
    """Common layout: Chinese font, white background, compact margins, legend on top."""
    fig.update_layout(
        font={"family": FONT_FAMILY, "size": 14, "color": "#222222"},
        hoverlabel={"font": {"family": FONT_FAMILY}},
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        **layout,
    )
    return fig


def matrix_figure(rows: Sequence[dict[str, Any]], title: str | None = None) -> go.Figure:
    """The traffic-light matrix: category × indicator, one trace per status; hover gives the reason.

    Shared by the overview, the briefing page and the briefing's static PNG.
    """
    categories = list(dict.fromkeys(r["category"] for r in rows))
    points = matrix_rows(rows)
    width = max((p["column"] for p in points), default=1)
    fig = go.Figure()
    for status in STATUS_ORDER:
        chosen = [p for p in points if p["status"] == status]
        if not chosen:
            continue
        fig.add_trace(
            go.Scatter(
                x=[p["column"] for p in chosen],
                y=[p["category"] for p in chosen],
                mode="markers+text",
                name=f"{status}（{len(chosen)}）",
                marker={"symbol": "square", "size": 34, "color": STATUS_COLORS[status], "line": {"width": 0}},
                text=[p["code"].split("-")[-1] for p in chosen],
                textfont={"size": 11, "color": text_color(status)},
                customdata=[[p["code"], p["name"], p["reason"]] for p in chosen],
                hovertemplate=f"<b>%{{customdata[0]}} %{{customdata[1]}}</b><br>{status}：%{{customdata[2]}}"
                "<extra></extra>",
            )
        )
    fig.update_xaxes(visible=False, range=[0.4, width + 0.6])
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(categories)), title=None)
    layout = {"title": {"text": title}} if title else {}
    return style(fig, height=max(260, 46 * len(categories) + 90), **layout)
