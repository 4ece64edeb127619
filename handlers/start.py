"""/start: a greeting, the strategy in a few sentences, and the main menu; deep links too."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from handlers.commands import register_chat_commands
from handlers.menu import MENU, main_menu, show


def welcome(context: BoldenContext, first_name: str) -> str:
    t = context.t
    summary = context.services.strategy.strategy.summary.get(context.language)
    return "\n\n".join(
        [
            t("start.greeting", name=first_name),
            html.escape(summary),
            t("bold.what"),
            t("start.next"),
        ]
    )


async def start(update: Update, context: BoldenContext) -> None:
    """Greet the person (/start and the menu's way back); keep a deep link's payload."""
    user = update.effective_user
    if user is None:
        return
    if context.args:
        await context.services.people.arrived_through(user.id, context.args[0])
    await show(update, welcome(context, user.first_name), main_menu(context.t))
    if update.message:
        # Set here too: Telegram refuses a chat's menu before the person has opened the chat.
        await register_chat_commands(context.bot, context.services, user.id, context.t)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("start", start),
    CallbackQueryHandler(start, pattern=MENU.pattern("home")),
]
