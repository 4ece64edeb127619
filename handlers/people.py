"""Runs before every feature: remembers who wrote, and in which language to answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.context import BoldenContext


async def remember_person(update: Update, context: BoldenContext) -> None:
    """Record the person as seen and put them on the context for the handlers after."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    context.person = await context.services.people.seen(user.id, user.language_code)


# Group -1: before every feature, and it never stops the update from reaching them.
HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [TypeHandler(Update, remember_person)]
