"""Telegram's command menus: a refusal at start-up never stops the bot, and they are set later."""

from __future__ import annotations

import logging

import pytest

from bot.app import build_application, running
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator


async def test_menus_telegram_refuses_at_start_are_set_once_it_heals_and_the_bot_answers_meanwhile(
    emulator: BotApiEmulator, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    refusal = emulator.fail(500, times=None, method="setMyCommands")
    anna = emulator.person(1001, "Anna", "da")

    with caplog.at_level(logging.WARNING, logger="handlers.commands"):
        async with running(build_application(settings)):
            reply = await anna.send("/start")
            refused = len(emulator.refusals)
            await emulator.wait_for(
                lambda: len(emulator.refusals) > refused, 30, "a second try of the menus"
            )
            assert not emulator.commands
            emulator.heal(refusal)
            await emulator.wait_for(
                lambda: ("default", "") in emulator.commands, 30, "the command menus"
            )

    assert reply.text.startswith("Hej Anna!")
    assert {("default", "da"), ("default", "en"), ("default", "")} <= set(emulator.commands)
    menu = [command["command"] for command in emulator.commands["default", "da"]]
    assert "start" in menu
    warnings = [r for r in caplog.records if r.name == "handlers.commands"]
    assert warnings, "each refusal is logged"
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in warnings)
    assert all(r.getMessage().startswith("Setting the command menus failed") for r in warnings)
