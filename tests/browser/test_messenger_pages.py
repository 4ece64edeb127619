"""With Messenger connected, the public pages offer both chats, and stay accessible."""

from __future__ import annotations

from playwright.async_api import Page

from bot.app import BoldenApp, web_of
from tests.browser.conftest import accessible, keyboard_reaches

PAGE_CHAT = "https://m.me/boldenfredericia"


async def test_with_messenger_every_page_opens_both_chats_and_stays_accessible(
    messenger_bot: BoldenApp, page: Page
) -> None:
    site = web_of(messenger_bot).url
    for path in ("/", "/events", "/newsletters", "/accessibility"):
        for language in ("", "?lang=en"):
            await page.goto(f"{site}{path}{language}")
            await accessible(page)
            links = await page.locator(f'a[href^="{PAGE_CHAT}"]').count()
            assert links >= 1, f"{path}{language} offers Messenger"
    await page.goto(f"{site}/")
    await keyboard_reaches(page, "Skriv til Bolden på Messenger")
