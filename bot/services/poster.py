"""The poster for an event's door: one printable A4 page (PDF) with the event's title, time and
place and the QR code that checks people in. Drawn with Pillow, which writes the PDF too."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel

from bot.services.certificate import ACCENT, INK, PAPER, SOFT, Column, font, qr_image

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


def _wrapped(
    draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, lines: int
) -> list[str]:
    """`text` broken between words to fit the page, at most `lines` lines (the last one cut
    short with an ellipsis when there is more)."""
    width = WIDTH - 2 * MARGIN
    wrapped: list[str] = []
    for word in text.split():
        joined = f"{wrapped[-1]} {word}" if wrapped else word
        if wrapped and draw.textlength(joined, font=face) <= width:
            wrapped[-1] = joined
        else:
            wrapped.append(word)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] += " …"
    return wrapped


def render_pdf(text: PosterText) -> bytes:
    buffer = io.BytesIO()
    _drawn(text).save(buffer, format="PDF", resolution=DPI, quality=95)
    return buffer.getvalue()


def _drawn(text: PosterText) -> Image.Image:
    """The page as an image."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, WIDTH - 60, HEIGHT - 60), outline=INK, width=8)
    draw.rectangle((84, 84, WIDTH - 84, HEIGHT - 84), outline=ACCENT, width=3)

    column = Column(draw, 190, MARGIN, WIDTH - MARGIN)
    column.write(text.heading.upper(), font("DejaVuSans-Bold.ttf", 110), ACCENT, 70)
    title = font("DejaVuSerif-Bold.ttf", 92)
    for line in _wrapped(draw, text.title, title, 3):
        column.write(line, title, INK, 26)
    column.y += 30
    column.write(text.when, font("DejaVuSans-Bold.ttf", 58), INK, 28)
    place = font("DejaVuSans.ttf", 50)
    for line in _wrapped(draw, text.place, place, 2):  # none for an empty place
        column.write(line, place, SOFT, 20)

    below = QR_SIZE + 220  # the code, how to use it, and the link
    top = column.y + max(50, (HEIGHT - 150 - column.y - below) // 2)  # centred in what is left
    image.paste(qr_image(text.link, QR_SIZE), ((WIDTH - QR_SIZE) // 2, top))
    under = Column(draw, top + QR_SIZE + 40, MARGIN, WIDTH - MARGIN)
    scan = font("DejaVuSans.ttf", 40)
    for line in _wrapped(draw, text.scan, scan, 3):
        under.write(line, scan, INK, 16)
    under.y += 10
    under.write(text.link, font("DejaVuSans.ttf", 28), SOFT, 0)
    return image
