"""Bolden: a Telegram bot for a municipality's strategy against social vulnerability."""

import os

# python-telegram-bot 22 deprecates integer seconds in favour of timedelta and asks projects to
# opt in through this variable; without it every 429 from Telegram logs a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")
