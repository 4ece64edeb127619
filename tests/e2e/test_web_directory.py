"""The public list of ambassadors at /ambassadors: only those who said yes, only what they
agreed to show, escaped, gone at once when they take it back, leave or are erased; searchable,
filterable and paged, in Danish and English. And the accessibility statement."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest

from bot.app import BoldenApp
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import FakeClock, sign_up
from tests.e2e.test_reconfirmation import run_job
from tests.web import fetch

pytestmark = pytest.mark.usefixtures("bot")


async def join_as_association(
    person: SimulatedPerson, organisation: str, description: str, website: str
) -> None:
    """Sign up as an association with every field, an e-mail, and a yes to the public list."""
    question = await person.press(await person.send("/ambassador"), "Forening")
    await person.press(question, "✅")
    for answer in (organisation, description, website, "hemmelig@example.dk"):
        await person.send(answer)
    question = await person.press(person.last, "Ja, vis mig")
    welcome = await person.press(question, "Ja, det er i orden")
    await person.press(welcome, "En by for alle")


def names(page: str) -> list[str]:
    """The names on a page of the list, in their order."""
    return re.findall(r"<h3>(.*?)</h3>", page)


async def test_only_those_who_said_yes_are_shown_with_only_what_they_agreed_to(
    emulator: BotApiEmulator, john: SimulatedPerson, site: str, query
) -> None:
    anna = emulator.person(1001, "<script>alert(1)</script> Anna", "da")
    await anna.send("/start")
    await join_as_association(
        anna, "Klub <b>&</b> venner", 'Vi <i>hjælper</i> "alle"', "klubben.example/om"
    )
    await sign_up(john, "Citizen")  # no to the list

    danish = await fetch(f"{site}/ambassadors")

    assert danish.status == 200
    assert '<h2 id="found">1 ambassadør</h2>' in danish.text
    assert "kan du komme på listen eller fjerne dig fra den igen" in danish.text
    assert "Her tæller kun de ambassadører, der har valgt at stå på listen." in danish.text
    assert names(danish.text) == ["&lt;script&gt;alert(1)&lt;/script&gt; Anna"]
    assert "<script>" not in danish.text
    assert "<strong>Klub &lt;b&gt;&amp;&lt;/b&gt; venner</strong>" in danish.text
    assert "<p>Vi &lt;i&gt;hjælper&lt;/i&gt; &#34;alle&#34;</p>" in danish.text
    assert (
        '<a href="https://klubben.example/om" rel="nofollow ugc noopener">klubben.example/om</a>'
        in danish.text
    )
    assert "Forening eller organisation" in danish.text
    assert "Temaer: En by for alle" in danish.text
    [row] = query("SELECT number, referral_code FROM ambassadors WHERE user_id = ?", anna.id)
    for private in ("John", "hemmelig@example.dk", str(anna.id), row["referral_code"], "nr. 1"):
        assert private not in danish.text, private

    english = await fetch(f"{site}/ambassadors?lang=en")
    assert '<html lang="en">' in english.text
    assert '<h2 id="found">1 ambassador</h2>' in english.text
    assert '<p lang="da"><strong>Klub &lt;b&gt;&amp;&lt;/b&gt; venner</strong></p>' in english.text
    assert "Association or organisation" in english.text
    assert "Themes: A city for everyone" in english.text
    assert "John" not in english.text


def store_website(settings: Settings, website: str) -> None:
    """Write the database file as another process (an old version, a hand edit) would."""
    connection = sqlite3.connect(settings.database)
    try:
        with connection:
            connection.execute("UPDATE ambassadors SET org_website = ?", (website,))
    finally:
        connection.close()


async def test_a_website_that_is_no_web_address_is_not_linked(
    anna: SimulatedPerson, site: str, settings: Settings
) -> None:
    """An address stored before the sign-up checked it (or changed by hand) is left out."""
    await join_as_association(anna, "Klubben", "Vi ses", "klubben.example")
    for stored in ("javascript:alert(1)", "ftp://klubben.example"):
        await asyncio.to_thread(store_website, settings, stored)

        page = await fetch(f"{site}/ambassadors")

        assert names(page.text) == ["Anna"]
        assert stored not in page.text
        assert "Hjemmeside:" not in page.text


async def test_taking_it_back_leaving_and_erasure_take_people_off_at_once(
    anna: SimulatedPerson, john: SimulatedPerson, site: str
) -> None:
    await sign_up(anna, listed=True)
    await sign_up(john, "Citizen", listed=True)
    assert names((await fetch(f"{site}/ambassadors")).text) == ["Anna", "John"]

    profile = await anna.press(await anna.send("/me"), "Fjern mig fra den offentlige liste")
    assert names((await fetch(f"{site}/ambassadors")).text) == ["John"]
    await anna.press(profile, "Vis mig på den offentlige liste")
    assert names((await fetch(f"{site}/ambassadors")).text) == ["Anna", "John"]

    await anna.press(await anna.send("/leave"), "Ja, stop")
    assert names((await fetch(f"{site}/ambassadors")).text) == ["John"]
    await john.press(await john.send("/deleteme"), "Yes, delete everything")
    empty = await fetch(f"{site}/ambassadors")
    assert names(empty.text) == []
    assert "Ingen ambassadører står på listen endnu." in empty.text

    await sign_up(anna)  # back as an ambassador: asked again, and no is no
    assert names((await fetch(f"{site}/ambassadors")).text) == []


async def test_an_ambassador_who_goes_passive_leaves_the_list_until_they_choose_again(
    bot: BoldenApp, anna: SimulatedPerson, clock: FakeClock, site: str
) -> None:
    await sign_up(anna, listed=True)
    clock.advance(days=366)
    await run_job(bot)
    await anna.emulator.wait_for(lambda: "i et år" in anna.last.text, what="the yearly question")
    question = anna.last
    clock.advance(days=31)
    await run_job(bot)  # no answer: passive

    assert names((await fetch(f"{site}/ambassadors")).text) == []
    await anna.press(question, "Ja, jeg fortsætter")
    assert names((await fetch(f"{site}/ambassadors")).text) == [], "back, but not listed"
    assert "Offentlig liste: nej" in (await anna.send("/me")).text


async def test_search_by_name_organisation_and_theme_and_filter_by_kind_and_theme(
    emulator: BotApiEmulator, anna: SimulatedPerson, site: str
) -> None:
    await join_as_association(anna, "Havnens Venner", "Vi rydder op", "havn.example")
    ole, mia = emulator.person(1003, "Ole", "da"), emulator.person(1004, "Mia", "da")
    await sign_up(ole, listed=True)
    welcome = await sign_up(mia, "Frivillig", listed=True)
    await mia.press(await mia.press(welcome, "Næste"), "Vær en god ven")

    async def found(query: str) -> list[str]:
        return names((await fetch(f"{site}/ambassadors?{query}")).text)

    assert await found("q=havnens") == ["Anna"], "the organisation"
    assert await found("q=OLE") == ["Ole"], "the name, whatever the case"
    assert await found("q=god+ven") == ["Mia"], "a theme's title"
    assert await found("q=friend") == ["Mia"], "in either language"
    assert await found("q=frivillig") == ["Mia"], "a kind's title"
    assert await found("q=1") == [], "never the ambassador's number"
    assert await found("kind=citizen") == ["Ole"]
    assert await found("theme=city_for_all") == ["Anna"]
    assert await found("kind=volunteer&theme=friend&q=mia") == ["Mia"]
    assert await found("kind=nosuchkind&theme=%3Cx%3E") == ["Anna", "Mia", "Ole"], "ignored"

    none = await fetch(f"{site}/ambassadors?q=%3Cscript%3E&kind=citizen&lang=en")
    assert "No ambassadors match the search." in none.text
    assert 'value="&lt;script&gt;"' in none.text, "the search stays in its field, escaped"
    assert '<option value="citizen" selected>Citizen</option>' in none.text
    assert '<input type="hidden" name="lang" value="en">' in none.text
    assert '<a href="/ambassadors?lang=en">Show all ambassadors</a>' in none.text


async def test_fifty_to_a_page_with_links_that_keep_the_search(
    emulator: BotApiEmulator, site: str
) -> None:
    people = [emulator.person(2000 + n, f"Person {n:02}", "da") for n in range(52)]
    for batch in range(0, len(people), 13):
        await asyncio.gather(*(sign_up(p, listed=True) for p in people[batch : batch + 13]))

    first = await fetch(f"{site}/ambassadors?q=person")
    assert "52 ambassadører" in first.text
    assert names(first.text) == [f"Person {n:02}" for n in range(50)], "by name"
    assert "Side 1 af 2" in first.text
    assert '<a href="/ambassadors?q=person&amp;page=2" aria-label="Side 2">2</a>' in first.text
    assert 'href="/ambassadors?q=person&amp;page=2">Næste side →</a>' in first.text

    second = await fetch(f"{site}/ambassadors?q=person&page=2&lang=en")
    assert names(second.text) == ["Person 50", "Person 51"]
    assert "Page 2 of 2" in second.text
    assert 'href="/ambassadors?q=person&amp;lang=en">← Previous page</a>' in second.text
    beyond = await fetch(f"{site}/ambassadors?page=99")
    assert names(beyond.text) == ["Person 50", "Person 51"], "the last page"
    assert names((await fetch(f"{site}/ambassadors?page=x")).text)[0] == "Person 00"


async def test_the_accessibility_statement_names_the_contact_and_the_complaint(
    site: str,
) -> None:
    danish = await fetch(f"{site}/accessibility")
    assert danish.status == 200
    assert "<h1>Tilgængelighedserklæring</h1>" in danish.text
    for said in (
        "WCAG 2.1 på niveau AA",
        "axe-core i en rigtig browser",
        "med tastaturet alene",
        "<h2>Kendte mangler</h2>",
        "Vi tester siderne på en skærm med en mobiltelefons bredde.",
        '<a href="tel:+4572107000">+45 72 10 70 00</a>',
        '<a href="https://www.fredericia.dk">www.fredericia.dk</a>',
        "klage til Digitaliseringsstyrelsen",
        '<a href="https://www.digst.dk">www.digst.dk</a>',
        '<a href="mailto:fredericia@fredericia.dk">fredericia@fredericia.dk</a>',
        "sidst gennemgået den 1. december 2026",
    ):
        assert said in danish.text, said

    english = await fetch(f"{site}/accessibility?lang=en")
    assert "<h1>Accessibility statement</h1>" in english.text
    assert "the Agency for Digital Government (Digitaliseringsstyrelsen)" in english.text
    assert "last reviewed on 1 December 2026" in english.text
