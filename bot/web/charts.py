"""Charts drawn on the server as inline SVG: no script, sharp on every screen, readable by a
screen reader through their title and description, and each shown next to a table of its
figures. Colours keep 3:1 against white and every series also differs by its line pattern,
so no figure is told by colour alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from itertools import count

from markupsafe import Markup

COLOURS = ("#0b5394", "#a34700", "#1e6b35", "#6b3fa0", "#a3195b", "#00626b")
DASHES = ("", "6 4", "2 3", "10 3 2 3", "1 5", "8 8")
# Drawn 400 wide: on a 390-px phone its 15-px text stays about 14 px; wider screens show it
# at most 30rem wide (style.css), so it never grows past about 18 px.
WIDTH = 400
# Labels along a time axis: at most this many, so that none runs into the next.
AXIS_LABELS = 4
_ids = count(1)

Number = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    # Where the bar should reach, drawn as a mark across it.
    target: float | None = None


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]


def bar_chart(
    title: str, description: str, bars: list[Bar], number: Number, target_label: str = ""
) -> Markup:
    """Horizontal bars, a label above each, its figure at its end, and its target if any."""
    row, top = 46, 8
    height = top + row * max(len(bars), 1)
    largest = max([1.0, *(bar.value for bar in bars), *(bar.target or 0 for bar in bars)])
    room = WIDTH - 60
    parts = []
    for index, bar in enumerate(bars):
        y = top + index * row
        length = room * bar.value / largest
        parts.append(
            f'<text x="0" y="{y + 14}" class="label">{escape(bar.label)}</text>'
            f'<rect x="0" y="{y + 20}" width="{length:.1f}" height="18" rx="2" '
            f'fill="{COLOURS[0]}"/>'
            f'<text x="{length + 6:.1f}" y="{y + 34}" class="value">{number(bar.value)}</text>'
        )
        if bar.target is not None:
            x = room * bar.target / largest
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 16}" y2="{y + 42}" '
                f'stroke="currentColor" stroke-width="3"/>'
                f'<text x="{WIDTH}" y="{y + 14}" text-anchor="end" class="target">'
                f"{escape(target_label)} {number(bar.target)}</text>"
            )
    return _svg(title, description, height, "".join(parts))


def line_chart(
    title: str, description: str, labels: list[str], series: list[Series], number: Number
) -> Markup:
    """Lines over time (a label per point, such as a month), each series its own colour and
    pattern, with a legend; the largest figure and zero mark the scale."""
    left, top, plot_height = 48, 12, 180
    legend_top = top + plot_height + 34
    height = legend_top + 22 * len(series)
    largest = max([1.0, *(value for line in series for value in line.values)])
    steps = max(len(labels) - 1, 1)
    room = WIDTH - left - 12

    def x(index: int) -> float:
        return left + room * index / steps

    def y(value: float) -> float:
        return top + plot_height * (1 - value / largest)

    parts = [
        f'<line x1="{left}" x2="{WIDTH - 12}" y1="{y(0)}" y2="{y(0)}" stroke="currentColor"/>',
        f'<text x="{left - 6}" y="{y(largest) + 4:.1f}" text-anchor="end" class="value">'
        f"{number(largest)}</text>",
        f'<text x="{left - 6}" y="{y(0) + 4:.1f}" text-anchor="end" class="value">'
        f"{number(0)}</text>",
    ]
    for index in axis_labels(len(labels)):
        anchor = "start" if index == 0 else "end" if index == len(labels) - 1 else "middle"
        parts.append(
            f'<text x="{x(index):.1f}" y="{y(0) + 18:.1f}" text-anchor="{anchor}" '
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
        parts.append(
            f'<line x1="{left}" x2="{left + 36}" y1="{legend_y - 5}" y2="{legend_y - 5}" '
            f'stroke="{colour}" stroke-width="3"{pattern}/>'
            f'<text x="{left + 44}" y="{legend_y}" class="label">{escape(line.name)}</text>'
        )
    return _svg(title, description, height, "".join(parts))


def axis_labels(count: int) -> list[int]:
    """Which points of a time axis get their label: the first, the last, and evenly between,
    never one so close to the last that the two would touch."""
    if count <= AXIS_LABELS:
        return list(range(count))
    step = -(-(count - 1) // (AXIS_LABELS - 1))
    chosen = list(range(0, count - 1, step))
    if count - 1 - chosen[-1] < step / 2:
        chosen.pop()
    return [*chosen, count - 1]


def _svg(title: str, description: str, height: int, body: str) -> Markup:
    ident = f"chart{next(_ids)}"
    return Markup(  # every text in it was escaped above or here
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-labelledby="{ident}t {ident}d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}t">{escape(title)}</title><desc id="{ident}d">{escape(description)}'
        f"</desc>{body}</svg>"
    )


@dataclass(frozen=True)
class Figure:
    """A chart as a page shows it: under a heading (`ident` is its id), with a sentence that
    says what it shows and a table of its figures, the chart's text alternative (the template
    figure.html draws it)."""

    ident: str
    heading: str
    sentence: Markup
    chart: Markup
    columns: list[str]
    rows: list[list[str]]
