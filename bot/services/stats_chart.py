"""The chart /stats sends as a photo: ambassadors month by month against the on-track line,
drawn with Pillow in the shipped fonts. Telegram shows a photo the width of a phone's screen,
about a third of this size, so the letters are big, the lines thick, and only a few months
are named; the second line is dashed as well as coloured, so it is never told by colour alone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from itertools import pairwise

from PIL import Image, ImageDraw

from bot.services.lettering import Face, font

WIDTH, HEIGHT = 1080, 760
LEFT, RIGHT, TOP, BOTTOM = 120, 40, 130, 200  # room for the scale, the title, months, legend
INK, GRID, PAPER = (27, 27, 27), (201, 207, 214), (255, 255, 255)
LINES = ((11, 83, 148), (163, 71, 0))  # as the web's charts: 3:1 against white at least
DASH = 26  # length of a dash of the second line, and of its gap


def growth_png(
    title: str,
    months: list[str],
    series: list[tuple[str, list[float]]],
    number: Callable[[float], str],
) -> bytes:
    """A PNG of one or two lines over the months; the first solid, the second dashed."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.text((LEFT - 60, 40), title, font=font(Face.SANS_BOLD.value, 46), fill=INK)
    largest = max([1.0, *(value for _, values in series for value in values)])
    bottom, room = HEIGHT - BOTTOM, HEIGHT - BOTTOM - TOP
    steps = max(len(months) - 1, 1)

    def point(index: int, value: float) -> tuple[float, float]:
        return LEFT + (WIDTH - LEFT - RIGHT) * index / steps, bottom - room * value / largest

    small = font(Face.SANS.value, 34)
    for value in sorted({0, round(largest / 2), round(largest)}):
        y = point(0, value)[1]
        draw.line((LEFT, y, WIDTH - RIGHT, y), fill=GRID, width=2)
        draw.text((LEFT - 14, y), number(value), font=small, fill=INK, anchor="rm")
    last = len(months) - 1
    for index in range(last, -1, -3):  # this month, and every third before it
        x = point(index, 0)[0]
        anchor = "rt" if index == last else "mt"  # the last one ends at the chart's edge
        draw.text((x, bottom + 16), months[index], font=small, fill=INK, anchor=anchor)
    for place, (name, values) in enumerate(series[: len(LINES)]):
        colour, points = LINES[place], [point(i, v) for i, v in enumerate(values)]
        if place == 0:
            draw.line(points, fill=colour, width=8, joint="curve")
        else:
            _dashed(draw, points, colour)
        legend_y = bottom + 80 + 52 * place
        sample = [(LEFT - 60.0, float(legend_y)), (LEFT + 20.0, float(legend_y))]
        if place == 0:
            draw.line(sample, fill=colour, width=8)
        else:
            _dashed(draw, sample, colour)
        draw.text((LEFT + 40, legend_y), name, font=small, fill=INK, anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _dashed(
    draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], colour: tuple[int, int, int]
) -> None:
    """A polyline drawn as dashes that keep their rhythm across its corners."""
    travelled = 0.0
    for (x1, y1), (x2, y2) in pairwise(points):
        length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        at = 0.0
        while at < length:
            phase = (travelled + at) % (2 * DASH)
            step = min(length - at, (DASH if phase < DASH else 2 * DASH) - phase)
            if phase < DASH:
                start, end = at / length, (at + step) / length
                draw.line(
                    (x1 + (x2 - x1) * start, y1 + (y2 - y1) * start,
                     x1 + (x2 - x1) * end, y1 + (y2 - y1) * end),
                    fill=colour, width=8,
                )  # fmt: skip
            at += step
        travelled += length
