"""The one status palette (红黄绿灯), the plotly font and the camera-button export settings.

Every tile, matrix, table, chart, slide and document takes its colours from here:

- red for the grave ones: 严重滞后 red, 未完成 (the target year is over, not met) a darker red;
- amber (yellow) for 滞后;
- green for the good ones: 已达标 dark green, 正常 light green (two greens, told apart by lightness);
- grey for 无法评估;
- a colour of its own for 未报送 (purple) and for 逾期完成 (blue: met, but after its year).

Colour never stands alone: every colour has its status word and an icon (:data:`STATUS_ICONS`,
all in the GB2312 symbol set, so every Chinese font draws them) beside it, so the status also
reads in grey print and for colour-blind readers. Text on a status colour is black or white,
whichever contrasts more (at least 4.5:1, WCAG AA, checked by tests/test_status_palette.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from indicators.dashboard import DISPLAY_ORDER
from indicators.model import PlanSettings
from indicators.vocabulary import Status
from ui.safe import escape_plotly

STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in DISPLAY_ORDER)  # 已达标 逾期完成 正常 … 无法评估
STATUS_COLORS: dict[str, str] = {
    Status.ACHIEVED.value: "#1E7B34",  # dark green
    Status.ACHIEVED_LATE.value: "#1565C0",  # blue
    Status.ON_TRACK.value: "#8BD18B",  # light green
    Status.BEHIND.value: "#F5B700",  # amber
    Status.SERIOUSLY_BEHIND.value: "#D32F2F",  # red
    Status.NOT_ACHIEVED.value: "#7A1010",  # dark red
    Status.NOT_REPORTED.value: "#6A3D9A",  # purple
    Status.CANNOT_ASSESS.value: "#BDBDBD",  # grey
}
STATUS_ICONS: dict[str, str] = {
    Status.ACHIEVED.value: "★",
    Status.ACHIEVED_LATE.value: "☆",
    Status.ON_TRACK.value: "●",
    Status.BEHIND.value: "▲",
    Status.SERIOUSLY_BEHIND.value: "▼",
    Status.NOT_ACHIEVED.value: "×",
    Status.NOT_REPORTED.value: "○",
    Status.CANNOT_ASSESS.value: "？",
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
# Reporting completeness (按时 / 逾期 / 未报送 / 未到期): 未报送 in the very colour of the status 未报送.
REPORT_COLORS: dict[str, str] = {
    "按时": STATUS_COLORS[Status.ACHIEVED.value],
    "逾期": STATUS_COLORS[Status.BEHIND.value],
    "未报送": STATUS_COLORS[Status.NOT_REPORTED.value],
    "未到期": "#E0E0E0",
}
REPORT_ICONS: dict[str, str] = {"按时": "√", "逾期": "▲", "未报送": "○", "未到期": "—"}
COLOR_WORDS: dict[str, str] = {  # how a legend sentence names each colour
    "#1E7B34": "深绿",
    "#1565C0": "蓝色",
    "#8BD18B": "浅绿",
    "#F5B700": "黄色",
    "#D32F2F": "红色",
    "#7A1010": "深红",
    "#6A3D9A": "紫色",
    "#BDBDBD": "灰色",
    "#E0E0E0": "浅灰",
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


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#RRGGBB``."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 … 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink_on(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    return "#FFFFFF" if contrast(background, "#FFFFFF") >= contrast(background, "#000000") else "#000000"


def text_color(status: str) -> str:
    """Readable text colour on a status (or reporting-state) background."""
    return ink_on(STATUS_COLORS.get(status) or REPORT_COLORS.get(status) or STATUS_COLORS["无法评估"])


def status_label(status: str) -> str:
    """``▲ 滞后``: the status word with its icon (reads without colour)."""
    icon = STATUS_ICONS.get(status) or REPORT_ICONS.get(status)
    return f"{icon} {status}" if icon else status


def status_cell_css(value: object) -> str:
    """CSS of a table cell holding a status word (pandas Styler): its colour and readable text."""
    text = str(value or "").split(" ")[-1]
    colour = STATUS_COLORS.get(text) or REPORT_COLORS.get(text)
    if not colour:
        return ""
    # never broken inside (未/完/成 one character a line in a narrow column at 1366 px)
    return f"background-color: {colour}; color: {ink_on(colour)}; font-weight: 600; white-space: nowrap"


def styled_status(frame, columns: Sequence[str] = ("状态", "情况"), hide_index: bool = False):
    """A DataFrame's Styler with its status columns coloured (st.dataframe, st.table); other cells unchanged.
    ``hide_index`` for st.table, which has no such option."""
    present = [c for c in columns if c in frame.columns]
    styler = frame.style.map(status_cell_css, subset=present) if present else frame.style
    if present:  # st.table wraps a cell's text in a markdown block of its own, which would wrap it
        where = [f"td.col{list(frame.columns).index(c)} *" for c in present]
        nowrap = {"selector": ", ".join(where), "props": "white-space: nowrap !important"}
        styler = styler.set_table_styles([nowrap], overwrite=False)
    return styler.hide(axis="index") if hide_index else styler


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


MATRIX_COLUMNS = 9  # cells per row; a category with more indicators continues on the next row (10 cells
# of 14 px text overflowed their cells in the overview's main column at 1366 px)
MATRIX_LINE_CHARS = 5  # characters per line of a cell's short name (two lines: SHORT_NAME_LIMIT)
# The grid is as wide as its longest row but never narrower than this many cells: a plan whose
# categories hold 8 indicators got 10 slots (2 empty) and cells too narrow for their labels
# (the text ran into the next cell at 1366×768 and on the briefing screen), while a plan with 2
# indicators a category must not get two half-width cells.
MATRIX_MIN_COLUMNS = 6


def matrix_layout(rows: Sequence[dict[str, Any]], columns: int = MATRIX_COLUMNS) -> list[dict[str, Any]]:
    """Cells of the traffic-light matrix grouped by category: ``x`` column, ``y`` grid row (0 on top).

    Each category starts a new grid row and wraps after ``columns`` cells; ``band`` is the
    category's index, ``first`` marks a category's first grid row.
    """
    categories = list(dict.fromkeys(r["category"] for r in rows))
    y0 = 0
    out = []
    for band, category in enumerate(categories):
        members = [r for r in rows if r["category"] == category]
        for i, r in enumerate(members):
            out.append({**r, "x": i % columns, "y": y0 + i // columns, "band": band})
        y0 += -(-len(members) // columns)
    return out


MATRIX_CSS = """<style>
.mx-legend {font-size: 0.8rem; margin: 0 0 4px 0}
.mx-legend span.mx-key {display: inline-block; margin-right: 14px; white-space: nowrap}
.mx-legend i {display: inline-block; width: 0.9em; height: 0.9em; vertical-align: -0.1em; margin-right: 4px}
table.mx {width: 100%; table-layout: fixed; border-collapse: separate; border-spacing: 3px 3px}
table.mx th {font-weight: 400; color: #555; font-size: 0.8rem; text-align: left; width: 4.6em;
    vertical-align: middle; padding: 0 2px}
table.mx td {font-size: 0.76rem; line-height: 1.2; text-align: center; vertical-align: middle;
    padding: 3px 2px; height: 2.7em; overflow-wrap: anywhere; border-radius: 2px}
table.mx, table.mx tr, table.mx td, table.mx th {border: none !important}
table.mx td.mx-empty {background: transparent}
table.mx tr.mx-band th {border-top: 1px solid #999 !important}
</style>"""


def matrix_html(rows: Sequence[dict[str, Any]], columns: int = MATRIX_COLUMNS) -> str:
    """The traffic-light matrix as an HTML table (the 汇报材料 screen): the same cells as
    :func:`matrix_figure`, but the browser wraps each label inside its cell, so no label runs into
    its neighbour at any screen size or in 会议室大屏 mode (plotly's text does not wrap or shrink).
    A cell's tooltip gives code, name, status and reason. Every text is escaped."""
    from ui.formats import short_name
    from ui.safe import escape_html

    cells = matrix_layout(rows, columns)
    counts = {s: sum(1 for c in cells if c["status"] == s) for s in STATUS_ORDER}
    legend = "".join(
        f'<span class="mx-key"><i style="background:{STATUS_COLORS[s]}"></i>'
        f"{STATUS_ICONS[s]} {s}（{n}）</span>"
        for s, n in counts.items()
        if n
    )
    by_row: dict[int, list[dict[str, Any]]] = {}
    for c in cells:
        by_row.setdefault(c["y"], []).append(c)
    spans: dict[int, int] = {}  # a band's first grid row → how many grid rows it has
    first_of_band: dict[int, int] = {}
    for y, members in sorted(by_row.items()):
        band = members[0]["band"]
        first_of_band.setdefault(band, y)
        spans[first_of_band[band]] = spans.get(first_of_band[band], 0) + 1
    html_rows = []
    for y, members in sorted(by_row.items()):
        first = first_of_band[members[0]["band"]] == y
        head = (
            f'<th rowspan="{spans[y]}">{escape_html(members[0]["category"])}</th>' if first else ""
        )
        tds = "".join(
            f'<td style="background:{status_color(c["status"])};color:{text_color(c["status"])}" '
            f'title="{escape_html(c["code"])} {escape_html(c["name"])}：{escape_html(c["status"])}，'
            f'{escape_html(c["reason"])}">'
            f"{STATUS_ICONS.get(c['status'], '')}{escape_html(short_name(c['name']))}</td>"
            for c in members
        )
        tds += '<td class="mx-empty"></td>' * (columns - len(members))  # keeps the column widths
        band_class = ' class="mx-band"' if first and y > 0 else ""
        html_rows.append(f"<tr{band_class}>{head}{tds}</tr>")
    return f'{MATRIX_CSS}<div class="mx-legend">{legend}</div><table class="mx">{"".join(html_rows)}</table>'


def matrix_figure(
    rows: Sequence[dict[str, Any]],
    title: str | None = None,
    columns: int = MATRIX_COLUMNS,
    font_size: int = 14,
    line_chars: int = MATRIX_LINE_CHARS,
) -> go.Figure:
    """The traffic-light matrix: one coloured cell per indicator, grouped by category (a band of rows
    per category), each cell labelled with its icon and short name; hover gives code, name and reason.

    The legend lists icon, status and count. Shared by the overview, the briefing page and the
    briefing's static PNG (which passes a larger ``font_size``).
    """
    from ui.formats import short_name, wrap_chars

    cells = matrix_layout(rows, columns)
    n_rows = max((c["y"] for c in cells), default=0) + 1
    used = min(columns, max((c["x"] for c in cells), default=0) + 1)
    fig = go.Figure()
    # Shapes are set once at the end: each add_shape / add_hline re-validates every shape already
    # there (60 cells cost ~0.3 s that way, ~5 ms as one list).
    shapes: list[dict[str, Any]] = [
        {
            "type": "rect",
            "x0": c["x"] - 0.47,
            "x1": c["x"] + 0.47,
            "y0": c["y"] - 0.45,
            "y1": c["y"] + 0.45,
            "fillcolor": status_color(c["status"]),
            "line": {"width": 0},
            "layer": "below",
        }
        for c in cells
    ]
    for status in STATUS_ORDER:
        chosen = [c for c in cells if c["status"] == status]
        if not chosen:
            continue
        fig.add_trace(
            go.Scatter(
                x=[c["x"] for c in chosen],
                y=[c["y"] for c in chosen],
                mode="markers+text",
                name=f"{STATUS_ICONS[status]} {status}（{len(chosen)}）",
                legendgroup=status,
                showlegend=False,
                marker={"symbol": "square", "size": 40, "color": "rgba(0,0,0,0)"},
                text=[
                    "<br>".join(  # each line escaped: the line breaks are the only markup
                        escape_plotly(line)
                        for line in wrap_chars(
                            STATUS_ICONS[status] + short_name(c["name"]), line_chars + 1, "\n"
                        ).split("\n")
                    )
                    for c in chosen
                ],
                textfont={"size": font_size, "color": text_color(status)},
                textposition="middle center",
                customdata=[
                    [escape_plotly(c["code"]), escape_plotly(c["name"]), escape_plotly(c["reason"])]
                    for c in chosen
                ],
                hovertemplate=f"<b>%{{customdata[0]}} %{{customdata[1]}}</b><br>{status}：%{{customdata[2]}}"
                "<extra></extra>",
            )
        )
        fig.add_trace(  # the legend entry: a square in the status colour
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{STATUS_ICONS[status]} {status}（{len(chosen)}）",
                legendgroup=status,
                marker={"symbol": "square", "size": font_size + 4, "color": STATUS_COLORS[status]},
                hoverinfo="skip",
            )
        )
    firsts: dict[int, tuple[float, str]] = {}
    for c in cells:
        band = firsts.get(c["band"])
        if band is None:
            firsts[c["band"]] = (c["y"], c["category"])
    bands = sorted(firsts.values())
    ends = [*(y for y, _ in bands[1:]), n_rows]
    for y, _ in bands[1:]:  # a thin line between categories (what add_hline draws)
        shapes.append(
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": y - 0.5,
                "y1": y - 0.5,
                "line": {"color": "#888888", "width": 1},
            }
        )
    fig.update_layout(shapes=shapes)
    # fixed axes: a drag or a click on the matrix zoomed it, and its top row slid under the legend
    fig.update_xaxes(
        visible=False, range=[-0.55, max(used, min(columns, MATRIX_MIN_COLUMNS)) - 0.45], fixedrange=True
    )
    fig.update_yaxes(
        range=[n_rows - 0.5, -0.5],
        tickvals=[(y + end - 1) / 2 for (y, _), end in zip(bands, ends, strict=True)],
        ticktext=[escape_plotly(name) for _, name in bands],
        tickfont={"size": font_size + 1},
        showgrid=False,
        zeroline=False,
        title=None,
        fixedrange=True,
    )
    layout = {"title": {"text": title}} if title else {}
    row_px = 2.6 * font_size + 14
    style(fig, height=int(max(220, row_px * n_rows + 70)), **layout)
    fig.update_layout(font={"size": font_size}, legend={"font": {"size": font_size}})
    return fig
