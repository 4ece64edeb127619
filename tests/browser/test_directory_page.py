"""The public list of ambassadors and the accessibility statement in a real browser: axe-core
finds nothing to object to, empty, full, filtered and in both languages, and the search works
with the keyboard alone."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.browser.conftest import accessible
from tests.conftest import sign_up

pytestmark = pytest.mark.usefixtures("bot")


async def tab_to(page: Page, selector: str, presses: int = 30) -> None:
    """Tab on until the element that `selector` names has the focus."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"{selector} was not reached with the keyboard")


async def fits_a_phone(page: Page) -> None:
    """Nothing is wider than the phone's screen: no sideways scrolling."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390


async def test_the_list_is_accessible_empty_full_and_filtered_in_both_languages(
    emulator: BotApiEmulator, anna: SimulatedPerson, site: str, page: Page
) -> None:
    await page.goto(f"{site}/ambassadors")
    assert await page.locator("h1").inner_text() == "Ambassadører"
    await accessible(page)

    question = await anna.press(await anna.send("/ambassador"), "Forening")
    await anna.press(question, "✅")
    for answer in ("Klubben <i>", "Vi hjælper naboer", "klubben.example", "a@example.dk"):
        await anna.send(answer)
    await anna.press(await anna.press(anna.last, "Ja, vis mig"), "Ja, det er i orden")
    for n in range(3):
        await sign_up(emulator.person(2000 + n, f"Nabo {n}", "en"), "Citizen", listed=True)

    await page.goto(f"{site}/ambassadors")
    assert await page.locator("li.card").count() == 4
    await accessible(page)
    await fits_a_phone(page)
    await page.goto(f"{site}/ambassadors?lang=en&kind=citizen&q=nabo")
    assert await page.locator("li.card").count() == 3
    await accessible(page)
    await page.goto(f"{site}/ambassadors?lang=en&q=nobody")
    await accessible(page)


async def test_the_search_works_with_the_keyboard_alone(
    emulator: BotApiEmulator, site: str, page: Page
) -> None:
    for n, name in enumerate(("Anna", "Bent", "Carla")):
        await sign_up(emulator.person(2000 + n, name, "da"), listed=True)
    await page.goto(f"{site}/ambassadors")

    await tab_to(page, "#q")
    await page.keyboard.type("bent")
    await page.keyboard.press("Enter")

    await page.wait_for_url(f"{site}/ambassadors?q=bent&kind=&theme=")
    assert await page.locator("li.card h3").all_inner_texts() == ["Bent"]
    assert await page.locator("#q").input_value() == "bent"
    await tab_to(page, "#kind")
    await page.keyboard.press("ArrowDown")  # the first kind, Borger
    await tab_to(page, "form button")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{site}/ambassadors?q=bent&kind=citizen&theme=")
    assert await page.locator("li.card h3").all_inner_texts() == ["Bent"]


@pytest.mark.parametrize("language", ["da", "en"])
async def test_the_accessibility_statement_is_accessible(
    site: str, page: Page, language: str
) -> None:
    await page.goto(f"{site}/accessibility?lang={language}")
    assert await page.locator("h1").count() == 1
    await accessible(page)
    await fits_a_phone(page)
