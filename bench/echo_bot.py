"""The anchor of `bench/replies.py`: a bare python-telegram-bot bot that answers /start, with
no Bolden, no database and no rate limiter; updates are handled concurrently, as Bolden does.

    BOLDEN_TOKEN=... BOLDEN_API_BASE_URL=http://127.0.0.1:PORT python bench/echo_bot.py
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text("Hej! 👋")


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
    application.add_handler(CommandHandler("start", start))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
