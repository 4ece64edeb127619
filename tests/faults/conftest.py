"""A migrated database on a real file, and a second process's connection that can lock it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from storage.database import Database
from storage.migrations import migrate

SHORT_BUSY_TIMEOUT = 0.3  # seconds: a lock held longer than this makes a write fail


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "faults.sqlite3", busy_timeout=SHORT_BUSY_TIMEOUT)
    await migrate(database)
    yield database
    await database.close()


@pytest.fixture
def other_process(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another program's connection to the same file (a script, `sqlite3` in a shell)."""
    with closing(
        sqlite3.connect(tmp_path / "faults.sqlite3", isolation_level=None, timeout=0)
    ) as connection:
        yield connection
        if connection.in_transaction:
            connection.rollback()
