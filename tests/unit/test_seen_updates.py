"""The webhook's record of updates, on a real SQLite file: the insert decides what is a repeat,
start-up forgets what a dead process never confirmed, and old ids are pruned."""

from __future__ import annotations

from pathlib import Path

from bot.services.updates import KEEP, SeenUpdates
from tests.conftest import FakeClock
from tests.unit.conftest import built_services


async def test_only_the_first_delivery_of_an_update_is_taken(tmp_path: Path) -> None:
    clock = FakeClock()
    async with built_services(tmp_path, clock, []) as services:
        seen = SeenUpdates(services.db, clock, services.instance)
        assert await seen.take(7)
        assert not await seen.take(7)
        assert not await seen.was_handled(7)
        await seen.handled(7)
        assert await seen.was_handled(7)
        assert not await seen.take(7)


async def test_start_up_forgets_updates_taken_but_never_handled(tmp_path: Path) -> None:
    clock = FakeClock()
    async with built_services(tmp_path, clock, []) as services:
        seen = SeenUpdates(services.db, clock, services.instance)
        await seen.take(1)
        await seen.handled(1)
        await seen.take(2)  # the process died while handling it

        assert await seen.forget_unhandled() == 1
        assert await seen.take(2)  # Telegram's next delivery of it is handled
        assert not await seen.take(1)


async def test_ids_older_than_telegram_repeats_are_pruned(tmp_path: Path) -> None:
    clock = FakeClock()
    async with built_services(tmp_path, clock, []) as services:
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
