"""The webhook's record of updates, on a real SQLite file: the insert decides what is a repeat,
start-up forgets what a dead process never confirmed, and old ids are pruned."""

from __future__ import annotations

from bot.instances import Instance
from bot.services.updates import KEEP, SeenUpdates
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services


async def test_only_the_first_delivery_of_an_update_is_taken(database: Target) -> None:
    clock = FakeClock()
    async with built_services(database, clock, []) as services:
        seen = SeenUpdates(services.db, clock, services.instance)
        assert await seen.take(7)
        assert not await seen.take(7)
        assert not await seen.was_handled(7)
        await seen.handled(7)
        assert await seen.was_handled(7)
        assert not await seen.take(7)


async def test_start_up_forgets_updates_taken_but_never_handled(database: Target) -> None:
    clock = FakeClock()
    async with built_services(database, clock, []) as services:
        seen = SeenUpdates(services.db, clock, services.instance)
        await seen.take(1)
        await seen.handled(1)
        # The process before this one took it and died while handling it: it never beats again.
        await SeenUpdates(services.db, clock, Instance(services.db)).take(2)

        assert await seen.forget_unhandled() == 1
        assert await seen.take(2)  # Telegram's next delivery of it is handled
        assert not await seen.take(1)


async def test_ids_older_than_telegram_repeats_are_pruned(database: Target) -> None:
    clock = FakeClock()
    async with built_services(database, clock, []) as services:
        seen = SeenUpdates(services.db, clock, services.instance)
        await seen.take(1)
        await seen.handled(1)
        clock.advance(hours=1)
        await seen.take(2)
        await seen.handled(2)
        clock.advance(seconds=KEEP.total_seconds() - 1800)

        assert await seen.forget_old() == 1
        assert await seen.take(1)
        assert not await seen.take(2)


async def test_an_update_in_hand_elsewhere_is_taken_over_only_once_its_process_is_gone(
    database: Target,
) -> None:
    """On PostgreSQL several processes share the database: what one of them took is left to it
    while it beats, and taken over by another once it is gone (Telegram delivers it again).
    On SQLite one process uses the file: what is in hand is its own, until it starts again."""
    clock = FakeClock()
    async with built_services(database, clock, []) as services:
        seen = SeenUpdates(services.db, clock, services.instance)
        other = Instance(services.db)
        await other.start()
        try:
            assert await SeenUpdates(services.db, clock, other).take(3, person=1001)
            assert not await seen.take(3, person=1001), "its process is alive"
        finally:
            await other.stop()  # it is gone: no heartbeat of it is left

        assert await seen.take(3, person=1001) is services.db.shared
