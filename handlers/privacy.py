"""/privacy, /mydata and /deleteme: a person's own data, shown, handed over or erased."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from handlers.callbacks import CallbackCodec
from handlers.commands import register_chat_commands
from handlers.menu import MENU, home_button, refuse_stale, show

PRIVACY = CallbackCodec("privacy", erase=0)


async def notice(update: Update, context: BoldenContext) -> None:
    """/privacy: what is stored, why, for how long, who sees it, how to get it and delete it."""
    await show(
        update, context.t("privacy.notice"), InlineKeyboardMarkup([[home_button(context.t)]])
    )


async def my_data(update: Update, context: BoldenContext) -> None:
    """/mydata: everything stored about the person, as a JSON file."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    data = await context.services.privacy.export_json(user.id)
    await context.bot.send_document(
        chat.id,
        InputFile(data, filename="bolden-my-data.json"),
        caption=context.t("privacy.mydata"),
    )


async def delete_me(update: Update, context: BoldenContext) -> None:
    """/deleteme: ask first, because it cannot be undone."""
    t = context.t
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.plain("privacy.erase_yes"), callback_data=PRIVACY.data("erase")
                ),
                InlineKeyboardButton(t.plain("privacy.erase_no"), callback_data=MENU.data("home")),
            ]
        ]
    )
    await show(update, t("privacy.erase_confirm"), keyboard)


async def erase(update: Update, context: BoldenContext) -> None:
    """Erase the person's data and say what was kept: nothing that identifies them."""
    user = update.effective_user
    assert user is not None
    if PRIVACY.parse(update.callback_query.data if update.callback_query else None) is None:
        await refuse_stale(update, context)
        return
    await context.services.privacy.erase(user.id)
    context.person = None  # the stored language is gone with the rest
    await show(update, context.t("privacy.erased"), InlineKeyboardMarkup([]))
    await register_chat_commands(context.bot, context.services, user.id, context.t)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("privacy", notice),
    CommandHandler("mydata", my_data),
    CommandHandler("deleteme", delete_me),
    CallbackQueryHandler(erase, pattern=PRIVACY.pattern("erase")),
]
