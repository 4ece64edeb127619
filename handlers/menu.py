"""The main menu: one button per feature that exists, each opening that feature."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from handlers.callbacks import CallbackCodec

MENU = CallbackCodec("menu", home=0, about=0, themes=0, help=0, language=0)

# (action, label key), two buttons a row, in this order.
ENTRIES = (
    ("about", "menu.about"),
    ("themes", "menu.themes"),
    ("help", "menu.help"),
    ("language", "menu.language"),
)


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t.plain(label), callback_data=MENU.data(action))
        for action, label in ENTRIES
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def home_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t.plain("menu.home"), callback_data=MENU.data("home"))
