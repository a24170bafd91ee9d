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
from briefing.content import Briefing
from ui.charts import EXPORT_HEIGHT, EXPORT_SCALE, EXPORT_WIDTH, FONT_FAMILY, export_filename

CJK_FONT = "Noto Sans CJK SC"
_LOCK = threading.Lock()
_KALEIDO: dict[str, bool] = {}


@dataclass(frozen=True)
class Chart:
    name: str  # file stem, e.g. 01_指标状态分布
    title: str
    figure: go.Figure


def briefing_charts(b: Briefing) -> list[Chart]:
    """Every chart of the briefing, in deck order."""
    out = [
        Chart("01_指标状态分布", "指标状态分布", figures.status_figure(b.counts)),
        Chart("02_红黄绿灯矩阵", "红黄绿灯矩阵", figures.matrix_figure(b.rows, title="红黄绿灯矩阵")),
        Chart("03_分类别进展", "分类别进展", figures.category_figure(b.category_counts)),
    ]
    for i, (name, rows) in enumerate(b.categories.items(), start=1):
        title = f"{name}：完成序时进度"
        out.append(Chart(f"04-{i:02d}_{export_filename(name)}", title, figures.progress_figure(rows, title)))
    out.append(Chart("05_牵头单位滞后指数", "牵头单位滞后指数", figures.ranking_figure(b.ranking)))
    if b.report_rows:
        out.append(Chart("06_本季度报送情况", "本季度报送情况", figures.completeness_figure(b.report_rows)))
    return out


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


def _export_copy(fig: go.Figure) -> go.Figure:
    out = go.Figure(fig)
    out.update_layout(
        font={"family": FONT_FAMILY, "size": 18},
        title={"font": {"size": 26}, "y": 0.97, "yref": "container", "yanchor": "top"},
        margin={"l": 20, "r": 40, "t": 130, "b": 30},
        width=EXPORT_WIDTH,
        height=EXPORT_HEIGHT,
        paper_bgcolor="#FFFFFF",
    )
    return out


def render_png(
    fig: go.Figure, width: int = EXPORT_WIDTH, height: int = EXPORT_HEIGHT, scale: int = EXPORT_SCALE
) -> bytes:
    """The figure as a PNG of ``width × scale`` by ``height × scale`` pixels."""
    fig = _export_copy(fig)
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
    return {c.name: render_png(c.figure) for c in briefing_charts(b)}


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
        elif trace.type == "scatter":
            cats = list(fig.layout.yaxis.categoryarray or dict.fromkeys(trace.y))
            ys = [len(cats) - 1 - cats.index(c) if c in cats else 0 for c in trace.y]
            ax.scatter(
                list(trace.x),
                ys,
                marker="s",
                s=900,
                color=trace.marker.color or _FALLBACK_COLOUR,
                label=trace.name,
            )
            for x, y, t in zip(trace.x, ys, trace.text or [], strict=False):
                ax.annotate(str(t), (x, y), ha="center", va="center", fontsize=8)
            ax.set_yticks(range(len(cats)), list(reversed(cats)))
    title = fig.layout.title.text if fig.layout.title else None
    if title:
        ax.set_title(title, loc="left", fontsize=18)
    if len(fig.data) > 1:
        ax.legend(loc="upper right")
    ax.spines[["top", "right"]].set_visible(False)
    mfig.tight_layout()
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", facecolor="white")
    plt.close(mfig)
    return buf.getvalue()
