"""The one error handler: the person hears what is safe and to try again; the log gets the
traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TelegramError

from bot.context import BoldenContext

logger = logging.getLogger(__name__)


async def on_error(update: object, context: BoldenContext) -> None:
    """Log the failure with its update id and tell the person, unless they blocked the bot."""
    if not isinstance(update, Update):
        if isinstance(context.error, NetworkError):
            # Polling could not reach Telegram; the library retries by itself with a backoff.
            logger.warning("Telegram could not be reached, retrying: %s", context.error)
        else:
            logger.error("Error outside an update", exc_info=context.error)
        return
    user, chat = update.effective_user, update.effective_chat
    if isinstance(context.error, BadRequest) and context.error.message.startswith(
        "Message is not modified"
    ):
        return  # a second tap asked for what is shown already: nothing went wrong
    if isinstance(context.error, Forbidden) and user is not None:
        # 403: the person blocked the bot (or left); remember it, and don't write again.
        await context.services.people.blocked_the_bot(user.id)
        logger.info(
            "Update %s: person %s cannot be reached: %s", update.update_id, user.id, context.error
        )
        return
    if isinstance(context.error, ChatMigrated) and chat is not None:
        # The group became a supergroup while the bot answered: its network follows it.
        await context.services.networks.chat_moved(chat.id, context.error.new_chat_id)
        logger.info("Update %s: group %s moved to a supergroup", update.update_id, chat.id)
        return
    logger.error("Update %s failed", update.update_id, exc_info=context.error)
    if chat is None:
        return
    language = await context.services.people.language_of(user.id) if user else context.language
    try:
        await context.bot.send_message(
            chat.id, context.services.translator(language)("error.generic")
        )
    except TelegramError as error:
        logger.warning(
            "Update %s: could not tell the person about the error: %s", update.update_id, error
        )
