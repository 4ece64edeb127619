"""/language: switch between Danish and English with two buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.services.people import LANGUAGES
from handlers.callbacks import CallbackCodec
from handlers.commands import register_chat_commands
from handlers.menu import MENU, main_menu

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


async def language_command(update: Update, context: BoldenContext) -> None:
    """Ask which language to use."""
    if update.effective_message:
        await update.effective_message.reply_html(
            context.t("language.choose"), reply_markup=choices(context)
        )


async def language_page(update: Update, context: BoldenContext) -> None:
    """The menu's language button: the same question, in place of the menu."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(
        context.t("language.choose"), parse_mode=ParseMode.HTML, reply_markup=choices(context)
    )


async def choose_language(update: Update, context: BoldenContext) -> None:
    """Store the chosen language and answer in it from now on."""
    query = update.callback_query
    assert query is not None
    press = LANGUAGE.parse(query.data)
    if press is None or press.args[0] not in LANGUAGES:
        await query.answer(context.t.plain("fallback.stale_button"), show_alert=True)
        return
    await query.answer()
    context.person = await context.services.people.choose_language(
        query.from_user.id, press.args[0]
    )
    await query.edit_message_text(
        context.t("language.saved"), parse_mode=ParseMode.HTML, reply_markup=main_menu(context.t)
    )
    if update.effective_chat:
        await register_chat_commands(context.bot, update.effective_chat.id, context.t)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("language", language_command),
    CallbackQueryHandler(language_page, pattern=MENU.pattern("language")),
    CallbackQueryHandler(choose_language, pattern=LANGUAGE.pattern()),
]
