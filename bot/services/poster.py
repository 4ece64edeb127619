"""The poster for an event's door: one printable A4 page (PDF) with the event's title, time and
place and the QR code that checks people in: one code for Telegram, or one per channel side by
side, each named, when the bot is on Messenger too. Drawn with Pillow, which writes the PDF too."""

from __future__ import annotations

import io

from PIL import Image
from pydantic import BaseModel

from bot.services.certificate import ACCENT, INK, PAPER, SOFT, qr_image
from bot.services.lettering import Colour, Face, Page, set_line

DPI = 200
WIDTH, HEIGHT = 1654, 2339  # A4 (210 × 297 mm) at 200 dots per inch
MARGIN = 170  # the text keeps this far from the page's edges
QR_SIZE = 860
PAIR_SIZE = 600  # each of two codes side by side


class Code(BaseModel):
    channel: str  # its name, written under it when there are two: "Telegram", "Messenger"
    link: str


class PosterText(BaseModel):
    """Everything written on the poster, already in the coordinator's language."""

    heading: str  # "Tjek ind her"
    title: str
    when: str
    place: str  # empty when the place is a shared location (a map link, not for paper)
    scan: str  # how to use the code(s)
    codes: list[Code]  # Telegram's first


def _wrapped(page: Page, text: str, face: Face, size: int, lines: int) -> list[str]:
    """`text` broken between words to fit the page, at most `lines` lines (the last one cut
    short with an ellipsis when there is more)."""
    width = WIDTH - 2 * MARGIN
    wrapped: list[str] = []
    for word in text.split():
        joined = f"{wrapped[-1]} {word}" if wrapped else word
        if wrapped and page.width(set_line(joined, face), size) <= width:
            wrapped[-1] = joined
        else:
            wrapped.append(word)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] += " …"
    return wrapped


def _write(page: Page, text: str, face: Face, size: int, fill: Colour, gap: int) -> None:
    """A line centred on the page, in the fonts its characters need."""
    line = set_line(text, face)
    page.write(line, page.fit(line, size, WIDTH - 2 * MARGIN), fill, gap, (MARGIN, WIDTH - MARGIN))


def render_pdf(text: PosterText) -> bytes:
    buffer = io.BytesIO()
    _drawn(text).save(buffer, format="PDF", resolution=DPI, quality=95)
    return buffer.getvalue()


def _drawn(text: PosterText) -> Image.Image:
    """The page as an image."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    page = Page(image, 1, 190)
    page.frame(60, INK, 8)
    page.frame(84, ACCENT, 3)

    _write(page, text.heading.upper(), Face.SANS_BOLD, 110, ACCENT, 70)
    for line in _wrapped(page, text.title, Face.SERIF_BOLD, 92, 3):
        _write(page, line, Face.SERIF_BOLD, 92, INK, 26)
    page.y += 30
    _write(page, text.when, Face.SANS_BOLD, 58, INK, 28)
    for line in _wrapped(page, text.place, Face.SANS, 50, 2):  # none for an empty place
        _write(page, line, Face.SANS, 50, SOFT, 20)

    size = QR_SIZE if len(text.codes) == 1 else PAIR_SIZE
    named = 70 if len(text.codes) > 1 else 0  # a channel's name under each of two codes
    below = size + named + 180 + 40 * len(text.codes)  # the codes, how to use them, the links
    top = page.y + max(50, (HEIGHT - 150 - page.y - below) // 2)  # centred in what is left
    gap = (WIDTH - 2 * MARGIN - len(text.codes) * size) // max(1, len(text.codes) - 1)
    left = (WIDTH - size) // 2 if len(text.codes) == 1 else MARGIN
    for number, code in enumerate(text.codes):
        x = left + number * (size + gap)
        image.paste(qr_image(code.link, size), (x, top))
        if named:
            page.y = top + size + 10
            page.write(set_line(code.channel, Face.SANS_BOLD), 44, INK, 0, (x, x + size))
    page.y = top + size + named + 40
    for line in _wrapped(page, text.scan, Face.SANS, 40, 3):
        _write(page, line, Face.SANS, 40, INK, 16)
    page.y += 10
    for code in text.codes:
        _write(page, code.link, Face.SANS, 28, SOFT, 12)
    return image
