"""Bolden: a Telegram bot for a municipality's strategy against social vulnerability."""
