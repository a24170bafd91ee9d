"""Every status has a colour, a meaning and a place in every view's order; colours stay legible."""

from __future__ import annotations

from indicators.dashboard import DISPLAY_ORDER, status_counts
from indicators.vocabulary import STATUS_SEVERITY, Status
from ui.charts import (
    COLOR_WORDS,
    REPORT_COLORS,
    REPORT_ICONS,
    STATUS_COLORS,
    STATUS_ICONS,
    STATUS_MEANINGS,
    STATUS_ORDER,
    contrast,
    status_cell_css,
    status_label,
    text_color,
)
from ui.formats import short_name


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_every_status_has_a_colour_a_meaning_a_place_and_a_severity():
    for status in Status:
        assert status.value in STATUS_COLORS, status
        assert STATUS_MEANINGS.get(status.value), status
        assert status.value in STATUS_ORDER, status
        assert status in STATUS_SEVERITY, status
    assert len(STATUS_ORDER) == len(Status) == len(DISPLAY_ORDER)
    assert list(status_counts([])) == list(STATUS_ORDER)


def _hsv(hex_colour: str) -> tuple[float, float, float]:
    import colorsys

    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    return h * 360, s, v


def _is_red(c: str) -> bool:
    h, s, v = _hsv(c)
    return (h < 12 or h > 348) and s > 0.6


def _is_amber(c: str) -> bool:
    h, s, v = _hsv(c)
    return 35 <= h <= 55 and s > 0.7 and v > 0.8


def _is_green(c: str) -> bool:
    h, s, v = _hsv(c)
    return 90 <= h <= 150 and s > 0.25


def _is_grey(c: str) -> bool:
    return _hsv(c)[1] < 0.05


def test_colours_are_distinct_and_read_as_traffic_lights():
    assert len(set(STATUS_COLORS.values())) == len(STATUS_COLORS)
    c = STATUS_COLORS
    assert _is_red(c[Status.SERIOUSLY_BEHIND.value]) and _is_red(c[Status.NOT_ACHIEVED.value])  # red
    assert _is_amber(c[Status.BEHIND.value])  # yellow / amber
    assert _is_green(c[Status.ACHIEVED.value]) and _is_green(c[Status.ON_TRACK.value])  # two greens …
    dark, light = _hsv(c[Status.ACHIEVED.value])[2], _hsv(c[Status.ON_TRACK.value])[2]
    assert light - dark > 0.25  # … told apart by lightness (also in grey print)
    assert _is_grey(c[Status.CANNOT_ASSESS.value])  # grey
    for own in (Status.NOT_REPORTED, Status.ACHIEVED_LATE):  # a colour of its own: none of the above
        colour = c[own.value]
        assert not (_is_red(colour) or _is_amber(colour) or _is_green(colour) or _is_grey(colour)), own
    # 未完成 darker than 严重滞后: as grave, told apart by its word and icon
    assert _hsv(c[Status.NOT_ACHIEVED.value])[2] < _hsv(c[Status.SERIOUSLY_BEHIND.value])[2]


def test_reporting_states_use_the_same_palette():
    assert REPORT_COLORS["未报送"] == STATUS_COLORS[Status.NOT_REPORTED.value]  # the heatmap = the tiles
    assert _is_green(REPORT_COLORS["按时"]) and _is_amber(REPORT_COLORS["逾期"])
    for colour in REPORT_COLORS.values():
        assert colour in COLOR_WORDS  # the legend sentence names the colour it shows
    assert set(REPORT_ICONS) == set(REPORT_COLORS)


def test_text_on_every_colour_has_contrast_of_at_least_4_5():
    # WCAG AA for normal text: the tiles, table cells, badges and slide cells print words on these colours.
    for status, colour in {**STATUS_COLORS, **REPORT_COLORS}.items():
        assert contrast(colour, text_color(status)) >= 4.5, (
            status,
            colour,
            contrast(colour, text_color(status)),
        )
    assert contrast("#FFFFFF", "#000000") == 21.0  # the formula: black on white is 21:1
    assert round(contrast("#777777", "#FFFFFF"), 2) == 4.48  # WCAG's own example of a grey just below 4.5


def test_every_colour_has_a_word_and_an_icon_beside_it():
    icons = [STATUS_ICONS[s] for s in STATUS_ORDER]
    assert len(set(icons)) == len(icons)  # distinct shapes: readable in grey print and without colour
    for status in STATUS_ORDER:
        assert status_label(status) == f"{STATUS_ICONS[status]} {status}"
        css = status_cell_css(status)
        assert STATUS_COLORS[status] in css and text_color(status) in css
        assert status_cell_css(status_label(status)) == css  # a labelled cell is coloured the same
    assert status_cell_css("县农业农村局") == ""  # other cells untouched


def test_short_names_fit_a_matrix_cell():
    import csv

    from tests.conftest import ROOT

    assert short_name("工业产品质量监督抽查合格率") == "工业产品抽查合格率"
    assert short_name("森林覆盖率") == "森林覆盖率"
    assert short_name("建成区绿化覆盖率") == "建成区绿化覆盖率"  # 建成区 is a noun, not the verb 建成
    assert short_name("新增4A级景区数") == "4A级景区数"
    assert short_name("培育“皖美品牌”示范企业数") == "皖美品牌示范企业数"
    for plan in ("luan", "lingbi"):
        names = [
            r["name"] for r in csv.DictReader((ROOT / "data" / "catalogue" / plan / "indicators.csv").open())
        ]
        shorts = [short_name(n) for n in names]
        assert all(1 <= len(s) <= 10 for s in shorts)
        assert len(set(shorts)) == len(shorts), plan  # every cell of a plan reads differently


def test_tile_text_is_legible_on_every_status_colour():
    for status, colour in STATUS_COLORS.items():
        assert contrast(colour, text_color(status)) >= 4.5, status
    assert text_color(Status.NOT_ACHIEVED.value) == "#FFFFFF"
    assert text_color(Status.BEHIND.value) == "#000000"


# What each colour word of METHODOLOGY's status table means, as hue (degrees), saturation and value
# ranges: a reader told "正常 is 天蓝色" looks for sky blue and finds a light green tile.
_COLOUR_WORD_RANGES: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "深绿色": ((90, 150), (0.4, 1), (0, 0.6)),
    "浅绿色": ((90, 150), (0.2, 0.6), (0.7, 1)),
    "蓝色": ((200, 240), (0.5, 1), (0.4, 1)),
    "黄色": ((40, 60), (0.7, 1), (0.8, 1)),
    "红色": ((-12, 12), (0.6, 1), (0.6, 1)),
    "深红色": ((-12, 12), (0.6, 1), (0, 0.55)),
    "紫色": ((260, 290), (0.3, 1), (0.3, 1)),
    "灰色": ((0, 360), (0, 0.05), (0.5, 0.9)),
}


def _methodology_colour_words() -> dict[str, str]:
    from tests.conftest import ROOT

    text = (ROOT / "indicators" / "METHODOLOGY.md").read_text(encoding="utf-8")
    table = text.split("| 状态 | 颜色 |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1:3] for line in table.splitlines()[2:] if line.startswith("|")]
    return {status.strip(): word.strip() for status, word in rows}


def test_methodology_names_the_colour_every_status_is_drawn_in():
    words = _methodology_colour_words()
    assert set(words) == set(STATUS_COLORS), words
    for status, word in words.items():
        assert word in _COLOUR_WORD_RANGES, (status, word)
        (h_low, h_high), (s_low, s_high), (v_low, v_high) = _COLOUR_WORD_RANGES[word]
        h, s, v = _hsv(STATUS_COLORS[status])
        h = h - 360 if h > 180 and h_low < 0 else h  # reds straddle 0°
        assert h_low <= h <= h_high and s_low <= s <= s_high and v_low <= v <= v_high, (status, word, h, s, v)
        legend = COLOR_WORDS[STATUS_COLORS[status]]  # the legends' word for the same colour agrees
        assert word.startswith(legend.removesuffix("色")), (status, word, legend)
    assert len(set(words.values())) == len(words)  # eight statuses, eight colour words


def test_the_colour_word_ranges_tell_the_palette_apart():
    for word, ((h_low, h_high), (s_low, s_high), (v_low, v_high)) in _COLOUR_WORD_RANGES.items():
        hits = []
        for colour in STATUS_COLORS.values():
            h, s, v = _hsv(colour)
            h = h - 360 if h > 180 and h_low < 0 else h
            if h_low <= h <= h_high and s_low <= s <= s_high and v_low <= v <= v_high:
                hits.append(colour)
        assert len(hits) == 1, (word, hits)  # each word fits exactly one of the drawn colours
