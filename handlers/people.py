"""Runs before every feature: turns away updates no one can answer, remembers who wrote, in
which language, and who blocked the bot."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, ChatMemberHandler, TypeHandler

from bot.context import BoldenContext

logger = logging.getLogger(__name__)

_GONE = {ChatMember.BANNED, ChatMember.LEFT}


def unanswerable(update: object) -> bool:
    """No one to answer: no sender (a channel post, an anonymous or forged update), an inline
    query (the bot offers no inline mode), or a button of an inline message (no chat of ours)."""
    if not isinstance(update, Update):
        return False
    message = update.message
    if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
        return False  # Telegram's own note that a group moved, whoever it names as sender
    if update.effective_user is None or update.inline_query or update.chosen_inline_result:
        return True
    return update.callback_query is not None and update.callback_query.message is None


class Unanswerable(BaseHandler[Update, BoldenContext, None]):
    def check_update(self, update: object) -> bool:
        return unanswerable(update)


async def refuse_quietly(update: Update, context: BoldenContext) -> None:
    """Stop the update before any feature sees it; a button press still gets its answer, so
    the person's app stops waiting."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    logger.debug("Update %s has no one to answer; it is left alone", update.update_id)
    raise ApplicationHandlerStop


async def membership_changed(update: Update, context: BoldenContext) -> None:
    """Telegram tells the bot when a person blocks or unblocks it; remember which."""
    change = update.my_chat_member
    assert change is not None
    if change.chat.type != ChatType.PRIVATE or change.from_user.is_bot:
        return
    user = change.from_user
    if change.new_chat_member.status in _GONE:
        await context.services.people.blocked_the_bot(user.id)
    else:
        context.person = await context.services.people.seen(
            user.id, user.language_code, user.username, user.full_name
        )


async def remember_person(update: Update, context: BoldenContext) -> None:
    """Record the person as seen and put them on the context for the handlers after. Only the
    private chat counts: a member writing in a group has not started the bot, may have blocked
    it, and is answered in their own language only if they chose one with the bot before."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot:
        return
    if chat is not None and chat.type != ChatType.PRIVATE:
        context.person = await context.services.people.known(user.id)
        return
    context.person = await context.services.people.seen(
        user.id, user.language_code, user.username, user.full_name
    )


# Group -1: before every feature, and it never stops the update from reaching them, except
# the unanswerable ones. The first match wins within a group, so a block notice is not taken
# for a sign of life.
HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    Unanswerable(refuse_quietly),
    ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
    TypeHandler(Update, remember_person),
]
