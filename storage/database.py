"""Two long-lived aiosqlite connections, and transactions that services own.

The writer is shared by every handler and job, one transaction at a time. Reads made outside a
transaction go to a second, read-only connection, so they only ever see committed data: never
another task's writes that may still roll back. A task that reads inside its own transaction
(or `exclusive()`) reads on the writer, and so sees its own writes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import unicodedata
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT = 5.0  # seconds a statement waits for another process's lock before it fails

logger = logging.getLogger(__name__)


class StorageError(Exception):
    """The database cannot be used as it is; the message says why in one line."""


class Database:
    """Bolden's connections. Repositories take them and never commit; services open transactions."""

    def __init__(
        self, connection: aiosqlite.Connection, reader: aiosqlite.Connection, path: Path
    ) -> None:
        self.connection = connection
        self.reader = reader
        self.path = path
        # The writer is shared by every handler and job: a lock keeps transactions apart, and
        # the task holding it reads on the writer too.
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @classmethod
    async def open(cls, path: Path, busy_timeout: float = BUSY_TIMEOUT) -> Database:
        """Open the file, creating it in a folder that exists, and refuse one that Bolden cannot
        use: each refusal is one line that says what is wrong.

        A missing folder is not created: a mistyped path would otherwise start an empty
        database beside the real one, and the bot would greet everyone as a stranger.
        """
        _refuse_unusable(path)
        writer = await _connect(path, busy_timeout)
        reader: aiosqlite.Connection | None = None
        try:
            await writer.execute("PRAGMA journal_mode = WAL")
            await writer.execute("PRAGMA synchronous = NORMAL")
            # Deleted rows are overwritten, so an erased person leaves nothing in the file.
            await writer.execute("PRAGMA secure_delete = ON")
            # A damaged file fails here, at start-up, not in the middle of someone's reply.
            async with writer.execute("PRAGMA quick_check") as cursor:
                verdict = await cursor.fetchone()
            if verdict is None or verdict[0] != "ok":
                raise sqlite3.DatabaseError(verdict[0] if verdict else "no answer to quick_check")
            reader = await _connect(path, busy_timeout)
            await reader.execute("PRAGMA query_only = ON")
        except BaseException as error:
            # An open connection is a thread that would keep the process from exiting.
            try:
                if reader is not None:
                    await reader.close()
            finally:
                await writer.close()
            if isinstance(error, sqlite3.Error):
                raise StorageError(f"{path} is not a usable SQLite database: {error}") from None
            raise
        return cls(writer, reader, path)

    async def close(self) -> None:
        """Close both connections, the writer even when closing the reader fails."""
        try:
            await self.reader.close()
        finally:
            await self.connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the writes inside as one unit: all of them are stored, or none.

        Whatever ends it early (an error in the body, a failed COMMIT, the task cancelled while
        waiting for BEGIN or COMMIT) rolls back, so the shared connection is never left inside
        a transaction.
        """
        async with self._held():
            await self.connection.execute("BEGIN IMMEDIATE")
            yield self.connection
            await self.connection.execute("COMMIT")

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[aiosqlite.Connection]:
        """Hold the writer alone, for work that manages its own transactions (or single
        statements, each its own); one left open is rolled back."""
        async with self._held():
            yield self.connection

    @asynccontextmanager
    async def _held(self) -> AsyncIterator[None]:
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                yield
            except BaseException as error:
                await self._roll_back(error)
                raise
            else:
                # The body ended normally, so every statement it queued has run: what SQLite
                # says now is the truth, and a committed transaction needs no trip to the
                # connection's thread (one per transaction, on every update).
                if self.connection.in_transaction:
                    await self._roll_back(None)
            finally:
                self._owner = None

    async def _roll_back(self, error: BaseException | None) -> None:
        """Roll back what is open. It runs on the connection's thread after every statement
        queued before it (a BEGIN or COMMIT whose wait was cancelled still runs), so what it
        sees is the truth; if this wait is cancelled too, it still runs before the next
        transaction's BEGIN. A failing rollback is logged and never hides the first error."""
        try:
            await self.connection.rollback()
        except Exception:
            if error is None:
                raise
            logger.exception("Rolling back after %r failed too", error)

    def _source(self) -> aiosqlite.Connection:
        """The writer for the task inside a transaction, the reader for everyone else."""
        inside = self._owner is not None and self._owner is asyncio.current_task()
        return self.connection if inside else self.reader

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query meant to find one (by its key, or with LIMIT 1)."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run the query and read its rows in one trip to the connection's thread, so no
        statement is left running in between. A statement still running (a cursor between
        execute, fetch and close, while other tasks read) keeps the reader inside one read
        transaction, and everything read meanwhile would come from that old snapshot, not
        from what was committed since."""
        return list(await self._source().execute_fetchall(sql, tuple(params)))


def _refuse_unusable(path: Path) -> None:
    """Refuse a missing folder, and a file without write permission: root may write to it
    anyway, but someone marked it read-only for a reason."""
    if not path.parent.is_dir():
        raise StorageError(f"{path}: the folder {path.parent} does not exist")
    if path.is_file() and read_only(path):
        raise StorageError(f"{path} is read-only; Bolden must be able to write to it")


def read_only(path: Path) -> bool:
    """The file may not be written: no permission, or (for root) no write bit set."""
    return not (os.access(path, os.R_OK | os.W_OK) and path.stat().st_mode & 0o222)


async def _connect(path: Path, busy_timeout: float) -> aiosqlite.Connection:
    try:
        connection = await aiosqlite.connect(path, isolation_level=None)
    except Exception as error:
        raise StorageError(f"{path} cannot be opened: {error}") from None
    connection.row_factory = aiosqlite.Row
    try:
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        # SQLite's lower() and LIKE fold only ASCII: a search for "ærø" must find "Ærø" too.
        await connection.create_function("casefold", 1, _casefold, deterministic=True)
        await connection.create_function("name_order", 1, _name_order, deterministic=True)
    except BaseException:
        await connection.close()
        raise
    return connection


def _casefold(text: str | None) -> str | None:
    return text.casefold() if text is not None else None


# Danish alphabetical order: æ (ä), ø (ö) and å come after z, in that order; other accented
# letters go with their letter (é with e); case does not count. Code points would put Å first.
_AFTER_Z = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"})


def _name_order(text: str | None) -> str | None:
    """The key that sorts names as a Danish reader expects (`ORDER BY name_order(name)`)."""
    if text is None:
        return None
    letters = unicodedata.normalize("NFD", text.casefold().translate(_AFTER_Z))
    return "".join(char for char in letters if not unicodedata.combining(char))


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _sql(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


async def insert_row(connection: aiosqlite.Connection, table: str, values: dict[str, Any]) -> int:
    """Insert one row; table and column names are ours, never input. Returns the row id."""
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = await connection.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(map(_sql, values.values()))
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def update_row(
    connection: aiosqlite.Connection,
    table: str,
    key: str,
    key_value: Any,
    values: dict[str, Any],
    expected: dict[str, Any] | None = None,
) -> bool:
    """Update one row by its key; with `expected`, only while those columns still hold those
    values (a conditional write: the row count decides a check-then-act). True if it changed.
    Table and column names are ours, never input."""
    assignments = ", ".join(f"{column} = ?" for column in values)
    conditions = "".join(f" AND {column} IS ?" for column in expected or {})
    cursor = await connection.execute(
        f"UPDATE {table} SET {assignments} WHERE {key} = ?{conditions}",
        (*map(_sql, values.values()), key_value, *map(_sql, (expected or {}).values())),
    )
    return cursor.rowcount == 1
