"""The dashboard's figures, counted by the database on a real SQLite file: the same numbers as
counting every row one by one, months where the bot runs, and the on-track line of the goals."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from bot.services import Services
from bot.services.dashboard import growth, months_until, overview
from bot.services.targets import on_track_line
from storage import ambassadors, bolde, events
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services

PEOPLE = tuple(range(1, 31))
COORDINATOR = 99
START = datetime(2019, 1, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2020, 6, 15, 12, 0, tzinfo=UTC))


@pytest.fixture
async def services(database: Target, clock: FakeClock) -> AsyncIterator[Services]:
    async with built_services(
        database, clock, (*PEOPLE, COORDINATOR), coordinators=str(COORDINATOR)
    ) as built:
        yield built


async def join_and_leave(
    services: Services, seed: int = 5
) -> list[tuple[datetime, datetime | None]]:
    """Ambassadors who joined over 2019 and 2020, some of whom left: (joined, left) each."""
    rng = random.Random(seed)
    found = []
    async with services.db.transaction() as connection:
        for user_id in PEOPLE:
            joined = START + timedelta(days=rng.randint(0, 520), minutes=rng.randint(0, 1440))
            left = joined + timedelta(days=rng.randint(1, 200)) if rng.random() < 0.3 else None
            found.append((joined, left))
            await ambassadors.insert(
                connection,
                {
                    "user_id": user_id, "number": user_id, "kind": "citizen",
                    "display_name": f"Ambassadør {user_id}", "consent_at": joined,
                    "consent_version": "1", "joined_at": joined, "referral_code": f"r{user_id}",
                    "status": "left" if left else "active", "left_at": left,
                    "confirm_due_at": joined + timedelta(days=365),
                },
            )  # fmt: skip
    return found


def test_the_months_shown_end_with_this_one_across_a_new_year() -> None:
    months = months_until(date(2026, 2, 14), 4)
    assert months == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


async def test_the_on_track_line_runs_from_the_previous_goal_to_the_next(
    services: Services,
) -> None:
    strategy = services.strategy  # Fredericia's: 50 by the end of 2019, 70 by the end of 2020
    assert on_track_line(strategy, date(2019, 1, 1)) == 0
    assert on_track_line(strategy, date(2020, 1, 1)) == 50
    assert on_track_line(strategy, date(2020, 7, 2)) == pytest.approx(60, abs=0.1)
    assert on_track_line(strategy, date(2026, 7, 2)) is None


async def test_ambassadors_by_month_are_those_who_had_joined_and_not_left(
    services: Services, clock: FakeClock
) -> None:
    people = await join_and_leave(services)

    grown = await growth(services)

    zone = services.settings.tz
    assert grown.months[0] == date(2019, 7, 1)
    assert grown.months[-1] == date(2020, 6, 1)
    for month, value in zip(grown.months, grown.ambassadors, strict=True):
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        end = min(datetime.combine(following, datetime.min.time(), zone), clock())
        assert value == sum(
            1 for joined, left in people if joined <= end and not (left and left <= end)
        )
    assert grown.on_track is not None, "a goal held in every month shown"
    assert grown.on_track == sorted(grown.on_track)
    clock.now = datetime(2026, 11, 22, tzinfo=UTC)
    assert (await growth(services)).on_track is None, "no goal holds in 2026"


async def test_arrivals_by_network_are_the_bolde_counted_one_by_one(services: Services) -> None:
    rng = random.Random(11)
    nets = []
    for number in range(2):
        created = await services.networks.create(COORDINATOR, f"Netværk {number}", "standing")
        assert created.network is not None
        nets.append(created.network)
    made = []
    async with services.db.transaction() as connection:
        for number in range(1, 120):
            at = START + timedelta(hours=rng.randint(0, 24 * 60))
            network = rng.choice([None, *nets])
            made.append((at, network.name if network else None))
            values = {
                "reference": f"B-2019-{number:04d}", "sender_id": rng.choice(PEOPLE),
                "kind": "idea", "text": "En idé.", "urgent": False, "status": "routed",
                "network_id": network.id if network else None, "created_at": at,
                "changed_at": at,
            }  # fmt: skip
            await bolde.insert(connection, values, [])
    bounds = [START + timedelta(days=7 * week) for week in range(10)]

    found = await bolde.arrivals(services.db, bounds)

    assert set(found) == {name for _, name in made}
    for name, counts in found.items():
        assert counts == [
            sum(1 for at, n in made if n == name and since <= at < until)
            for since, until in pairwise(bounds)
        ]


async def test_turnout_is_the_latest_events_held_with_their_yes_and_check_ins(
    services: Services, clock: FakeClock
) -> None:
    async with services.db.transaction() as connection:
        for number in range(1, 12):
            starts = clock() - timedelta(days=10 * number - 25)  # two are still to come
            event_id = await events.insert(
                connection,
                {
                    "kind": "dialogue", "title": f"Møde {number}", "description": "Kom.",
                    "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                    "place": "Huset", "audience": "all", "status": "published",
                    "publish_at": starts - timedelta(days=10), "reminders": [],
                    "created_at": starts - timedelta(days=20), "checkin_code": f"in{number}",
                },
            )  # fmt: skip
            for user_id in PEOPLE[:number]:
                answer = "yes" if user_id % 3 else "no"
                await events.set_answer(connection, event_id, user_id, "N", answer, starts)
            for user_id in PEOPLE[: number // 2]:
                await events.check_in(connection, event_id, user_id, starts)

    held = (await overview(services)).turnout

    assert [e.title for e in held] == [f"Møde {n}" for n in range(10, 2, -1)], "8, oldest first"
    for e in held:
        number = int(e.title.split()[1])
        assert (e.yes, e.checked_in) == (number - number // 3, number // 2)
