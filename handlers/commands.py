"""The commands a person may use, shown by /help and in Telegram's command menu."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.i18n import Translator
from bot.services import Services

PUBLIC_COMMANDS = ("start", "help", "about", "language")


def bot_commands(t: Translator) -> list[BotCommand]:
    return [BotCommand(name, t.plain(f"command.{name}")) for name in PUBLIC_COMMANDS]


async def register_commands(bot: Bot, services: Services) -> None:
    """Register the command menu for Danish and English apps, and the default for the rest."""
    for language, t in services.translators.items():
        await bot.set_my_commands(bot_commands(t), language_code=language)
    await bot.set_my_commands(bot_commands(services.translator(services.settings.language)))


async def register_chat_commands(bot: Bot, chat_id: int, t: Translator) -> None:
    """After /language, the command menu of that one chat follows the chosen language."""
    await bot.set_my_commands(bot_commands(t), scope=BotCommandScopeChat(chat_id))
