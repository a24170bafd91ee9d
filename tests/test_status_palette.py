"""Every status has a colour, a meaning and a place in every view's order; colours stay legible."""

from __future__ import annotations

from indicators.dashboard import DISPLAY_ORDER, status_counts
from indicators.vocabulary import STATUS_SEVERITY, Status
from ui.charts import STATUS_COLORS, STATUS_MEANINGS, STATUS_ORDER, text_color


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


def test_colours_are_distinct_and_the_new_statuses_read_as_intended():
    assert len(set(STATUS_COLORS.values())) == len(STATUS_COLORS)
    red, late = STATUS_COLORS[Status.NOT_ACHIEVED.value], STATUS_COLORS[Status.ACHIEVED_LATE.value]
    r, g, b = (int(red[i : i + 2], 16) for i in (1, 3, 5))
    assert r > 2 * g and r > 2 * b  # 未完成 is a red, like 严重滞后
    r, g, b = (int(late[i : i + 2], 16) for i in (1, 3, 5))
    assert g > r and b > r  # 逾期完成 is a teal (green-blue)


def test_tile_text_is_legible_on_every_status_colour():
    # 3:1 is WCAG's minimum for large text (the tiles' counts and labels are large and bold).
    for status, colour in STATUS_COLORS.items():
        assert _contrast(colour, text_color(status)) >= 3.0, status
    assert text_color(Status.NOT_ACHIEVED.value) == "#FFFFFF"
