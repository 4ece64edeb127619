"""One long-lived aiosqlite connection, and transactions that services own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000


class StorageError(Exception):
    """The database cannot be used as it is; the message says why in one line."""


class Database:
    """Bolden's connection. Repositories take it and never commit; services open transactions."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        # One connection is shared by every handler and job: a lock keeps transactions apart.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = await aiosqlite.connect(path, isolation_level=None)
        except Exception as error:
            raise StorageError(f"cannot open database {path}: {error}") from None
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA synchronous = NORMAL")
        # Deleted rows are overwritten, so an erased person leaves nothing in the file.
        await connection.execute("PRAGMA secure_delete = ON")
        return cls(connection, path)

    async def close(self) -> None:
        await self.connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the writes inside as one unit: all of them are stored, or none."""
        async with self._lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[aiosqlite.Connection]:
        """Hold the connection alone, for work that manages its own transactions."""
        async with self._lock:
            yield self.connection

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self.connection.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.connection.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())


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
