"""What the public pages read, on a real SQLite file: the board's pages hold every bold once,
newest first, of the status and theme asked, and nothing of who sent it; the ambassadors year
by year are those who had joined and not yet left at each New Year."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.services import Services
from bot.services.targets import AmbassadorYear
from storage import ambassadors
from storage.bolde import PublicBold
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services
from tests.unit.test_figures_pages_and_exports import COORDINATOR, SENDERS, every_bold, many_bolde


@pytest.fixture
async def services(database: Target) -> AsyncIterator[Services]:
    clock = FakeClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    async with built_services(
        database, clock, (*SENDERS, COORDINATOR), coordinators=str(COORDINATOR)
    ) as built:
        yield built


def test_the_board_is_handed_nothing_about_the_sender_the_words_a_photo_or_a_place() -> None:
    assert set(PublicBold.model_fields) == {
        "reference", "kind", "category", "status", "public_answer", "created_at", "changed_at",
        "first_answer_at", "topics",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "topic"),
    [(None, None), ("answered", None), (None, "health"), ("received", "friend"),
     ("nonsense", "no_such_theme")],
)  # fmt: skip
async def test_the_boards_pages_hold_every_bold_once_newest_first(
    services: Services, status: str | None, topic: str | None
) -> None:
    await many_bolde(services, 75)
    everything = await every_bold(services)
    known_status = status if status != "nonsense" else None
    known_topic = topic if topic != "no_such_theme" else None
    expected = [
        b.reference
        for b in sorted(everything, key=lambda b: -b.id)
        if (known_status is None or b.status == known_status)
        and (known_topic is None or known_topic in b.topics)
    ]

    first = await services.bolde.board(status, topic, 0)
    shown = [b.reference for b in first.bolde]
    for page in range(1, first.pages):
        shown += [b.reference for b in (await services.bolde.board(status, topic, page)).bolde]

    assert shown == expected
    assert (first.count, first.status, first.topic) == (len(expected), known_status, known_topic)
    assert first.pages == max(1, -(-len(expected) // 20))
    past_the_end = await services.bolde.board(status, topic, 99)
    assert past_the_end.page == first.pages - 1


async def test_a_bold_is_found_by_its_reference_in_any_case(services: Services) -> None:
    await many_bolde(services, 3)

    found = await services.bolde.public("  b-2024-0002 ")

    assert found is not None
    assert found.reference == "B-2024-0002"
    assert await services.bolde.public("B-2024-9999") is None


async def test_ambassadors_year_by_year_are_those_who_had_joined_and_not_left(
    services: Services,
) -> None:
    copenhagen_new_year = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January
    joined_and_left = [
        (datetime(2023, 5, 1, tzinfo=UTC), None, "active"),
        (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 9, 1, tzinfo=UTC), "left"),
        (datetime(2024, 3, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC), "left"),
        (copenhagen_new_year, None, "active"),  # joined in 2025 where the bot runs
        (datetime(2026, 1, 5, tzinfo=UTC), None, "passive"),
    ]
    async with services.db.transaction() as connection:
        for number, (joined, left, status) in enumerate(joined_and_left, start=1):
            await ambassadors.insert(
                connection,
                {
                    "user_id": SENDERS[number], "number": number, "kind": "citizen",
                    "display_name": f"Ambassadør {number}", "consent_at": joined,
                    "consent_version": "1", "joined_at": joined, "referral_code": f"r{number}",
                    "status": status, "left_at": left,
                    "confirm_due_at": joined + timedelta(days=365),
                },
            )  # fmt: skip

    outlook = await services.targets.outlook()
    years = await services.targets.ambassador_years(outlook)

    assert years == [
        AmbassadorYear(year=2023, count=1, goal=None),
        AmbassadorYear(year=2024, count=2, goal=None),
        AmbassadorYear(year=2025, count=2, goal=None),
        AmbassadorYear(year=2026, count=2, goal=None),  # this year: the active ones now
    ]
