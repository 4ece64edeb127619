"""A migrated database on a real file, and a second process's connection that can lock it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from storage.database import Database
from storage.migrations import migrate
from tests.conftest import COORDINATOR_ID, TOKEN
from tests.e2e.test_broadcast import broadcast, received

SHORT_BUSY_TIMEOUT = 0.3  # seconds: a lock held longer than this makes a write fail


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "faults.sqlite3", busy_timeout=SHORT_BUSY_TIMEOUT)
    await migrate(database)
    yield database
    await database.close()


@pytest.fixture
def other_process(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another program's connection to the same file (a script, `sqlite3` in a shell). It may
    wait for a lock, so from a running bot's test it is used in a thread (`asyncio.to_thread`)."""
    with closing(
        sqlite3.connect(
            tmp_path / "faults.sqlite3", isolation_level=None, timeout=2, check_same_thread=False
        )
    ) as connection:
        yield connection
        if connection.in_transaction:
            connection.rollback()


@pytest.fixture
def settings(tmp_path: Path, emulator: BotApiEmulator) -> Settings:
    """The bot's settings (and `query`'s database) with short waits: a lock held longer than
    0.3 s fails a write, and a send unanswered for 0.5 s times out."""
    return load_settings(
        token=TOKEN,
        api_base_url=emulator.url,
        database=tmp_path / "faults.sqlite3",
        coordinators=str(COORDINATOR_ID),
        database_busy_timeout=SHORT_BUSY_TIMEOUT,
        delivery_timeout=0.5,
        progress_every=0.2,
    )


async def broadcast_to_all(
    karim: SimulatedPerson,
    people: list[SimulatedPerson],
    text: str,
    then: Callable[[], object] = lambda: None,
) -> None:
    """Everyone writes to the bot, the coordinator writes `text` to all of them, `then` runs
    (a test switches faults on) and the coordinator presses Send."""
    for person in [karim, *people]:
        await person.send("/start")
    confirm = await broadcast(karim, text, "Alle, der har skrevet")
    then()
    await karim.press(confirm, "Send nu")


def arrived(people: list[SimulatedPerson], text: str) -> dict[int, int]:
    """How many times `text` reached each person, counted at the emulator."""
    return {person.id: len(received(person, text)) for person in people}
