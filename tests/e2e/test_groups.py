"""Groups as Telegram has them: upgraded to supergroups with a new id, written in by people who
never started the bot, flooded with commands; and groups where no network works."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.app import BoldenApp
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedGroup, SimulatedPerson
from tests.conftest import all_handled, logged_errors, until
from tests.e2e.test_bolde import bo, group, send_bold

__all__ = ["bo", "group"]  # fixtures shared with test_bolde

POINTER = "Her i gruppen kommer netværkets bolde. Skriv til mig privat"
CARD = "📨 Ny bold til netværket"
HELP = "Det kan du her"


async def test_a_group_upgraded_to_a_supergroup_keeps_its_network(
    anna: SimulatedPerson,
    karim: SimulatedPerson,
    group: SimulatedGroup,
    query: Callable[..., list],
    caplog: pytest.LogCaptureFixture,
) -> None:
    supergroup = await group.upgrade(karim, -1001001)
    await until(lambda: query("SELECT chat_id FROM networks")[0][0] == supergroup.id)

    await send_bold(anna, "Et løbehold for begyndere om lørdagen.")

    card = await next_message_in(supergroup, 0)
    assert card.text.startswith(CARD)
    assert logged_errors(caplog) == []


async def test_the_outbox_follows_a_group_that_moved_without_saying_so(
    anna: SimulatedPerson,
    karim: SimulatedPerson,
    emulator: BotApiEmulator,
    group: SimulatedGroup,
    query: Callable[..., list],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The bot missed the group's last message: Telegram refuses the old id, naming the new one.
    supergroup = emulator.group(-1001002, "Fællesskab")
    emulator.migrated[group.id] = supergroup.id

    await send_bold(anna, "Et løbehold for begyndere om lørdagen.")

    card = await next_message_in(supergroup, 0)
    assert card.text.startswith(CARD)
    assert query("SELECT chat_id FROM networks")[0][0] == supergroup.id
    assert logged_errors(caplog) == []


async def test_an_answer_in_a_group_that_moved_makes_the_network_follow(
    bo: SimulatedPerson,
    bot: BoldenApp,
    emulator: BotApiEmulator,
    group: SimulatedGroup,
    query: Callable[..., list],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.group(-1001003, "Fællesskab")
    emulator.migrated[group.id] = -1001003

    await group.post(bo, "/help")  # written just before the upgrade, answered just after
    await all_handled(bot, emulator)

    assert query("SELECT chat_id FROM networks")[0][0] == -1001003
    assert logged_errors(caplog) == []


async def test_writing_in_a_group_neither_makes_a_person_nor_clears_a_block(
    bo: SimulatedPerson,
    emulator: BotApiEmulator,
    group: SimulatedGroup,
    query: Callable[..., list],
) -> None:
    stranger = emulator.person(1077, "Pia", "da")
    await bo.block()
    await until(lambda: query("SELECT blocked_at FROM people WHERE user_id = ?", bo.id)[0][0])

    assert (await group.send(stranger, "/help")).text.startswith(POINTER)
    assert (await group.send(bo, "/help")).text.startswith(POINTER)

    assert query("SELECT * FROM people WHERE user_id = ?", stranger.id) == []
    assert query("SELECT blocked_at FROM people WHERE user_id = ?", bo.id)[0][0] is not None


async def next_message_in(group: SimulatedGroup, count: int) -> ChatMessage:
    await group.emulator.wait_for(lambda: len(group.messages) > count, what="a message there")
    return group.messages[count]


async def test_a_group_flooded_with_commands_delays_no_private_chat(
    anna: SimulatedPerson,
    bo: SimulatedPerson,
    bot: BoldenApp,
    emulator: BotApiEmulator,
    group: SimulatedGroup,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = len(group.messages)
    for _ in range(40):
        await group.post(bo, "/help")

    # Each is answered within the emulator's wait, long before the group's minute is over:
    # Anna's, and that of Bo, whose updates are handled in order after his 40 in the group.
    for person in (anna, bo):
        answer = await person.send("/help")
        assert answer.chat_id == person.id
        assert answer.text.startswith(HELP)
    await all_handled(bot, emulator)

    assert len(group.messages) == 20, "Telegram's 20 a minute; the rest of the flood gets none"
    assert all(p.text.startswith(POINTER) for p in group.messages[before:])
    assert logged_errors(caplog) == []


async def test_in_a_group_where_no_network_works_the_bot_stays_quiet(
    bo: SimulatedPerson, karim: SimulatedPerson, bot: BoldenApp, emulator: BotApiEmulator
) -> None:
    elsewhere = emulator.group(-4004, "Grundejerforeningen")
    for text in ("/help", "/start", "/bold", "hej", "/help@bolden_sandbox_bot"):
        await elsewhere.post(bo, text)
        await elsewhere.post(karim, text)
    await all_handled(bot, emulator)

    assert elsewhere.messages == []
