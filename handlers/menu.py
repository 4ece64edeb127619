"""The main menu, and how every page is shown: one button per feature that exists."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import BoldenContext
from bot.i18n import Translator
from handlers.bold_views import BOLD
from handlers.callbacks import CallbackCodec
from handlers.paging import grid

MENU = CallbackCodec("menu", home=0, about=0, themes=1, help=0, language=0)
# What Telegram answers when the pressed message can no longer be changed: deleted, older than
# 48 hours, or a photo or document (its caption is not text).
_NOT_EDITABLE = (
    "message can't be edited",
    "message to edit not found",
    "there is no text in the message to edit",
)
JOIN = "amb:start"  # handlers/ambassadors.py answers it: the sign-up, or the profile

# (label key, callback data), two buttons a row, in this order.
ENTRIES = (
    ("menu.bold", BOLD.data("new")),
    ("menu.mybolde", BOLD.data("mine", 0)),
    ("menu.ambassador", JOIN),
    ("menu.about", MENU.data("about")),
    ("menu.themes", MENU.data("themes", 0)),
    ("menu.help", MENU.data("help")),
    ("menu.language", MENU.data("language")),
)


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(t.plain(label), callback_data=data) for label, data in ENTRIES]
    return InlineKeyboardMarkup(grid(buttons))


def home_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t.plain("menu.home"), callback_data=MENU.data("home"))


async def show(update: Update, text: str, keyboard: InlineKeyboardMarkup) -> None:
    """Answer a command with a page, or put the page in place of the message whose button was
    pressed, so that a chat of menus does not grow with every tap. A message that can no longer
    be changed gets the page as a new message below it."""
    query = update.callback_query
    if query is None:
        if update.effective_message:
            await update.effective_message.reply_html(text, reply_markup=keyboard)
        return
    await query.answer()
    if query.message is None:  # a button of an inline message: there is no chat to show it in
        return
    if isinstance(query.message, Message):
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
            return
        except BadRequest as error:
            # A double tap asks for the page that is already shown: nothing to change.
            if error.message.lower().startswith("message is not modified"):
                return
            if not unchangeable(error):
                raise
    await query.message.chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


def unchangeable(error: BadRequest) -> bool:
    """Whether Telegram refused an edit because the message can no longer be changed."""
    return error.message.lower().startswith(_NOT_EDITABLE)


async def turn_buttons(update: Update, keyboard: InlineKeyboardMarkup | None) -> None:
    """New buttons under the pressed message, after the press was answered. A message that can
    no longer be changed, or already shows them, keeps what it has: the answer has been given."""
    assert update.callback_query is not None
    try:
        await update.callback_query.edit_message_reply_markup(keyboard)
    except BadRequest as error:
        if not (error.message.lower().startswith("message is not modified") or unchangeable(error)):
            raise


async def refuse_stale(update: Update, context: BoldenContext) -> None:
    """A button from an old message or with forged data: say so, change nothing."""
    assert update.callback_query is not None
    await update.callback_query.answer(context.t.plain("fallback.stale_button"), show_alert=True)
