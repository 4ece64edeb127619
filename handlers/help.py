"""/help: the commands this person may use, and whom to contact."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from handlers.commands import PUBLIC_COMMANDS
from handlers.menu import MENU, home_button


def help_text(context: BoldenContext) -> str:
    t = context.t
    contact = context.services.strategy.contact
    lines = [t("help.title")]
    lines += [
        t("help.command", command=name, description=t.plain(f"command.{name}"))
        for name in PUBLIC_COMMANDS
    ]
    lines += ["", t("help.contact", organisation=contact.organisation)]
    for key, value in (
        ("help.phone", contact.phone),
        ("help.email", contact.email),
        ("help.website", contact.website),
    ):
        if value:
            lines.append(t(key, **{key.removeprefix("help."): value}))
    return "\n".join(lines)


async def help_command(update: Update, context: BoldenContext) -> None:
    """List what the person can do here."""
    if update.effective_message:
        await update.effective_message.reply_html(
            help_text(context), reply_markup=InlineKeyboardMarkup([[home_button(context.t)]])
        )


async def help_page(update: Update, context: BoldenContext) -> None:
    """The menu's help button: the same list, in place of the menu."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(
        help_text(context),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[home_button(context.t)]]),
    )


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("help", help_command),
    CallbackQueryHandler(help_page, pattern=MENU.pattern("help")),
]
