"""Answers under pressure, end to end: twenty people press Yes on the same invitation at once,
and a press forged by someone the event was not sent to."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.app import BoldenApp
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from tests.conftest import sign_up, until
from tests.e2e.test_events import drained, publish, received

SEATS = 5
WORKSHOP = ["[Workshop]", "Suppe", "Vi laver suppe.", "3.12.2026 18:00", "21:00",
            "Medborgerhuset", str(SEATS), "[Kun inviterede]",
            "[Alle aktive ambassadører]"]  # fmt: skip


async def invite(
    emulator: BotApiEmulator, karim: SimulatedPerson, people: list[SimulatedPerson]
) -> list[ChatMessage]:
    """The people sign up, Karim invites the ambassadors to the workshop; their invitations."""
    await karim.send("/start")
    for person in people:
        await sign_up(person)
    confirm = await publish(karim, "/event", WORKSHOP)
    await karim.press(confirm, "Send invitationer nu")
    await emulator.wait_for(
        lambda: all(received(p, "Suppe") for p in people), what="the invitations"
    )
    return [received(p, "Suppe")[0] for p in people]


async def test_twenty_yes_at_once_fill_five_seats_and_the_coordinator_hears_once(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    people = [emulator.person(2000 + n, f"Person {n}", "da") for n in range(20)]
    invitations = await invite(emulator, karim, people)
    answers = await asyncio.gather(
        *(
            person.press_data(invitation, invitation.button("Ja")["callback_data"])
            for person, invitation in zip(people, invitations, strict=True)
        )
    )
    texts = sorted(str(a["text"]) for a in answers)
    assert texts.count("Dejligt! Du er tilmeldt.") == SEATS
    assert sum(t.startswith("Der er fuldt lige nu.") for t in texts) == 20 - SEATS
    rows = query("SELECT answer, COUNT(*) FROM rsvps GROUP BY answer ORDER BY answer")
    assert [tuple(r) for r in rows] == [("waiting", 15), ("yes", SEATS)]
    await emulator.wait_for(lambda: received(karim, "er fuldt"), what="the 100 % alert")
    await until(drained(query))
    assert len(received(karim, "er fuldt")) == 1, "the 100 % alert, exactly once"
    assert len(received(karim, "80 %")) == 1


async def test_a_forged_answer_from_someone_not_invited_is_refused_and_changes_nothing(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    [invitation] = await invite(emulator, karim, [anna])
    [(event_id,)] = [tuple(r) for r in query("SELECT id FROM events")]
    mallory = emulator.person(3003, "Mallory", "da")
    hello = await mallory.send("/start")  # a citizen, not an ambassador: not invited
    refused = await mallory.press_data(hello, f"ev:ans:{event_id}:yes")
    assert refused["show_alert"] is True
    assert refused["text"].startswith("Invitationen er ikke sendt til dig")
    assert query("SELECT user_id FROM rsvps") == [], "nothing changed"
    accepted = await anna.press_data(invitation, invitation.button("Ja")["callback_data"])
    assert accepted["text"] == "Dejligt! Du er tilmeldt."
