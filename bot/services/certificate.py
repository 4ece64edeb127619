"""The ambassador certificate: a PNG to share and a PDF to print, with a QR code that invites
others and the invite link written under it for those who cannot scan."""

from __future__ import annotations

import io
import textwrap
import threading

import qrcode
from PIL import Image
from pydantic import BaseModel

from bot.services.lettering import Colour, Face, Line, Page, set_line

WIDTH, HEIGHT = 1600, 920  # in design units: pixels of the PNG, half-pixels of the print
LEFT, RIGHT = 110, 1060  # the text column; the QR code stands to the right of it
QR_LEFT, QR_TOP, QR_SIZE = 1120, 200, 380
BOTTOM, THEME_GAP = 862, 6  # where the text column ends, inside the frame
# A4 landscape at 300 dpi; A5 is the same shape, so it prints from this page scaled to fit.
A4 = (3508, 2480)
PRINT_SCALE, PRINT_DPI = 2, 300

INK = (33, 42, 62)
ACCENT = (201, 94, 45)
SOFT = (96, 108, 128)
PAPER = (252, 249, 242)
# The fonts are opened once and shared; a FreeType face is not safe to draw with from two
# threads at once, and certificates are drawn in worker threads.
_DRAWING = threading.Lock()


class CertificateText(BaseModel):
    """Everything written on the certificate, already in the person's language."""

    heading: str  # "Ambassadørbevis"
    strategy: str
    name: str
    kind: str  # "Forening eller organisation"
    organisation: str | None
    number_line: str  # "Ambassadør nr. 42 · 22. november 2026"
    issued_by: str  # "Udstedt af Fredericia Kommune"
    themes_heading: str
    themes: list[str]
    invitation: str  # under the QR code
    link: str


class Certificate(BaseModel):
    png: bytes
    pdf: bytes
    left_out: str  # characters of the name or organisation that no shipped font can draw


def _column(page: Page, text: str, face: Face, size: int, fill: Colour, gap: int) -> Line:
    """A line of the text column, as large as fits up to `size`."""
    line = set_line(text, face)
    page.write(line, page.fit(line, size, RIGHT - LEFT), fill, gap, (LEFT, RIGHT))
    return line


def _themes(page: Page, items: list[str], size: int) -> list[str]:
    """Items joined by dots, a line broken only between items."""
    lines: list[str] = []
    for item in items:
        joined = f"{lines[-1]} · {item}" if lines else item
        if lines and page.width(set_line(joined, Face.SANS), size) <= (RIGHT - LEFT) * page.scale:
            lines[-1] = joined
        else:
            lines.append(item)
    return lines


def qr_image(link: str, size: int) -> Image.Image:
    """A QR code for `link`, `size` pixels square, in the certificate's ink on its paper."""
    code = qrcode.QRCode(border=2, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(link)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color=INK, back_color=PAPER).get_image()
    return image.convert("RGB").resize((size, size), Image.Resampling.NEAREST)


def _render(text: CertificateText, scale: int) -> tuple[Image.Image, str]:
    """The certificate and the characters of the person's own words it had to leave out."""
    s = scale
    image = Image.new("RGB", (WIDTH * s, HEIGHT * s), PAPER)
    page = Page(image, s, 90)
    page.frame(30, INK, 6)
    page.frame(48, ACCENT, 2)

    _column(page, text.strategy.upper(), Face.SANS_BOLD, 34, ACCENT, 24)
    _column(page, text.heading, Face.SERIF_BOLD, 76, INK, 30)
    left_out = _column(page, text.name, Face.SERIF_BOLD, 72, INK, 14).left_out
    _column(page, text.kind, Face.SANS, 26, SOFT, 6)
    if text.organisation:
        left_out += _column(page, text.organisation, Face.SANS, 32, INK, 10).left_out
    rule = (page.y + 14) * s
    page.draw.line(((LEFT + 200) * s, rule, (RIGHT - 200) * s, rule), fill=ACCENT, width=3 * s)
    page.y += 32
    _column(page, text.number_line, Face.SANS, 26, SOFT, 6)
    _column(page, text.issued_by, Face.SANS, 26, SOFT, 26)
    if text.themes:
        _column(page, text.themes_heading, Face.SANS_BOLD, 24, INK, 8)
        lines = _themes(page, text.themes, 22)
        room = (BOTTOM - page.y) // (page.height(Face.SANS, 22) + THEME_GAP)
        if len(lines) > room:
            lines = [*lines[: room - 1], f"{lines[room - 1]} · …"]
        for line in lines:
            _column(page, line, Face.SANS, 22, INK, THEME_GAP)

    image.paste(qr_image(text.link, QR_SIZE * s), (QR_LEFT * s, QR_TOP * s))
    page.y = QR_TOP + QR_SIZE + 16
    under = (QR_LEFT - 20, QR_LEFT + QR_SIZE + 20)
    for part in textwrap.wrap(text.invitation, width=24):
        page.write(set_line(part, Face.SANS), 24, SOFT, 6, under)
    page.y += 10
    # Broken before the start parameter, so a long bot name still fits beside the column.
    address, _, start = text.link.removeprefix("https://").partition("?")
    for part in filter(None, (address, f"?{start}" if start else "")):
        link = set_line(part, Face.SANS_BOLD)
        page.write(link, page.fit(link, 22, under[1] - under[0]), INK, 4, under)
    return image, left_out


def make(text: CertificateText) -> Certificate:
    """The PNG for the chat and an A4 PDF drawn at twice the size, for a sharp print."""
    with _DRAWING:
        image, left_out = _render(text, 1)
        big, _ = _render(text, PRINT_SCALE)
    png = io.BytesIO()
    image.save(png, format="PNG")
    sheet = Image.new("RGB", A4, PAPER)
    sheet.paste(big, ((A4[0] - big.width) // 2, (A4[1] - big.height) // 2))
    pdf = io.BytesIO()
    # Pillow embeds an RGB page as JPEG; full chroma and high quality keep small text crisp.
    sheet.save(pdf, format="PDF", resolution=PRINT_DPI, quality=92, subsampling=0)
    return Certificate(png=png.getvalue(), pdf=pdf.getvalue(), left_out=left_out)
