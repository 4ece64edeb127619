"""Charts are well-formed SVG with a title and description a screen reader reads, and every
label in them is escaped."""

from __future__ import annotations

import itertools
from xml.etree import ElementTree

from bot.web.charts import AXIS_LABELS, Bar, Series, axis_labels, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_names_itself_and_escapes_its_labels() -> None:
    chart = bar_chart(
        "Ambassadører", "12 af 200", [Bar("<b>Borgere</b> & co", 12, target=200)], str, "Mål"
    )
    tree = ElementTree.fromstring(str(chart))
    assert tree.get("role") == "img"
    assert tree.find(f"{SVG}title").text == "Ambassadører"  # type: ignore[union-attr]
    assert tree.find(f"{SVG}desc").text == "12 af 200"  # type: ignore[union-attr]
    texts = [text.text for text in tree.iter(f"{SVG}text")]
    assert "<b>Borgere</b> & co" in texts
    assert "Mål 200" in texts
    assert "<b>" not in str(chart)


def test_a_line_chart_has_a_legend_for_every_series_and_survives_no_data() -> None:
    chart = line_chart(
        "Bolde",
        "per måned",
        ["jan", "feb", "mar"],
        [Series("Ind", [1, 4, 2]), Series("Svar", [0, 2, 2])],
        str,
    )
    tree = ElementTree.fromstring(str(chart))
    assert len(list(tree.iter(f"{SVG}polyline"))) == 2
    texts = [text.text for text in tree.iter(f"{SVG}text")]
    assert {"Ind", "Svar", "jan", "mar"} <= set(texts)
    empty = line_chart("Bolde", "ingen endnu", [], [], str)
    assert ElementTree.fromstring(str(empty)).get("role") == "img"


def test_a_timeaxis_labels_its_ends_and_a_few_points_between_that_never_touch() -> None:
    for count in range(1, 40):
        shown = axis_labels(count)
        assert shown[0] == 0
        assert shown[-1] == count - 1
        assert len(shown) <= AXIS_LABELS
        gaps = [b - a for a, b in itertools.pairwise(shown)]
        assert all(gap >= max(1, (count - 1) / AXIS_LABELS / 2) for gap in gaps), (count, shown)
