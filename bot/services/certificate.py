"""The ambassador certificate: a PNG to be proud of, with a QR code that invites others."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel

FONTS = Path(__file__).parents[1] / "content" / "fonts"
WIDTH, HEIGHT = 1600, 920
LEFT, RIGHT = 110, 1060  # the text column; the QR code stands to the right of it
QR_LEFT, QR_TOP, QR_SIZE = 1120, 220, 380
Colour = tuple[int, int, int]
INK = (33, 42, 62)
ACCENT = (201, 94, 45)
SOFT = (96, 108, 128)
PAPER = (252, 249, 242)


class CertificateText(BaseModel):
    """Everything written on the certificate, already in the person's language."""

    heading: str  # "Ambassadørbevis"
    strategy: str
    municipality: str
    name: str
    organisation: str | None
    number_line: str  # "Ambassadør nr. 42 · 22. november 2026"
    themes_heading: str
    themes: list[str]
    invitation: str  # under the QR code
    link: str


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


def _fit(draw: ImageDraw.ImageDraw, text: str, name: str, size: int) -> ImageFont.FreeTypeFont:
    """The largest font up to `size` in which `text` fits on one line of the text column."""
    while size > 18:
        fitted = font(name, size)
        if draw.textlength(text, font=fitted) <= RIGHT - LEFT:
            return fitted
        size -= 2
    return font(name, size)


class Column:
    """Writes centred lines down the text column, keeping track of where the next one goes."""

    def __init__(self, draw: ImageDraw.ImageDraw, y: int, left: int, right: int) -> None:
        self.draw, self.y, self.left, self.right = draw, y, left, right

    def write(self, text: str, font: ImageFont.FreeTypeFont, fill: Colour, gap: int) -> None:
        width = self.draw.textlength(text, font=font)
        self.draw.text(((self.left + self.right - width) / 2, self.y), text, font=font, fill=fill)
        box = self.draw.textbbox((0, 0), text, font=font)
        self.y += int(box[3] - box[1]) + gap


def _lines(
    draw: ImageDraw.ImageDraw, items: list[str], font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Items joined by dots, a line broken only between items."""
    lines: list[str] = []
    for item in items:
        joined = f"{lines[-1]} · {item}" if lines else item
        if lines and draw.textlength(joined, font=font) <= width:
            lines[-1] = joined
        else:
            lines.append(item)
    return lines


def qr_image(link: str, size: int = QR_SIZE) -> Image.Image:
    code = qrcode.QRCode(border=2, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(link)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color=INK, back_color=PAPER).get_image()
    return image.convert("RGB").resize((size, size), Image.Resampling.NEAREST)


def render(text: CertificateText) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, WIDTH - 30, HEIGHT - 30), outline=INK, width=6)
    draw.rectangle((48, 48, WIDTH - 48, HEIGHT - 48), outline=ACCENT, width=2)

    column = Column(draw, 100, LEFT, RIGHT)
    strategy = text.strategy.upper()
    column.write(strategy, _fit(draw, strategy, "DejaVuSans-Bold.ttf", 34), ACCENT, 14)
    column.write(text.municipality, font("DejaVuSans.ttf", 26), SOFT, 50)
    column.write(text.heading, _fit(draw, text.heading, "DejaVuSerif-Bold.ttf", 84), INK, 60)
    column.write(text.name, _fit(draw, text.name, "DejaVuSerif-Bold.ttf", 72), INK, 22)
    if text.organisation:
        fitted = _fit(draw, text.organisation, "DejaVuSans.ttf", 36)
        column.write(text.organisation, fitted, INK, 18)
    draw.line((LEFT + 200, column.y + 20, RIGHT - 200, column.y + 20), fill=ACCENT, width=3)
    column.y += 44
    column.write(text.number_line, font("DejaVuSans.ttf", 28), SOFT, 50)
    if text.themes:
        column.write(text.themes_heading, font("DejaVuSans-Bold.ttf", 26), INK, 16)
        small = font("DejaVuSans.ttf", 23)
        for line in _lines(draw, text.themes, small, RIGHT - LEFT)[:5]:
            column.write(line, small, INK, 10)

    image.paste(qr_image(text.link), (QR_LEFT, QR_TOP))
    under = Column(draw, QR_TOP + QR_SIZE + 20, QR_LEFT - 20, QR_LEFT + QR_SIZE + 20)
    for line in textwrap.wrap(text.invitation, width=24):
        under.write(line, font("DejaVuSans.ttf", 24), SOFT, 8)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
