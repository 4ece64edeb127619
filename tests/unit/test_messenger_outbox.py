"""What the outbox owes Messenger people, on a real SQLite file and against the Graph API
emulator: the 24-hour window and its tags, held messages released when the person
writes and expired when they do not, blocked people, slowing down and answers that never came."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot

from bot.channels.messenger.delivery import THROTTLE_WAIT, MessengerOut
from bot.channels.screen import Purpose
from bot.delivery.budget import Budget
from bot.delivery.sender import Sender
from bot.sandbox.messenger import GraphApiEmulator
from bot.services import Services
from bot.services.delivery import OutboxItem
from storage import messenger as store
from storage import people
from tests.conftest import TOKEN, FakeClock
from tests.unit.messenger_sending import messenger_person
from tests.unit.messenger_sending import out as out  # fixtures, for pytest to find here
from tests.unit.messenger_sending import services as services


def owed(user_id: int, text: str, purpose: Purpose | None = None) -> OutboxItem:
    payload: dict[str, Any] = {"text": text}
    if purpose is not None:
        payload["purpose"] = purpose.value
    return ("telegram", user_id, None, payload)


async def states(services: Services) -> list[tuple[str, str]]:
    rows = await services.db.fetch_all("SELECT state, payload FROM outbox ORDER BY id")
    return [(row["state"], row["payload"]) for row in rows]


def sent(graph: GraphApiEmulator, psid: str) -> list[tuple[str, str | None, str]]:
    """What a person got in Messenger: how each message went (type, tag) and its text."""
    return [(m.messaging_type, m.tag, m.text) for m in graph.sent[psid]]


def asked(graph: GraphApiEmulator) -> list[str]:
    """The Send API calls that reached Meta, accepted or not (who they were for)."""
    return [body["recipient"]["id"] for endpoint, body in graph.requests if endpoint == "messages"]


async def drain(services: Services, out: MessengerOut) -> None:
    """Send what is due, item by item, as the sender does."""
    while (item := await services.delivery.claim()) is not None:
        assert item.user_id is not None
        await services.delivery.settle(item, await out.owed(item.user_id, item.payload))


async def test_the_sender_sends_inside_the_window_as_updates_and_tags_what_may_go_outside(
    services: Services, out: MessengerOut, graph: GraphApiEmulator, clock: FakeClock
) -> None:
    fresh = await messenger_person(services, graph, "psid-fresh")
    clock.advance(hours=-30)
    quiet = await messenger_person(services, graph, "psid-quiet")
    clock.advance(hours=30)
    await services.delivery.start_batch(
        "broadcast",
        None,
        "all",
        [
            owed(fresh, "<b>Nyhedsbrev</b>"),
            owed(quiet, "Nyhedsbrev"),
            owed(quiet, "Mødet er flyttet", Purpose.EVENT),
            owed(quiet, "Din bold er besvaret", Purpose.ACCOUNT),
        ],
    )
    done = asyncio.Event()

    async def reported(batch_id: int) -> None:  # the sender reports a batch's progress
        if (await services.delivery.counts(batch_id)).done:
            done.set()

    sender = Sender(
        services.delivery,
        Bot(TOKEN),  # never asked: these are all Messenger people
        None,
        Budget(30),
        0.0,
        60.0,
        on_batch=reported,
        instance=services.instance,
        messenger=out,
    )
    sender.start()
    try:
        async with asyncio.timeout(10):
            await done.wait()
    finally:
        await sender.stop()
    assert sent(graph, "psid-fresh") == [("UPDATE", None, "Nyhedsbrev")]
    assert sent(graph, "psid-quiet") == [
        ("MESSAGE_TAG", "CONFIRMED_EVENT_UPDATE", "Mødet er flyttet"),
        ("MESSAGE_TAG", "ACCOUNT_UPDATE", "Din bold er besvaret"),
    ]
    assert len(asked(graph)) == 3, "the held one was not asked of Meta"
    assert [state for state, _ in await states(services)] == ["sent", "held", "sent", "sent"]


async def test_a_held_message_goes_out_when_the_person_writes_again(
    services: Services, out: MessengerOut, graph: GraphApiEmulator, clock: FakeClock
) -> None:
    person = await messenger_person(services, graph, "psid-1")
    clock.advance(hours=25)
    batch = await services.delivery.start_batch(
        "broadcast", None, "all", [owed(person, "Nyhedsbrev", Purpose.PROMOTION)]
    )
    assert batch is not None
    await drain(services, out)
    assert asked(graph) == [], "nothing is asked of Meta outside the window"
    counts = await services.delivery.counts(batch)
    assert (counts.held, counts.left, counts.done) == (1, 0, True)
    row = await services.db.fetch_one("SELECT held_until FROM outbox")
    assert row is not None
    assert datetime.fromisoformat(row[0]) == clock() + timedelta(days=7)
    clock.advance(days=2)
    await messenger_person(services, graph, "psid-1")  # the person writes again
    assert await services.delivery.release_held(person) == 1
    await drain(services, out)
    assert sent(graph, "psid-1") == [("UPDATE", None, "Nyhedsbrev")]
    assert (await services.delivery.counts(batch)).sent == 1


async def held_broadcast(
    services: Services, out: MessengerOut, graph: GraphApiEmulator, clock: FakeClock
) -> tuple[int, int]:
    """A broadcast to a Messenger person who last wrote 25 hours ago: held for her. Her id and
    the batch's."""
    person = await messenger_person(services, graph, "psid-1")
    clock.advance(hours=25)
    batch = await services.delivery.start_batch("broadcast", None, "all", [owed(person, "Hej")])
    assert batch is not None
    await drain(services, out)
    return person, batch


async def test_a_held_message_expires_when_the_person_does_not_write_in_time(
    services: Services, out: MessengerOut, graph: GraphApiEmulator, clock: FakeClock
) -> None:
    person, batch = await held_broadcast(services, out, graph, clock)
    clock.advance(days=6)
    assert await services.delivery.expire_held() == 0, "a week is not up yet"
    clock.advance(days=1, seconds=1)
    assert await services.delivery.expire_held() == 1
    await messenger_person(services, graph, "psid-1")
    assert await services.delivery.release_held(person) == 0, "expired is final"
    counts = await services.delivery.counts(batch)
    assert (counts.held, counts.expired) == (0, 1)


async def test_a_stopped_broadcast_does_not_go_out_later_to_those_it_waited_for(
    services: Services, out: MessengerOut, graph: GraphApiEmulator, clock: FakeClock
) -> None:
    person, batch = await held_broadcast(services, out, graph, clock)
    assert await services.delivery.cancel(batch) == 1, "the held one is stopped too"
    await messenger_person(services, graph, "psid-1")  # she writes again
    assert await services.delivery.release_held(person) == 0
    await drain(services, out)
    assert asked(graph) == []
    counts = await services.delivery.counts(batch)
    assert (counts.held, counts.cancelled) == (0, 1)


async def test_meta_saying_the_window_is_closed_holds_the_message(
    services: Services, out: MessengerOut, graph: GraphApiEmulator
) -> None:
    person = await messenger_person(services, graph, "psid-1")
    graph.fail(400, code=10, subcode=2018278)  # Meta's window closed before ours
    await services.delivery.start_batch("broadcast", None, "all", [owed(person, "Hej")])
    await drain(services, out)
    assert [state for state, _ in await states(services)] == ["held"]


async def test_a_person_meta_cannot_reach_counts_as_blocked(
    services: Services, out: MessengerOut, graph: GraphApiEmulator
) -> None:
    person = await messenger_person(services, graph, "psid-1")
    graph.people["psid-1"].block()
    await services.delivery.start_batch("broadcast", None, "all", [owed(person, "Hej")])
    await drain(services, out)
    assert [state for state, _ in await states(services)] == ["blocked"]
    found = await people.get(services.db, person)
    assert found is not None
    assert found.blocked_at is not None


async def test_slow_down_pauses_messenger_and_the_message_waits_its_turn(
    services: Services, out: MessengerOut, graph: GraphApiEmulator
) -> None:
    person = await messenger_person(services, graph, "psid-1")
    graph.fail(400, code=613)
    await services.delivery.start_batch("broadcast", None, "all", [owed(person, "Hej")])
    await drain(services, out)
    assert graph.refusals == [("messages", 613, None)]
    assert sent(graph, "psid-1") == []
    assert [state for state, _ in await states(services)] == ["pending"]
    assert await services.delivery.seconds_to_next() == THROTTLE_WAIT
    assert out.budget.wait(None, outbox=True, now=out.budget.clock()) > 0, "Messenger waits"


async def test_metas_5xx_is_tried_again_until_the_message_goes_through(
    services: Services, out: MessengerOut, graph: GraphApiEmulator, clock: FakeClock
) -> None:
    person = await messenger_person(services, graph, "psid-1")
    graph.fail(500, times=2)
    await services.delivery.start_batch("broadcast", None, "all", [owed(person, "Hej")])
    for _ in range(2):  # Meta answered that it failed: not sent, and not maybe sent either
        await drain(services, out)
        assert [state for state, _ in await states(services)] == ["pending"]
        clock.advance(minutes=1)
    await drain(services, out)
    assert [state for state, _ in await states(services)] == ["sent"]
    assert [text for _, _, text in sent(graph, "psid-1")] == ["Hej"]


async def test_an_owed_edit_is_a_new_message_that_keeps_its_id(
    services: Services, out: MessengerOut, graph: GraphApiEmulator
) -> None:
    person = await messenger_person(services, graph, "psid-1")
    buttons = [[{"text": "Ja", "data": "ev:yes:1"}]]
    first = ("telegram", person, None, {"text": "Kommer du?", "buttons": buttons})
    await services.delivery.start_batch("broadcast", None, "all", [first])
    await drain(services, out)
    again = ("telegram", person, None, {"text": "Aflyst", "edit": 1, "purpose": "event"})
    same = ("telegram", person, None, {"text": "Aflyst", "edit": 1, "purpose": "event"})
    await services.delivery.start_batch("broadcast", None, "all", [again, same])
    await drain(services, out)
    assert len(graph.sent["psid-1"]) == 2, "the same text again is shown already"
    assert await store.shown_in(services.db, person, 1) == {"text": "Aflyst", "reply_markup": None}
    assert [state for state, _ in await states(services)] == ["sent", "sent", "sent"]
