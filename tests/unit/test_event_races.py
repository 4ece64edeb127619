"""Seats and the waiting list under presses at the same moment, on a real SQLite file: the
writes decide, so nothing is overbooked, the queue keeps the order of the answers, and every
promotion and alert is owed (stored in the outbox) exactly once. Also: who may answer."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.services import Services
from bot.services.delivery import ALL, AMBASSADORS, OutboxItem
from bot.services.events import Answered, Choice, Problem
from storage.events import Event
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services
from tests.unit.test_event_rules import event

PEOPLE = range(1, 21)
COORDINATOR = 99
# The order the 20 press Yes in: not their ids' order, so the queue cannot follow the ids.
PRESSES = [7, 3, 19, 1, 12, 20, 5, 14, 2, 9, 17, 4, 11, 16, 8, 13, 6, 18, 10, 15]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def services(database: Target, clock: FakeClock) -> AsyncIterator[Services]:
    async with built_services(database, clock, [*PEOPLE, 30, COORDINATOR]) as built:
        yield built


async def notices(result: Answered) -> list[OutboxItem]:
    """What an answer owes, in the shape the handlers give it: a seat, an alert."""
    items: list[OutboxItem] = [
        ("telegram", user_id, None, {"text": "seat"}) for user_id in result.promoted
    ]
    if result.alert:
        items.append(("telegram", COORDINATOR, None, {"text": f"alert {result.alert}"}))
    return items


async def workshop(
    services: Services, clock: FakeClock, audience: str = AMBASSADORS, invited: range = PEOPLE
) -> Event:
    return await event(services, clock, invited, capacity=5, audience=audience)


async def outbox(services: Services) -> Counter[tuple[int, str]]:
    rows = await services.db.fetch_all("SELECT user_id, payload FROM outbox WHERE batch_id IS NULL")
    return Counter((int(row[0]), str(json.loads(row[1])["text"])) for row in rows)


async def test_twenty_yes_at_once_fill_five_seats_and_the_rest_wait_in_the_order_they_answered(
    services: Services, clock: FakeClock
) -> None:
    e = await workshop(services, clock)
    results = await asyncio.gather(
        *(services.events.answer(e.id, u, f"P{u}", Choice.YES, notices) for u in PRESSES)
    )
    assert [r.answer for r in results] == ["yes"] * 5 + ["waiting"] * 15
    assert [r.position for r in results[5:]] == list(range(1, 16))
    answers = await services.events.answers(e.id)
    assert sorted(a.user_id for a in answers if a.answer == "yes") == sorted(PRESSES[:5])
    assert [a.user_id for a in answers if a.answer == "waiting"] == PRESSES[5:]
    assert await outbox(services) == {
        (COORDINATOR, "alert 80"): 1,
        (COORDINATOR, "alert 100"): 1,
    }, "each level of seats is told once"


async def test_two_seats_given_up_at_once_go_to_the_first_two_who_wait_each_told_once(
    services: Services, clock: FakeClock
) -> None:
    e = await workshop(services, clock)
    for user_id in PRESSES:
        await services.events.answer(e.id, user_id, f"P{user_id}", Choice.YES, notices)
    results = await asyncio.gather(
        *(services.events.answer(e.id, u, "x", Choice.NO, notices) for u in PRESSES[:2])
    )
    assert sorted(u for r in results for u in r.promoted) == sorted(PRESSES[5:7])
    answers = await services.events.answers(e.id)
    seated = {a.user_id for a in answers if a.answer == "yes"}
    assert seated == {*PRESSES[2:5], *PRESSES[5:7]}
    assert [a.user_id for a in answers if a.answer == "waiting"] == PRESSES[7:]
    seats_told = {key: n for key, n in (await outbox(services)).items() if key[1] == "seat"}
    assert seats_told == {(PRESSES[5], "seat"): 1, (PRESSES[6], "seat"): 1}


async def test_only_those_invited_or_in_the_audience_can_answer(
    services: Services, clock: FakeClock
) -> None:
    for_ambassadors = await workshop(services, clock, invited=range(1, 3))
    refused = await services.events.answer(for_ambassadors.id, 30, "Mallory", Choice.YES, notices)
    assert refused.problem is Problem.NOT_INVITED
    assert await services.events.answers(for_ambassadors.id) == [], "nothing changed"
    invited = await services.events.answer(for_ambassadors.id, 2, "Bo", Choice.YES, notices)
    assert invited.answer == "yes"
    for_all = await workshop(services, clock, audience=ALL, invited=range(0))
    asked = await services.events.answer(for_all.id, 30, "Mallory", Choice.MAYBE, notices)
    assert asked.problem is Problem.NOT_INVITED, "everyone: those who said yes to invitations"
    await services.people.consent_to_news(30, True)
    anyone = await services.events.answer(for_all.id, 30, "Mallory", Choice.MAYBE, notices)
    assert anyone.answer == "maybe", (
        "an event for everyone takes the answer of anyone who consented"
    )
