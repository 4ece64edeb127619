"""The coordinators' dashboard in a real browser, opened as Telegram opens a Mini App: its
script signs in with the initData in the address's fragment, the charts and the ambassador
list appear, axe-core finds nothing to object to, and the screenshot for the README is taken."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from playwright.async_api import Page

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.browser.conftest import DOCS, accessible
from tests.conftest import FakeClock, sign_up
from tests.e2e.test_bolde import send_bold
from tests.e2e.test_dashboard import init_data, person

NAMES = ("Aksel", "Bo", "Clara", "Dina", "Emil", "Frida", "Gustav", "Hanne", "Ida")


async def test_the_dashboard_signs_in_from_telegram_and_shows_charts_and_the_list(
    site: str,
    page: Page,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    clock: FakeClock,
) -> None:
    for number, name in enumerate(NAMES):
        clock.now = datetime(2026, 3 + number, 10, 12, 0, tzinfo=UTC)
        await sign_up(emulator.person(2001 + number, name, "da"))
        theme = ("En by for alle", "Sport i fællesskaber")[number % 2]
        await send_bold(anna, "Flere bænke ved stien langs fjorden.", themes=(theme,))
    clock.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    data = init_data(person(karim), clock.now)

    await page.goto(f"{site}/dashboard#tgWebAppData={quote(data, safe='')}")

    await page.wait_for_url(f"{site}/dashboard/view?**")
    assert "#" not in page.url, "the signed data left the address"
    dashboard = page.url
    # The three targets, ambassadors month by month and bolde four ways, each under its
    # visible heading, which names the chart too.
    assert await page.locator("svg.chart").count() == 8
    for name in (
        "Ambassadører måned for måned",
        "Bolde efter slags",
        "Borgere blandt ambassadørerne",
    ):
        assert await page.get_by_role("heading", name=name).is_visible()
        assert await page.get_by_role("img", name=name).count() == 1
    assert await page.locator("h1").inner_text() == "Dashboard for koordinatorer"
    await page.get_by_label("Navn, organisation, nummer, type eller tema").fill("Frida")
    await page.get_by_role("button", name="Søg").click()
    await page.wait_for_url("**q=Frida**")
    assert await page.get_by_role("rowheader", name="Frida").count() == 1
    assert "1 ambassadør fundet" in await page.get_by_role("status").inner_text()
    await accessible(page)

    await page.goto(dashboard)
    await page.get_by_role("link", name="Næste side").click()
    await page.wait_for_url("**page=2**")
    assert "Side 2 af 2" in await page.get_by_role("navigation", name="Sider").inner_text()
    assert await page.get_by_role("rowheader", name="Ida").count() == 1, "the ninth, on page 2"

    await page.goto(dashboard)
    DOCS.mkdir(exist_ok=True)
    shot = DOCS / "dashboard.png"
    await page.screenshot(path=shot)
    assert 10_000 < shot.stat().st_size < 300_000


async def test_opened_outside_telegram_the_dashboard_says_where_to_open_it(
    site: str, page: Page
) -> None:
    await page.goto(f"{site}/dashboard")

    await page.wait_for_url(f"{site}/dashboard/refused?**")
    assert "Dashboardet åbner kun inde i Telegram." in await page.locator("main").inner_text()
    await accessible(page)
