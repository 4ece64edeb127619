"""The commands a person may use, shown by /help and in Telegram's command menu."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest

from bot.i18n import Translator
from bot.services import Services

logger = logging.getLogger(__name__)

PUBLIC_COMMANDS = (
    "start", "bold", "mybolde", "events", "ambassador", "me", "themes", "certificate", "about",
    "help", "newsletters", "language", "privacy", "mydata", "deleteme", "leave", "cancel",
)  # fmt: skip
COORDINATOR_COMMANDS = (
    "inbox", "network", "rules", "event", "call", "broadcast", "newsletter", "ambassadors",
    "stats", "export",
    "coordinator",
)  # fmt: skip


def bot_commands(t: Translator, coordinator: bool = False) -> list[BotCommand]:
    names = PUBLIC_COMMANDS + (COORDINATOR_COMMANDS if coordinator else ())
    return [BotCommand(name, t.plain(f"command.{name}")) for name in names]


async def register_commands(bot: Bot, services: Services) -> None:
    """The command menu for Danish and English apps, the default, and each coordinator's own."""
    for language, t in services.translators.items():
        await bot.set_my_commands(bot_commands(t), language_code=language)
    await bot.set_my_commands(bot_commands(services.translator(services.settings.language)))
    for user_id in await services.coordinators.all():
        language = await services.people.language_of(user_id)
        await register_chat_commands(bot, user_id, services.translator(language), True)


async def register_chat_commands(bot: Bot, chat_id: int, t: Translator, coordinator: bool) -> None:
    """One chat's menu: in the language the person chose, with the coordinator's commands."""
    try:
        await bot.set_my_commands(bot_commands(t, coordinator), scope=BotCommandScopeChat(chat_id))
    except BadRequest as error:
        # A coordinator who has not opened the chat with the bot yet: their /start sets it.
        logger.info("No command menu for chat %s yet: %s", chat_id, error)
