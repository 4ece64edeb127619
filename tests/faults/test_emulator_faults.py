"""The emulator's fault switches behave as Telegram does when it misbehaves: checked with PTB's
Bot, so the fault tests can trust them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import TOKEN


@pytest.fixture
async def api(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=0.3)
    async with Bot(TOKEN, base_url=f"{emulator.url}/bot", request=request) as bot:
        yield bot


async def test_a_server_error_hits_the_next_sends_only(
    emulator: BotApiEmulator, api: Bot, anna: SimulatedPerson
) -> None:
    emulator.fail(500, times=2)

    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await api.send_message(anna.id, "Hej")
    await api.send_message(anna.id, "Hej")

    assert [m.text for m in anna.messages] == ["Hej"]
    assert emulator.refusals == [("sendMessage", 500)] * 2


async def test_a_hung_send_arrives_but_the_client_times_out(
    emulator: BotApiEmulator, api: Bot, anna: SimulatedPerson
) -> None:
    emulator.hang(times=1, chats={anna.id})

    with pytest.raises(TimedOut):
        await api.send_message(anna.id, "Hej")

    assert [m.text for m in anna.messages] == ["Hej"], "it arrived"
    assert [method for method, _ in emulator.unanswered] == ["sendMessage"]


async def test_throttling_answers_429_until_it_is_over_or_healed(
    emulator: BotApiEmulator, api: Bot, anna: SimulatedPerson, john: SimulatedPerson
) -> None:
    fault = emulator.throttle(60, retry_after=3, chats={anna.id})

    with pytest.raises(RetryAfter) as caught:
        await api.send_message(anna.id, "Hej")
    await api.send_message(john.id, "Hi")
    emulator.heal(fault)
    await api.send_message(anna.id, "Hej")

    assert caught.value.retry_after.total_seconds() == 3  # type: ignore[union-attr]
    assert [m.text for m in anna.messages] == ["Hej"]


async def test_a_refused_token_is_invalid_until_healed(emulator: BotApiEmulator, api: Bot) -> None:
    fault = emulator.fail(401, times=None, method="getMe")

    with pytest.raises(InvalidToken):
        await api.get_me()
    emulator.heal(fault)

    assert (await api.get_me()).id == 123456789
