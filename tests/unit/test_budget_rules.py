"""The token's rate budget, rule by rule, at times the tests give: the window of one second,
the replies' share, group chats' minute, the pause after a 429, and which methods count."""

from __future__ import annotations

import asyncio
import math

import pytest
from telegram.error import RetryAfter

from bot.channels import MESSENGER_FIRST_ID
from bot.delivery.budget import Budget, counted
from bot.delivery.limiter import SharedRateLimiter

PERSON, GROUP = 1001, -100123


def filled(budget: Budget, sends: int, at: float, chat: int = PERSON) -> None:
    """`sends` sends to `chat` that started and were answered at `at`."""
    for _ in range(sends):
        budget.done(budget.take(chat), at)


def test_replies_may_use_the_whole_second_and_the_outbox_leaves_a_fifth_to_them() -> None:
    budget = Budget(30)

    filled(budget, 24, at=0.0)

    assert budget.wait(PERSON, outbox=True, now=0.5) == pytest.approx(0.5)
    assert budget.wait(PERSON, outbox=False, now=0.5) == 0
    filled(budget, 6, at=0.5)
    assert budget.wait(PERSON, outbox=False, now=0.5) == pytest.approx(0.5)


def test_a_send_counts_for_one_second_from_its_answer_not_from_its_start() -> None:
    budget = Budget(2)
    slow = budget.take(PERSON)  # started at 0, answered at 5
    budget.done(budget.take(PERSON), 0.0)

    assert budget.wait(PERSON, outbox=False, now=0.5) == pytest.approx(0.5)
    other = budget.take(PERSON)
    assert budget.wait(PERSON, outbox=False, now=5.0) == math.inf, "both still in flight"
    budget.done(slow, 5.0)
    budget.done(other, 5.0)
    assert budget.wait(PERSON, outbox=False, now=5.5) == pytest.approx(0.5)
    assert budget.wait(PERSON, outbox=False, now=6.0) == 0


@pytest.mark.parametrize(
    ("rate", "outbox"), [(1, 1), (4, 3), (10, 8), (30, 24), (300, 240), (2.9, 1)]
)
def test_the_outbox_keeps_at_least_one_send_a_second(rate: float, outbox: int) -> None:
    assert Budget(rate).outbox_limit == outbox


def test_a_429_stops_everyone_until_the_time_telegram_asked() -> None:
    budget = Budget(30)

    budget.pause(2.0, now=10.0)
    budget.pause(1.0, now=10.5)  # a shorter wait asked later does not shorten it

    assert budget.wait(PERSON, outbox=False, now=10.5) == pytest.approx(1.5)
    assert budget.wait(PERSON, outbox=True, now=11.0) == pytest.approx(1.0)
    assert budget.wait(GROUP, outbox=False, now=12.0) == 0


def test_a_group_gets_twenty_messages_a_minute_and_a_person_is_not_held_by_it() -> None:
    budget = Budget(1000)

    filled(budget, 20, at=0.0, chat=GROUP)

    assert budget.wait(GROUP, outbox=False, now=30.0) == pytest.approx(30.0)
    assert budget.group_wait(GROUP, now=30.0) == pytest.approx(30.0)
    assert budget.wait(-200, outbox=False, now=30.0) == 0, "another group has its own minute"
    assert budget.wait(PERSON, outbox=True, now=30.0) == 0
    assert budget.group_wait(PERSON, now=30.0) == 0
    assert budget.wait(GROUP, outbox=False, now=60.0) == 0


@pytest.mark.parametrize(
    ("endpoint", "is_counted"),
    [
        ("sendMessage", True),
        ("sendPhoto", True),
        ("sendDocument", True),
        ("editMessageText", True),
        ("editMessageReplyMarkup", True),
        ("copyMessage", True),
        ("forwardMessage", True),
        ("getUpdates", False),
        ("answerCallbackQuery", False),
        ("getMe", False),
        ("getFile", False),
        ("setMyCommands", False),
        ("sendChatAction", False),
    ],
)
def test_only_methods_that_put_a_message_in_a_chat_are_counted(
    endpoint: str, is_counted: bool
) -> None:
    assert counted(endpoint) is is_counted


async def test_a_waiting_reply_takes_the_next_free_slot_before_the_outbox() -> None:
    now = 0.0
    budget = Budget(10, clock=lambda: now)
    in_flight = [budget.take(PERSON) for _ in range(10)]
    taken: list[str] = []

    async def send(who: str, outbox: bool) -> None:
        async with budget.slot(PERSON, outbox=outbox):
            taken.append(who)

    outbox = asyncio.create_task(send("outbox", outbox=True))
    reply = asyncio.create_task(send("reply", outbox=False))
    now = 1.0
    budget.done(in_flight.pop(), 0.0)  # one slot is free; the outbox's share is still full
    await asyncio.wait_for(reply, 1)
    for slot in in_flight:
        budget.done(slot, 0.0)
    await asyncio.wait_for(outbox, 1)

    assert taken == ["reply", "outbox"]


async def test_a_reply_that_gets_a_429_pauses_the_budget_and_is_tried_again_a_few_times() -> None:
    budget = Budget(30)
    limiter = SharedRateLimiter(budget, max_retries=3)
    calls: list[str] = []

    async def telegram(text: str) -> bool:
        """Telegram's side: two 429s (wait 0 s), then the message is accepted."""
        calls.append(text)
        if len(calls) <= 2:
            raise RetryAfter(0)
        return True

    result = await limiter.process_request(
        telegram, ("hej",), {}, "sendMessage", {"chat_id": PERSON}, None
    )

    assert result is True
    assert calls == ["hej"] * 3
    assert budget.paused_until > -math.inf, "the outbox waits too"


async def test_a_reply_that_keeps_getting_429_gives_up_after_its_retries() -> None:
    limiter = SharedRateLimiter(Budget(30), max_retries=3)
    calls = 0

    async def telegram() -> bool:
        nonlocal calls
        calls += 1
        raise RetryAfter(0)

    with pytest.raises(RetryAfter):
        await limiter.process_request(telegram, (), {}, "sendMessage", {"chat_id": 1}, 1)

    assert calls == 2, "rate_limit_args gives one request its own number of retries"


async def test_a_call_for_a_messenger_person_takes_no_slot_of_telegrams_budget() -> None:
    budget = Budget(1)
    budget.pause(3600, budget.clock())  # Telegram asked the whole bot to wait

    async def call() -> bool:
        return True

    limiter = SharedRateLimiter(budget)
    chat = {"chat_id": MESSENGER_FIRST_ID + 1}
    assert await limiter.process_request(call, (), {}, "sendMessage", chat, None) is True
    assert budget.wait(None, outbox=False, now=budget.clock()) > 0, "Telegram still waits"
