"""What a person types, sends or shares in the private chat goes to the conversation they are
in (signing up, writing a bold, an answer, a newsletter...); /cancel and the stop buttons end
it. Every kind of conversation has its handler here, and the role it needs is checked again
before every step, typed or pressed: a role lost halfway ends the draft."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import wraps

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import BoldenContext
from bot.services.conversations import NEEDS, ConversationKind, Needs
from handlers.menu import main_menu, show
from handlers.roles import Handler
from storage.conversations import StoredConversation

Typed = Callable[[Update, BoldenContext, StoredConversation], Awaitable[None]]

_INPUT = (
    filters.UpdateType.MESSAGE
    & filters.ChatType.PRIVATE
    & ~filters.COMMAND
    & (filters.TEXT | filters.PHOTO | filters.LOCATION)
)
_CANCELLED = {
    ConversationKind.SIGNUP: "amb.cancelled",
    ConversationKind.EDIT: "amb.cancelled",
    ConversationKind.BOLD: "bold.cancelled",
}


def handler(
    routes: Mapping[ConversationKind, Typed],
    otherwise: Callable[[Update, BoldenContext], Awaitable[None]],
) -> BaseHandler[Update, BoldenContext, None]:
    """One handler for every conversation, by its kind; `otherwise` gets what someone sends
    outside any conversation. A kind without a handler stops start-up."""
    missing = sorted(set(ConversationKind) - set(routes))
    if missing:
        raise RuntimeError(f"conversation kinds without a handler: {', '.join(missing)}")

    async def received(update: Update, context: BoldenContext) -> None:
        user = update.effective_user
        assert user is not None
        stored = await context.services.conversations.current(user.id)
        if stored is None:
            await otherwise(update, context)
            return
        kind = ConversationKind(stored.name)
        if await may_continue(update, context, kind):
            await routes[kind](update, context, stored)

    return MessageHandler(_INPUT, received)


async def may_continue(update: Update, context: BoldenContext, kind: ConversationKind) -> bool:
    """The role the conversation needs, checked again at each step: someone who lost it (a
    coordinator removed halfway) is told so and the draft is dropped, nothing is sent."""
    user = update.effective_user
    assert user is not None
    if NEEDS[kind] is Needs.ANYONE or await context.services.coordinators.is_coordinator(user.id):
        return True
    await context.services.conversations.cancel(user.id, kind)
    what = context.t.plain(f"conv.kind.{kind.value}")
    if update.callback_query:
        text = context.t.plain("conv.role_lost", what=what)
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_html(context.t("conv.role_lost", what=what))
    return False


def draft_button(*kinds: ConversationKind) -> Callable[[Handler], Handler]:
    """For the buttons of a draft: the person's draft of these kinds must still be theirs to
    continue, checked exactly as a typed step is."""

    def checked_by_kind(pressed: Handler) -> Handler:
        @wraps(pressed)
        async def checked(update: Update, context: BoldenContext) -> None:
            user = update.effective_user
            assert user is not None
            stored = await context.services.conversations.current(user.id, *kinds)
            if stored and not await may_continue(update, context, ConversationKind(stored.name)):
                return
            await pressed(update, context)

        return checked

    return checked_by_kind


async def cancel(update: Update, context: BoldenContext) -> None:
    """/cancel and every stop button: forget the current conversation, change nothing, say so."""
    user = update.effective_user
    assert user is not None
    stored = await context.services.conversations.current(user.id)
    if stored is None:
        await show(update, context.t("amb.nothing_to_cancel"), main_menu(context.t))
        return
    kind = ConversationKind(stored.name)
    await context.services.conversations.cancel(user.id, kind)
    await show(update, context.t(_CANCELLED.get(kind, "common.cancelled")), main_menu(context.t))
