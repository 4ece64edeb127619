"""/certificate: the ambassador certificate as a PNG, with a QR code that invites others."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BoldenContext
from bot.services.certificate import CertificateText, render
from handlers.roles import ambassador_or_refuse


async def send_certificate(update: Update, context: BoldenContext) -> None:
    """Send the certificate with the person's name, number, themes and referral QR code."""
    chat = update.effective_chat
    assert chat is not None
    ambassador = await ambassador_or_refuse(update, context)
    if ambassador is None:
        return
    t, language, strategy = context.t, context.language, context.services.strategy
    link = f"https://t.me/{context.bot.username}?start=ref-{ambassador.referral_code}"
    joined = t.date(ambassador.joined_at)
    # Drawing takes a core for a moment: in a thread, so nobody else's update waits for it.
    image = await asyncio.to_thread(
        render,
        CertificateText(
            heading=t.plain("certificate.heading"),
            strategy=strategy.strategy.name.get(language),
            municipality=strategy.strategy.municipality,
            name=ambassador.display_name,
            organisation=ambassador.organisation,
            number_line=t.plain("certificate.number", number=ambassador.number, date=joined),
            themes_heading=t.plain("certificate.themes"),
            themes=strategy.titles(ambassador.topics, language),
            invitation=t.plain("certificate.invitation"),
            link=link,
        ),
    )
    await context.bot.send_photo(
        chat.id,
        InputFile(image, filename=f"ambassador-{ambassador.number}.png"),
        caption=t("certificate.caption", link=link),
    )


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("certificate", send_certificate),
]
