"""Several processes on one PostgreSQL database, each with its own connections, as two `bolden
run` behind a load balancer: one leads; the outbox never gives one message to two senders; the
seats of an event are never overbooked by presses that reach different processes; one person's
updates wait for the earlier one in hand elsewhere. And the SQL both databases share, as
PostgreSQL reads it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from bot.instances import Instance
from bot.services import Services
from bot.services.events import Answered, Choice
from bot.services.updates import SeenUpdates
from storage import coordinators, outbox, people, privacy
from storage.coordinators import AuditAction
from storage.database import Database
from storage.postgres import translate
from tests.conftest import FakeClock
from tests.postgres import PostgresServer
from tests.unit.conftest import Target, built_services
from tests.unit.test_event_races import PEOPLE, PRESSES, notices, workshop


def test_the_shared_sql_is_read_in_postgresql_s_words() -> None:
    assert translate("SELECT * FROM t WHERE a = ? AND b IS ? AND c IS NOT ?") == (
        "SELECT * FROM t WHERE a = $1 AND b IS NOT DISTINCT FROM $2 AND c IS DISTINCT FROM $3"
    )
    assert translate("SELECT 1 WHERE x IS NULL AND y IS NOT NULL") == (
        "SELECT 1 WHERE x IS NULL AND y IS NOT NULL"
    )
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?)") == (
        "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING"
    )
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a") == (
        "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a"
    )
    assert translate("SELECT group_concat(code, ' ') FROM t WHERE k IN (SELECT value FROM "
                     "json_each(?))") == (
        "SELECT string_agg(code, ' ') FROM t WHERE k IN (SELECT value FROM "
        "json_array_elements_text(CAST($1 AS json)))"
    )  # fmt: skip
    assert translate("SELECT '?', ? FROM t WHERE note = 'is it? IS it'") == (
        "SELECT '?', $1 FROM t WHERE note = 'is it? IS it'"
    ), "string literals are left as written"


@pytest.fixture
async def url(postgres_server: PostgresServer) -> str:
    return await postgres_server.migrated()


@pytest.fixture
async def processes(url: str) -> AsyncIterator[list[Database]]:
    """Two processes' connections to one database."""
    async with AsyncExitStack() as stack:
        databases = []
        for _ in range(2):
            db = await Database.open(url)
            stack.push_async_callback(db.close)
            databases.append(db)
        yield databases


@pytest.fixture
async def instances(processes: list[Database]) -> AsyncIterator[list[Instance]]:
    """The two processes as they run: beating, one of them leading."""
    started = [Instance(db) for db in processes]
    try:
        for instance in started:
            await instance.start()
        yield started
    finally:
        for instance in started:
            await instance.stop()


@pytest.mark.postgres
async def test_one_process_leads_and_another_takes_over_when_it_is_gone(
    processes: list[Database],
) -> None:
    first, second = processes
    assert await first.try_lead()
    assert not await second.try_lead(), "the lead is taken"
    assert await first.try_lead(), "and kept"
    await first.close()  # the process ends: the server lets go of its lock
    assert await second.try_lead()


@pytest.mark.postgres
async def test_two_senders_at_once_never_take_the_same_message(processes: list[Database]) -> None:
    clock = FakeClock()
    first, second = processes
    async with first.transaction() as connection:
        await connection.execute(
            "INSERT INTO people (user_id, language, first_seen, last_seen) VALUES (1, 'da', ?, ?)",
            (clock().isoformat(), clock().isoformat()),
        )
        items = [("telegram", 1, None, {"text": f"{n}"}) for n in range(40)]
        items += [("email", None, f"{n}@example.dk", {"text": f"{n}"}) for n in range(40)]
        await outbox.enqueue(connection, None, items, clock())

    async def drain(db: Database) -> list[int]:
        taken = []
        while True:
            async with db.exclusive() as connection:
                item = await outbox.claim(connection, clock())
            if item is None:
                return taken
            taken.append(item.id)
            async with db.exclusive() as connection:
                await outbox.finish(connection, item.id, "sent", clock())

    one, other = await asyncio.gather(drain(first), drain(second))
    assert sorted(one + other) == list(range(1, 81)), "every message taken"
    assert not set(one) & set(other), "none by both"


@pytest.mark.postgres
async def test_presses_reaching_two_processes_at_once_never_overbook_the_seats(url: str) -> None:
    clock = FakeClock()
    async with (
        built_services(url, clock, []) as one,
        built_services(url, clock, []) as other,
    ):
        for user_id in [*PEOPLE, 30, 99]:
            await one.people.seen(user_id, "da")
        e = await workshop(one, clock)

        async def press(services: Services, user_id: int) -> Answered:
            return await services.events.answer(e.id, user_id, f"P{user_id}", Choice.YES, notices)

        results = await asyncio.gather(
            *(press(one if i % 2 else other, u) for i, u in enumerate(PRESSES))
        )
        assert sorted(r.answer for r in results) == ["waiting"] * 15 + ["yes"] * 5
        answers = await one.events.answers(e.id)
        assert len([a for a in answers if a.answer == "yes"]) == 5
        waiting = [a.user_id for a in answers if a.answer == "waiting"]
        assert sorted(r.position or 0 for r in results if r.answer == "waiting") == list(
            range(1, 16)
        ), "each place in the queue given once"
        assert len(set(waiting)) == 15


@pytest.mark.postgres
async def test_a_person_s_update_waits_for_the_earlier_one_in_hand_elsewhere(
    processes: list[Database], instances: list[Instance]
) -> None:
    clock = FakeClock()
    theirs = SeenUpdates(processes[0], clock, instances[0])
    ours = SeenUpdates(processes[1], clock, instances[1])
    assert await theirs.take(10, person=1001)
    assert await ours.take(11, person=1001)
    assert await ours.take(12, person=2002)

    await asyncio.wait_for(ours.turn(12, 2002), 5)  # another person's: no wait
    waiting = asyncio.create_task(ours.turn(11, 1001))
    await asyncio.sleep(0.2)  # several looks at the database: it still waits
    assert not waiting.done(), "update 10 of the same person is in hand elsewhere"
    await theirs.handled(10)
    await asyncio.wait_for(waiting, 5)


async def test_the_audit_log_names_people_with_long_ids_and_those_erased(
    database: Target,
) -> None:
    """Telegram ids pass 2^31 and Messenger's start at 2^62; an erased person's entries keep
    their place with 'deleted' as the subject."""
    clock = FakeClock()
    big, erased = 6_123_456_789, 7
    async with built_services(database, clock, [big, erased]) as services:
        async with services.db.transaction() as connection:
            await people.upsert_seen(connection, big, "da", None, "Ida", clock())
            for subject in (big, erased):
                await coordinators.audit(
                    connection, 1, AuditAction.COORDINATOR_ADD, str(subject), clock()
                )
        await privacy.erase(services.db, erased, clock())
        entries = await coordinators.audit_chunk(services.db, 0, 10, None, None)
        assert [
            (e.subject, e.subject_name) for e in entries if e.action == AuditAction.COORDINATOR_ADD
        ] == [
            (str(big), "Ida"),
            ("deleted", None),
        ]


@pytest.mark.postgres
async def test_a_new_leader_sends_again_only_what_a_process_no_longer_alive_had_in_flight(
    processes: list[Database], instances: list[Instance]
) -> None:
    """The leader before may still be alive (cut off from its lock for a moment): it records
    the message it sends itself, and nothing goes out twice."""
    clock = FakeClock()
    first, second = processes
    old, new = instances
    async with first.transaction() as connection:
        await outbox.enqueue(connection, None, [("email", None, "a@b.dk", {"t": 1})], clock())
    async with first.exclusive() as connection:
        assert await outbox.claim(connection, clock(), (), old.id) is not None
    async with second.transaction() as connection:
        assert await outbox.release_in_flight(connection, new.in_flight_of()) == 0
    await old.stop()  # gone: its heartbeat with it
    async with second.transaction() as connection:
        assert await outbox.release_in_flight(connection, new.in_flight_of()) == 1


@pytest.mark.postgres
async def test_an_update_let_go_after_a_failure_is_taken_by_the_next_delivery(
    processes: list[Database], instances: list[Instance]
) -> None:
    seen = SeenUpdates(processes[0], FakeClock(), instances[0])
    assert await seen.take(40, person=1001)
    assert not await seen.take(40, person=1001), "in hand, here"
    await seen.release(40)  # the answer to its COMMIT was lost: 503, and let go
    assert await seen.take(40, person=1001), "Telegram's next delivery is taken"
