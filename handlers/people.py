"""Runs before every feature: remembers who wrote, in which language, and who blocked the bot."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, TypeHandler

from bot.context import BoldenContext

_GONE = {ChatMember.BANNED, ChatMember.LEFT}


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
        context.person = await context.services.people.seen(user.id, user.language_code)


async def remember_person(update: Update, context: BoldenContext) -> None:
    """Record the person as seen and put them on the context for the handlers after."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    context.person = await context.services.people.seen(user.id, user.language_code)


# Group -1: before every feature, and it never stops the update from reaching them.
# The first match wins within a group, so a block notice is not taken for a sign of life.
HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
    TypeHandler(Update, remember_person),
]
