"""The dashboard in the chat: its Mini App button (in a coordinator's menu and under /stats)
and the chart /stats sends.

Telegram opens a Mini App only from an https address. With BOLDEN_PUBLIC_URL unset or not
https there is no button: Telegram would refuse the whole message, and a plain link would open
the dashboard outside Telegram, where no one can sign in (start-up logs what to set).
Telegram allows the button in private chats only.
"""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update, WebAppInfo
from telegram.constants import ChatType, MessageLimit, ParseMode

from bot.context import BoldenContext
from bot.services.dashboard import growth, month_label
from bot.services.stats_chart import growth_png
from handlers.paging import fits

MAX_CAPTION = MessageLimit.CAPTION_LENGTH


def dashboard_button(update: Update, context: BoldenContext) -> InlineKeyboardButton | None:
    """The button, where Telegram allows one: in a private chat, to an https address."""
    url = context.services.settings.public_origin
    chat = update.effective_chat
    if not url or not url.startswith("https://") or chat is None or chat.type != ChatType.PRIVATE:
        return None
    return InlineKeyboardButton(
        context.t.plain("dash.button"), web_app=WebAppInfo(f"{url}/dashboard")
    )


async def send_with_chart(update: Update, context: BoldenContext, figures: str) -> None:
    """/stats: the chart of ambassadors month by month with the figures as its caption, one
    message, when they fit in a caption; else the chart just before the figures. The figures
    are the chart's text alternative. The dashboard's button goes under the last message."""
    message = update.effective_message
    assert message is not None
    t = context.t
    grown = await growth(context.services)
    series = [(t.plain("web.dash.series.ambassadors"), [float(n) for n in grown.ambassadors])]
    if grown.on_track is not None:
        series.append((t.plain("web.dash.series.on_track"), grown.on_track))
    months = [month_label(t, month) for month in grown.months]
    png = await asyncio.to_thread(
        growth_png, t.plain("web.dash.growth.title"), months, series, t.number
    )
    photo = InputFile(png, filename="ambassadors.png")
    button = dashboard_button(update, context)
    keyboard = InlineKeyboardMarkup([[button]]) if button else None
    if fits(figures, MAX_CAPTION):  # measured on the HTML: never shorter than Telegram counts
        await message.reply_photo(
            photo, caption=figures, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        return
    await message.reply_photo(photo, caption=t("stats.chart"), parse_mode=ParseMode.HTML)
    await message.reply_html(figures, reply_markup=keyboard)
