"""Where the keyboard is must be plain to see (WCAG 1.4.11 and 2.4.7): the focus ring stands
out at 3:1 or more from the page, and its halo from the control it surrounds, in light and in
dark mode, on links, buttons, form fields and the scrollable tables."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page

FOCUSED = """element => {
  const style = getComputedStyle(element);
  return {
    outline: style.outlineColor,
    width: style.outlineWidth,
    halo: style.boxShadow,
    control: style.backgroundColor,
    page: getComputedStyle(document.body).backgroundColor,
  };
}"""


def rgb(css: str) -> tuple[tuple[float, float, float], float]:
    """The colour and its opacity from the first rgb()/rgba() in a computed style."""
    match = re.search(r"rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)", css)
    assert match, css
    red, green, blue, alpha = match.groups()
    return (float(red), float(green), float(blue)), float(alpha) if alpha else 1.0


def luminance(colour: tuple[float, float, float]) -> float:
    """WCAG 2.1 relative luminance."""
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        for c in (v / 255 for v in colour)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: tuple[float, float, float], other: tuple[float, float, float]) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_function_gives_wcags_figures() -> None:
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast((0xF2, 0xA9, 0x00), (255, 255, 255)), 1) == 2.0, "the old ring"


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_focus_ring_stands_out_from_the_page_and_the_control(
    site: str, page: Page, scheme: str
) -> None:
    await page.emulate_media(color_scheme=scheme)
    targets = {
        "/": ["nav a", "a.button", '.table-wrap[aria-labelledby="goals"]'],
        "/bolde": ["form.filters select", "form.filters button"],
    }
    for address, selectors in targets.items():
        await page.goto(f"{site}{address}")
        await page.keyboard.press("Tab")  # the keyboard is in use: focus is shown
        for selector in selectors:
            element = page.locator(selector).first
            await element.focus()
            assert await element.evaluate("e => e.matches(':focus-visible')"), selector
            seen = await element.evaluate(FOCUSED)
            ring, background = rgb(seen["outline"])[0], rgb(seen["page"])[0]
            halo = rgb(seen["halo"])[0]
            control, opacity = rgb(seen["control"])
            assert seen["width"] == "3px", selector
            assert contrast(ring, background) >= 3, (scheme, selector, "ring and page")
            assert contrast(ring, halo) >= 3, (scheme, selector, "ring and halo")
            if opacity == 1 and control != background:
                assert contrast(halo, control) >= 3, (scheme, selector, "halo and control")
