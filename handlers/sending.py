"""One message to one person or group, outside a conversation: a person who blocked the bot is
remembered, anything else is logged, and the caller learns which."""

from __future__ import annotations

import logging
from enum import StrEnum

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import BoldenContext

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
