"""Charts are well-formed SVG named and described by the visible heading and sentence of their
figure (never a second, hidden copy), every label in them is escaped, fits the chart and
touches no other text, and their scales are round."""

from __future__ import annotations

import itertools
from xml.etree import ElementTree

from markupsafe import Markup

from bot.web.charts import (
    AXIS_LABELS,
    CHAR,
    WIDTH,
    Bar,
    Drawing,
    Figure,
    Series,
    axis_labels,
    bar_chart,
    line_chart,
    scale_top,
)

SVG = "{http://www.w3.org/2000/svg}"
# An event's title as long as it may be (100 characters); the chart adds its date.
LONG = (
    "Stormøde om ensomhed og fællesskab i Vesthimmerland for borgere, "
    "foreninger og kommunens ansatte nu!"
)


def svg(drawing: Drawing) -> ElementTree.Element:
    figure = Figure("x", "Overskrift", Markup("Sætning"), drawing, [], [])
    return ElementTree.fromstring(str(figure.svg))


def texts(tree: ElementTree.Element) -> list[ElementTree.Element]:
    return list(tree.iter(f"{SVG}text"))


def words(text: ElementTree.Element) -> str:
    return " ".join(filter(None, [text.text, *(span.text for span in text)]))


def span(text: ElementTree.Element) -> tuple[float, float]:
    """Where a one-line text starts and ends across, measured as the chart measures it."""
    x, width = float(text.get("x", 0)), len(words(text)) * CHAR
    anchor = text.get("text-anchor", "start")
    start = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return start, start + width


def test_a_chart_is_named_and_described_by_its_visible_heading_and_sentence_only() -> None:
    tree = svg(bar_chart([Bar("<b>Borgere</b> & co", 12, target=200)], str, "Mål"))
    assert tree.get("role") == "img"
    assert tree.get("aria-labelledby") == "figure-x"
    assert tree.get("aria-describedby") == "figure-x-about"
    assert tree.find(f"{SVG}title") is None
    assert tree.find(f"{SVG}desc") is None
    shown = [words(text) for text in texts(tree)]
    assert "<b>Borgere</b> & co" in shown
    assert "Mål 200" in shown


def test_a_line_chart_has_a_legend_for_every_series_and_survives_no_data() -> None:
    drawing = line_chart(
        ["jan", "feb", "mar"], [Series("Ind", [1, 4, 2]), Series("Svar", [0, 2, 2])], str
    )
    tree = svg(drawing)
    assert len(list(tree.iter(f"{SVG}polyline"))) == 2
    assert {"Ind", "Svar", "jan", "mar"} <= {words(text) for text in texts(tree)}
    assert svg(line_chart([], [], str)).get("role") == "img"


def test_a_scale_tops_at_a_round_whole_number_and_labels_never_leave_the_chart() -> None:
    assert [scale_top(n) for n in (0, 0.4, 1, 3, 7, 9.5, 11, 76.603, 120, 2500)] == [
        1, 1, 1, 3, 8, 10, 20, 80, 200, 3000
    ]  # fmt: skip
    months = [f"dec. {2000 + n}" for n in range(12)]
    tree = svg(line_chart(months, [Series("Mål", [n * 6.3833 for n in range(12)])], str))
    shown = [words(text) for text in texts(tree)]
    assert "80" in shown
    assert not any("." in n for n in shown if n[0].isdigit())
    for text in texts(tree):
        start, end = span(text)
        assert start >= 0, words(text)
        assert end <= WIDTH, words(text)


def test_a_long_label_wraps_to_two_lines_and_never_touches_the_target_note() -> None:
    assert len(LONG) == 100
    bars = [Bar(f"{LONG} (1. december 2026)", 1, 1), Bar("Kort", 3)]
    tree = svg(bar_chart(bars, str, "Sagde ja"))
    label, value, note = texts(tree)[:3]
    lines = [line.text or "" for line in label]
    assert len(lines) == 2
    assert lines[1].endswith("…")
    note_start, _ = span(note)
    assert all(len(line) * CHAR < note_start for line in lines)
    assert float(value.get("y", 0)) > float(label.get("y", 0)) + 18, "below both lines"
    drawn = list(tree.iter(f"{SVG}rect"))
    assert float(drawn[1].get("y", 0)) > float(value.get("y", 0)), "the next row is below"


def test_a_timeaxis_labels_the_last_point_and_evenly_spaced_ones_before_it() -> None:
    assert axis_labels(0) == []
    for count in range(1, 40):
        shown = axis_labels(count)
        assert shown[-1] == count - 1
        assert len(shown) <= AXIS_LABELS
        assert len({b - a for a, b in itertools.pairwise(shown)}) <= 1, (count, shown)
        assert shown[0] < (shown[1] - shown[0] if len(shown) > 1 else 1), "none left out"
