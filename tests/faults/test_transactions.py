"""Transactions under faults, on a real SQLite file: a COMMIT that fails, a task cancelled in
the body, in BEGIN and in COMMIT, and reads that never see what may still roll back."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage.database import Database
from tests.conftest import until

PERSON = "INSERT INTO people (user_id, language, first_seen, last_seen) VALUES (?, 'da', 'x', 'x')"
# A row that points at a batch that does not exist: with checks deferred, COMMIT refuses it.
ORPHAN = (
    "INSERT INTO outbox (batch_id, channel, user_id, payload, next_attempt_at) "
    "VALUES (999, 'telegram', 1, '{}', 'x')"
)


async def people(db: Database) -> list[int]:
    return [row[0] for row in await db.fetch_all("SELECT user_id FROM people ORDER BY user_id")]


async def still_usable(db: Database, other_process: sqlite3.Connection) -> None:
    """No transaction is left open: another process can take the write lock at once, and the
    bot's own next transaction commits."""
    assert not db.connection.in_transaction
    other_process.execute("BEGIN IMMEDIATE")
    other_process.rollback()
    async with db.transaction() as connection:
        await connection.execute(PERSON, (99,))
    assert 99 in await people(db)


async def write_an_orphan(db: Database, cancel_during_commit: bool = False) -> None:
    """A person and an outbox row whose batch does not exist: COMMIT refuses both."""
    async with db.transaction() as connection:
        await connection.execute("PRAGMA defer_foreign_keys = ON")
        await connection.execute(PERSON, (1,))
        await connection.execute(ORPHAN)
        if cancel_during_commit:
            cancel_soon()


def cancel_soon() -> None:
    """Cancel the running task at its next wait: the next statement it sends to SQLite."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().call_soon(task.cancel)


async def test_a_commit_that_fails_rolls_back_everything_and_the_connection_goes_on(
    db: Database, other_process: sqlite3.Connection
) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await write_an_orphan(db)

    assert await people(db) == []
    assert await db.fetch_all("SELECT * FROM outbox") == []
    await still_usable(db, other_process)


async def test_a_task_cancelled_inside_a_transaction_leaves_nothing_written_and_nothing_open(
    db: Database, other_process: sqlite3.Connection
) -> None:
    written = asyncio.Event()

    async def write_and_wait() -> None:
        async with db.transaction() as connection:
            await connection.execute(PERSON, (1,))
            written.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(write_and_wait())
    await written.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await people(db) == []
    await still_usable(db, other_process)


async def test_a_task_cancelled_while_begin_waits_for_a_lock_leaves_nothing_open(
    db: Database, other_process: sqlite3.Connection
) -> None:
    other_process.execute("BEGIN IMMEDIATE")  # BEGIN will wait for this lock
    slow = await Database.open(db.path, busy_timeout=30)

    async def begin_cancelled() -> None:
        cancel_soon()
        async with slow.transaction() as connection:
            await connection.execute(PERSON, (1,))

    task = asyncio.create_task(begin_cancelled())
    try:
        await until(lambda: task.cancelling() > 0)
        # The BEGIN goes on on the connection's thread and now gets the lock; it must be undone.
        other_process.rollback()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not slow.connection.in_transaction
    finally:
        await slow.close()
    assert await people(db) == []
    await still_usable(db, other_process)


async def test_a_task_cancelled_during_commit_leaves_all_or_nothing_and_nothing_open(
    db: Database, other_process: sqlite3.Connection
) -> None:
    async def commit_cancelled() -> None:
        async with db.transaction() as connection:
            await connection.execute(PERSON, (1,))
            await connection.execute(PERSON, (2,))
            cancel_soon()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.create_task(commit_cancelled())

    assert await people(db) in ([], [1, 2])
    await still_usable(db, other_process)


async def test_a_task_cancelled_during_a_commit_that_fails_leaves_nothing_written_or_open(
    db: Database, other_process: sqlite3.Connection
) -> None:
    with pytest.raises((asyncio.CancelledError, sqlite3.IntegrityError)):
        await asyncio.create_task(write_an_orphan(db, cancel_during_commit=True))

    assert await people(db) == []
    await still_usable(db, other_process)


async def test_reads_outside_a_transaction_see_only_committed_rows_and_the_writer_sees_its_own(
    db: Database,
) -> None:
    written, seen = asyncio.Event(), asyncio.Event()
    own_view: list[int] = []

    async def write_then_fail() -> None:
        async with db.transaction() as connection:
            await connection.execute(PERSON, (1,))
            own_view.extend(await people(db))
            written.set()
            await seen.wait()
            raise RuntimeError("rolled back after all")

    task = asyncio.create_task(write_then_fail())
    await written.wait()
    others_view = await people(db)
    seen.set()
    with pytest.raises(RuntimeError):
        await task

    assert own_view == [1], "inside its transaction a task reads its own writes"
    assert others_view == [], "another task never reads a write that may roll back"
    assert await people(db) == []


async def test_closing_the_database_closes_both_connections(db: Database) -> None:
    await db.close()

    for connection in (db.connection, db.reader):
        with pytest.raises(ValueError, match=r"no active connection|closed"):
            await connection.execute("SELECT 1")
