"""The Messenger channel while the bot runs: its Graph API client and the page it speaks for.
Made at start-up when BOLDEN_MESSENGER_* are set, closed at shutdown."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from telegram.ext import CallbackContext, JobQueue

from bot.channels.messenger.graph import GraphClient, GraphError, GraphUnavailable
from bot.channels.messenger.profile import messenger_profile
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator
from storage.database import Database

logger = logging.getLogger(__name__)
MESSENGER = "messenger-channel"  # its key in the Application's bot_data
SET_UP_JOB = "messenger-page"
# Seconds before the first retry of the page's set-up; each wait is twice the last, up to ten
# minutes.
FIRST_RETRY = 1.0
LAST_RETRY = 600.0


class Messenger:
    def __init__(self, settings: Settings, db: Database, clock: Clock) -> None:
        assert settings.messenger_page_token is not None, "made only when Messenger is set"
        self.settings = settings
        self.db = db
        self.clock = clock
        self.graph = GraphClient(
            settings.messenger_api_base_url,
            settings.messenger_page_token.get_secret_value(),
            settings.delivery_timeout,
        )
        self.page_id = ""
        self.page_username: str | None = None
        self._profile: dict[str, Any] = {}

    async def start(self, jobs: JobQueue[Any], translators: Mapping[str, Translator]) -> None:
        """Find the page and set its Get Started button, menu and greeting. When Meta cannot
        be reached, the bot starts all the same (the webhook takes what people write) and a
        job tries again."""
        await self.graph.start()
        self._profile = messenger_profile(translators, self.settings.language)
        await self._set_up(jobs, FIRST_RETRY)

    async def _set_up(self, jobs: JobQueue[Any], wait: float) -> None:
        try:
            if not self.page_id:
                page = await self.graph.page()
                self.page_id = str(page.get("id", ""))
                self.page_username = page.get("username") or None
            await self.graph.set_profile(self._profile)
        except (GraphError, GraphUnavailable) as error:
            logger.warning(
                "Setting up the Messenger page failed (%s); trying again in %.0f s", error, wait
            )
            next_wait = min(wait * 2, LAST_RETRY)
            jobs.run_once(self._retry, when=wait, data=next_wait, name=SET_UP_JOB)
        else:
            if wait > FIRST_RETRY:
                logger.info("The Messenger page is set up")

    async def _retry(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        """The JobQueue's next try; the job's data is how long to wait if this one fails too."""
        assert context.job is not None
        assert context.job_queue is not None
        wait = context.job.data
        assert isinstance(wait, float)
        await self._set_up(context.job_queue, wait)

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
