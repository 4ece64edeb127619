"""A public event's own link, end to end: from the web page to the chat, where a newcomer is
welcomed and answers at once; their answer lets the bot write to them about that event alone.
Links to events that cannot be answered are explained, and two presses at once count once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from bot.app import BoldenApp
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from tests.conftest import FakeClock, sign_up, until
from tests.e2e.test_bolde import next_message
from tests.e2e.test_broadcast import write_newsletter
from tests.e2e.test_events import drained, publish, received, run_due

EVERYONE = "[Alle, der har sagt ja]"
CONSENT = (
    "🔔 Svarer du ja, er du tilmeldt og har en plads (er der fuldt, kommer du på venteliste). "
    "Derefter skriver vi kun til dig om dette arrangement: en påmindelse, ændringer eller en "
    "aflysning. Ikke andet."
)
NOT_FOUND = (
    "Det link fører ikke til et arrangement, du kan svare på. Måske er det ikke sendt ud endnu, "
    "eller også er det kun for inviterede. Se de arrangementer, alle kan komme til, på vores "
    "side. Tryk »Svar i Telegram« ved det, du vil med til."
)


async def invite(
    karim: SimulatedPerson,
    title: str,
    start: str,
    audience: str = EVERYONE,
    seats: str = "20",
) -> None:
    """Karim writes a workshop and sends its invitations now, and they all go out (so that
    the summary of their sending is not taken for the bot's next answer)."""
    confirm = await publish(
        karim,
        "/event",
        ["[Workshop]", title, "Vi laver suppe sammen.", start, "21:00", "Medborgerhuset",
         seats, "[Kun inviterede]", audience],
    )  # fmt: skip
    done = len(received(karim, "🏁 Færdig"))
    await karim.press(confirm, "Send invitationer nu")
    await karim.emulator.wait_for(lambda: len(received(karim, "🏁 Færdig")) > done)


def event_id(query: Callable[..., list], title: str) -> int:
    [(found,)] = [tuple(r) for r in query("SELECT id FROM events WHERE title = ?", title)]
    return int(found)


async def opened(person: SimulatedPerson, found: int) -> ChatMessage:
    """Open the event's link; returns the bot's last message (a newcomer's welcome comes
    first)."""
    seen = len(person.messages)
    first = await person.send(f"/start ev-{found}")
    if "👋" in first.text.splitlines()[0]:  # the greeting
        return await next_message(person, seen + 1)
    return first


async def test_a_newcomer_answers_from_the_link_and_hears_of_that_event_alone(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    await invite(karim, "Suppe og snak", "3.12.2026 18:00")
    await emulator.wait_for(lambda: received(anna, "Suppe og snak"), what="the invitation")
    suppe = event_id(query, "Suppe og snak")
    eva = emulator.person(1009, "Eva", "da")  # never wrote to the bot, said yes to nothing

    welcome = await eva.send(f"/start ev-{suppe}")
    assert welcome.text.startswith("Hej Eva! 👋"), "first contact: the welcome comes first"
    page = await next_message(eva, 1)
    assert page.text.startswith("📅 Suppe og snak · Workshop")
    assert page.text.endswith(CONSENT)
    assert [b["text"] for b in page.buttons][:3] == ["Ja", "Måske", "Nej"]
    answer = await eva.press_data(page, page.button("Ja")["callback_data"])
    assert answer["text"] == "Dejligt! Du er tilmeldt."
    await emulator.wait_for(lambda: "✓ Ja" in str(page.buttons), what="the tick")
    assert query("SELECT answer FROM rsvps WHERE user_id = ?", eva.id)[0][0] == "yes"
    assert query("SELECT news_consent FROM people WHERE user_id = ?", eva.id)[0][0] is None

    listed = await eva.send("/events")
    assert "Suppe og snak" in listed.text, "she finds it again in her list"
    mine = await opened(anna, suppe)  # invited anyway: no line about the link
    assert CONSENT not in mine.text

    seen = len(eva.messages)
    await invite(karim, "Juletræ", "12.12.2026 15:00")
    confirm = await write_newsletter(karim, "Vinternyt", "Nyt fra byen.", "Alle, der har sagt ja")
    await karim.press(confirm, "Send nu")
    await emulator.wait_for(
        lambda: received(anna, "Juletræ") and received(anna, "Vinternyt"), what="the others"
    )
    clock.now = datetime(2026, 12, 2, 17, 30, tzinfo=UTC)  # a day before Suppe og snak
    await run_due(bot)
    await emulator.wait_for(lambda: received(eva, "Påmindelse"), what="her reminder")
    await until(drained(query))
    [reminder] = eva.messages[seen:]
    assert reminder.text.startswith("⏰ Påmindelse: Suppe og snak begynder 03.12.2026 18.00.")
    assert received(eva, "Juletræ") == [], "no other invitation"
    assert received(eva, "Vinternyt") == [], "no newsletter"


async def test_links_that_cannot_be_answered_are_explained_with_the_list(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    john: SimulatedPerson,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    await invite(karim, "Ambassadørmøde", "4.12.2026 17:00", "[Alle aktive ambassadører]")
    await invite(karim, "Morgenkaffe", "23.11.2026 09:00")
    await invite(karim, "Juletræ", "12.12.2026 15:00")
    await emulator.wait_for(lambda: received(anna, "Juletræ"), what="the invitations")
    found = {title: event_id(query, title) for title in ("Ambassadørmøde", "Morgenkaffe")}
    juletrae = event_id(query, "Juletræ")
    page = await karim.press(await karim.send("/events"), "Juletræ")
    await karim.press(await karim.press(page, "Aflys"), "Ja, aflys")

    eva = emulator.person(1009, "Eva", "da")
    for link in (9999, found["Ambassadørmøde"]):
        refused = await opened(eva, link)
        assert refused.text == NOT_FOUND, "nothing of hers to list under it"
    assert '/events">vores side</a>' in str(refused.html), "the web page's list of events"
    cancelled = await opened(eva, juletrae)
    assert cancelled.text == (
        "Det arrangement er desværre aflyst. Se de andre arrangementer på vores side."
    )
    gone = await eva.send("/start ev-soup")
    assert gone.text.startswith("Hej Eva! 👋\n\n🔗 Det link, du brugte, virker ikke længere.")
    forged = await eva.press_data(cancelled, f"ev:ans:{found['Morgenkaffe']}:yes")
    assert forged["text"].startswith("Invitationen er ikke sendt til dig"), "no link opened"

    mine = await opened(anna, found["Ambassadørmøde"])  # hers: she is invited
    assert mine.text.startswith("📅 Ambassadørmøde · Workshop")
    theirs = await opened(anna, juletrae)  # the note above her own list
    assert theirs.text.splitlines()[:3] == [
        "Det arrangement er desværre aflyst. Se de andre arrangementer på vores side.",
        "Det kommer",
        "• Morgenkaffe · 23.11.2026 09.00–21.00 · ikke svaret",
    ]
    english = await opened(john, found["Morgenkaffe"])
    assert english.text.endswith(
        "🔔 If you answer yes, you are signed up and have a seat (if it is full, you go on the "
        "waiting list). After that we only write to you about this event: a reminder, changes or "
        "a cancellation. Nothing else."
    )

    clock.now = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 9.30: Morgenkaffe has begun
    begun = await opened(eva, found["Morgenkaffe"])
    assert begun.text.splitlines()[0] == (
        "Det arrangement er begyndt, så du kan ikke længere svare. "
        "Se de næste arrangementer på vores side."
    )
    clock.now = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # 21.30: and ended
    over = await opened(eva, found["Morgenkaffe"])
    assert over.text == "Det arrangement er slut. Se de næste arrangementer på vores side."
    assert query("SELECT user_id FROM rsvps") == [], "nothing was answered"


async def test_two_at_once_on_the_last_seat_and_a_double_tap_count_once(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)  # an invitation needs someone to go to
    await invite(karim, "Suppe", "3.12.2026 18:00", seats="1")
    suppe = event_id(query, "Suppe")
    eva, finn = emulator.person(1009, "Eva", "da"), emulator.person(1010, "Finn", "da")
    pages = [await opened(eva, suppe), await opened(finn, suppe)]
    answers = await asyncio.gather(
        *(
            person.press_data(page, page.button("Ja")["callback_data"])
            for person, page in zip((eva, finn), pages, strict=True)
        ),
        eva.press_data(pages[0], pages[0].button("Ja")["callback_data"]),
    )
    texts = sorted(str(a["text"]) for a in answers)
    assert texts.count("Dejligt! Du er tilmeldt.") + sum(
        t.startswith("Der er fuldt lige nu.") for t in texts
    ) == len(answers)
    rows = query("SELECT answer, COUNT(*) FROM rsvps GROUP BY answer ORDER BY answer")
    assert [tuple(r) for r in rows] == [("waiting", 1), ("yes", 1)], "one seat, one row each"
