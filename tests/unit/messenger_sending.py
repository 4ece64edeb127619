"""Sending to Messenger people in the unit tests: services on a real SQLite file whose Messenger
is the Graph API emulator, and the outbound side started as bot/app.py starts it. The fixtures
`services` and `out` serve every module that imports them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram.ext import JobQueue

from bot.channels.messenger.channel import Messenger
from bot.channels.messenger.delivery import Fetch, MessengerOut
from bot.i18n import Translator
from bot.sandbox.messenger import GraphApiEmulator
from bot.services import Services
from handlers.progress import translator_of
from storage import messenger as store
from tests.conftest import APP_SECRET, PAGE_TOKEN, VERIFY_TOKEN, FakeClock
from tests.unit.conftest import Target, built_services


def messenger_settings(graph: GraphApiEmulator) -> dict[str, object]:
    """The settings that turn Messenger on, against the Graph API emulator."""
    return {
        "messenger_page_token": PAGE_TOKEN,
        "messenger_app_secret": APP_SECRET,
        "messenger_verify_token": VERIFY_TOKEN,
        "messenger_api_base_url": graph.url,
    }


async def no_telegram_files(file_id: str) -> tuple[bytes, str]:
    raise AssertionError(f"a Telegram file was asked for: {file_id}")


@asynccontextmanager
async def outbound(
    services: Services, fetch: Fetch = no_telegram_files
) -> AsyncIterator[MessengerOut]:
    """The Messenger side of sending, started as bot/app.py starts it. The emulator answers
    the page's set-up, so its JobQueue never gets a retry (one would fail: it has no bot)."""
    messenger = Messenger(services.settings, services.db, services.clock)
    jobs: JobQueue[Any] = JobQueue()
    await messenger.start(jobs, services.translators)

    async def language(user_id: int) -> Translator:
        return await translator_of(services, user_id)

    try:
        yield MessengerOut(messenger, language, fetch)
    finally:
        await messenger.close()


@pytest.fixture
async def services(
    database: Target, clock: FakeClock, graph: GraphApiEmulator
) -> AsyncIterator[Services]:
    async with built_services(database, clock, (), **messenger_settings(graph)) as built:
        yield built


@pytest.fixture
async def out(services: Services) -> AsyncIterator[MessengerOut]:
    async with outbound(services) as running:
        yield running


async def messenger_person(
    services: Services, graph: GraphApiEmulator, psid: str, language: str = "da"
) -> int:
    """A Messenger person who writes now: their 24-hour window opens for the bot and for Meta."""
    person = graph.people.get(psid) or graph.person(psid, "Anna", "Hansen")
    person.wrote = services.clock()
    async with services.db.transaction() as connection:
        user_id = await store.person_of(connection, psid, services.clock())
    await services.people.seen(user_id, language)
    return user_id
