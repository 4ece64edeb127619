"""Services on a real SQLite file, for the rules' tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.config import load_settings
from bot.i18n import load_catalogs
from bot.services import Services
from bot.strategy import load_strategy
from storage.database import Database
from storage.migrations import migrate
from tests.conftest import FakeClock


@asynccontextmanager
async def built_services(
    tmp_path: Path, clock: FakeClock, people: Iterable[int], **settings: object
) -> AsyncIterator[Services]:
    """Every service, as the bot builds them, on a migrated database with these people in it."""
    loaded = load_settings(database=tmp_path / "rules.sqlite3", **settings)
    db = await Database.open(loaded.database)
    await migrate(db)
    services = Services.build(loaded, load_strategy(loaded.content), db, load_catalogs(), clock)
    for user_id in people:
        await services.people.seen(user_id, "da")
    try:
        yield services
    finally:
        await db.close()
