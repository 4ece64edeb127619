"""/help: the commands this person may use now (as a citizen, an ambassador, a coordinator),
and whom to contact. On Messenger, where people do not type commands, what they can do there
in words: the buttons, the menu and the words that stand for commands."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.channels import on_messenger
from bot.context import BoldenContext
from handlers.commands import COORDINATOR_COMMANDS, personal_commands, roles
from handlers.menu import MENU, home_button, show


def help_text(context: BoldenContext, ambassador: bool, coordinator: bool, messenger: bool) -> str:
    t = context.t
    contact = context.services.strategy.contact
    lines = [t("help.title"), t("bold.what"), ""]
    if messenger:
        lines.append(t("messenger.help"))
    else:
        lines += [
            t("help.command", command=name, description=t.plain(f"command.{name}"))
            for name in personal_commands(ambassador)
        ]
    if coordinator:
        lines += ["", t("help.coordinators")]
        lines += [
            t("help.command", command=name, description=t.plain(f"command.{name}"))
            for name in COORDINATOR_COMMANDS
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


async def help_page(update: Update, context: BoldenContext) -> None:
    """What the person can do here, and whom to contact (/help and the menu)."""
    keyboard = InlineKeyboardMarkup([[home_button(context.t)]])
    user = update.effective_user
    ambassador, coordinator = await roles(context.services, user.id) if user else (False, False)
    messenger = user is not None and on_messenger(user.id)
    await show(update, help_text(context, ambassador, coordinator, messenger), keyboard)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("help", help_page),
    CallbackQueryHandler(help_page, pattern=MENU.pattern("help")),
]
