"""What a person types, sends or shares in the private chat goes to the conversation they are in
(signing up, writing a bold, an answer); /cancel and the stop buttons end it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import BoldenContext
from bot.services.ambassadors import Mode
from bot.services.bolde import CONVERSATION as BOLD
from handlers.menu import main_menu, show
from storage.conversations import StoredConversation

Typed = Callable[[Update, BoldenContext, StoredConversation], Awaitable[None]]

_INPUT = (
    filters.UpdateType.MESSAGE
    & filters.ChatType.PRIVATE
    & ~filters.COMMAND
    & (filters.TEXT | filters.PHOTO | filters.LOCATION)
)


def handler(
    routes: Mapping[str, Typed], otherwise: Callable[[Update, BoldenContext], Awaitable[None]]
) -> BaseHandler[Update, BoldenContext, None]:
    """One handler for every conversation, keyed by the conversation's name; `otherwise` gets
    what someone sends outside any conversation."""

    async def received(update: Update, context: BoldenContext) -> None:
        user, message = update.effective_user, update.effective_message
        assert user is not None
        assert message is not None
        stored = await context.services.conversations.current(user.id)
        route = routes.get(stored.name) if stored else None
        if stored is not None and route is not None:
            await route(update, context, stored)
        else:
            await otherwise(update, context)

    return MessageHandler(_INPUT, received)


async def cancel(update: Update, context: BoldenContext) -> None:
    """/cancel and every stop button: forget the conversation, change nothing, say so."""
    user = update.effective_user
    assert user is not None
    stored = await context.services.conversations.current(user.id)
    await context.services.conversations.cancel(user.id)
    if stored is None:
        key = "amb.nothing_to_cancel"
    elif stored.name in set(Mode):
        key = "amb.cancelled"
    else:
        key = "bold.cancelled" if stored.name == BOLD else "common.cancelled"
    await show(update, context.t(key), main_menu(context.t))
