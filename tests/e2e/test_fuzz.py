"""Some 1,600 random updates of every kind, with a fixed seed: the bot logs no traceback,
answers every private message, and still answers a /start at the end."""

from __future__ import annotations

import logging

import pytest

from bot.app import BoldenApp
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedGroup, SimulatedPerson
from tests.conftest import all_handled
from tests.e2e.fuzzing import Fuzzer
from tests.e2e.test_bolde import bo, group

__all__ = ["bo", "group"]  # fixtures shared with test_bolde

SEED = 11
PEOPLE = 10
STEPS_EACH = 160


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Telegram's 30 messages a second would make the run last minutes: the rate is the
    emulator's concern here, not the bot's."""
    return settings.model_copy(update={"delivery_rate": 1000})


async def test_random_updates_of_every_kind_leave_the_bot_calm(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    bo: SimulatedPerson,
    group: SimulatedGroup,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    strangers = [
        emulator.person(5000 + i, f"Person {i}", ("da", "en", None)[i % 3])
        for i in range(PEOPLE - 2)
    ]
    other = emulator.group(-5005, "Grundejerforeningen")
    fuzzer = Fuzzer(emulator, [karim, bo, *strangers], [group, other], SEED)

    tally = await fuzzer.run(STEPS_EACH)
    await all_handled(bot, emulator)

    tracebacks = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert [f"{r.name}: {r.getMessage()}" for r in tracebacks] == []
    assert tally.unanswered == []
    assert tally.presses_unanswered == []
    assert tally.updates > 1500
    assert tally.private_messages > 600
    late = emulator.person(6000, "Sidst", "da")
    assert (await late.send("/start")).text.startswith("Hej Sidst")
