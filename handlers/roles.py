"""Polite refusals for people without the role a command or button needs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BoldenContext
from handlers.menu import JOIN, show
from storage.ambassadors import Ambassador

Handler = Callable[[Update, BoldenContext], Coroutine[Any, Any, None]]


async def not_an_ambassador(update: Update, context: BoldenContext) -> None:
    """Only ambassadors have a profile, themes and a certificate; say how to become one."""
    if update.callback_query:
        await update.callback_query.answer(
            context.t.plain("me.not_ambassador_short"), show_alert=True
        )
        return
    join = InlineKeyboardButton(context.t.plain("menu.ambassador"), callback_data=JOIN)
    await show(update, context.t("me.not_ambassador"), InlineKeyboardMarkup([[join]]))


async def ambassador_or_refuse(update: Update, context: BoldenContext) -> Ambassador | None:
    """The person's ambassador profile; without one they are told how to become one."""
    user = update.effective_user
    ambassador = await context.services.ambassadors.profile(user.id) if user else None
    if ambassador is None:
        await not_an_ambassador(update, context)
    return ambassador


def coordinators_only(handler: Handler) -> Handler:
    """Run the handler for coordinators; everyone else gets a polite refusal and nothing changes."""

    @wraps(handler)
    async def checked(update: Update, context: BoldenContext) -> None:
        user = update.effective_user
        if user is not None and await context.services.coordinators.is_coordinator(user.id):
            await handler(update, context)
            return
        if update.callback_query:
            await update.callback_query.answer(
                context.t.plain("coordinator.refused_short"), show_alert=True
            )
        elif update.effective_message:
            await update.effective_message.reply_html(context.t("coordinator.refused"))

    return checked
