"""The anchor of `bench/replies.py` and `bench/throughput.py`: a bare python-telegram-bot bot
with no Bolden, no database and no rate limiter; updates are handled concurrently, as Bolden
does. It makes the Bot API calls Bolden makes for the same updates: a message is answered with
a message carrying one button, a press with answerCallbackQuery and an edit of the message.

    BOLDEN_TOKEN=... BOLDEN_API_BASE_URL=http://127.0.0.1:PORT python bench/echo_bot.py
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

NEXT = InlineKeyboardMarkup([[InlineKeyboardButton("Videre", callback_data="echo:next")]])


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text("Hej! 👋", reply_markup=NEXT)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    # A new text every time: Telegram refuses an edit that changes nothing.
    await query.edit_message_text(f"Hej igen! ({update.update_id})", reply_markup=NEXT)


def main() -> None:
    base = os.environ["BOLDEN_API_BASE_URL"]
    application = (
        ApplicationBuilder()
        .token(os.environ["BOLDEN_TOKEN"])
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, answer))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
