"""The outbox keeps its promises under faults, end to end: the real Application against the
emulator over HTTP, the database locked by another process, Telegram answering 5xx, timing out
after accepting, throttling and refusing the token. What arrived is counted at the emulator."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable

import pytest

from bot.app import build_application, running
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import until
from tests.e2e.test_broadcast import finished
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

    assert reply.text
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
        throttled = emulator.throttle(3, retry_after=1, chats=recipients)
        await emulator.wait_for(lambda: throttled.hits > 0, what="a 429")

        reply = await john.send("/help")  # not part of the flood: answered at once
        answered_while_throttled = time.monotonic() < (throttled.until or 0)

        summary = await finished(emulator, karim)

    assert reply.text
    assert answered_while_throttled
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
