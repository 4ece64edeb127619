"""/privacy, /mydata and /deleteme: a person's own data, shown, handed over or erased; and the
one-tap question that is the consent of someone who is not an ambassador to newsletters and
invitations (ambassadors consent by signing up)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.i18n import Translator
from handlers.callbacks import CallbackCodec
from handlers.menu import MENU, home_button, refuse_stale, show

PRIVACY = CallbackCodec("privacy", erase=0, news=1)
_YES, _NO = "yes", "no"


def consent_button(t: Translator, gets_news: bool) -> InlineKeyboardButton:
    """The one button that changes the answer: no to someone who gets them, else yes. Offered
    under a bold's confirmation until the person has answered (not pressing it is no), and in
    /newsletters; never to an ambassador."""
    if gets_news:
        return InlineKeyboardButton(
            t.plain("consent.stop"), callback_data=PRIVACY.data("news", _NO)
        )
    return InlineKeyboardButton(t.plain("consent.start"), callback_data=PRIVACY.data("news", _YES))


async def consent(update: Update, context: BoldenContext) -> None:
    """Yes or no to newsletters and invitations, from a bold's confirmation or /newsletters:
    the answer in a pop-up, and the button turns into the one that undoes it."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = PRIVACY.parse(query.data)
    if press is None or press.args[0] not in {_YES, _NO}:
        await refuse_stale(update, context)
        return
    person = await context.services.people.consent_to_news(user.id, press.args[0] == _YES)
    t = context.t
    if person is None:
        await query.answer(t.plain("consent.ambassador"), show_alert=True)
        return
    context.person = person
    await query.answer(
        t.plain("consent.given" if person.news_consent else "consent.refused"), show_alert=True
    )
    if isinstance(query.message, Message) and query.message.reply_markup:
        turned = consent_button(t, person.gets_news)
        rows = [
            [turned if button.callback_data == query.data else button for button in row]
            for row in query.message.reply_markup.inline_keyboard
        ]
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


async def notice(update: Update, context: BoldenContext) -> None:
    """/privacy: what is stored, why, for how long, who sees it, how to get it and delete it."""
    await show(
        update, context.t("privacy.notice"), InlineKeyboardMarkup([[home_button(context.t)]])
    )


async def my_data(update: Update, context: BoldenContext) -> None:
    """/mydata: everything stored about the person, as a JSON file."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    data = await context.services.privacy.export_json(user.id)
    await context.bot.send_document(
        chat.id,
        InputFile(data, filename="bolden-my-data.json"),
        caption=context.t("privacy.mydata"),
    )


async def delete_me(update: Update, context: BoldenContext) -> None:
    """/deleteme: ask first, because it cannot be undone."""
    t = context.t
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.plain("privacy.erase_yes"), callback_data=PRIVACY.data("erase")
                ),
                InlineKeyboardButton(t.plain("privacy.erase_no"), callback_data=MENU.data("home")),
            ]
        ]
    )
    await show(update, t("privacy.erase_confirm"), keyboard)


async def erase(update: Update, context: BoldenContext) -> None:
    """Erase the person's data and say what was kept: nothing that identifies them."""
    user = update.effective_user
    assert user is not None
    if PRIVACY.parse(update.callback_query.data if update.callback_query else None) is None:
        await refuse_stale(update, context)
        return
    t = context.t  # the person's language, read before it is erased with the rest
    await context.services.privacy.erase(user.id)
    context.person = None
    await show(update, t("privacy.erased"), InlineKeyboardMarkup([]))


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("privacy", notice),
    CommandHandler("mydata", my_data),
    CommandHandler("deleteme", delete_me),
    CallbackQueryHandler(erase, pattern=PRIVACY.pattern("erase")),
    CallbackQueryHandler(consent, pattern=PRIVACY.pattern("news")),
]
