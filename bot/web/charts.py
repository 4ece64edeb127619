"""Charts drawn on the server as inline SVG: no script, sharp on every screen, and each shown
under a visible heading and a sentence that says what it shows, with a table of its figures
(figure.html). The SVG is named and described by that heading and sentence, so a screen reader
reads them once, as the page shows them. Colours keep 3:1 against white and every series also
differs by its line pattern, so no figure is told by colour alone."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

COLOURS = ("#0b5394", "#a34700", "#1e6b35", "#6b3fa0", "#a3195b", "#00626b")
DASHES = ("", "6 4", "2 3", "10 3 2 3", "1 5", "8 8")
# Drawn 400 wide: on a 390-px phone its 15-px text stays about 14 px; wider screens show it
# at most 30rem wide (style.css), so it never grows past about 18 px.
WIDTH = 400
# The most a character of the charts' 15-px text takes across, bold ones included: text is
# measured with it so that none runs past an edge or into other text.
CHAR = 9
LINE = 18  # from one line of text to the next
GAP = 12  # the least room between two texts side by side
# Labels along a time axis: at most this many, so that none runs into the next.
AXIS_LABELS = 4
# The top of a scale is one of these times a power of ten: a round figure just above the data.
NICE = (1, 2, 3, 4, 5, 6, 8, 10)

Number = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no figure yet (such as a share of nobody), so no bar
    # Where the bar should reach, drawn as a mark across it.
    target: float | None = None


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]


@dataclass(frozen=True)
class Drawing:
    """A chart's content, still without the <svg> that names it (Figure.svg adds it)."""

    height: int
    body: str


def width_of(text: str) -> int:
    return len(text) * CHAR


def lines_of(text: str, room: float, most: int = 2) -> list[str]:
    """A label broken into lines that fit `room`, at most `most` of them; what does not fit
    ends in an ellipsis (the table under the chart has it whole)."""
    chars = max(int(room // CHAR), 4)
    return textwrap.wrap(text, chars, max_lines=most, placeholder="…") or [""]


def rounded(value: float) -> float:
    """A figure as a chart writes it: a whole number shown without decimals."""
    return int(value) if float(value).is_integer() else value


def scale_top(largest: float) -> int:
    """The top of a scale: a round whole number (1, 2, 3, 4, 5, 6, 8 times a power of ten) at
    least `largest`, and at least 1."""
    if largest <= 1:
        return 1
    power = 10 ** math.floor(math.log10(largest))
    return next(int(step * power) for step in NICE if step * power >= largest)


def bar_chart(bars: list[Bar], number: Number, target_label: str = "") -> Drawing:
    """Horizontal bars, a label above each (two lines at most), its figure at its end, and its
    target if any, written at the right on the label's first line."""
    values = [bar.value for bar in bars if bar.value is not None]
    largest = max([1.0, *values, *(bar.target or 0 for bar in bars)])
    room = WIDTH - max([0, *(width_of(number(rounded(value))) for value in values)]) - GAP
    parts, y = [], 8
    for bar in bars:
        note = f"{target_label} {number(rounded(bar.target))}" if bar.target is not None else ""
        label = lines_of(bar.label, WIDTH - (width_of(note) + GAP if note else 0))
        bar_top = y + 6 + LINE * len(label)
        spans = "".join(
            f'<tspan x="0" dy="{LINE if index else 0}">{escape(line)}</tspan>'
            for index, line in enumerate(label)
        )
        parts.append(f'<text x="0" y="{y + 14}" class="label">{spans}</text>')
        if bar.value is not None:
            length = room * bar.value / largest
            parts.append(
                f'<rect x="0" y="{bar_top}" width="{length:.1f}" height="18" rx="2" '
                f'fill="{COLOURS[0]}"/>'
                f'<text x="{length + 6:.1f}" y="{bar_top + 14}" class="value">'
                f"{number(rounded(bar.value))}</text>"
            )
        if bar.target is not None:
            x = room * bar.target / largest
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bar_top - 4}" y2="{bar_top + 22}" '
                f'stroke="currentColor" stroke-width="3"/>'
                f'<text x="{WIDTH}" y="{y + 14}" text-anchor="end" class="target">'
                f"{escape(note)}</text>"
            )
        y = bar_top + 26
    return Drawing(max(y, 8 + 46), "".join(parts))


def line_chart(labels: list[str], series: list[Series], number: Number) -> Drawing:
    """Lines over time (a label per point, such as a month), each series its own colour and
    pattern, with a legend; zero and a round figure above the largest mark the scale."""
    top_value = scale_top(max([1.0, *(value for line in series for value in line.values)]))
    shown = axis_labels(len(labels))
    ends = [width_of(labels[i]) / 2 for i in (shown[0], shown[-1])] if labels else [0, 0]
    left = max(width_of(number(top_value)) + GAP, ends[0])
    right = max(GAP, ends[1])
    top, plot_height = 12, 180
    legend_top = top + plot_height + 56
    height = legend_top + 22 * len(series)
    steps = max(len(labels) - 1, 1)
    room = WIDTH - left - right

    def x(index: int) -> float:
        return left + room * index / steps

    def y(value: float) -> float:
        return top + plot_height * (1 - value / top_value)

    parts = [
        f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(0)}" y2="{y(0)}" stroke="currentColor"/>',
        f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(top_value)}" y2="{y(top_value)}" '
        f'stroke="currentColor" stroke-opacity=".3"/>',
        f'<text x="{left - 6}" y="{y(top_value) + 5:.1f}" text-anchor="end" class="value">'
        f"{number(top_value)}</text>",
        f'<text x="{left - 6}" y="{y(0) + 5:.1f}" text-anchor="end" class="value">'
        f"{number(0)}</text>",
    ]
    for index in shown:
        parts.append(
            f'<line x1="{x(index):.1f}" x2="{x(index):.1f}" y1="{y(0)}" y2="{y(0) + 5}" '
            f'stroke="currentColor"/>'
            f'<text x="{x(index):.1f}" y="{y(0) + 28:.1f}" text-anchor="middle" '
            f'class="value">{escape(labels[index])}</text>'
        )
    for number_of, line in enumerate(series):
        colour, dash = COLOURS[number_of % len(COLOURS)], DASHES[number_of % len(DASHES)]
        pattern = f' stroke-dasharray="{dash}"' if dash else ""
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(line.values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3"{pattern}/>'
        )
        legend_y = legend_top + 22 * number_of
        name = lines_of(line.name, WIDTH - 44, most=1)[0]
        parts.append(
            f'<line x1="0" x2="36" y1="{legend_y - 5}" y2="{legend_y - 5}" '
            f'stroke="{colour}" stroke-width="3"{pattern}/>'
            f'<text x="44" y="{legend_y}" class="label">{escape(name)}</text>'
        )
    return Drawing(height, "".join(parts))


def axis_labels(count: int) -> list[int]:
    """Which points of a time axis get their label: evenly spaced, the last always among them,
    at most AXIS_LABELS of them."""
    step = 1
    while (count - 1) // step + 1 > AXIS_LABELS:
        step += 1
    return list(range((count - 1) % step, count, step)) if count else []


@dataclass(frozen=True)
class Figure:
    """A chart as a page shows it (figure.html): under a heading, with a sentence that says
    what it shows and a table of its figures, the chart's text alternative. The heading and
    the sentence name and describe the chart itself too, so they are written only once."""

    ident: str
    heading: str
    sentence: Markup
    drawing: Drawing
    columns: list[str]
    rows: list[list[str]]

    @property
    def heading_id(self) -> str:
        return f"figure-{self.ident}"

    @property
    def sentence_id(self) -> str:
        return f"figure-{self.ident}-about"

    @property
    def svg(self) -> Markup:
        return Markup(  # every text in the drawing was escaped when it was drawn
            f'<svg class="chart" viewBox="0 0 {WIDTH} {self.drawing.height}" width="{WIDTH}" '
            f'height="{self.drawing.height}" role="img" aria-labelledby="{self.heading_id}" '
            f'aria-describedby="{self.sentence_id}" xmlns="http://www.w3.org/2000/svg">'
            f"{self.drawing.body}</svg>"
        )
