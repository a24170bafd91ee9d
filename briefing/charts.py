"""Static PNGs of the briefing charts: 1600×900 at 2× (3200×1800 px), Chinese text drawn.

Kaleido (headless Chromium) renders the very plotly figures the page shows.  When
kaleido or a Chromium is unavailable, a plain matplotlib rendering with
"Noto Sans CJK SC" is used instead (bars and the matrix only; same colours).
"""

from __future__ import annotations

import io
import shutil
import threading
import warnings
from dataclasses import dataclass

import plotly.graph_objects as go

from briefing import figures
from briefing.content import DEMO_MARK, Briefing
from ui.charts import EXPORT_HEIGHT, EXPORT_SCALE, EXPORT_WIDTH, FONT_FAMILY, export_filename

# Every text of an exported chart is at least this many px at its 1600 px width: the deck shows
# each chart across the whole 13.33-inch slide, so 20 px = 20 × 13.33 × 72 / 1600 = 12 pt.
EXPORT_MIN_FONT = 20
EXPORT_TITLE_FONT = 30
MATRIX_EXPORT_COLUMNS = 11

CJK_FONT = "Noto Sans CJK SC"
_LOCK = threading.Lock()
_KALEIDO: dict[str, bool] = {}


@dataclass(frozen=True)
class Chart:
    name: str  # file stem, e.g. 01_指标状态分布
    title: str
    figure: go.Figure


def briefing_charts(b: Briefing) -> list[Chart]:
    """Every chart of the briefing, in deck order; a chart with nothing to draw is left out
    (a category without a bar to draw, no unit behind, nothing due)."""
    matrix = figures.matrix_figure(
        b.rows, title="红黄绿灯矩阵", columns=MATRIX_EXPORT_COLUMNS, font_size=EXPORT_MIN_FONT
    )
    out = [
        Chart("01_指标状态分布", "指标状态分布", figures.status_figure(b.counts)),
        Chart("02_红黄绿灯矩阵", "红黄绿灯矩阵", matrix),
        Chart("03_分类别进展", "分类别进展", figures.category_figure(b.category_counts)),
    ]
    for name, rows in b.categories.items():
        if not has_progress_chart(rows):
            continue
        title = f"{name}：完成序时进度"
        out.append(Chart(category_chart_name(b, name), title, figures.progress_figure(rows, title)))
    if any(u["score"] > 0 for u in b.ranking):
        out.append(Chart("05_牵头单位滞后指数", "牵头单位滞后指数", figures.ranking_figure(b.ranking)))
    if any(r["expected"] for r in b.report_rows):
        out.append(Chart("06_本季度报送情况", "本季度报送情况", figures.completeness_figure(b.report_rows)))
    return out


def has_progress_chart(rows) -> bool:
    """A category's 完成序时进度 chart is drawn only if it has a bar to draw (figures.has_bars: a
    ratio above 0, or a target met without a ratio); otherwise its table slide says so."""
    return figures.has_bars(rows)


def category_chart_name(b: Briefing, category: str) -> str:
    index = list(b.categories).index(category) + 1
    return f"04-{index:02d}_{export_filename(category)}"


def kaleido_available() -> bool:
    """Kaleido importable and a Chromium found (checked once per process)."""
    if "ok" not in _KALEIDO:
        try:
            import kaleido  # noqa: F401

            _KALEIDO["ok"] = bool(
                shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
            )
        except ImportError:
            _KALEIDO["ok"] = False
    return _KALEIDO["ok"]


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def png_available() -> bool:
    return kaleido_available() or matplotlib_available()


def export_copy(fig: go.Figure, demo: bool = False) -> go.Figure:
    """The figure as exported: 1600×900, every text ≥ :data:`EXPORT_MIN_FONT` px, the title above
    the legend (never overlapping), and with ``demo`` a large light 演示数据 watermark."""
    out = go.Figure(fig)
    out.update_layout(
        font={"family": FONT_FAMILY, "size": EXPORT_MIN_FONT},
        title={"font": {"size": EXPORT_TITLE_FONT}, "y": 0.975, "yref": "container", "yanchor": "top"},
        legend={"font": {"size": EXPORT_MIN_FONT}, "y": 1.0, "yanchor": "bottom", "yref": "paper"},
        margin={"l": 20, "r": 60, "t": 150, "b": 40},
        width=EXPORT_WIDTH,
        height=EXPORT_HEIGHT,
        paper_bgcolor="#FFFFFF",
    )
    for trace in out.data:
        for attr in ("textfont", "insidetextfont", "outsidetextfont"):
            font = getattr(trace, attr, None)
            if font is not None and (font.size is None or font.size < EXPORT_MIN_FONT):
                font.size = EXPORT_MIN_FONT
    for annotation in out.layout.annotations:
        if annotation.font.size is None or annotation.font.size < EXPORT_MIN_FONT:
            annotation.font.size = EXPORT_MIN_FONT
    for axis in ("xaxis", "yaxis"):
        tick = out.layout[axis].tickfont
        if tick.size is not None and tick.size < EXPORT_MIN_FONT:
            tick.size = EXPORT_MIN_FONT
    if demo:
        out.add_annotation(
            text=DEMO_MARK,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            textangle=-20,
            font={"size": 190, "color": "rgba(200, 0, 0, 0.13)"},
        )
        out.add_annotation(
            text=f"{DEMO_MARK}（非真实填报）",
            xref="paper",
            yref="paper",
            x=1,
            y=1 + 140 / (EXPORT_HEIGHT - 190),  # 10 px below the top edge (margins 150 + 40)
            xanchor="right",
            yanchor="top",
            showarrow=False,
            font={"size": EXPORT_MIN_FONT + 4, "color": "#B00020"},
        )
    return out


def chart_fonts(fig: go.Figure) -> list[float]:
    """Every font size an exported figure sets (tests check none is below the minimum)."""
    sizes = [fig.layout.font.size, fig.layout.legend.font.size, fig.layout.title.font.size]
    for trace in fig.data:
        for attr in ("textfont", "insidetextfont", "outsidetextfont"):
            font = getattr(trace, attr, None)
            if font is not None and font.size is not None:
                sizes.append(font.size)
    sizes += [a.font.size for a in fig.layout.annotations if a.font.size is not None]
    sizes += [fig.layout[a].tickfont.size for a in ("xaxis", "yaxis") if fig.layout[a].tickfont.size]
    return [s for s in sizes if s is not None]


def render_png(
    fig: go.Figure,
    width: int = EXPORT_WIDTH,
    height: int = EXPORT_HEIGHT,
    scale: int = EXPORT_SCALE,
    demo: bool = False,
) -> bytes:
    """The figure as a PNG of ``width × scale`` by ``height × scale`` pixels."""
    fig = export_copy(fig, demo)
    if kaleido_available():
        import kaleido
        import plotly.io as pio

        with _LOCK:
            if not _KALEIDO.get("started"):
                pio.defaults.mathjax = False
                kaleido.start_sync_server(silence_warnings=True)
                _KALEIDO["started"] = True
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "kopts ignored when using a server"
                return pio.to_image(fig, format="png", width=width, height=height, scale=scale)
    if matplotlib_available():
        return _matplotlib_png(fig, width, height, scale)
    raise RuntimeError("无法生成图表图片：未安装 kaleido/Chromium，也未安装 matplotlib。")


def render_all(b: Briefing) -> dict[str, bytes]:
    """File stem → PNG bytes for every chart of the briefing."""
    return {c.name: render_png(c.figure, demo=b.demo) for c in briefing_charts(b)}


_FALLBACK_COLOUR = "#0B5CAD"  # the app's primary colour, for traces that set none


def _matplotlib_png(fig: go.Figure, width: int, height: int, scale: int) -> bytes:
    """Fallback: bars (stacked or not, either orientation) and the matrix's square markers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = [CJK_FONT, "Noto Sans CJK JP", "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    dpi = 100
    mfig, ax = plt.subplots(figsize=(width / dpi, height / dpi), dpi=dpi * scale)
    stacked = fig.layout.barmode == "stack"
    offsets: dict[object, float] = {}
    for trace in fig.data:
        if trace.type == "bar":
            horizontal = trace.orientation == "h"
            cats = list(trace.y if horizontal else trace.x)
            vals = [float(v or 0) for v in (trace.x if horizontal else trace.y)]
            colour = trace.marker.color or _FALLBACK_COLOUR
            colours = list(colour) if isinstance(colour, list | tuple) else [colour] * len(vals)
            base = [offsets.get(c, 0.0) if stacked else 0.0 for c in cats]
            pos = list(range(len(cats)))[::-1] if horizontal else list(range(len(cats)))
            if horizontal:
                ax.barh(pos, vals, left=base, color=colours, label=trace.name)
                ax.set_yticks(pos, cats)
            else:
                ax.bar(pos, vals, bottom=base, color=colours, label=trace.name)
                ax.set_xticks(pos, cats)
            texts = list(trace.text) if trace.text is not None else []
            for p, v, b0, t in zip(pos, vals, base, texts, strict=False):
                if t not in ("", None):
                    xy = (b0 + v, p) if horizontal else (p, b0 + v)
                    ax.annotate(
                        str(t),
                        xy,
                        ha="left" if horizontal else "center",
                        va="center" if horizontal else "bottom",
                    )
            if stacked:
                for c, v in zip(cats, vals, strict=True):
                    offsets[c] = offsets.get(c, 0.0) + v
        elif trace.type == "scatter":  # the traffic-light matrix: numeric grid, y = row from the top
            if trace.x is None or all(x is None for x in trace.x):  # a legend-only entry
                ax.scatter([], [], marker="s", s=120, color=trace.marker.color, label=trace.name)
                continue
            colour = trace.textfont.color or "#000000"
            for x, y, t in zip(trace.x, trace.y, trace.text or [], strict=False):
                ax.annotate(str(t).replace("<br>", "\n"), (x, y), ha="center", va="center", fontsize=9,
                            color=colour)  # fmt: skip
    for shape in fig.layout.shapes:
        if shape.type == "rect" and shape.fillcolor:
            from matplotlib.patches import Rectangle

            ax.add_patch(
                Rectangle(
                    (shape.x0, shape.y0),
                    shape.x1 - shape.x0,
                    shape.y1 - shape.y0,
                    color=shape.fillcolor,
                    zorder=0,
                )
            )
    if fig.layout.shapes and fig.layout.yaxis.tickvals:
        ax.set_xlim(*fig.layout.xaxis.range)
        ax.set_ylim(*fig.layout.yaxis.range)  # reversed: row 0 on top
        ax.set_yticks(list(fig.layout.yaxis.tickvals), list(fig.layout.yaxis.ticktext))
        ax.set_xticks([])
    title = fig.layout.title.text if fig.layout.title else None
    if title:
        ax.set_title(title, loc="left", fontsize=18)
    for note in fig.layout.annotations:
        if (note.text or "").startswith(DEMO_MARK):  # the demo watermark survives the fallback
            big = note.text == DEMO_MARK
            mfig.text(
                0.5 if big else 0.99,
                0.5 if big else 0.97,
                note.text,
                fontsize=120 if big else 16,
                color=(0.8, 0, 0, 0.13) if big else "#B00020",
                rotation=20 if big else 0,
                ha="center" if big else "right",
                va="center" if big else "top",
            )
    if len(fig.data) > 1:
        ax.legend(loc="upper right")
    ax.spines[["top", "right"]].set_visible(False)
    mfig.tight_layout()
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", facecolor="white")
    plt.close(mfig)
    return buf.getvalue()
