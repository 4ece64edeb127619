"""The poster for an event's door: one printable A4 page (PDF) with the event's title, time and
place and the QR code that checks people in. Drawn with Pillow, which writes the PDF too."""

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


class PosterText(BaseModel):
    """Everything written on the poster, already in the coordinator's language."""

    heading: str  # "Tjek ind her"
    title: str
    when: str
    place: str  # empty when the place is a shared location (a map link, not for paper)
    scan: str  # how to use the code
    link: str


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

    below = QR_SIZE + 220  # the code, how to use it, and the link
    top = page.y + max(50, (HEIGHT - 150 - page.y - below) // 2)  # centred in what is left
    image.paste(qr_image(text.link, QR_SIZE), ((WIDTH - QR_SIZE) // 2, top))
    page.y = top + QR_SIZE + 40
    for line in _wrapped(page, text.scan, Face.SANS, 40, 3):
        _write(page, line, Face.SANS, 40, INK, 16)
    page.y += 10
    _write(page, text.link, Face.SANS, 28, SOFT, 0)
    return image
