"""The coordinators' dashboard in a real browser, opened as Telegram opens a Mini App: its
script signs in with the initData in the address's fragment, the charts and the ambassador
list appear, axe-core finds nothing to object to, and the screenshot for the README is taken."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from playwright.async_api import Page

from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.browser.conftest import DOCS, accessible
from tests.conftest import FakeClock, sign_up
from tests.e2e.test_bolde import send_bold
from tests.e2e.test_dashboard import init_data, person
from tests.unit.test_charts import LONG

TITLE = LONG  # the longest title an event may have
NAMES = ("Aksel", "Bo", "Clara", "Dina", "Emil", "Frida", "Gustav", "Hanne", "Ida")

# Every text of every chart: outside its chart, or touching another text, as drawn.
MISDRAWN = """() => [...document.querySelectorAll("svg.chart")].flatMap((svg) => {
  const width = svg.viewBox.baseVal.width;
  const boxes = [...svg.querySelectorAll("text")].map((text) => {
    const box = text.getBBox();
    return { text: text.textContent, left: box.x, right: box.x + box.width,
             top: box.y, bottom: box.y + box.height };
  });
  const outside = boxes.filter((a) => a.left < 0 || a.right > width).map((a) => a.text);
  const touching = boxes.flatMap((a, i) => boxes.slice(i + 1)
    .filter((b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
    .map((b) => `${a.text} / ${b.text}`));
  return [...outside, ...touching];
})"""


def event_opening_for_check_in(settings: Settings, starts: datetime) -> None:
    """A published event with the longest title, written by another process; its check-in
    opens an hour before it starts."""
    connection = sqlite3.connect(settings.database)
    try:
        with connection:
            connection.execute(
                "INSERT INTO events (kind, title, description, starts_at, ends_at, place, "
                "audience, status, publish_at, reminders, created_at, checkin_code) "
                "VALUES ('workshop', ?, 'Vi mødes.', ?, ?, 'Rådhuset', 'amb', 'published', "
                "'2026-11-01T00:00:00+00:00', '[]', '2026-11-01T00:00:00+00:00', 'code')",
                (TITLE, starts.isoformat(), (starts + timedelta(hours=2)).isoformat()),
            )
    finally:
        connection.close()


async def test_the_dashboard_signs_in_from_telegram_and_shows_charts_and_the_list(
    site: str,
    page: Page,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    clock: FakeClock,
    settings: Settings,
) -> None:
    for number, name in enumerate(NAMES):
        clock.now = datetime(2026, 3 + number, 10, 12, 0, tzinfo=UTC)
        await sign_up(emulator.person(2001 + number, name, "da"))
        theme = ("En by for alle", "Sport i fællesskaber")[number % 2]
        await send_bold(anna, "Flere bænke ved stien langs fjorden.", themes=(theme,))
    clock.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    event_opening_for_check_in(settings, clock.now + timedelta(minutes=40))
    data = init_data(person(karim), clock.now)

    await page.goto(f"{site}/dashboard#tgWebAppData={quote(data, safe='')}")

    await page.wait_for_url(f"{site}/dashboard/view?**")
    assert "#" not in page.url, "the signed data left the address"
    dashboard = page.url
    # The three targets, ambassadors month by month, bolde four ways and the event whose
    # check-in has opened, each under its visible heading, which names the chart too.
    assert await page.locator("svg.chart").count() == 9
    assert await page.evaluate(MISDRAWN) == []
    # Months on the axes of ambassadors and of bolde over time read as months, not days.
    assert await page.locator("svg.chart text", has_text="nov. 2026").count() == 2
    assert await page.locator("svg.chart text", has_text="nov. 26").count() == 0
    for name in (
        "Ambassadører måned for måned",
        "Bolde efter slags",
        "Borgere blandt ambassadørerne",
    ):
        assert await page.get_by_role("heading", name=name).is_visible()
        assert await page.get_by_role("img", name=name).count() == 1
    assert await page.locator("h1").inner_text() == "Dashboard for koordinatorer"
    # What waits comes first; the event about to start is listed as coming, in its own box.
    assert await page.locator("h2").first.inner_text() == "Det venter på jer"
    assert await page.get_by_role("region", name="Arrangementer på vej").count() == 1
    await page.get_by_label("Navn, organisation, nummer, type eller tema").fill("Frida")
    await page.get_by_role("button", name="Søg").click()
    await page.wait_for_url("**q=Frida**")
    assert await page.get_by_role("rowheader", name="Frida").count() == 1
    assert "1 ambassadør fundet" in await page.get_by_role("status").inner_text()
    # On a phone the list scrolls in its own labelled, focusable box; the page itself does not.
    listed = page.get_by_role("region", name="Ambassadørerne, søgningen fandt")
    await listed.focus()
    assert await listed.evaluate("(box) => getComputedStyle(box).outlineStyle") == "solid"
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
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
