"""The web server in the bot's process: it starts and stops with the bot, answers in Danish
first and in English on request, and says kindly when a page does not exist."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from PIL import Image

from bot.app import build_application, running, web_of
from bot.config import Settings
from bot.sandbox.emulator import SimulatedPerson
from tests.conftest import DATA, FakeClock, sign_up
from tests.web import fetch


async def test_the_front_page_is_danish_first_and_english_on_request(site: str) -> None:
    danish = await fetch(f"{site}/")
    assert danish.status == 200
    assert '<html lang="da">' in danish.text
    assert "Strategiens temaer" in danish.text
    assert 'href="/?lang=en"' in danish.text
    assert danish.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert danish.headers["X-Content-Type-Options"] == "nosniff"

    english = await fetch(f"{site}/?lang=en")
    assert '<html lang="en">' in english.text
    assert "The strategy's themes" in english.text
    assert 'href="/bolde?lang=en"' in english.text  # links keep the language
    assert 'href="/"' in english.text  # and the switch leads back to Danish


async def test_a_page_that_does_not_exist_says_so_in_the_persons_language(site: str) -> None:
    missing = await fetch(f"{site}/nothing-here?lang=en")
    assert missing.status == 404
    assert "This page does not exist" in missing.text
    assert missing.headers["X-Content-Type-Options"] == "nosniff"


def table(page: str, caption: str) -> list[list[str]]:
    """The rows of the table with that caption, each a list of its cells' texts."""
    body = page.split(f"<caption>{caption}</caption>")[1].split("</table>")[0]
    return [
        re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1])
    ]


async def test_the_front_page_shows_the_strategy_its_old_targets_and_how_to_take_part(
    site: str,
) -> None:
    page = (await fetch(f"{site}/")).text

    assert "<h1>Strategi for Udsathed</h1>" in page
    assert "Sat i gang i juni 2018." in page
    assert page.count("<li><strong>") == 12 + 3, "the 12 themes and the 3 core areas"
    assert "<strong>Bolig: at have et hjem.</strong>" in page
    assert "Der er ikke sat mål for 2026 endnu." in page
    assert "0 aktive ambassadører nu." in page
    assert page.count('role="img"') == 3, "ambassadors, citizens and activities as charts"
    assert page.count('<details class="figures">') == 3
    assert table(page, "Ambassadører år for år") == [["2026 (nu)", "0", "–"]]
    # A share of nobody is no share: said, not shown as 0 %.
    assert "Der er ingen ambassadører endnu, så der er ingen borgerandel at vise." in page
    assert table(page, "Borgere blandt ambassadørerne") == [["Borgerandel", "–", "–"]]
    assert "0\xa0%" not in page.split('id="figure-citizens"')[1].split("</svg>")[0]
    assert table(page, "Afholdte aktiviteter") == [["2026", "0", "–"]]
    goals = page.split('<table aria-labelledby="goals">')[1].split("</table>")[0]
    assert '<th scope="row">2019–2020 (tidligere mål)</th><td>50 i 2019, 70 i 2020</td>' in goals
    assert 'href="https://t.me/bolden_sandbox_bot"' in page
    assert '<img src="/qr.png"' in page
    no_telegram = (
        '<p class="no-telegram">Ingen Telegram? Kontakt Fredericia Kommune: ring på '
        '<a href="tel:+4572107000">+45 72 10 70 00</a> eller se '
        '<a href="https://www.fredericia.dk">www.fredericia.dk</a>.</p>'
    )
    join = page.split('<section class="card join"')[1].split("</section>")[0]
    assert no_telegram in join, "a way in without Telegram where one decides to take part"
    assert no_telegram in page.split("<footer>")[1], "and at the foot of every page"
    events = (await fetch(f"{site}/events")).text.split('<main id="main">')[1]
    assert no_telegram in events.split("</main>")[0]
    assert 'href="/bolde">boldtavlen</a>' in page
    assert '0 bolde er sendt til strategien. <a href="/bolde">' in page, "no status to count"

    qr = await fetch(f"{site}/qr.png")
    assert qr.headers["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(qr.body)) as image:
        assert image.size == (240, 240)

    english = (await fetch(f"{site}/?lang=en")).text
    assert "No targets have been set for 2026 yet." in english
    assert "2019–2020 (earlier targets)" in english
    assert 'href="/bolde?lang=en">bold board</a>' in english
    assert "No Telegram? Contact Fredericia Kommune: call " in english
    join = english.split('<section class="card join"')[1]
    assert join.index("(Danish for “ball”) is an idea") < join.index("Send a bold.")


@asynccontextmanager
async def with_targets(
    settings: Settings, clock: FakeClock, anna: SimulatedPerson, john: SimulatedPerson
) -> AsyncIterator[str]:
    """A bot on a strategy with goals for this year, where Anna joined last year and John, a
    citizen, this year; yields the address of its web pages."""
    other = settings.model_copy(update={"content": DATA / "other_strategy.toml"})
    today = clock.now
    async with running(build_application(other, clock=clock)) as application:
        clock.now = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)
        await sign_up(anna)
        clock.now = today
        await sign_up(john, kind="Citizen")
        yield web_of(application).url


async def test_the_front_page_measures_the_figures_against_this_years_targets(
    settings: Settings,
    clock: FakeClock,
    anna: SimulatedPerson,
    john: SimulatedPerson,
) -> None:
    async with with_targets(settings, clock, anna, john) as site:
        page = (await fetch(f"{site}/")).text
        english = (await fetch(f"{site}/?lang=en")).text

    assert "Målene for 2026–2027 gælder nu." in page
    assert "2 af 4 ambassadører i 2026 (50\xa0%). Status: bagud." in page
    assert table(page, "Ambassadører år for år") == [["2025", "1", "–"], ["2026 (nu)", "2", "4"]]
    assert "100\xa0% af ambassadørerne er borgere. Målet er 50\xa0%. Status: nået." in page
    assert table(page, "Borgere blandt ambassadørerne") == [["Borgerandel", "100\xa0%", "50\xa0%"]]
    assert "0 af 4 aktiviteter i 2026–2027 (0\xa0%). Status: bagud." in page
    assert table(page, "Afholdte aktiviteter") == [["2026", "0", "–"], ["2026–2027", "0", "4"]]
    goals = page.split('<table aria-labelledby="goals">')[1].split("</table>")[0]
    assert '<th scope="row">2026–2027 (nu)</th><td>4 i 2026, 25 i 2027</td>' in goals
    assert '<th scope="row">2028 (kommende)</th><td>40 i 2028</td><td>–</td>' in goals
    chart = page.split('<svg class="chart"')[1].split("</svg>")[0]
    # Named and described by the heading and sentence shown above it, and by nothing else.
    assert 'aria-labelledby="figure-ambassadors"' in chart
    assert 'aria-describedby="figure-ambassadors-about"' in chart
    assert '<h3 id="figure-ambassadors">Ambassadører år for år</h3>' in page
    assert '<p id="figure-ambassadors-about">2 af 4 ambassadører' in page
    assert "<title" not in chart
    assert "<desc" not in chart
    assert "Mål 4" in chart, "the goal is marked on this year's bar"

    assert "2 of 4 ambassadors for 2026 (50%). Status: behind." in english
    assert "100% of the ambassadors are citizens. The target is 50%. Status: reached." in english
