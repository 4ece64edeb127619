"""/start: a greeting, the strategy in a few sentences, and the main menu; deep links too."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from handlers.menu import MENU, main_menu


def welcome(context: BoldenContext, first_name: str) -> str:
    t = context.t
    summary = context.services.strategy.strategy.summary.get(context.language)
    return "\n\n".join(
        [t("start.greeting", name=first_name), html.escape(summary), t("start.next")]
    )


async def start(update: Update, context: BoldenContext) -> None:
    """Greet the person; keep the payload of a deep link such as /start ref-AB12."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    if context.args:
        await context.services.people.arrived_through(user.id, context.args[0])
    await message.reply_html(welcome(context, user.first_name), reply_markup=main_menu(context.t))


async def home(update: Update, context: BoldenContext) -> None:
    """The menu button that leads back: the greeting again, in place of the last screen."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(
        welcome(context, query.from_user.first_name),
        parse_mode=ParseMode.HTML,
        reply_markup=main_menu(context.t),
    )


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("start", start),
    CallbackQueryHandler(home, pattern=MENU.pattern("home")),
]
