"""The whole database into a SQLite file and back (`bolden export`, `bolden import`): how a
municipality moves from SQLite to PostgreSQL, or back, without losing anything.

The file is a SQLite database with Bolden's schema, so a municipality's bolden.sqlite3, or a
`bolden backup` of it, can be imported as it is. The SQLite side tells how to copy, from its
schema, so nothing here goes stale when a migration adds a table: which tables there are, their
keys, the order their foreign keys need, and which tables triggers keep (the counting tables).
The PostgreSQL schema is the same, table for table (tests/unit/test_schema_parity.py).

Rows are read from one snapshot, a batch at a time in key order, and written in one
transaction. Moments travel as ISO strings, files as bytes, on both databases.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import aiosqlite

from storage.database import ERRORS, Connection, Database, SqliteConnection, StorageError
from storage.migrations import applied_versions, migrate

BATCH = 500  # rows read and written at a time: a big table is never in memory at once

# A statement in a trigger's body that writes to a table.
_WRITES = re.compile(
    r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+(\w+)", re.I
)
_BODY = re.compile(r"\bBEGIN\b", re.I)

# A read of the whole database as it was at one moment, which writers do not wait for.
_SNAPSHOT = {"sqlite": "BEGIN", "postgresql": "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"}

# Every identity column of PostgreSQL's schema, where its sequence starts, and the highest id
# it gave (NULL when it gave none).
_IDENTITIES = """
SELECT c.table_name, c.column_name, s.seqstart AS start,
       pg_sequence_last_value(s.seqrelid) AS given
FROM information_schema.columns AS c
JOIN pg_sequence AS s ON s.seqrelid = pg_get_serial_sequence(c.table_name, c.column_name)::regclass
WHERE c.is_identity = 'YES' AND c.table_schema = current_schema()
"""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    # Columns that refer to rows of the same table (who referred an ambassador): copied empty,
    # then set once every row is in, whatever order the rows come in.
    own_references: tuple[str, ...]
    # Its rows are written by triggers on other tables (the counting tables), which fire while
    # those are copied: what they wrote is replaced by the source's rows, copied after them.
    kept_by_triggers: bool


@dataclass(frozen=True)
class Copied:
    rows: int
    tables: int


async def export_to_file(db: Database, path: Path) -> Copied:
    """Write the whole database into a new SQLite file at `path`, which appears whole or not at
    all. The database may be in use meanwhile: what is written is one moment of it."""
    partial = _partial(path)
    file = await Database.open(partial)
    try:
        try:
            await migrate(file)
            async with _snapshot(db) as source, file.transaction() as target:
                tables = await _plan(target)
                await _same_version(source, db.name, file)
                copied = await _copying(source, target, tables, f"exporting {db.name} failed")
        finally:
            await file.close()
        # One file, with no write-ahead log beside it: it can be copied and read anywhere.
        await asyncio.to_thread(_without_log, partial)
        os.replace(partial, path)
    except BaseException:
        _remove(partial)
        raise
    return copied


async def import_from_file(db: Database, path: Path) -> Copied:
    """Load a SQLite file with Bolden's schema (an export, a bolden.sqlite3 or a backup of one)
    into `db`, which must hold no data yet: all of it in one transaction, or nothing. The file
    is only read, and may be in use meanwhile."""
    async with _reading(path) as source:
        try:
            tables = await _plan(source)
            await _same_version(source, str(path), db)
        except sqlite3.Error as error:
            raise StorageError(f"{path} is not a Bolden database: {_first_line(error)}") from None
        async with db.transaction() as target:
            await _refuse_data(target, tables, db.name)
            failed = f"importing {path} failed, so nothing was imported"
            # The counting tables are copied as they are: their triggers have nothing to do.
            # (On PostgreSQL each count a trigger changes leaves a row version behind, which
            # the next change must pass, within one transaction: 100,000 bolde took minutes.)
            for table in tables:
                await _triggers(target, table.name, on=False)
            copied = await _copying(source, target, tables, failed)
            for table in tables:
                await _triggers(target, table.name, on=True)
            return copied


async def _triggers(connection: Connection, table: str, on: bool) -> None:
    switch = connection.dialect.switch_triggers(table, on)
    if switch:
        await connection.execute(switch)


@asynccontextmanager
async def _snapshot(db: Database) -> AsyncIterator[Connection]:
    async with db.exclusive() as connection:
        await connection.execute(_SNAPSHOT[connection.dialect.name])
        try:
            yield connection
        finally:
            await connection.execute("ROLLBACK")


@asynccontextmanager
async def _reading(path: Path) -> AsyncIterator[Connection]:
    """A snapshot of the file, opened read-only: it may be on a read-only mount, or another
    process's database."""
    try:
        raw = await aiosqlite.connect(_read_only(path), uri=True, isolation_level=None)
    except sqlite3.Error as error:
        raise StorageError(f"{path} cannot be opened: {_first_line(error)}") from None
    try:
        raw.row_factory = aiosqlite.Row
        await raw.execute(_SNAPSHOT["sqlite"])
        yield SqliteConnection(raw)
    finally:
        await raw.close()


async def _plan(schema: Connection) -> list[Table]:
    """The tables of a SQLite database in an order to copy them: each after the tables its
    foreign keys refer to, and after those whose triggers write to it."""
    # The schema's version and the processes' heartbeats belong to a database, not to its data.
    rows = await schema.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_migrations', 'instances')"
    )
    names = {row["name"] for row in rows}
    after: dict[str, set[str]] = {name: set() for name in names}
    for trigger in await schema.fetch_all(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
    ):
        body = _BODY.split(trigger["sql"], maxsplit=1)[1]
        for written in set(_WRITES.findall(body)) & names - {trigger["tbl_name"]}:
            after[written].add(trigger["tbl_name"])
    kept_by_triggers = {name for name in names if after[name]}
    tables = {}
    for name in names:
        columns = await schema.fetch_all(f'PRAGMA table_info("{name}")')
        references = await schema.fetch_all(f'PRAGMA foreign_key_list("{name}")')
        after[name] |= {row["table"] for row in references} - {name}
        tables[name] = Table(
            name=name,
            columns=tuple(column["name"] for column in columns),
            key=tuple(c["name"] for c in sorted(columns, key=lambda c: c["pk"]) if c["pk"]),
            own_references=tuple(row["from"] for row in references if row["table"] == name),
            kept_by_triggers=name in kept_by_triggers,
        )
    order = TopologicalSorter({name: after[name] for name in sorted(names)}).static_order()
    return [tables[name] for name in order]


async def _same_version(source: Connection, name: str, target: Database) -> None:
    """Refuse to copy between schemas of different versions, saying what to do."""
    row = await source.fetch_one("SELECT max(version) FROM schema_migrations")
    theirs = int(row[0]) if row and row[0] is not None else 0
    ours = max(await applied_versions(target), default=0)
    if theirs < ours:
        raise StorageError(
            f"{name} has schema version {theirs}, this Bolden's is {ours}: bring it up to date "
            f"first with `bolden migrate` (BOLDEN_DATABASE={name}), then try again"
        )
    if theirs > ours:
        raise StorageError(
            f"{name} has schema version {theirs}, newer than this Bolden's ({ours}): "
            "upgrade Bolden first, then try again"
        )


async def _refuse_data(target: Connection, tables: list[Table], name: str) -> None:
    for table in tables:
        if await target.fetch_one(f'SELECT 1 FROM "{table.name}" LIMIT 1'):
            raise StorageError(
                f"{name} is not empty (the table {table.name} has rows); "
                "import only into a database that holds no data yet"
            )


async def _copying(
    source: Connection, target: Connection, tables: list[Table], failed: str
) -> Copied:
    """Every table's rows, then the ids continue where the source's would have."""
    try:
        rows = 0
        for table in tables:
            rows += await _copy_table(source, target, table)
        await _continue_ids(target, await _given_ids(source))
    except ERRORS as error:
        raise StorageError(f"{failed}: {_first_line(error)}") from None
    return Copied(rows, len(tables))


async def _copy_table(source: Connection, target: Connection, table: Table) -> int:
    if table.kept_by_triggers:
        await target.execute(f'DELETE FROM "{table.name}"')
    columns = ", ".join(f'"{column}"' for column in table.columns)
    key = ", ".join(f'"{column}"' for column in table.key)
    at_key = [table.columns.index(column) for column in table.key]
    own = [table.columns.index(column) for column in table.own_references]
    insert = (
        f'INSERT INTO "{table.name}" ({columns}) VALUES ({", ".join("?" for _ in table.columns)})'
    )
    first = f'SELECT {columns} FROM "{table.name}" ORDER BY {key} LIMIT {BATCH}'
    following = (
        f'SELECT {columns} FROM "{table.name}" '
        f"WHERE ({key}) > ({', '.join('?' for _ in table.key)}) ORDER BY {key} LIMIT {BATCH}"
    )
    copied = 0
    # The references to rows of the same table, set when every row is in: (value, key...).
    later: dict[int, list[tuple[Any, ...]]] = {index: [] for index in own}
    batch = await source.fetch_all(first)
    while batch:
        values = [list(row) for row in batch]
        for row in values:
            for index in own:
                if row[index] is not None:
                    later[index].append((row[index], *(row[i] for i in at_key)))
                    row[index] = None
        await target.execute_many(insert, values)
        copied += len(values)
        last = values[-1]
        batch = await source.fetch_all(following, [last[i] for i in at_key])
    for index, references in later.items():
        where = " AND ".join(f'"{column}" = ?' for column in table.key)
        update = f'UPDATE "{table.name}" SET "{table.columns[index]}" = ? WHERE {where}'
        for start in range(0, len(references), BATCH):
            await target.execute_many(update, references[start : start + BATCH])
    return copied


async def _given_ids(source: Connection) -> dict[str, int]:
    """The highest id each table's counter gave, also to rows deleted since (an erased person's
    id is never given to someone new)."""
    if source.dialect.name == "sqlite":
        rows = await source.fetch_all("SELECT name, seq FROM sqlite_sequence")
    else:
        rows = await source.fetch_all(
            f"SELECT i.table_name, i.given FROM ({_IDENTITIES}) AS i WHERE i.given IS NOT NULL"
        )
    return {row[0]: int(row[1]) for row in rows}


async def _continue_ids(target: Connection, given: dict[str, int]) -> None:
    """New rows get ids after every id the rows copied have and the source's counters gave.
    SQLite's AUTOINCREMENT counters, and every PostgreSQL identity, are set to that; a counter
    whose ids start higher than any given (Messenger people's, at 2^62) stays where it starts.
    SQLite's other tables take the highest id there is, plus one, by themselves."""
    if target.dialect.name == "sqlite":
        await target.execute_many(
            "UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?",
            [(seq, name, seq) for name, seq in given.items()],
        )
        return
    for identity in await target.fetch_all(_IDENTITIES):
        table, column = identity["table_name"], identity["column_name"]
        row = await target.fetch_one(f'SELECT max("{column}") FROM "{table}"')
        found = [n for n in (row[0] if row else None, given.get(table)) if n is not None]
        highest = max(found, default=0)
        if highest >= identity["start"]:
            await target.execute(
                "SELECT setval(pg_get_serial_sequence(?, ?), ?)", (table, column, highest)
            )


def _partial(path: Path) -> Path:
    """Where the export is written until it is whole; never over an existing file."""
    if path.exists():
        raise StorageError(f"{path} already exists; export to a new file")
    if not path.parent.is_dir():
        raise StorageError(f"{path}: the folder {path.parent} does not exist")
    partial = path.with_name(f".{path.name}.partial")
    _remove(partial)  # left by an export that was stopped
    return partial


def _read_only(path: Path) -> str:
    """The file's URI for a read-only connection, which would not create a missing file."""
    if not path.is_file():
        raise StorageError(f"there is no database at {path}")
    return f"{path.resolve().as_uri()}?mode=ro"


def _without_log(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()


def _remove(partial: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        partial.with_name(f"{partial.name}{suffix}").unlink(missing_ok=True)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
