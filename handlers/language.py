"""/language: switch between Danish and English with two buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.config import LANGUAGES
from bot.context import BoldenContext
from handlers.callbacks import CallbackCodec
from handlers.commands import register_chat_commands
from handlers.menu import MENU, main_menu, refuse_stale, show

LANGUAGE = CallbackCodec("lang", set=1)


def choices(context: BoldenContext) -> InlineKeyboardMarkup:
    t = context.t
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.plain(f"language.name.{code}"), callback_data=LANGUAGE.data("set", code)
                )
                for code in LANGUAGES
            ]
        ]
    )


async def ask_language(update: Update, context: BoldenContext) -> None:
    """Which language to use (/language and the menu)."""
    await show(update, context.t("language.choose"), choices(context))


async def choose_language(update: Update, context: BoldenContext) -> None:
    """Store the chosen language and answer in it from now on."""
    query = update.callback_query
    assert query is not None
    press = LANGUAGE.parse(query.data)
    if press is None or press.args[0] not in LANGUAGES:
        await refuse_stale(update, context)
        return
    context.person = await context.services.people.choose_language(
        query.from_user.id, press.args[0]
    )
    text = context.t("language.saved") + "\n\n" + context.t("bold.what")
    await show(update, text, main_menu(context.t))
    await register_chat_commands(context.bot, context.services, query.from_user.id, context.t)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("language", ask_language),
    CallbackQueryHandler(ask_language, pattern=MENU.pattern("language")),
    CallbackQueryHandler(choose_language, pattern=LANGUAGE.pattern()),
]
