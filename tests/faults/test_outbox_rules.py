"""The outbox's rules for sends whose fate is unknown, on a real SQLite file: a timeout after
the request left, a crash after one, and a refused token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services import Services
from bot.services.delivery import MAX_ATTEMPTS, Outcome, backoff
from storage.outbox import Item
from tests.conftest import FakeClock
from tests.unit.conftest import built_services


@pytest.fixture
async def services(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Services]:
    async with built_services(tmp_path / "rules.sqlite3", clock, (1,)) as built:
        await built.delivery.start_batch("broadcast", 1, "all", [("telegram", 1, None, {})])
        yield built


async def claimed(services: Services) -> Item:
    item = await services.delivery.claim()
    assert item is not None
    return item


async def test_a_send_that_timed_out_after_leaving_is_tried_once_more_then_is_maybe_sent(
    services: Services, clock: FakeClock
) -> None:
    delivery = services.delivery
    await delivery.settle(await claimed(services), Outcome(state="maybe", error="Timed out"))
    assert await delivery.claim() is None, "not before its backoff"
    clock.advance(seconds=backoff(1).total_seconds())
    second = await claimed(services)
    assert (second.attempts, second.timeouts) == (2, 1)

    await delivery.settle(second, Outcome(state="maybe", error="Timed out"))

    clock.advance(minutes=10)
    assert await delivery.claim() is None, "never a third time"
    counts = await delivery.counts(1)
    assert (counts.maybe_sent, counts.failed, counts.left, counts.done) == (1, 0, 0, True)


async def test_a_crash_after_a_timeout_never_sends_a_third_time(
    services: Services, clock: FakeClock
) -> None:
    delivery = services.delivery
    await delivery.settle(await claimed(services), Outcome(state="maybe"))
    clock.advance(seconds=backoff(1).total_seconds())
    await claimed(services)
    # the process dies here, maybe after the second send arrived

    assert await delivery.release_in_flight() == 1

    assert await delivery.claim() is None
    assert (await delivery.counts(1)).maybe_sent == 1


async def test_failing_for_good_after_a_timeout_counts_as_maybe_sent_not_failed(
    services: Services, clock: FakeClock
) -> None:
    delivery = services.delivery
    await delivery.settle(await claimed(services), Outcome(state="maybe"))
    for _ in range(MAX_ATTEMPTS - 1):
        clock.advance(minutes=1)
        await delivery.settle(await claimed(services), Outcome(state="retry", error="Bad Gateway"))

    counts = await delivery.counts(1)
    assert (counts.maybe_sent, counts.failed, counts.left) == (1, 0, 0)


async def test_a_refused_token_puts_the_item_back_without_using_up_a_try(
    services: Services,
) -> None:
    delivery = services.delivery
    for _ in range(MAX_ATTEMPTS + 2):
        await delivery.settle(await claimed(services), Outcome(state="paused", error="401"))

    again = await claimed(services)
    assert (again.attempts, again.timeouts) == (1, 0)
