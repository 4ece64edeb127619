"""PostgreSQL (BOLDEN_DATABASE=postgresql://…), through asyncpg with a pool of connections.

The repositories' SQL is written once, for both databases; `translate` turns it into
PostgreSQL's: `$1` placeholders instead of `?`, `ON CONFLICT DO NOTHING` for SQLite's `INSERT OR
IGNORE`, `IS NOT DISTINCT FROM` for SQLite's `IS` between values, `string_agg` for
`group_concat`, and a JSON array's elements for `json_each`. Moments are `timestamptz` in the
database and ISO strings in Python, as on SQLite, so nothing above the storage changes.

Transactions that write follow one another, as on SQLite, also across the processes sharing the
database: in the order they were asked for in a process, and each starts by taking one
transaction-scoped advisory lock. What a transaction read
therefore stays true until it commits, which every check-then-act of the services relies on.
Reads outside a transaction, and the outbox's single statements, run in parallel.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any, TypeAlias

import asyncpg

from storage.database import ERRORS, Connection, Database, Dialect, Row, StorageError, named

# Keys of the advisory locks Bolden takes (any two numbers other programs on the database do
# not use): one for writing transactions, one for migrations.
WRITES = 0x0B01DE
MIGRATIONS = 0x0B01DF
LEADER = 0x0B01E0
POOL_SIZE = 10
# What ends the leader's connection: an error of the database, or no answer in time.
_LOST: tuple[type[Exception], ...] = (*ERRORS, TimeoutError)
LEAD_WAIT = 5.0  # seconds the leader's connection may take to answer before it is let go
# The server ends the leader's session (and lets go of its lock) when it stops hearing from it:
# it asks every 2 s, so 10 s of silence is a process gone or cut off, and another may lead.
_LEADER_SETTINGS = {
    "idle_session_timeout": "10000",
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
}
# Seconds any statement may take before its connection gives up on it (an export's chunk takes
# milliseconds; a connection cut off must not hold a transaction, and the writes' lock, forever).
COMMAND_TIMEOUT = 60.0

Raw: TypeAlias = "asyncpg.Connection[Any] | asyncpg.pool.PoolConnectionProxy[Any]"


class PostgresDialect(Dialect):
    name = "postgresql"

    def epoch(self, column: str) -> str:
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"

    def year(self, column: str) -> str:
        # In UTC, the session's time zone, as SQLite reads the year of a moment the bot's
        # clock wrote.
        return f"CAST(EXTRACT(YEAR FROM {column}) AS BIGINT)"

    def notify(self, channel: str) -> str | None:
        return f"SELECT pg_notify('{channel}', '')"

    def switch_triggers(self, table: str, on: bool) -> str | None:
        return f'ALTER TABLE "{table}" {"ENABLE" if on else "DISABLE"} TRIGGER USER'

    def skip_locked(self, table: str) -> str:
        return f" FOR UPDATE OF {table} SKIP LOCKED"

    def seconds_between(self, start: str, end: str) -> str:
        return f"EXTRACT(EPOCH FROM {end} - {start})"


DIALECT = PostgresDialect()

_STRING = re.compile(r"('(?:[^']|'')*')")
_RULES = [
    (re.compile(r"\bIS\s+NOT\s+(?!NULL\b|DISTINCT\b)"), "IS DISTINCT FROM "),
    (re.compile(r"\bIS\s+(?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b)"), "IS NOT DISTINCT FROM "),
    (re.compile(r"\bgroup_concat\("), "string_agg("),
    (re.compile(r"\bjson_each\(\?\)"), "json_array_elements_text(CAST(? AS json))"),
]
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b")
_RETURNING = re.compile(r"\sRETURNING\s")


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """The statement in PostgreSQL's words (see the module's docstring); string literals are
    left as they are."""
    parts = _STRING.split(sql)
    ignore = False
    for index in range(0, len(parts), 2):  # the parts outside string literals
        part = parts[index]
        if _OR_IGNORE.search(part):
            ignore = True
            part = _OR_IGNORE.sub("INSERT INTO", part)
        for pattern, replacement in _RULES:
            part = pattern.sub(replacement, part)
        parts[index] = part
    if ignore:
        last = parts[-1]
        found = _RETURNING.search(last)
        at = found.start() if found else len(last.rstrip().rstrip(";"))
        parts[-1] = f"{last[:at]} ON CONFLICT DO NOTHING{last[at:]}"
    number = 0
    for index in range(0, len(parts), 2):
        pieces = parts[index].split("?")
        for i in range(1, len(pieces)):
            number += 1
            pieces[i] = f"${number}{pieces[i]}"
        parts[index] = "".join(pieces)
    return "".join(parts)


def _changed(status: str) -> int:
    """The row count in a command's status ("UPDATE 3", "INSERT 0 1"); 0 for others."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresConnection(Connection):
    dialect = DIALECT

    def __init__(self, raw: Raw) -> None:
        self.raw = raw

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return _changed(await self.raw.execute(translate(sql), *params))

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.raw.executemany(translate(sql), rows)

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return list(await self.raw.fetch(translate(sql), *params))

    async def run_script(self, script: str) -> None:
        """Several statements, written for PostgreSQL, as one transaction."""
        async with self.raw.transaction():
            await self.raw.execute(script)


def _moment(value: str | datetime) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _read_moment(text: str) -> str:
    """PostgreSQL's '2026-12-02 10:00:00+01' as the ISO string SQLite would hold."""
    return datetime.fromisoformat(text).isoformat()


def _day(value: str | date) -> str:
    return value if isinstance(value, str) else value.isoformat()


async def _prepare(connection: asyncpg.Connection[Any]) -> None:
    """Moments and days travel as ISO text both ways; numeric (SUM of integers) as a number."""
    for kind, encoder, decoder in (
        ("timestamptz", _moment, _read_moment),
        ("timestamp", _moment, _read_moment),
        ("date", _day, str),
        ("numeric", str, _number),
    ):
        await connection.set_type_codec(
            kind, schema="pg_catalog", encoder=encoder, decoder=decoder, format="text"
        )


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


# The connection of the task inside a transaction (or `exclusive()`): its reads go there, so
# it sees its own writes. Tasks it starts inherit the variable but not the connection.
_CURRENT: contextvars.ContextVar[tuple[asyncio.Task[Any] | None, PostgresConnection] | None] = (
    contextvars.ContextVar("bolden_transaction", default=None)
)


class PostgresDatabase(Database):
    dialect = DIALECT

    shared = True

    def __init__(self, pool: asyncpg.Pool[Any], url: str, settings: dict[str, str]) -> None:
        self.pool = pool
        self.url = url
        self.name = named(url)
        self._settings = settings
        # The leader's lock is held by a connection of its own, outside the pool: the server
        # lets go of it when that connection ends, also when the process is killed.
        self._leader: asyncpg.Connection[Any] | None = None
        self._leading = False
        self._listeners: dict[str, Callable[[], None]] = {}
        self._writing = asyncio.Lock()

    @classmethod
    async def connect(cls, url: str, busy_timeout: float) -> PostgresDatabase:
        """A pool of connections; a server that cannot be reached or refuses is one line."""
        settings = {
            # Moments are read in UTC, as the bot's clock writes them.
            "timezone": "UTC",
            "application_name": "bolden",
            # As SQLite's busy timeout: how long a statement waits for another's lock.
            "lock_timeout": str(int(busy_timeout * 1000)),
        }
        try:
            pool = await asyncpg.create_pool(
                url,
                # Connections ready for a burst of updates, so none waits for one to open.
                min_size=POOL_SIZE // 2,
                max_size=POOL_SIZE,
                command_timeout=COMMAND_TIMEOUT,
                init=_prepare,
                server_settings=settings,
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as error:
            problem = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise StorageError(f"{named(url)} cannot be used: {problem}") from None
        return cls(pool, url, settings)

    async def close(self) -> None:
        try:
            await self._let_go()
        finally:
            await self.pool.close()

    async def try_lead(self) -> bool:
        try:
            if self._leader is None:
                self._leader = await asyncpg.connect(
                    self.url, server_settings=self._settings | _LEADER_SETTINGS, timeout=LEAD_WAIT
                )
                for channel, callback in self._listeners.items():
                    await self._leader.add_listener(channel, _calling(callback))
            if self._leading:
                await self._leader.fetchval("SELECT 1", timeout=LEAD_WAIT)
            else:
                self._leading = bool(
                    await self._leader.fetchval(
                        "SELECT pg_try_advisory_lock($1)", LEADER, timeout=LEAD_WAIT
                    )
                )
        except _LOST:
            # The connection is lost, and the lock with it: another process may lead now.
            await self._let_go()
        return self._leading

    def listen(self, channel: str, callback: Callable[[], None]) -> None:
        self._listeners[channel] = callback

    async def _let_go(self) -> None:
        leader, self._leader, self._leading = self._leader, None, False
        if leader is not None:
            leader.terminate()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        # In this process first come, first served, as on SQLite; then across processes.
        async with self._writing, self.pool.acquire() as raw, raw.transaction():
            await raw.execute("SELECT pg_advisory_xact_lock($1)", WRITES)
            async with _held(raw) as connection:
                yield connection

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[Connection]:
        async with self.pool.acquire() as raw, _held(raw) as connection:
            yield connection

    @asynccontextmanager
    async def migrating(self) -> AsyncIterator[Connection]:
        """Alone among the processes starting on this database: one migrates, the others
        wait and then find nothing left to do."""
        async with self.exclusive() as connection:
            assert isinstance(connection, PostgresConnection)
            # However long another process takes to migrate: not the busy timeout.
            await connection.raw.execute("SET lock_timeout = 0")
            await connection.raw.execute("SELECT pg_advisory_lock($1)", MIGRATIONS)
            try:
                yield connection
            finally:
                await connection.raw.execute("SELECT pg_advisory_unlock($1)", MIGRATIONS)

    async def scrub(self) -> None:
        """VACUUM removes the deleted rows' old versions from the tables' pages (without
        locking them, unlike VACUUM FULL). The server's write-ahead log and its backups keep
        them until they are recycled: that is the operator's retention."""
        async with self.pool.acquire() as raw:
            await raw.execute("VACUUM")

    async def write_problem(self, wait: float) -> str | None:
        """A server that takes no writes (a standby, or read-only) is named so."""
        row = await self.pool.fetchrow(
            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'",
            timeout=wait,
        )
        return "read-only" if row and row[0] else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        current = _CURRENT.get()
        if current is not None and current[0] is asyncio.current_task():
            return await current[1].fetch_all(sql, params)
        return list(await self.pool.fetch(translate(sql), *params))


def _calling(callback: Callable[[], None]) -> Callable[..., None]:
    """A listener of asyncpg's, which is given the connection, the sender, channel and payload."""

    def listener(*_: object) -> None:
        callback()

    return listener


@asynccontextmanager
async def _held(raw: Raw) -> AsyncIterator[PostgresConnection]:
    connection = PostgresConnection(raw)
    token = _CURRENT.set((asyncio.current_task(), connection))
    try:
        yield connection
    finally:
        _CURRENT.reset(token)
