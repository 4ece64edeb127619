"""Services on a real database, SQLite and PostgreSQL, for the rules' tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.i18n import load_catalogs
from bot.services import Services
from bot.strategy import load_strategy
from storage.database import Database
from storage.migrations import migrate
from tests.conftest import FakeClock
from tests.postgres import PostgresServer

# Where the rules' tests keep their data: a SQLite file, or a PostgreSQL database's URL.
Target = Path | str


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """Each test that takes it runs twice: on a SQLite file, and on a PostgreSQL database of its
    own (tests/postgres.py), with Bolden's schema."""
    if request.param == "sqlite":
        return tmp_path / "rules.sqlite3"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return await server.migrated()


@asynccontextmanager
async def built_services(
    database: Target, clock: FakeClock, people: Iterable[int], **settings: object
) -> AsyncIterator[Services]:
    """Every service, as the bot builds them, on a migrated database with these people in it."""
    loaded = load_settings(database=database, **settings)
    db = await Database.open(loaded.database)
    await migrate(db)
    services = Services.build(loaded, load_strategy(loaded.content), db, load_catalogs(), clock)
    # As the bot does at start-up: on PostgreSQL it beats, and leads (it is alone).
    await services.instance.start()
    for user_id in people:
        await services.people.seen(user_id, "da")
    try:
        yield services
    finally:
        await services.instance.stop()
        await db.close()
