"""The Messenger channel while the bot runs: its Graph API client and the page it speaks for.
Made at start-up when BOLDEN_MESSENGER_* are set, closed at shutdown."""

from __future__ import annotations

import logging

from bot.channels.messenger.graph import GraphClient
from bot.clock import Clock
from bot.config import Settings
from storage.database import Database

logger = logging.getLogger(__name__)
MESSENGER = "messenger-channel"  # its key in the Application's bot_data


class Messenger:
    def __init__(self, settings: Settings, db: Database, clock: Clock) -> None:
        assert settings.messenger_page_token is not None, "made only when Messenger is set"
        self.settings = settings
        self.db = db
        self.clock = clock
        self.graph = GraphClient(
            settings.messenger_api_base_url, settings.messenger_page_token.get_secret_value()
        )
        self.page_id = ""
        self.page_username: str | None = None

    async def start(self) -> None:
        await self.graph.start()
        page = await self.graph.page()
        self.page_id = str(page.get("id", ""))
        self.page_username = page.get("username") or None

    async def close(self) -> None:
        await self.graph.close()

    @property
    def link(self) -> str:
        """The page's chat link, m.me/<page>, to which `?ref=` adds a deep link."""
        return f"https://m.me/{self.page_username or self.page_id}"


def messenger_in(bot_data: dict[str, object]) -> Messenger | None:
    """The running Messenger channel, None when BOLDEN_MESSENGER_* are not set."""
    found = bot_data.get(MESSENGER)
    return found if isinstance(found, Messenger) else None
