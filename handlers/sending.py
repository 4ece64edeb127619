"""Messages the bot owes someone, as outbox items (bot/services/delivery.py `OutboxItem`): the
services store them with the change that caused them, and the outbox sender delivers them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import BoldenContext
from bot.services.delivery import OutboxItem

logger = logging.getLogger(__name__)


class Delivery(StrEnum):
    SENT = "sent"
    GONE = "gone"  # the person blocked the bot, or the bot is no longer in the group
    FAILED = "failed"  # anything else: Telegram could not be reached, or refused this message


async def send(
    context: BoldenContext,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    photo: str | None = None,
) -> Delivery:
    """One message to a person or a group. A person who blocked the bot is remembered; nothing
    is lost when a message does not arrive, as everything is in the bold's timeline."""
    try:
        if photo:
            await context.bot.send_photo(chat_id, photo)
        await context.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
    except Forbidden:
        if chat_id > 0:
            await context.services.people.blocked_the_bot(chat_id)
        return Delivery.GONE
    except TelegramError as error:
        # No person's id here: a log line must never tie a sender to a bold.
        where = f"group {chat_id}" if chat_id < 0 else "a person"
        logger.warning("A message about a bold was not delivered to %s: %s", where, error)
        gone = isinstance(error, BadRequest) and "chat not found" in error.message.lower()
        return Delivery.GONE if gone else Delivery.FAILED
    return Delivery.SENT


def buttons(keyboard: InlineKeyboardMarkup) -> list[list[dict[str, str]]]:
    """A keyboard as the outbox stores it: rows of text and callback data."""
    return [
        [{"text": b.text, "data": str(b.callback_data)} for b in row]
        for row in keyboard.inline_keyboard
    ]


def message(
    chat_id: int,
    text: str | None,
    keyboard: InlineKeyboardMarkup | None = None,
    photo: str | None = None,
    fallback: Sequence[OutboxItem] = (),
) -> OutboxItem:
    """One Telegram message to a person or a group (a photo with `text` as its caption);
    `fallback` goes out instead when the chat is gone."""
    payload: dict[str, Any] = {"text": text}
    if keyboard is not None and keyboard.inline_keyboard:
        payload["buttons"] = buttons(keyboard)
    if photo:
        payload["photo"] = photo
    if fallback:
        payload["fallback"] = [list(item) for item in fallback]
    return ("telegram", chat_id, None, payload)


def edit(chat_id: int, message_id: int, text: str) -> OutboxItem:
    """A new text for a message the bot showed before (its buttons go)."""
    return ("telegram", chat_id, None, {"text": text, "edit": message_id})
