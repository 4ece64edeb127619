"""Messages the bot owes someone, as outbox items (bot/services/delivery.py `OutboxItem`): the
services store them with the change that caused them, and the outbox sender delivers them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.channels.screen import Purpose
from bot.services.delivery import OutboxItem


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
    voice: str | None = None,
    purpose: Purpose = Purpose.PROMOTION,
) -> OutboxItem:
    """One Telegram message to a person or a group (a photo or a voice note with `text` as
    its caption); `fallback` goes out instead when the chat is gone. Its `purpose` decides
    whether it may reach a Messenger person outside Meta's 24-hour window (else it waits)."""
    payload: dict[str, Any] = {"text": text, "purpose": purpose.value}
    if keyboard is not None and keyboard.inline_keyboard:
        payload["buttons"] = buttons(keyboard)
    if photo:
        payload["photo"] = photo
    if voice:
        payload["voice"] = voice
    return with_fallback(("telegram", chat_id, None, payload), fallback)


def with_fallback(item: OutboxItem, fallback: Sequence[OutboxItem]) -> OutboxItem:
    """The item, carrying what goes out instead when its chat is gone."""
    if not fallback:
        return item
    channel, chat_id, address, payload = item
    return (channel, chat_id, address, {**payload, "fallback": [list(f) for f in fallback]})


def edit(chat_id: int, message_id: int, text: str) -> OutboxItem:
    """A new text for a message the bot showed before (its buttons go)."""
    return ("telegram", chat_id, None, {"text": text, "edit": message_id})
