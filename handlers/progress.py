"""A batch's progress in the coordinator's chat: the message that shows it, its updates (the
outbox sender calls `report`), the summary, and the Stop button's data."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application

from bot.channels import channel_of
from bot.context import SERVICES
from bot.i18n import Translator
from bot.services import Services
from bot.services.delivery import OutboxItem
from handlers.callbacks import CallbackCodec
from handlers.menu import unchangeable
from handlers.sending import edit, message
from storage.outbox import Counts

CAST = CallbackCodec("cast", stop=1)
App = Application[Any, Any, Any, Any, Any, Any]  # the bot's, as handlers and jobs see it
_REPORTING = "reporting-locks"  # bot_data: one lock per batch whose progress is shown


def services_of(application: App) -> Services:
    services: Services = application.bot_data[SERVICES]
    return services


async def translator_of(services: Services, user_id: int | None) -> Translator:
    """The texts as this person reads them: in their language, on their channel."""
    if user_id is None:
        return services.translator(services.settings.language)
    return services.translator(await services.people.language_of(user_id), channel_of(user_id))


# -- progress ----------------------------------------------------------------------------------


async def report(application: App, batch_id: int) -> None:
    """The batch's message in the coordinator's chat: the progress (the sender calls this every
    few seconds), then, once, the summary when nothing is left."""
    locks: dict[int, asyncio.Lock] = application.bot_data.setdefault(_REPORTING, {})
    # The sender and a Stop press may report at once: one at a time, so that a progress
    # message never lands on top of the summary.
    async with locks.setdefault(batch_id, asyncio.Lock()):
        await _report(services_of(application), application, batch_id)


async def _report(services: Services, application: App, batch_id: int) -> None:
    batch = await services.delivery.batch(batch_id)
    if batch is None or batch.report_chat_id is None or batch.report_message_id is None:
        return
    if batch.finished_at is not None:
        return  # the summary is shown already
    chat_id, message_id = batch.report_chat_id, batch.report_message_id
    t = await translator_of(services, batch.created_by)

    async def summary(counts: Counts) -> list[OutboxItem]:
        # Owed, so it goes through the outbox: a restart cannot leave the progress half-way.
        return [edit(chat_id, message_id, _counted(t, "cast.summary", counts))]

    if await services.delivery.finish(batch_id, summary):
        return
    text = _counted(t, "cast.progress", await services.delivery.counts(batch_id))
    stop = InlineKeyboardButton(t.plain("cast.stop"), callback_data=CAST.data("stop", batch_id))
    try:
        await application.bot.edit_message_text(
            text,
            chat_id,
            message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[stop]]),
        )
    except BadRequest as error:
        # The same figures again, or a progress message the coordinator deleted: the summary
        # (owed, through the outbox) still comes.
        if not (error.message.startswith("Message is not modified") or unchangeable(error)):
            raise


def _counted(t: Translator, key: str, counts: Counts) -> str:
    text = t(
        key,
        sent=counts.sent,
        failed=counts.failed,
        blocked=counts.blocked,
        left=counts.left,
        cancelled=counts.cancelled,
    )
    # Rare (a send timed out twice after leaving), so its line is shown only when it happened.
    if counts.maybe_sent:
        text += "\n" + t("cast.maybe_sent", maybe_sent=counts.maybe_sent)
    # Messenger people outside the 24-hour window get it when they write again, or never.
    if counts.held:
        text += "\n" + t.count("cast.held", counts.held)
    if counts.expired:
        text += "\n" + t.count("cast.expired", counts.expired)
    return text


async def started(services: Services, chat_id: int, count: int) -> OutboxItem:
    """The message that will show a batch's progress in the writer's chat; it goes through the
    outbox with the batch, so a crash never leaves a batch without its summary."""
    t = await translator_of(services, chat_id)
    return message(chat_id, t.count("cast.started", count))
