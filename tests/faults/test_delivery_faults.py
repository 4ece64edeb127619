"""The outbox keeps its promises under faults, end to end: the real Application against the
emulator over HTTP, the database locked by another process, Telegram answering 5xx, timing out
after accepting, throttling and refusing the token; replies and the outbox keep to one rate
together. What arrived is counted at the emulator."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable

import pytest

from bot.app import build_application, running
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, Json, SimulatedPerson
from tests.conftest import COORDINATOR_ID, TOKEN, until
from tests.e2e.test_broadcast import finished, received
from tests.faults.conftest import arrived, broadcast_to_all

TEXT = "Fællesspisning fredag kl. 18"


def crowd(emulator: BotApiEmulator, size: int) -> list[SimulatedPerson]:
    return [emulator.person(3000 + i, f"P{i}", "da") for i in range(size)]


def logged(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if text in record.getMessage()]


async def test_a_database_locked_by_another_process_pauses_the_sender_and_loses_nothing(
    emulator: BotApiEmulator,
    settings: Settings,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    other_process: sqlite3.Connection,
    query: Callable[..., list[sqlite3.Row]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    people = [anna, *crowd(emulator, 12)]
    async with running(build_application(settings)):
        await broadcast_to_all(karim, people, TEXT)
        await emulator.wait_for(lambda: sum(arrived(people, TEXT).values()) >= 2, what="sending")

        # another process takes the write lock, longer than the bot's busy timeout
        await asyncio.to_thread(other_process.execute, "BEGIN IMMEDIATE")
        await until(lambda: logged(caplog, "The outbox sender failed"))
        reply = await anna.send("/help")  # the bot still answers people
        sent_while_locked = sum(arrived(people, TEXT).values())
        other_process.rollback()

        await finished(emulator, karim)

    # Anna wrote minutes ago, so her /help writes nothing and is answered in full meanwhile.
    assert reply.text.startswith("Det kan du her")
    failure = logged(caplog, "The outbox sender failed")[0]
    assert failure.exc_info is not None, "logged with its traceback"
    assert "database is locked" in str(failure.exc_info[1])
    counts = arrived(people, TEXT)
    assert all(1 <= n <= 2 for n in counts.values()), counts
    assert sum(counts.values()) <= len(people) + 1, "at most one message arrived twice"
    assert sent_while_locked < len(people), "the lock stopped the sender before the end"
    assert query("PRAGMA integrity_check")[0][0] == "ok"
    assert {row[0] for row in query("SELECT state FROM outbox")} == {"sent"}


async def test_5xx_timeouts_and_429_during_a_broadcast_reach_everyone_and_replies_go_on(
    emulator: BotApiEmulator,
    settings: Settings,
    karim: SimulatedPerson,
    john: SimulatedPerson,
    query: Callable[..., list[sqlite3.Row]],
) -> None:
    people = crowd(emulator, 10)
    recipients = {person.id for person in people}
    hung = {people[3].id, people[7].id}

    def break_telegram() -> None:
        emulator.fail(500, times=2, chats=recipients)
        emulator.hang(times=2, chats=hung)

    async with running(build_application(settings)):
        await john.send("/start")
        await broadcast_to_all(karim, people, TEXT, then=break_telegram)
        await emulator.wait_for(lambda: len(emulator.unanswered) == 2, what="both timeouts")
        # Telegram's 429 is the bot's, not a chat's: it refuses every message for as long as
        # it asks the bot to wait. The outbox's sends meet it first; John's are counted apart.
        for_john = emulator.throttle(2, retry_after=2, method="sendMessage", chats={john.id})
        throttled = emulator.throttle(2, retry_after=2, method="sendMessage")
        await emulator.wait_for(lambda: throttled.hits > 0, what="the outbox's 429")

        typed_while_throttled = time.monotonic() < (throttled.until or 0)
        reply = await john.send("/help")  # waits what Telegram asked the outbox, no more

        summary = await finished(emulator, karim)

    assert reply.text
    assert typed_while_throttled
    assert for_john.hits == 0, "the reply waited for the outbox's 429 and got none of its own"
    assert throttled.hits == 1, "after one 429 nobody sent before the wait was over"
    assert ("sendMessage", 500) in emulator.refusals
    assert ("sendMessage", 429) in emulator.refusals
    counts = arrived(people, TEXT)
    assert {chat for chat, n in counts.items() if n == 2} == hung, "the timed-out ones twice"
    assert all(n >= 1 for n in counts.values()), counts
    assert "✅ Sendt: 12" in summary.text  # ten, John, and the coordinator
    assert {row[0] for row in query("SELECT state FROM outbox")} == {"sent"}
    assert sorted(row[0] for row in query("SELECT timeouts FROM outbox WHERE timeouts > 0")) == [
        1,
        1,
    ]


async def test_messages_that_timed_out_twice_are_shown_as_maybe_sent_while_sending_and_after(
    emulator: BotApiEmulator,
    settings: Settings,
    karim: SimulatedPerson,
    query: Callable[..., list[sqlite3.Row]],
) -> None:
    people = crowd(emulator, 10)
    unsure = {people[0].id, people[1].id}
    progress: list[str] = []

    def shown(kind: str, event: ChatMessage | Json) -> None:
        if kind == "edit" and isinstance(event, ChatMessage) and event.chat_id == karim.id:
            progress.append(event.text)

    emulator.listeners.append(shown)
    async with running(build_application(settings)):
        # Each is sent, never answered, tried again after its backoff, never answered again.
        await broadcast_to_all(karim, people, TEXT, then=lambda: emulator.hang(4, chats=unsure))
        summary = await finished(emulator, karim)

    assert summary.text.splitlines()[1:] == [
        "✅ Sendt: 9",  # eight and the coordinator
        "❌ Fejlet: 0",
        "🚫 Har blokeret botten: 0",
        "⏹ Stoppet før afsendelse: 0",
        "❔ Måske sendt (Telegram svarede ikke): 2",
    ]
    # the first one's second timeout is shown while the other one's retry is still on its way
    sending = [text for text in progress if text.startswith("📨 Sender")]
    assert "❔ Måske sendt (Telegram svarede ikke): 1" in sending[-1].splitlines(), sending[-1]
    assert {len(received(person, TEXT)) for person in people[:2]} == {2}, "arrived both times"
    rows = query("SELECT state, timeouts FROM outbox WHERE state = 'maybe_sent'")
    assert [tuple(row) for row in rows] == [("maybe_sent", 2)] * 2


async def test_a_broadcast_and_people_typing_at_once_stay_within_telegrams_global_rate(
    settings: Settings,
) -> None:
    rate = 10
    async with BotApiEmulator(TOKEN, global_rate=rate) as limited:
        settings = settings.model_copy(update={"api_base_url": limited.url, "delivery_rate": rate})
        karim = limited.person(COORDINATOR_ID, "Karim", "da")
        people = crowd(limited, 30)
        typing = [limited.person(5000 + i, f"T{i}", "da") for i in range(8)]
        async with running(build_application(settings)):
            await broadcast_to_all(karim, people, TEXT)
            await limited.wait_for(
                lambda: sum(arrived(people, TEXT).values()) >= 3, what="the broadcast under way"
            )
            started = await asyncio.gather(*(person.send("/start") for person in typing))
            helped = await asyncio.gather(*(person.send("/help") for person in typing))
            broadcasting = sum(arrived(people, TEXT).values()) < len(people)

            await finished(limited, karim)

    assert broadcasting, "the people typed while the broadcast was going out"
    assert all(reply.text for reply in [*started, *helped])
    assert [code for _, code in limited.refusals if code == 429] == [], "no 429 at all"
    assert set(arrived(people, TEXT).values()) == {1}


async def test_a_refused_token_pauses_the_outbox_until_the_token_works_again(
    emulator: BotApiEmulator,
    settings: Settings,
    karim: SimulatedPerson,
    query: Callable[..., list[sqlite3.Row]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    people = crowd(emulator, 4)
    recipients = {person.id for person in people}
    refused = emulator.fail(401, times=0, chats=recipients)

    def refuse_the_token() -> None:
        refused.times = None

    async with running(build_application(settings)):
        await broadcast_to_all(karim, people, TEXT, then=refuse_the_token)
        await emulator.wait_for(lambda: refused.hits >= 2, what="the token refused twice")
        waiting = query("SELECT state, attempts FROM outbox WHERE user_id != ?", karim.id)
        emulator.heal(refused)
        await finished(emulator, karim)

    assert {tuple(row) for row in waiting} <= {("pending", 0), ("pending", 1), ("sending", 1)}
    assert len(logged(caplog, "refuses the bot's token")) == 1, "one clear line"
    assert len(logged(caplog, "accepts the bot's token again")) == 1
    assert set(arrived(people, TEXT).values()) == {1}
    assert {row[0] for row in query("SELECT state FROM outbox")} == {"sent"}
