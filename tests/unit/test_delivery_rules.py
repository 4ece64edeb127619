"""The outbox's rules on a real SQLite file: order, retries and their limit, what is final,
what a crash leaves behind, stopping a batch, audiences and newsletter times."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.services import Services
from bot.services.delivery import MAX_ATTEMPTS, OutboxItem, Outcome, Reach, Recipient, backoff
from bot.services.newsletters import Kind, Problem, Step, Text
from storage.outbox import Counts
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def services(database: Target, clock: FakeClock) -> AsyncIterator[Services]:
    async with built_services(database, clock, (1, 2, 3)) as built:
        yield built


def message(text: str) -> dict[str, object]:
    return {"text": text}


async def test_items_go_out_in_order_and_once(services: Services) -> None:
    delivery = services.delivery
    batch = await delivery.start_batch(
        "broadcast", 1, "all", [("telegram", u, None, message(f"to {u}")) for u in (1, 2, 3)]
    )
    assert batch is not None
    assert delivery.wake.is_set(), "the sender is woken"
    claimed = []
    while (item := await delivery.claim()) is not None:
        claimed.append(item.user_id)
        await delivery.settle(item, Outcome(state="sent"))
    assert claimed == [1, 2, 3]
    counts = await delivery.counts(batch)
    assert (counts.sent, counts.left, counts.done) == (3, 0, True)
    summaries: list[int] = []

    async def summary(done: Counts) -> list[OutboxItem]:
        summaries.append(done.sent)
        return [("telegram", 9, None, {"text": f"{done.sent} sent", "edit": 77})]

    assert await delivery.finish(batch, summary) is True
    assert await delivery.finish(batch, summary) is False, "the summary is owed once"
    assert summaries == [3]
    owed = await delivery.claim()
    assert owed is not None
    assert (owed.user_id, owed.payload) == (9, {"text": "3 sent", "edit": 77})


async def test_a_crash_leaves_only_the_item_in_flight_to_send_again(services: Services) -> None:
    delivery = services.delivery
    await delivery.start_batch(
        "broadcast", 1, "all", [("telegram", u, None, message("x")) for u in (1, 2)]
    )
    first = await delivery.claim()
    assert first is not None
    # the process dies here, after claiming, maybe after sending
    assert await delivery.release_in_flight() == 1
    again = await delivery.claim()
    assert again is not None
    assert (again.id, again.attempts) == (first.id, 2)


async def test_one_persons_messages_keep_their_order_while_an_earlier_one_waits(
    services: Services, clock: FakeClock
) -> None:
    delivery = services.delivery
    owed = [("telegram", 1, None, message("question")), ("telegram", 1, None, message("answer"))]
    await delivery.start_batch("broadcast", 1, "all", [*owed, ("telegram", 2, None, message("x"))])
    question = await delivery.claim()
    assert question is not None
    assert question.payload["text"] == "question"
    await delivery.settle(question, Outcome(state="retry", wait=0.4, error="429"))
    other = await delivery.claim()
    assert other is not None
    assert other.user_id == 2, "the answer waits behind the question; another chat goes on"
    await delivery.settle(other, Outcome(state="sent"))
    assert await delivery.claim() is None, "not due yet: a wait of 0.4 s is kept to the fraction"
    clock.advance(seconds=0.5)
    again = await delivery.claim()
    assert again is not None
    assert again.id == question.id
    await delivery.settle(again, Outcome(state="sent"))
    answer = await delivery.claim()
    assert answer is not None
    assert answer.payload["text"] == "answer"


async def test_a_chat_that_rests_is_passed_by_and_keeps_its_place(services: Services) -> None:
    delivery = services.delivery
    await delivery.start_batch(
        "broadcast", 1, "all", [("telegram", u, None, message("x")) for u in (1, 2)]
    )
    passed_by = await delivery.claim(resting={1})
    assert passed_by is not None
    assert passed_by.user_id == 2
    assert await delivery.claim(resting={1}) is None
    waiting = await delivery.claim()
    assert waiting is not None
    assert (waiting.user_id, waiting.attempts) == (1, 1), "taken once, when its chat is ready"


async def test_looking_at_the_next_item_leaves_it_to_be_claimed(services: Services) -> None:
    delivery = services.delivery
    await delivery.start_batch(
        "broadcast", 1, "all", [("telegram", u, None, message("x")) for u in (1, 2)]
    )
    first = await delivery.claim()
    following = await delivery.peek()
    assert first is not None
    assert following is not None
    assert (following.user_id, following.state) == (2, "pending")
    # the process dies here: only the one on its way may have arrived
    assert await delivery.release_in_flight() == 1
    claimed = [await delivery.claim(), await delivery.claim()]
    assert {item.id for item in claimed if item is not None} == {first.id, following.id}


async def test_retries_back_off_and_end_as_failed(services: Services, clock: FakeClock) -> None:
    delivery = services.delivery
    await delivery.start_batch("broadcast", 1, "all", [("telegram", 1, None, message("x"))])
    for attempt in range(1, MAX_ATTEMPTS + 1):
        item = await delivery.claim()
        assert item is not None, attempt
        assert item.attempts == attempt
        await delivery.settle(item, Outcome(state="retry", error="Bad Gateway"))
        assert await delivery.claim() is None, "not before its backoff"
        clock.advance(seconds=backoff(attempt).total_seconds())
    counts = await delivery.counts(1)
    assert (counts.failed, counts.left) == (1, 0)


async def test_a_429_waits_as_long_as_asked_without_using_up_a_try(
    services: Services, clock: FakeClock
) -> None:
    delivery = services.delivery
    await delivery.start_batch("broadcast", 1, "all", [("telegram", 1, None, message("x"))])
    for _ in range(MAX_ATTEMPTS + 2):
        item = await delivery.claim()
        assert item is not None
        await delivery.settle(item, Outcome(state="retry", wait=3, error="429"))
        clock.advance(seconds=2)
        assert await delivery.claim() is None
        clock.advance(seconds=1)
    item = await delivery.claim()
    assert item is not None
    assert item.attempts == 1


async def test_blocked_marks_the_person_and_stopping_cancels_what_is_left(
    services: Services,
) -> None:
    delivery = services.delivery
    batch = await delivery.start_batch(
        "broadcast", 1, "all", [("telegram", u, None, message("x")) for u in (1, 2, 3)]
    )
    assert batch is not None
    item = await delivery.claim()
    assert item is not None
    await delivery.settle(item, Outcome(state="blocked", error="Forbidden"))
    assert [r.user_id for r in await delivery.recipients("all")] == [2, 3]
    assert await delivery.cancel(batch) == 2
    assert await delivery.claim() is None
    counts = await delivery.counts(batch)
    assert (counts.blocked, counts.cancelled, counts.done) == (1, 2, True)


async def test_audiences_consent_and_opting_out(services: Services) -> None:
    delivery, news, people = services.delivery, services.newsletters, services.people
    assert delivery.valid_audience("kind-citizen")
    assert delivery.valid_audience("topic-friend")
    assert not delivery.valid_audience("kind-nope")
    assert not delivery.valid_audience("everyone")

    def ids(recipients: list[Recipient]) -> list[int]:
        return [r.user_id for r in recipients]

    assert ids(await delivery.recipients("all")) == [1, 2, 3], "a broadcast: everyone"
    assert ids(await delivery.recipients("all", Reach.INVITATION)) == [], "nobody said yes"
    assert await people.may_ask_consent(1)
    for user_id in (1, 2):
        await people.consent_to_news(user_id, True)
    await people.consent_to_news(3, False)
    assert not await people.may_ask_consent(1)
    assert not await people.may_ask_consent(3), "asked once: a no is an answer too"
    await news.wants_newsletters(2, False)
    assert ids(await delivery.recipients("all", Reach.NEWSLETTER)) == [1]
    assert ids(await delivery.recipients("all", Reach.INVITATION)) == [1, 2]
    assert await delivery.includes("all", 2, Reach.INVITATION)
    assert not await delivery.includes("all", 3, Reach.INVITATION)
    await news.wants_newsletters(3, True)  # 🔔 under an old newsletter is a yes too
    assert ids(await delivery.recipients("all", Reach.NEWSLETTER)) == [1, 3]
    assert await delivery.recipients("amb") == [], "nobody has signed up"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("24.12.2026 08:00", (datetime(2026, 12, 24, 7, 0, tzinfo=UTC), None)),
        ("1/7/2027 9.30", (datetime(2027, 7, 1, 7, 30, tzinfo=UTC), None)),
        ("10.12.2026 kl. 18.00", (datetime(2026, 12, 10, 17, 0, tzinfo=UTC), None)),
        ("10.12.2026, kl 18:00", (datetime(2026, 12, 10, 17, 0, tzinfo=UTC), None)),
        ("31.02.2027 08:00", (None, Problem.NO_SUCH_DATE)),
        ("31.2.2027", (None, Problem.NO_SUCH_DATE)),
        ("10.12.2026", (None, Problem.NO_CLOCK)),
        ("10.12.2026 25:00", (None, Problem.BAD_TIME)),
        ("tomorrow", (None, Problem.BAD_TIME)),
        ("22.11.2026 13:00", (None, Problem.PAST)),
    ],
)
def test_newsletter_times_are_danish_time_and_in_the_future(
    services: Services, typed: str, expected: tuple[datetime | None, Problem | None]
) -> None:
    assert services.newsletters.parse_time(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("29.03.2026 02:30", (None, Problem.NO_SUCH_TIME)),
        ("29.03.2026 02:00", (None, Problem.NO_SUCH_TIME)),
        ("29.03.2026 01:59", (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), None)),
        ("29.03.2026 03:00", (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), None)),
        ("25.10.2026 02:30", (None, Problem.TWICE)),
        ("25.10.2026 02:00", (None, Problem.TWICE)),
        ("25.10.2026 01:59", (datetime(2026, 10, 24, 23, 59, tzinfo=UTC), None)),
        ("25.10.2026 03:00", (datetime(2026, 10, 25, 2, 0, tzinfo=UTC), None)),
    ],
)
def test_times_the_clocks_skip_or_show_twice_are_refused(
    services: Services,
    clock: FakeClock,
    typed: str,
    expected: tuple[datetime | None, Problem | None],
) -> None:
    clock.now = datetime(2026, 1, 1, tzinfo=UTC)
    assert services.newsletters.parse_time(typed) == expected


@pytest.mark.parametrize(
    ("end", "problem"), [("02:30", Problem.TWICE), ("03:30", None), ("26.10.2026 02:30", None)]
)
async def test_an_end_typed_as_a_clock_time_on_a_day_the_clocks_go_back_is_checked_too(
    services: Services, clock: FakeClock, end: str, problem: Problem | None
) -> None:
    clock.now = datetime(2026, 1, 1, tzinfo=UTC)
    news = services.newsletters
    assert (await news.begin(1, Kind.EVENT)).draft is not None
    event_kind = services.strategy.event_kinds[0].code
    for step, value in (
        (Step.EVENT_KIND, event_kind),
        (Step.TITLE, "Nattevandring"),
        (Step.BODY, Text(html="Vi går.", plain="Vi går.")),
        (Step.START, "25.10.2026 01:30"),
    ):
        assert (await news.answer(1, Kind.EVENT, step, value)).problem is None
    result = await news.answer(1, Kind.EVENT, Step.END, end)
    assert result.problem == problem
    assert result.draft is not None
    assert result.draft.step is (Step.END if problem else Step.PLACE)


async def _scheduled_newsletter(services: Services, clock: FakeClock) -> int:
    news = services.newsletters
    await news.begin(1, Kind.NEWSLETTER)
    await news.answer(1, Kind.NEWSLETTER, Step.TITLE, "Nyt")
    await news.answer(1, Kind.NEWSLETTER, Step.BODY, Text(html="Tekst.", plain="Tekst."))
    await news.answer(1, Kind.NEWSLETTER, Step.PHOTO, None)
    await news.answer(1, Kind.NEWSLETTER, Step.AUDIENCE, "all")
    newsletter = await news.schedule(1, clock() + timedelta(hours=1))
    assert newsletter is not None
    return newsletter.id


@pytest.mark.parametrize("cancel_first", [True, False])
async def test_cancel_and_the_hand_over_of_a_due_newsletter_exclude_each_other(
    services: Services, clock: FakeClock, cancel_first: bool
) -> None:
    for _ in range(5):
        newsletter_id = await _scheduled_newsletter(services, clock)
        clock.advance(hours=2)
        news, delivery = services.newsletters, services.delivery
        items = [("telegram", 2, None, message("Nyt"))]
        hand_over = delivery.start_batch(
            "newsletter", 1, "all", items, news.hand_over(newsletter_id)
        )
        cancel = news.cancel(1, newsletter_id)
        if cancel_first:
            cancelled, batch = await asyncio.gather(cancel, hand_over)
        else:
            batch, cancelled = await asyncio.gather(hand_over, cancel)
        assert cancelled.done is (batch is None), "exactly one of them"
        assert cancelled.newsletter is not None
        assert cancelled.newsletter.status == ("cancelled" if cancelled.done else "sent")
