"""/start: a greeting, the strategy in a few sentences, and the main menu; deep links too.
Someone who opens an ambassador's invite link is told who invited them and offered to join."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.services import Services
from bot.services.ambassadors import Joined
from bot.services.delivery import Notify, OutboxItem
from handlers.commands import register_chat_commands
from handlers.dashboard import dashboard_button
from handlers.menu import JOIN, MENU, main_menu, show
from handlers.paging import grid
from handlers.progress import translator_of
from handlers.sending import message
from storage.ambassadors import Ambassador


def welcome(
    context: BoldenContext, first_name: str, invited_by: str | None = None, link_gone: bool = False
) -> str:
    t = context.t
    summary = context.services.strategy.strategy.summary.get(context.language)
    invited = [t("start.invited", name=invited_by)] if invited_by else []
    gone = [t("start.link_gone")] if link_gone else []
    return "\n\n".join(
        [
            t("start.greeting", name=first_name),
            *gone,
            *invited,
            html.escape(summary),
            t("bold.what"),
            t("start.next"),
        ]
    )


async def _arrived(context: BoldenContext, user_id: int) -> tuple[Ambassador | None, bool]:
    """Whose invite link this /start came through, if it did and it still counts; and whether
    it came with a link that does not work (unknown, mistyped, or its ambassador left)."""
    if not context.args:
        return None, False
    services = context.services
    link = await services.people.arrived_through(user_id, context.args[0])
    if link is None or link.kind != "ref":
        return None, True
    if await services.ambassadors.referrer(link.argument) is None:
        return None, True
    return await services.ambassadors.invited_by(user_id), False


async def start(update: Update, context: BoldenContext) -> None:
    """Greet the person (/start and the menu's way back); keep a deep link's payload."""
    user = update.effective_user
    if user is None:
        return
    inviter, link_gone = await _arrived(context, user.id)
    await greet(update, context, inviter, link_gone)


async def greet(
    update: Update,
    context: BoldenContext,
    inviter: Ambassador | None = None,
    link_gone: bool = False,
) -> None:
    """The welcome with the menu (an inviter's Join first); also for someone whose first
    message to the bot was not /start."""
    user = update.effective_user
    assert user is not None
    t, keyboard = context.t, main_menu(context.t)
    dashboard = dashboard_button(update, context)
    if dashboard and await context.services.coordinators.is_coordinator(user.id):
        keyboard = InlineKeyboardMarkup([*keyboard.inline_keyboard, [dashboard]])
    if inviter is not None:
        # The invitation's own button first; the menu's way to the same place is left out.
        join = InlineKeyboardButton(t.plain("start.invited_join"), callback_data=JOIN)
        rest = [b for row in keyboard.inline_keyboard for b in row if b.callback_data != JOIN]
        keyboard = InlineKeyboardMarkup([[join], *grid(rest)])
    invited_by = inviter.display_name if inviter else None
    await show(update, welcome(context, user.first_name, invited_by, link_gone), keyboard)
    if update.message:
        # Set here too: Telegram refuses a chat's menu before the person has opened the chat.
        await register_chat_commands(context.bot, context.services, user.id, context.t)


def joined_notice(services: Services) -> Notify[Joined]:
    """The inviter hears, in their own language, that their link brought a new ambassador."""

    async def render(joined: Joined) -> list[OutboxItem]:
        t = await translator_of(services, joined.inviter_id)
        return [message(joined.inviter_id, t("start.invited_joined", name=joined.name))]

    return render


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("start", start),
    CallbackQueryHandler(start, pattern=MENU.pattern("home")),
]
