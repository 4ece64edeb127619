"""The links that open the chat with Bolden, written once for every channel.

A reference (`ref-<code>`, `net-<code>`, `ev-<id>`, `in-<code>`, `unsub-<token>`) rides on
Telegram's `t.me/<bot>?start=<ref>` and on Messenger's `m.me/<page>?ref=<ref>` alike, and
bot/services/people.py `parse_deep_link` reads it whichever way it came. A person is shown the
link of their own channel, so what they pass on opens where they are; what everyone sees (the
web pages, a poster at the door) shows every channel the bot runs on.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram.ext import Application

from bot.channels import Channel
from bot.channels.messenger.channel import messenger_in
from bot.i18n import Html, Translator

App = Application[Any, Any, Any, Any, Any, Any]


def chat_link(application: App, channel: Channel, reference: str | None = None) -> str:
    """The chat on `channel`, opened with `reference` when given. Messenger's only while
    Messenger runs (BOLDEN_MESSENGER_*); otherwise Telegram is the only chat there is."""
    messenger = messenger_in(application.bot_data)
    if channel is Channel.MESSENGER and messenger is not None:
        return messenger.link + (f"?ref={reference}" if reference else "")
    telegram = f"https://t.me/{application.bot.username}"
    return telegram + (f"?start={reference}" if reference else "")


def chat_links(application: App, reference: str | None = None) -> dict[Channel, str]:
    """The chat on every channel the bot runs on, Telegram's first."""
    channels = [Channel.TELEGRAM]
    if messenger_in(application.bot_data) is not None:
        channels.append(Channel.MESSENGER)
    return {channel: chat_link(application, channel, reference) for channel in channels}


def links_text(application: App, t: Translator, reference: str) -> Html:
    """A link for a coordinator to pass on (a network's invitation, a poster's check-in): the
    Telegram link alone, as ever, or each channel's on its own line, named."""
    links = chat_links(application, reference)
    if len(links) == 1:
        return Html(escape(links[Channel.TELEGRAM], quote=False))
    lines = [t("channel.link", channel=t.plain(f"channel.{c}"), link=v) for c, v in links.items()]
    return Html("\n".join(lines))


def add_to_group_link(application: App, reference: str) -> str:
    """Telegram's link that adds the bot to a group (Messenger has no groups)."""
    return f"https://t.me/{application.bot.username}?startgroup={reference}"
