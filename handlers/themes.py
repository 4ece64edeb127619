"""/themes: the themes and core areas as toggles, each tap saved at once."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from handlers.callbacks import CallbackCodec
from handlers.certificate import send_certificate
from handlers.menu import main_menu, refuse_stale, show
from handlers.roles import ambassador_or_refuse
from storage.ambassadors import Ambassador

THEMES = CallbackCodec("themes", show=0, toggle=2, info=1, done=1)
_LABEL_MAX = 40


def themes_text(context: BoldenContext) -> str:
    return context.t("themes.choose")


def _label(text: str) -> str:
    return text if len(text) <= _LABEL_MAX else text[: _LABEL_MAX - 1] + "…"


def themes_keyboard(
    context: BoldenContext, ambassador: Ambassador, finish: bool
) -> InlineKeyboardMarkup:
    """One row per theme and core area: a toggle with a mark, and a button for its description.
    `finish` is set during sign-up, where "done" also sends the certificate."""
    strategy, language = context.services.strategy, context.language
    rows = []
    for topic in strategy.topics:
        mark = "✅" if topic.code in ambassador.topics else "▫️"
        rows.append(
            [
                InlineKeyboardButton(
                    f"{mark} {_label(topic.title.get(language))}",
                    callback_data=THEMES.data("toggle", topic.code, int(finish)),
                ),
                InlineKeyboardButton("ℹ️", callback_data=THEMES.data("info", topic.code)),
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                context.t.plain("themes.done"), callback_data=THEMES.data("done", int(finish))
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def choose_themes(update: Update, context: BoldenContext) -> None:
    """/themes and the profile's button: the toggles."""
    ambassador = await ambassador_or_refuse(update, context)
    if ambassador is not None:
        await show(update, themes_text(context), themes_keyboard(context, ambassador, False))


async def themes_pressed(update: Update, context: BoldenContext) -> None:
    """A toggle (saved at once), a description (one tap away) or done."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = THEMES.parse(query.data)
    service = context.services.ambassadors
    if press is None:
        await refuse_stale(update, context)
        return
    if press.action == "show":
        await choose_themes(update, context)
        return
    topics = {topic.code: topic for topic in context.services.strategy.topics}
    if press.action == "info" and press.args[0] in topics:
        await query.answer(topics[press.args[0]].description.get(context.language), show_alert=True)
        return
    if await ambassador_or_refuse(update, context) is None:
        return
    if press.action == "toggle" and press.args[1] in {"0", "1"}:
        ambassador = await service.toggle_topic(user.id, press.args[0])
        if ambassador is None:
            await refuse_stale(update, context)
            return
        await show(
            update, themes_text(context), themes_keyboard(context, ambassador, press.args[1] == "1")
        )
    elif press.action == "done" and press.args[0] in {"0", "1"}:
        ambassador = await service.profile(user.id)
        assert ambassador is not None
        await show(
            update, context.t.count("themes.saved", len(ambassador.topics)), main_menu(context.t)
        )
        if press.args[0] == "1":
            await send_certificate(update, context)
    else:
        await refuse_stale(update, context)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("themes", choose_themes),
    CallbackQueryHandler(themes_pressed, pattern=THEMES.pattern()),
]
