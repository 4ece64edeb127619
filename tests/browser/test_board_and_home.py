"""The front page and the bold board in a real browser: axe-core finds nothing to object to in
either language, with no data and with some, the board's filters work by keyboard, and the
front page is photographed for the README."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.async_api import Browser, Page

from bot.app import BoldenApp, build_application, running, web_of
from bot.config import DEFAULT_CONTENT, Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.browser.conftest import DOCS, accessible, keyboard_reaches
from tests.conftest import FakeClock, sign_up
from tests.e2e.test_bolde import send_bold
from tests.e2e.test_networks_and_inbox import arrived
from tests.e2e.test_web_board import answer_as_coordinator

SCREENSHOT = DOCS / "public-page.png"
# The shipped strategy's targets are history by 2026; the picture shows targets that hold.
TARGETS = """
[[targets]]
from_year = 2026
to_year = 2027
citizen_share = 0.5
activities = 6
ambassadors = [{ year = 2026, count = 8 }, { year = 2027, count = 20 }]
"""


async def fits_the_phone(page: Page) -> bool:
    """Nothing makes the page scroll sideways on the phone the `page` fixture is."""
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    return width <= 390


async def open_all_figures(page: Page) -> None:
    """Open every table of figures, so that axe-core checks them too."""
    for summary in await page.locator("details.figures > summary").all():
        await summary.click()


async def test_the_front_page_with_figures_is_accessible_in_both_languages(
    settings: Settings,
    clock: FakeClock,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    browser: Browser,
    tmp_path: Path,
) -> None:
    content = tmp_path / "strategy.toml"
    content.write_text(DEFAULT_CONTENT.read_text(encoding="utf-8") + TARGETS, encoding="utf-8")
    with_targets = settings.model_copy(update={"content": content})
    async with running(build_application(with_targets, clock=clock)) as application:
        for number, (name, kind) in enumerate(
            [("Anna", "Borger"), ("Bo", "Borger"), ("Eva", "Frivillig"), ("Ole", "Borger")]
        ):
            await sign_up(emulator.person(2001 + number, name, "da"), kind)
        await send_bold(emulator.person(2001, "Anna", "da"), "Flere bænke langs havnen, tak!")
        site = web_of(application).url

        context = await browser.new_context(viewport={"width": 800, "height": 1500})
        page = await context.new_page()
        await page.goto(f"{site}/")
        assert await page.locator("h1").count() == 1
        assert await page.locator("svg.chart").count() == 3
        await accessible(page)
        await page.screenshot(path=str(SCREENSHOT))
        await open_all_figures(page)
        await accessible(page)
        await page.goto(f"{site}/?lang=en")
        await open_all_figures(page)
        await accessible(page)
        await context.close()

    assert 0 < SCREENSHOT.stat().st_size < 300_000


async def test_the_board_is_accessible_empty_with_bolde_filtered_and_for_one_bold(
    bot: BoldenApp,
    site: str,
    page: Page,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    for language in ("da", "en"):
        await page.goto(f"{site}/bolde?lang={language}")
        await accessible(page)
    await page.goto(f"{site}/")
    await open_all_figures(page)
    await accessible(page)
    assert await fits_the_phone(page)

    await karim.send("/start")
    seen = len(karim.messages)
    await send_bold(anna, "Flere bænke langs havnen, tak!", themes=("Flere ind i fællesskaber",))
    card = await arrived(karim, seen, "🧭 Ingen regel passede på denne bold.")
    await answer_as_coordinator(karim, card, "Vi har sat tre nye bænke op.\nTak for idéen!", anna)
    await send_bold(anna, "Et fælles køkken i Ullerup, tak.", kind="En bekymring")

    for language in ("da", "en"):
        await page.goto(f"{site}/bolde?lang={language}")
        await open_all_figures(page)
        await accessible(page)
        assert await fits_the_phone(page)
        await page.goto(f"{site}/bolde/B-2026-0001?lang={language}")
        await accessible(page)
        await page.goto(f"{site}/bolde?status=received&theme=communities&lang={language}")
        await accessible(page)


async def test_the_boards_filters_and_search_work_by_keyboard_alone(
    bot: BoldenApp, site: str, page: Page, anna: SimulatedPerson
) -> None:
    await send_bold(anna, "Flere bænke langs havnen, tak!", themes=("Flere ind i fællesskaber",))
    await send_bold(anna, "Et fælles køkken i Ullerup, tak.")
    await page.goto(f"{site}/bolde")

    await keyboard_reaches(page, "Modtaget")  # the status list
    await page.keyboard.press("ArrowDown")
    assert await page.locator("#status").input_value() == "received"
    await keyboard_reaches(page, "Flere ind i fællesskaber")  # the theme list
    await page.keyboard.press("End")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/bolde?*status=received*")
    assert "theme=" in page.url
    assert await page.locator("#status").input_value() == "received"

    await page.goto(f"{site}/bolde?lang=en")
    for _ in range(30):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.id") == "reference":
            break
    await page.keyboard.type("b-2026-0001")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{site}/bolde/B-2026-0001?lang=en")
    assert await page.locator("h1").inner_text() == "Bold B-2026-0001"
    await accessible(page)
