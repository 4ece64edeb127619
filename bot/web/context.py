"""What every request handler of the web server may use, kept on the aiohttp application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.channels import Channel
from bot.channels.links import chat_links
from bot.services import Services


@dataclass
class Site:
    """The running bot as the web pages see it."""

    services: Services
    application: Application[Any, Any, Any, Any, Any, Any]
    # Where people reach these pages (BOLDEN_PUBLIC_URL, else the server's own address).
    public_url: str = ""

    @property
    def bot_username(self) -> str:
        username: str = self.application.bot.username
        return username

    @property
    def chats(self) -> dict[Channel, str]:
        """The chat on every channel the bot runs on (Telegram's first), for the pages' links."""
        return chat_links(self.application)


SITE = web.AppKey("site", Site)
# Where the running bot keeps its Site, for handlers that link to the web pages.
BOT_DATA_KEY = "web-site"


def site_in(application: Application[Any, Any, Any, Any, Any, Any]) -> Site:
    site: Site = application.bot_data[BOT_DATA_KEY]
    return site


def site_of(request: web.Request) -> Site:
    return request.app[SITE]
