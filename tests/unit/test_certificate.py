"""The certificate writes every name in a font that has its characters, in reading order, and
prints as an A4 PDF."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops

from bot.services.certificate import CertificateText, make
from bot.services.lettering import EMOJI, FONTS, Face, set_line

NAMES = {
    "danish": "Søren Ærø-Østergård",
    "arabic": "محمد عبد الله",
    "ukrainian": "Олена Ковальчук-Їжак",
    "emoji": "Anna 🌻 Jensen 👩‍💻🇺🇦",
    "hebrew": "נועה לוי",
    "tigrinya": "ሰላም ተስፋይ",
}
LINK = "https://t.me/bolden_sandbox_bot?start=ref-AbCdEf12"


def _text(name: str) -> CertificateText:
    return CertificateText(
        heading="Ambassadørbevis",
        strategy="Strategi for Udsathed",
        name=name,
        kind="Forening eller organisation",
        organisation="Foreningen for Hjemløse",
        number_line="Ambassadør nr. 42 · 22. november 2026",
        issued_by="Udstedt af Fredericia Kommune",
        themes_heading="Brænder for",
        themes=["Vær en god ven", "Bolig: at have et hjem"],
        invitation="Scan koden og bliv også ambassadør",
        link=LINK,
    )


def _cmap(font: str) -> set[int]:
    """Read from the file itself, not through the code under test."""
    with TTFont(FONTS / font) as opened:
        return set(opened.getBestCmap())


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_every_character_of_a_name_is_in_the_font_chosen_for_it(name: str) -> None:
    line = set_line(name, Face.SERIF_BOLD)

    assert line.left_out == ""
    assert sorted("".join(run.text for run in line.runs)) == sorted(name), "all drawn"
    for run in line.runs:
        missing = [c for c in run.text if ord(c) not in _cmap(run.font)]
        assert missing == [], f"{run.font} lacks {missing}"


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_the_name_is_drawn_where_the_name_goes(name: str) -> None:
    with_name = Image.open(io.BytesIO(make(_text(name)).png))
    without = Image.open(io.BytesIO(make(_text(" ")).png))

    box = ImageChops.difference(with_name, without).getbbox()

    assert box is not None, "the name left the certificate blank"
    left, top, right, bottom = box
    assert right - left > 150, "more than a speck of the name"
    assert top > 250, "only the name's line changed"
    assert bottom < 460, "only the name's line changed"


def test_scripts_keep_their_fonts_and_a_right_to_left_line_reads_from_the_right() -> None:
    line = set_line("محمد علي 🌻 Østergård", Face.SERIF_BOLD)

    assert [(run.font, run.text.strip()) for run in line.runs if run.text.strip()] == [
        (Face.SERIF_BOLD.value, "Østergård"),
        (EMOJI, "🌻"),
        ("NotoNaskhArabic-Bold.ttf", "محمد علي"),
    ]
    assert [run.right_to_left for run in line.runs] == [False, True, True, True]


def test_a_number_in_right_to_left_text_keeps_its_digits_in_order() -> None:
    line = set_line("محمد 12 علي", Face.SANS)

    assert [run.text for run in line.runs] == ["علي", " ", "12", "محمد "]


def test_characters_no_font_has_are_left_out_and_named() -> None:
    certificate = make(_text("李雷 Anna"))

    assert certificate.left_out == "李雷"
    assert set_line("李雷 Anna", Face.SERIF_BOLD).runs[0].text == " Anna"


def test_the_print_version_is_one_a4_page_with_the_same_working_code() -> None:
    certificate = make(_text("Søren"))

    assert certificate.pdf.startswith(b"%PDF-")
    assert re.findall(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", certificate.pdf) == [
        (b"841.92", b"595.2")
    ], "A4 landscape in points"
    assert 100_000 < len(certificate.pdf) < 3_000_000
    # The page is one JPEG image: read it back as a printer would see it.
    start = certificate.pdf.index(b"\xff\xd8")
    page = Image.open(io.BytesIO(certificate.pdf[start : certificate.pdf.rindex(b"\xff\xd9") + 2]))
    assert page.size == (3508, 2480), "300 dpi"
    assert [found.text for found in zxingcpp.read_barcodes(page)] == [LINK]
