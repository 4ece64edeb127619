"""The context every handler gets: the services, the person, and their language."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.channels import Channel, channel_of
from bot.i18n import Translator
from bot.services import Services
from storage.people import Person

SERVICES = "services"


class BoldenContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Typed access to what handlers need, so they never reach into `bot_data` themselves."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        # Set by handlers.people before any feature handler runs (group -1).
        self.person: Person | None = None

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data[SERVICES]
        return services

    @property
    def language(self) -> str:
        return self.person.language if self.person else self.services.settings.language

    @property
    def channel(self) -> Channel:
        """The channel the person is on (a group or an unknown sender: Telegram)."""
        return channel_of(self.person.user_id) if self.person else Channel.TELEGRAM

    @property
    def t(self) -> Translator:
        return self.services.translator(self.language, self.channel)


BoldenApp = Application[Any, BoldenContext, Any, Any, Any, Any]
