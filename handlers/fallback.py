"""What no feature took: unknown commands, free text, stickers, files, stale buttons."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BoldenContext
from handlers.menu import main_menu, refuse_stale, show

# Edited messages are left alone: answering every correction would be noise.
_NEW = filters.UpdateType.MESSAGE


async def unknown_command(update: Update, context: BoldenContext) -> None:
    """Name the command we don't know and point to /help and the menu."""
    message = update.effective_message
    assert message is not None
    command = (message.text or "/").split()[0]
    await message.reply_html(
        context.t("fallback.unknown_command", command=command), reply_markup=main_menu(context.t)
    )


async def free_text(update: Update, context: BoldenContext) -> None:
    """Say honestly that the text was not passed on, and what the person can do instead."""
    await show(update, context.t("fallback.text"), main_menu(context.t))


def _media(message: Message) -> str:
    """Which honest answer fits what was sent (a photo is offered as a bold, see bolde.offer)."""
    if message.sticker:
        return "sticker"
    if message.location or message.venue:
        return "location"
    return "other"


async def anything_else(update: Update, context: BoldenContext) -> None:
    """Stickers, locations, files: not passed on, and we say so in words that fit."""
    message = update.effective_message
    assert message is not None
    await message.reply_html(
        context.t("fallback.media." + _media(message)), reply_markup=main_menu(context.t)
    )


# Registered last in group 0, so a feature's handler always comes first.
HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    MessageHandler(_NEW & filters.COMMAND, unknown_command),
    MessageHandler(_NEW & filters.TEXT, free_text),
    MessageHandler(_NEW & ~filters.StatusUpdate.ALL, anything_else),
    CallbackQueryHandler(refuse_stale),
]
