"""The public pages in a real browser: they work on a phone, by keyboard, and axe-core finds
nothing to object to."""

from __future__ import annotations

from playwright.async_api import Page

from tests.browser.conftest import accessible, keyboard_reaches


async def test_the_front_page_is_accessible_and_usable_by_keyboard(site: str, page: Page) -> None:
    await page.goto(f"{site}/")
    assert await page.locator("h1").count() == 1
    await accessible(page)
    await keyboard_reaches(page, "Gå til indholdet")
    await keyboard_reaches(page, "English")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{site}/?lang=en")
    await accessible(page)
