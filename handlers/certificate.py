"""/certificate: the ambassador certificate as a PNG to share and a PDF to print, with a QR code
that invites others."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.channels.links import chat_link
from bot.context import BoldenContext
from bot.services.certificate import CertificateText, make
from handlers.roles import ambassador_or_refuse


async def send_certificate(update: Update, context: BoldenContext) -> None:
    """Send the certificate with the person's name, kind, number, themes and referral QR code."""
    chat = update.effective_chat
    assert chat is not None
    ambassador = await ambassador_or_refuse(update, context)
    if ambassador is None:
        return
    t, language, strategy = context.t, context.language, context.services.strategy
    # The link of the channel the certificate is made in: those who scan it join there.
    link = chat_link(context.application, context.channel, f"ref-{ambassador.referral_code}")
    joined = t.date(ambassador.joined_at)
    # Drawing takes a core for a moment: in a thread, so nobody else's update waits for it.
    certificate = await asyncio.to_thread(
        make,
        CertificateText(
            heading=t.plain("certificate.heading"),
            strategy=strategy.strategy.name.get(language),
            name=ambassador.display_name,
            kind=strategy.kind_title(ambassador.kind, language),
            organisation=ambassador.organisation,
            number_line=t.plain("certificate.number", number=ambassador.number, date=joined),
            issued_by=t.plain("certificate.issued_by", municipality=strategy.strategy.municipality),
            themes_heading=t.plain("certificate.themes"),
            themes=strategy.titles(ambassador.topics, language),
            invitation=t.plain("certificate.invitation"),
            link=link,
        ),
    )
    name = f"ambassador-{ambassador.number}"
    await context.bot.send_photo(
        chat.id,
        InputFile(certificate.png, filename=f"{name}.png"),
        caption=t("certificate.caption", link=link),
    )
    await context.bot.send_document(
        chat.id, InputFile(certificate.pdf, filename=f"{name}.pdf"), caption=t("certificate.print")
    )
    if certificate.left_out:
        await context.bot.send_message(
            chat.id, t("certificate.left_out", characters=certificate.left_out)
        )


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("certificate", send_certificate),
]
