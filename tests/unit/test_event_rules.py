"""The rules of events on a real SQLite file: seats, the waiting list, alerts, the check-in
window, reminders due, what a call allows, and who a public event's own link lets answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

import pytest

from bot.services import Services
from bot.services.delivery import ALL, AMBASSADORS, OutboxItem, Reach
from bot.services.events import (
    Answered,
    CheckIn,
    Choice,
    Coming,
    Problem,
    answers_from,
    publish_limit,
    values_from,
)
from bot.services.networks import Added
from bot.services.newsletters import Drafted, Kind, Step
from bot.services.newsletters import Problem as DraftProblem
from storage import events
from storage.events import Event
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services

PEOPLE = range(1, 8)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def services(database: Target, clock: FakeClock) -> AsyncIterator[Services]:
    async with built_services(database, clock, PEOPLE) as built:
        yield built


async def event(
    services: Services, clock: FakeClock, invited: Iterable[int] = PEOPLE, **changes: Any
) -> Event:
    """A workshop in three days with two seats, published to `invited`."""
    starts = clock() + timedelta(days=3)
    answers = {
        "event_kind": "workshop",
        "title": "Suppe",
        "html": "Vi laver suppe.",
        "start": starts.isoformat(),
        "end": (starts + timedelta(hours=3)).isoformat(),
        "place": "Medborgerhuset",
        "capacity": 2,
        "audience": AMBASSADORS,
        **changes,
    }
    return await published(services, answers, invited)


async def published(
    services: Services, answers: dict[str, Any], invited: Iterable[int] = ()
) -> Event:
    """Store the event and publish it, its invitation (a plain text here) to `invited`."""
    created = await services.events.create(99, answers, None)
    items = [("telegram", user_id, None, {"text": "invitation"}) for user_id in invited]
    claim = services.events.publish_claim(created.id)
    assert await services.delivery.start_batch("broadcast", 99, "amb", items, claim=claim)
    found = await services.events.get(created.id)
    assert found is not None
    return found


async def nothing(result: object) -> list[OutboxItem]:
    """A renderer for tests that do not look at what is owed."""
    return []


def answering(services: Services) -> Callable[[int, int, str, Choice], Awaitable[Answered]]:
    async def answer(event_id: int, user_id: int, name: str, choice: Choice) -> Answered:
        return await services.events.answer(event_id, user_id, name, choice, nothing)

    return answer


async def test_seats_fill_then_people_wait_and_move_up_in_order(
    services: Services, clock: FakeClock
) -> None:
    e = await event(services, clock)
    answer = answering(services)
    assert (await answer(e.id, 1, "A", Choice.YES)).answer == "yes"
    second = await answer(e.id, 2, "B", Choice.YES)
    assert (second.answer, second.alert) == ("yes", 100)
    for user_id, place in ((3, 1), (4, 2)):
        clock.advance(minutes=1)
        waiting = await answer(e.id, user_id, "C", Choice.YES)
        assert (waiting.answer, waiting.position) == ("waiting", place)
    freed = await answer(e.id, 1, "A", Choice.MAYBE)
    assert freed.promoted == [3], "the first who waited"
    assert (await answer(e.id, 4, "D", Choice.YES)).position == 1
    assert (await answer(e.id, 2, "B", Choice.YES)).answer == "yes", "a yes keeps its seat"


async def test_coordinators_hear_of_80_and_100_percent_once(
    services: Services, clock: FakeClock
) -> None:
    e = await event(services, clock, capacity=5)
    alerts = [(await answering(services)(e.id, u, "x", Choice.YES)).alert for u in range(1, 6)]
    assert alerts == [None, None, None, 80, 100]
    await answering(services)(e.id, 5, "x", Choice.NO)
    assert (await answering(services)(e.id, 5, "x", Choice.YES)).alert is None


async def test_answers_end_at_the_start_and_a_call_at_its_deadline(
    services: Services, clock: FakeClock
) -> None:
    e = await event(services, clock)
    call = await event(
        services,
        clock,
        event_kind=None,
        capacity=1,
        deadline=(clock() + timedelta(days=1)).isoformat(),
    )
    assert call.is_call
    assert (await answering(services)(call.id, 1, "A", Choice.YES)).answer == "yes"
    assert (await answering(services)(call.id, 2, "B", Choice.YES)).problem is Problem.FULL
    clock.advance(days=1, seconds=1)
    assert (await answering(services)(call.id, 2, "B", Choice.NO)).problem is Problem.CLOSED
    rosters: list[Coming] = await services.events.claim_rosters(nothing)
    assert [(r.event.id, [p.user_id for p in r.people]) for r in rosters] == [(call.id, [1])]
    assert await services.events.claim_rosters(nothing) == [], "claimed once"
    clock.advance(days=2)
    assert (await answering(services)(e.id, 1, "A", Choice.YES)).problem is Problem.STARTED


async def test_check_in_opens_an_hour_before_closes_at_the_end_and_counts_once(
    services: Services, clock: FakeClock
) -> None:
    e = await event(services, clock, invited=[1, 2])

    async def door(user_id: int, code: str = e.checkin_code) -> CheckIn | None:
        checked = await services.events.check_in(code, user_id)
        return None if checked is None else checked[1]

    clock.now = e.starts_at - timedelta(hours=1, seconds=1)
    assert await door(1) is CheckIn.TOO_EARLY
    clock.now = e.starts_at - timedelta(hours=1)
    assert await door(1) is CheckIn.DONE
    assert await door(1) is CheckIn.ALREADY
    assert await door(1, "nope") is None
    assert await door(3) is CheckIn.NOT_INVITED, "the invitation did not go to 3"
    async with services.db.transaction() as connection:  # as if 3 had been in the audience
        await events.set_answer(connection, e.id, 3, "C", "maybe", clock())
    assert await door(3) is CheckIn.DONE, "an answer of maybe counts as invited"
    assert await services.events.checked_in(e.id) == 2
    clock.now = e.ends_at
    assert await door(2) is CheckIn.DONE, "until the end"
    clock.now = e.ends_at + timedelta(seconds=1)
    assert await door(4) is CheckIn.TOO_LATE
    [year] = await services.events.activities()
    assert (year.year, year.by_kind, year.attended) == (2026, {"workshop": 1}, 3)


async def test_an_event_open_to_all_checks_in_anyone_who_comes(
    services: Services, clock: FakeClock
) -> None:
    e = await event(services, clock, invited=[], checkin_open=True)
    closed = await event(services, clock, invited=[])
    clock.now = e.starts_at
    assert await services.events.check_in(e.checkin_code, 5) == (e, CheckIn.DONE)
    assert (await services.events.check_in(closed.checkin_code, 5))[1] is CheckIn.NOT_INVITED


async def test_reminders_fall_due_once_and_never_after_the_start(
    services: Services, clock: FakeClock
) -> None:
    e = await event(services, clock)
    await answering(services)(e.id, 1, "A", Choice.MAYBE)
    await answering(services)(e.id, 2, "B", Choice.NO)
    assert await services.events.due_reminders() == []
    clock.now = e.starts_at - timedelta(minutes=90)  # both the day-before and the 2-hour one
    [(due, people)] = await services.events.due_reminders()
    assert [p.user_id for p in people] == [1]
    async with services.db.transaction() as connection:
        assert await services.events.reminded_claim(due)(connection, 0, clock()) is True
    assert await services.events.due_reminders() == [], "one message for both"
    assert e.reminders == [1440, 120]


async def test_two_taps_on_one_reminder_at_once_change_it_once_and_a_past_one_stays_off(
    services: Services, clock: FakeClock
) -> None:
    found = await event(services, clock)
    assert found.reminders == [1440, 120]
    toggle = services.events.set_reminder
    results = await asyncio.gather(toggle(found.id, 120, False), toggle(found.id, 120, False))
    assert len([r for r in results if isinstance(r, Event)]) == 1
    assert results.count(Problem.ALREADY) == 1
    changed = await services.events.get(found.id)
    assert changed is not None
    assert changed.reminders == [1440], "turned off once, not off and on again"

    clock.advance(days=2, hours=23)  # an hour before the start: the two-hour time is gone
    assert await toggle(found.id, 120, True) is Problem.PASSED
    off = await toggle(found.id, 1440, False)
    assert isinstance(off, Event)
    assert off.reminders == []


async def test_seats_added_by_a_change_go_to_those_who_wait_in_their_order(
    services: Services, clock: FakeClock
) -> None:
    e = await event(services, clock)
    answer = answering(services)
    for user_id in (1, 2, 3, 4):
        clock.advance(minutes=1)
        await answer(e.id, user_id, f"P{user_id}", Choice.YES)
    more_seats = {**answers_from(e), "capacity": 3}
    told = await services.events.change(99, e.id, more_seats, nothing)
    assert told is not None
    assert told.promoted == [3], "the first who waited, not whoever answers next"
    rows = {a.user_id: a.answer for a in await services.events.answers(e.id)}
    assert rows == {1: "yes", 2: "yes", 3: "yes", 4: "waiting"}


async def test_a_call_becomes_one_network_however_many_press_at_once(
    services: Services, clock: FakeClock
) -> None:
    call = await event(
        services, clock, event_kind=None, deadline=(clock() + timedelta(days=1)).isoformat()
    )
    answer = answering(services)
    for user_id in (1, 2):
        await answer(call.id, user_id, f"P{user_id}", Choice.YES)
    welcomed: list[list[int]] = []

    async def welcome(added: Added) -> list[OutboxItem]:
        welcomed.append(added.added)
        return [("telegram", u, None, {"text": "welcome"}) for u in added.added]

    made = await asyncio.gather(*(services.events.to_network(99, call.id, welcome) for _ in "ab"))
    assert made.count(Problem.ALREADY) == 1
    assert len(await services.networks.names()) == 1
    assert welcomed[-1] == [1, 2]
    owed = await services.db.fetch_all("SELECT user_id FROM outbox WHERE payload LIKE '%welcome%'")
    assert sorted(row["user_id"] for row in owed) == [1, 2], "each member welcomed once"


async def changing(services: Services, found: Event, *typed: tuple[Step, Any]) -> Drafted:
    """Change `found` through a draft of person 1's, step by step; the last step's outcome."""
    kind = Kind.CALL if found.is_call else Kind.EVENT
    result = await services.newsletters.begin_with(1, kind, answers_from(found))
    for step, value in typed:
        result = await services.newsletters.answer(1, kind, step, value)
    return result


async def test_a_changed_start_takes_the_kept_end_along(
    services: Services, clock: FakeClock
) -> None:
    e = await event(services, clock)
    changed = await changing(
        services,
        e,
        (Step.EVENT_KIND, "workshop"),
        (Step.TITLE, None),
        (Step.BODY, None),
        (Step.START, "1.12.2026 kl. 18.00"),
        (Step.END, None),
    )
    assert changed.problem is None
    assert changed.draft is not None
    values = values_from(changed.draft.answers)
    assert values["ends_at"] - values["starts_at"] == e.ends_at - e.starts_at == timedelta(hours=3)


async def test_a_kept_deadline_after_a_changed_start_is_refused(
    services: Services, clock: FakeClock
) -> None:
    starts = clock() + timedelta(days=3)
    call = await published(
        services,
        {
            "title": "Hænder",
            "html": "Vi rydder op.",
            "start": starts.isoformat(),
            "place": "Varmestuen",
            "capacity": 2,
            "deadline": (starts - timedelta(hours=6)).isoformat(),
            "audience": AMBASSADORS,
        },
    )
    earlier = (starts - timedelta(days=1)).astimezone(services.settings.tz)
    refused = await changing(
        services,
        call,
        (Step.TITLE, None),
        (Step.BODY, None),
        (Step.START, earlier.strftime("%d.%m.%Y %H:%M")),
        (Step.PLACE, None),
        (Step.CAPACITY, None),
        (Step.DEADLINE, None),
    )
    assert refused.problem is DraftProblem.AFTER_START
    assert refused.draft is not None
    assert refused.draft.step is Step.DEADLINE, "asked again"


async def test_a_scheduled_event_cannot_start_before_its_invitations_go_out(
    services: Services, clock: FakeClock
) -> None:
    starts = clock() + timedelta(days=5)
    answers = {
        "event_kind": "workshop",
        "title": "Suppe",
        "html": "Vi laver suppe.",
        "start": starts.isoformat(),
        "place": "Medborgerhuset",
        "audience": AMBASSADORS,
    }
    sending = clock() + timedelta(days=2)
    assert publish_limit(answers) == starts
    scheduled = await services.events.create(99, answers, sending)
    before = (sending - timedelta(hours=1)).astimezone(services.settings.tz)
    refused = await changing(
        services,
        scheduled,
        (Step.EVENT_KIND, "workshop"),
        (Step.TITLE, None),
        (Step.BODY, None),
        (Step.START, before.strftime("%d.%m.%Y %H:%M")),
    )
    assert refused.problem is DraftProblem.BEFORE_SENDING


async def test_a_late_answer_says_whether_the_event_was_cancelled_or_is_over(
    services: Services, clock: FakeClock
) -> None:
    answer = answering(services)
    over, dropped = await event(services, clock), await event(services, clock)
    await services.events.cancel(99, dropped.id, nothing)
    assert (await answer(dropped.id, 1, "Anna", Choice.YES)).problem is Problem.CANCELLED
    clock.now = over.ends_at
    assert (await answer(over.id, 1, "Anna", Choice.NO)).problem is Problem.OVER


async def test_skipping_when_changing_drops_what_the_step_had(
    services: Services, clock: FakeClock
) -> None:
    e = await event(services, clock)  # three hours, two seats
    changed = await changing(
        services,
        e,
        (Step.EVENT_KIND, "workshop"),
        (Step.TITLE, None),
        (Step.BODY, None),
        (Step.START, None),
    )
    assert changed.draft is not None
    await services.newsletters.skip(1, Kind.EVENT, Step.END)
    await services.newsletters.answer(1, Kind.EVENT, Step.PLACE, None)
    skipped = await services.newsletters.skip(1, Kind.EVENT, Step.CAPACITY)
    assert skipped.draft is not None
    values = values_from(skipped.draft.answers)
    assert values["ends_at"] - values["starts_at"] == timedelta(hours=2), "two hours, not three"
    assert values["capacity"] is None, "no limit, not the two seats it had"


async def test_a_public_events_own_link_lets_its_opener_answer_that_event_alone(
    services: Services, clock: FakeClock
) -> None:
    answer = answering(services)
    public = await event(services, clock, invited=(), audience=ALL)
    other = await event(services, clock, invited=(5,))  # for ambassadors: not public
    await services.people.arrived_through(1, f"ev-{public.id}")
    await services.people.arrived_through(2, f"ev-{other.id}")
    await services.people.consent_to_news(3, True)
    assert await services.events.by_link_only(public, 1)
    assert not await services.events.by_link_only(public, 2), "no link of this event"
    assert not await services.events.by_link_only(public, 3), "said yes to invitations anyway"
    assert await services.events.through_link(other.id, 2) is Problem.NOT_FOUND
    assert await services.events.through_link(other.id, 5) == other, "invited: theirs to open"
    assert (await answer(public.id, 1, "Eva", Choice.YES)).answer == "yes"
    assert (await answer(public.id, 2, "Finn", Choice.YES)).problem is Problem.NOT_INVITED
    assert (await answer(other.id, 2, "Finn", Choice.YES)).problem is Problem.NOT_INVITED
    invited = await services.delivery.recipients(ALL, Reach.INVITATION)
    assert [r.user_id for r in invited] == [3], "an answer by the link is no yes to the rest"


async def test_a_link_to_an_event_not_open_for_answers_says_why(
    services: Services, clock: FakeClock
) -> None:
    starts = clock() + timedelta(days=3)
    later = {"start": starts.isoformat(), "end": (starts + timedelta(hours=3)).isoformat()}
    values = {"event_kind": "workshop", "title": "Snart", "html": "x", "place": "Her"}
    scheduled = await services.events.create(99, {**values, **later, "audience": ALL}, starts)
    assert await services.events.through_link(scheduled.id, 1) is Problem.NOT_FOUND
    assert await services.events.through_link(9999, 1) is Problem.NOT_FOUND
    dropped = await event(services, clock, audience=ALL)
    held = await event(services, clock, audience=ALL)
    await services.events.cancel(99, dropped.id, nothing)
    assert await services.events.through_link(dropped.id, 1) is Problem.CANCELLED
    assert await services.events.through_link(held.id, 1) == held
    clock.now = held.starts_at
    assert await services.events.through_link(held.id, 1) is Problem.STARTED
    clock.now = held.ends_at
    assert await services.events.through_link(held.id, 1) is Problem.OVER
