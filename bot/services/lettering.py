"""Setting a line of anyone's text in the shipped Noto fonts.

FreeType draws with one font at a time and has no fallback of its own, so a line is cut into
runs, each in the first font of a chain that has its characters: Latin, Greek and Cyrillic in
the main face, other scripts in their Noto family, emoji in monochrome Noto Emoji (Pillow cannot
draw colour emoji from these files). What no font has is left out and named, so the person can
be told. Each run has one direction, found by a small part of Unicode's bidirectional
algorithm (enough for a name: no embeddings, no mirrored brackets); the runs are put in visual
order here, and Raqm (with FriBiDi, in Pillow's wheels) shapes and orders the letters in each.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

FONTS = Path(__file__).parents[1] / "content" / "fonts"
# One family per script a name in Fredericia is likely to be written in; each in both weights.
SCRIPTS = (
    "NotoNaskhArabic",
    "NotoSansHebrew",
    "NotoSansEthiopic",
    "NotoSansDevanagari",
    "NotoSansTamil",
    "NotoSansThai",
    "NotoSansGeorgian",
    "NotoSansArmenian",
)
EMOJI = "NotoEmoji-Regular.ttf"
# Without Raqm (a Pillow built without it, or no FriBiDi on the system) Pillow cannot be told a
# direction, and Arabic comes out unjoined: the certificate is still drawn.
SHAPING = features.check_feature("raqm")
# Unicode's bidirectional classes, as far as a line of a name needs them: letters of either
# direction, and numbers, which read left to right also inside right-to-left text.
_RIGHT_TO_LEFT = {"R", "AL"}
_LEFT_TO_RIGHT = {"L", "EN", "AN"}


class Face(StrEnum):
    """The main faces; each brings the script fonts of its weight and the emoji after it."""

    SERIF_BOLD = "NotoSerif-Bold.ttf"
    SANS = "NotoSans-Regular.ttf"
    SANS_BOLD = "NotoSans-Bold.ttf"

    @property
    def chain(self) -> tuple[str, ...]:
        weight = "Regular" if self is Face.SANS else "Bold"
        return (self.value, *(f"{script}-{weight}.ttf" for script in SCRIPTS), EMOJI)


@dataclass(frozen=True)
class Run:
    font: str  # a file in FONTS
    text: str
    right_to_left: bool = False
    level: int = 0  # Unicode's embedding level: even reads left to right, odd right to left

    @property
    def direction(self) -> str | None:
        """As Pillow takes it."""
        return ("rtl" if self.right_to_left else "ltr") if SHAPING else None


@dataclass(frozen=True)
class Line:
    face: Face  # whose height and baseline the line keeps, whatever fonts its runs need
    runs: tuple[Run, ...]  # in the order they stand on the page, left to right
    left_out: str  # characters no shipped font has, in the order they came


@functools.cache
def characters(font: str) -> frozenset[int]:
    """The code points the font has a glyph for (its cmap)."""
    with TTFont(FONTS / font, lazy=True) as opened:
        return frozenset(opened.getBestCmap())


@functools.cache
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


def _fits(character: str, font: str) -> bool:
    """Whether the font has the character and should draw it: an emoji font's spaces are as
    wide as an emoji, so a space after one comes from the text's own face."""
    return ord(character) in characters(font) and not (font == EMOJI and character.isspace())


def _invisible(character: str) -> bool:
    """Joiners, variation selectors and tags: the shaper hides them when a font lacks them."""
    return unicodedata.category(character) == "Cf" or 0xFE00 <= ord(character) <= 0xFE0F


def _strong(character: str) -> bool | None:
    """True for a right-to-left letter, False for one (or a digit) read left to right."""
    direction = unicodedata.bidirectional(character)
    if direction in _RIGHT_TO_LEFT:
        return True
    return False if direction in _LEFT_TO_RIGHT else None


def _directions(text: str) -> tuple[bool, list[bool]]:
    """The line's direction (from its first letter, Unicode's P2) and each character's: a
    neutral one (space, punctuation, emoji) takes the direction of the letters on both sides
    of it when they agree, else the line's (Unicode's N1 and N2)."""
    strong = [_strong(character) for character in text]
    line = next((found for found in strong if found is not None), False)
    resolved: list[bool] = []
    for index, found in enumerate(strong):
        if found is None:
            before = next((d for d in reversed(strong[:index]) if d is not None), line)
            after = next((d for d in strong[index + 1 :] if d is not None), line)
            found = before if before == after else line
        resolved.append(found)
    return line, resolved


def _visual(runs: list[Run]) -> list[Run]:
    """Runs in the order they stand on the page (Unicode's L2: from the highest level down,
    every stretch at or above it is reversed)."""
    for level in range(max((run.level for run in runs), default=0), 0, -1):
        ordered: list[Run] = []
        stretch: list[Run] = []
        for run in [*runs, None]:
            if run is not None and run.level >= level:
                stretch.append(run)
                continue
            ordered += reversed(stretch)
            stretch = []
            if run is not None:
                ordered.append(run)
        runs = ordered
    return runs


def set_line(text: str, face: Face) -> Line:
    """Cut `text` into runs of one font and one direction each; a character stays in the run
    before it when that font has it, so digits and marks do not break a word out of its
    script."""
    line, directions = _directions(text)
    runs: list[Run] = []
    left_out: list[str] = []
    for character, right_to_left in zip(text, directions, strict=True):
        previous = runs[-1] if runs else None
        if (
            previous
            and previous.right_to_left == right_to_left
            and (_fits(character, previous.font) or _invisible(character))
        ):
            runs[-1] = replace(previous, text=previous.text + character)
            continue
        found = next((name for name in face.chain if _fits(character, name)), None)
        if found is not None:
            level = int(line) + (right_to_left != line)
            runs.append(Run(found, character, right_to_left, level))
        elif not _invisible(character):
            left_out.append(character)
    return Line(face, tuple(_visual(runs)), "".join(left_out))


Colour = tuple[int, int, int]


class Page:
    """Draws lines in design units on an image `scale` times their size, one under the other;
    `y` is where the next line goes."""

    def __init__(self, image: Image.Image, scale: int, y: int) -> None:
        self.image, self.draw, self.scale, self.y = image, ImageDraw.Draw(image), scale, y

    def height(self, face: Face, size: int) -> int:
        """A line's height in design units, from the face's ascent and descent."""
        ascent, descent = font(face.value, size * self.scale).getmetrics()
        return round((ascent + descent) / self.scale)

    def width(self, line: Line, size: int) -> float:
        return sum(
            font(run.font, size * self.scale).getlength(run.text, direction=run.direction)
            for run in line.runs
        )

    def fit(self, line: Line, size: int, width: int) -> int:
        """The largest size up to `size` at which the line fits the width."""
        while size > 18 and self.width(line, size) > width * self.scale:
            size -= 2
        return size

    def frame(self, inset: int, colour: Colour, width: int) -> None:
        """A rectangle `inset` in from the page's edges."""
        s, (right, bottom) = self.scale, self.image.size
        box = (inset * s, inset * s, right - inset * s, bottom - inset * s)
        self.draw.rectangle(box, outline=colour, width=width * s)

    def write(
        self, line: Line, size: int, fill: Colour, gap: int, between: tuple[int, int]
    ) -> None:
        """One line centred between two x positions, on a baseline shared by all its runs."""
        s = self.scale
        ascent = font(line.face.value, size * s).getmetrics()[0]
        x = (between[0] + between[1]) * s / 2 - self.width(line, size) / 2
        for run in line.runs:
            face = font(run.font, size * s)
            self.draw.text(
                (x, self.y * s + ascent),
                run.text,
                font=face,
                fill=fill,
                anchor="ls",
                direction=run.direction,
            )
            x += face.getlength(run.text, direction=run.direction)
        self.y += self.height(line.face, size) + gap
