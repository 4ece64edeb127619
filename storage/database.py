"""Bolden's database, and transactions that services own: SQLite (a file, the default) or
PostgreSQL (a `postgresql://` URL, storage/postgres.py), behind one small interface.

Repository functions (storage/*.py) are written once, in SQL both accept; each backend's
`Connection` runs it. On SQLite, two long-lived aiosqlite connections: the writer is shared by
every handler and job, one transaction at a time. Reads made outside a transaction go to a
second, read-only connection, so they only ever see committed data: never another task's writes
that may still roll back. A task that reads inside its own transaction (or `exclusive()`) reads
on the writer, and so sees its own writes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg

BUSY_TIMEOUT = 5.0  # seconds a statement waits for another process's lock before it fails

logger = logging.getLogger(__name__)


class StorageError(Exception):
    """The database cannot be used as it is; the message says why in one line."""


# What either database raises when it cannot be used now: locked, read-only, unreachable.
ERRORS: tuple[type[Exception], ...] = (
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
)


# And what cannot be used at all.
UNUSABLE: tuple[type[Exception], ...] = (StorageError, *ERRORS)


def problem_of(error: Exception) -> str:
    """Why the database cannot be used, in a word or two, from the error's code (never its
    message, which could quote data)."""
    if isinstance(error, sqlite3.Error):
        return _PROBLEMS.get(error.sqlite_errorcode & 0xFF, "unavailable")
    if isinstance(error, asyncpg.ReadOnlySQLTransactionError):
        return "read-only"
    if isinstance(error, asyncpg.LockNotAvailableError):
        return "locked"
    if isinstance(error, asyncpg.DiskFullError):
        return "disk full"
    return "unavailable"


class Row(Protocol):
    """A row read: by column name or position, and `dict(row)`."""

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, key: Any, /) -> Any: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


def is_url(target: Path | str) -> bool:
    """A PostgreSQL URL, not a file path."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def named(target: Path | str) -> str:
    """The database as messages and logs name it: a file, or a URL without its password."""
    if not is_url(target):
        return str(target)
    scheme, _, rest = str(target).partition("://")
    login, at, place = rest.rpartition("@")
    if not at or ":" not in login:
        return str(target)
    return f"{scheme}://{login.split(':', 1)[0]}:***@{place}"


class Dialect:
    """The few pieces of SQL the two databases write differently; SQLite's here."""

    name = "sqlite"

    def epoch(self, column: str) -> str:
        """Seconds since 1970 of a moment (SQLite keeps moments as text, in their own offset)."""
        return f"CAST(strftime('%s', {column}) AS INTEGER)"

    def year(self, column: str) -> str:
        """The year of a moment as written, in its own offset."""
        return f"CAST(substr({column}, 1, 4) AS INTEGER)"

    def notify(self, channel: str) -> str | None:
        """A statement that tells the other processes on the database (with `listen`) about
        a change, when its transaction commits; SQLite has no other processes."""
        return None

    def switch_triggers(self, table: str, on: bool) -> str | None:
        """A statement that turns the table's own triggers (not its keys' checks) off or on
        again, within a transaction; SQLite has none: its triggers stay on."""
        return None

    def skip_locked(self, table: str) -> str:
        """What a query that takes a row to work on adds, so that another process taking one at
        the same time passes this row by (SQLite has one writer: nothing)."""
        return ""

    def seconds_between(self, start: str, end: str) -> str:
        """Seconds from one moment to another (an index may be made on it: keep it as is)."""
        return f"strftime('%s', {end}) - strftime('%s', {start})"


class Connection(ABC):
    """One database connection, inside a transaction or not; repositories take it and never
    commit. SQL uses `?` placeholders."""

    dialect: Dialect

    @abstractmethod
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""

    @abstractmethod
    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each set of parameters."""

    @abstractmethod
    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Run a query (or a statement with RETURNING) and read all its rows."""

    @abstractmethod
    async def run_script(self, script: str) -> None:
        """Several statements, in this database's own SQL, as one transaction."""

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of a query meant to find one (by its key, or with LIMIT 1)."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


class Database(ABC):
    """Bolden's connections. Repositories take them and never commit; services open transactions."""

    dialect: Dialect
    name: str  # what messages call it: the file, or the URL without its password
    shared = False  # several processes may use it at once (bot/instances.py)

    @staticmethod
    async def open(target: Path | str, busy_timeout: float = BUSY_TIMEOUT) -> Database:
        """The database `target` names: a `postgresql://` URL, or else a SQLite file. Each
        refusal is a StorageError of one line that says what is wrong."""
        if is_url(target):
            from storage.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(target), busy_timeout)
        return await SqliteDatabase.open_file(Path(target), busy_timeout)

    @abstractmethod
    async def close(self) -> None:
        """Close every connection."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """Run the writes inside as one unit: all of them are stored, or none. Transactions
        that write follow one another, as on SQLite, also across processes: what a transaction
        read stays true until it commits."""

    @abstractmethod
    def exclusive(self) -> AbstractAsyncContextManager[Connection]:
        """A connection for single statements, each its own transaction (the outbox's hot
        path, migrations)."""

    @abstractmethod
    async def try_lead(self) -> bool:
        """Whether this process leads those sharing the database, taking the lead when no one
        has it (bot/instances.py)."""

    @abstractmethod
    def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Call `callback` when another process notifies `channel` (see Dialect.notify)."""

    @abstractmethod
    async def scrub(self) -> None:
        """Leave nothing of deleted rows where the database keeps its data."""

    @abstractmethod
    async def write_problem(self, wait: float) -> str | None:
        """Why a write could not start now, in a word or two, if so (for /readyz)."""

    @abstractmethod
    def migrating(self) -> AbstractAsyncContextManager[Connection]:
        """A connection for bringing the schema up to date, held alone."""

    @abstractmethod
    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Read committed data (or, inside the task's own transaction, its own writes)."""

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of a query meant to find one (by its key, or with LIMIT 1)."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


class SqliteConnection(Connection):
    """An aiosqlite connection."""

    dialect = Dialect()

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.raw = connection

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        cursor = await self.raw.execute(sql, tuple(params))
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.raw.executemany(sql, rows)

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Run the query and read its rows in one trip to the connection's thread, so no
        statement is left running in between. A statement still running (a cursor between
        execute, fetch and close, while other tasks read) keeps the reader inside one read
        transaction, and everything read meanwhile would come from that old snapshot, not
        from what was committed since."""
        return list(await self.raw.execute_fetchall(sql, tuple(params)))

    async def run_script(self, script: str) -> None:
        try:
            await self.raw.executescript(f"BEGIN IMMEDIATE;\n{script}\n;\nCOMMIT;")
        except BaseException:
            if self.raw.in_transaction:
                await self.raw.execute("ROLLBACK")
            raise


class SqliteDatabase(Database):
    """Two long-lived aiosqlite connections on one file (see the module's docstring)."""

    dialect = Dialect()

    def __init__(
        self, connection: aiosqlite.Connection, reader: aiosqlite.Connection, path: Path
    ) -> None:
        self.connection = connection
        self.reader = reader
        self.path = path
        self.name = str(path)
        self._writer = SqliteConnection(connection)
        self._reader = SqliteConnection(reader)
        # The writer is shared by every handler and job: a lock keeps transactions apart, and
        # the task holding it reads on the writer too.
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @classmethod
    async def open_file(cls, path: Path, busy_timeout: float = BUSY_TIMEOUT) -> SqliteDatabase:
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
    async def transaction(self) -> AsyncIterator[Connection]:
        """Whatever ends it early (an error in the body, a failed COMMIT, the task cancelled
        while waiting for BEGIN or COMMIT) rolls back, so the shared connection is never left
        inside a transaction."""
        async with self._held():
            await self.connection.execute("BEGIN IMMEDIATE")
            yield self._writer
            await self.connection.execute("COMMIT")

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[Connection]:
        """Hold the writer alone; a transaction left open is rolled back."""
        async with self._held():
            yield self._writer

    def migrating(self) -> AbstractAsyncContextManager[Connection]:
        return self.exclusive()

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

    async def write_problem(self, wait: float) -> str | None:
        return await asyncio.to_thread(_write_problem, self.path, wait)

    async def scrub(self) -> None:
        """secure_delete has overwritten what was freed; VACUUM rebuilds every page (so no old
        key is left in an interior page) and the checkpoint empties the write-ahead log."""
        async with self.exclusive() as connection:
            await connection.execute("VACUUM")
            await connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def try_lead(self) -> bool:
        """One process uses the file (bot/cli.py holds a lock beside it): it leads."""
        return True

    def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """No other process writes to the file, so none will notify."""

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """On the writer for the task inside a transaction, on the reader for everyone else."""
        inside = self._owner is not None and self._owner is asyncio.current_task()
        return await (self._writer if inside else self._reader).fetch_all(sql, params)


_PROBLEMS = {
    sqlite3.SQLITE_BUSY: "locked",
    sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_READONLY: "read-only",
    sqlite3.SQLITE_CANTOPEN: "cannot be opened",
    sqlite3.SQLITE_FULL: "disk full",
    sqlite3.SQLITE_IOERR: "disk error",
    sqlite3.SQLITE_CORRUPT: "damaged",
    sqlite3.SQLITE_NOTADB: "damaged",
}


def _write_problem(path: Path, wait: float) -> str | None:
    """Why a write could not start now, if so. The write lock is taken and let go at once, on
    a connection of its own: the bot's connections may be busy with a long write, and reads go
    on while another process holds the write lock, which stops every change the bot would
    make. A file marked read-only is reported as start-up refuses it, also to root."""
    if not path.exists():
        return "missing"  # and not created empty in its place (mode=rw)
    if read_only(path):
        return "read-only"
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=rw",
        uri=True,
        timeout=wait,
        isolation_level=None,
    )
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    finally:
        connection.close()
    return None


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


# After every moment Bolden stores: the end of an open range.
END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _sql(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


async def insert_row(
    connection: Connection, table: str, values: dict[str, Any], key: str = "id"
) -> int:
    """Insert one row; table and column names are ours, never input. Returns its `key`."""
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    row = await connection.fetch_one(
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {key}",
        tuple(map(_sql, values.values())),
    )
    assert row is not None
    return int(row[0])


async def update_row(
    connection: Connection,
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
    changed = await connection.execute(
        f"UPDATE {table} SET {assignments} WHERE {key} = ?{conditions}",
        (*map(_sql, values.values()), key_value, *map(_sql, (expected or {}).values())),
    )
    return changed == 1
