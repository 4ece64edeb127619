"""The newsletter archive, a newsletter, the events and the unsubscribe page in a real browser:
axe-core finds nothing to object to, on a phone, and the unsubscribe button works without
JavaScript."""

from __future__ import annotations

from collections.abc import Callable

from playwright.async_api import Page

from bot.app import BoldenApp
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from bot.web.signing import sign
from tests.browser.conftest import accessible, keyboard_reaches
from tests.conftest import sign_up
from tests.e2e.test_broadcast import finished, write_newsletter
from tests.e2e.test_events import publish


async def test_news_events_and_unsubscribe_pages_are_accessible(
    bot: BoldenApp,
    site: str,
    page: Page,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    settings: Settings,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna, email="anna@example.dk")
    body = "Kære alle\n\nVi ses til <fællesspisning> fredag."
    confirm = await write_newsletter(karim, "Forårsnyt", body, "Alle aktive ambassadører")
    await karim.press(confirm, "Send nu")
    await finished(emulator, karim)
    confirm = await publish(
        karim,
        "/event",
        ["[Workshop]", "Suppe og snak", "Vi laver suppe sammen.\n\nTag en ven med.",
         "3.12.2026 18:00", "21:00", "Medborgerhuset", "20", "[Kun inviterede]",
         "[Alle, der har sagt ja]"],
    )  # fmt: skip
    await karim.press(confirm, "Send invitationer nu")

    await page.goto(f"{site}/newsletters")
    await accessible(page)
    await page.get_by_role("link", name="Forårsnyt").click()
    await page.wait_for_url(f"{site}/newsletters/*")
    assert await page.locator("h1").inner_text() == "Forårsnyt"
    await accessible(page)

    await page.goto(f"{site}/events?lang=en")
    assert await page.get_by_role("heading", name="Suppe og snak").count() == 1
    await accessible(page)
    await keyboard_reaches(page, "Add to your calendar")
    [(suppe,)] = [tuple(r) for r in query("SELECT id FROM events")]
    answer = page.get_by_role("link", name="Answer in Telegram")
    assert await answer.get_attribute("href") == f"https://t.me/bolden_sandbox_bot?start=ev-{suppe}"
    await keyboard_reaches(page, "Answer in Telegram")

    await finished(emulator, karim)
    listed = await karim.press(await karim.send("/events"), "Suppe og snak")
    await karim.press(await karim.press(listed, "Aflys"), "Ja, aflys")
    await page.goto(f"{site}/events")
    heading = page.get_by_role("heading", name="Aflyst Suppe og snak")
    assert await heading.count() == 1, "a cancelled event stays, marked"
    assert await page.get_by_role("link", name="Svar i Telegram").count() == 0
    await accessible(page)
    await page.emulate_media(color_scheme="dark")
    await accessible(page)
    await page.emulate_media(color_scheme="light")

    [token] = [r[0] for r in query("SELECT email_token FROM ambassadors WHERE user_id = 1001")]
    await page.goto(f"{site}/unsubscribe/{sign(settings, 'unsubscribe', token)}")
    await accessible(page)
    await page.get_by_role("button", name="Stop nyhedsbrevet på e-mail").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Du er afmeldt"
    await accessible(page)
    assert query("SELECT newsletter_by_email FROM ambassadors WHERE user_id = 1001")[0][0] == 0
