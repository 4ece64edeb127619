"""SQLite after every migration and PostgreSQL after its own are the same schema: tables,
columns, NOT NULL, keys, defaults, indexes and triggers, so the SQL in storage/*.py means the
same on both; the functions storage/database.py registers for SQLite answer the same on
PostgreSQL; and every migration from 0024 on is written for both."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, fields
from pathlib import Path

import asyncpg
import pytest

from storage.database import Database
from storage.migrations import MIGRATIONS, available, migrate
from tests.postgres import PostgresServer

POSTGRESQL = MIGRATIONS / "postgresql"
FIRST_IN_BOTH = 24  # 0001–0023 are one file for PostgreSQL: 0023_schema.sql

NAMES = ["Åse", "Øjvind", "Ærø", "Zacharias", "Émile", "anna", "Bo"]
MORE_NAMES = ["Ängel", "Ödön Ørsted", "Çelik", "Strauß", "Łukasz", "ÑUÑEZ", "Ådne", "Anne-Sofie"]
# Letters names are written in: Latin-1 and Latin Extended-A, the Greek and Cyrillic alphabets.
# (ŉ, deprecated, is left out: Python folds it to two letters.)
LETTERS = [
    chr(code)
    for code in [
        *range(0xC0, 0x180),
        *range(0x391, 0x3AA),
        *range(0x3B1, 0x3CA),
        *range(0x400, 0x460),
    ]
    if chr(code).isalpha() and chr(code) != "ŉ"
]


@dataclass(frozen=True)
class Table:
    """What a table is, in words both databases use. Types are compared separately: they are
    the one thing written differently."""

    columns: tuple[str, ...]
    not_null: frozenset[str]
    primary_key: tuple[str, ...]
    unique: frozenset[tuple[str, ...]]
    foreign_keys: frozenset[tuple[str, str, str, str]]  # column, table, its column, ON DELETE
    defaults: dict[str, str]
    indexes: dict[str, tuple[bool, bool, tuple[str | None, ...]]]  # unique, partial, columns
    triggers: frozenset[str]
    types: dict[str, str] = field(compare=False)


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "schema.sqlite3")
    try:
        await migrate(db)
        yield db
    finally:
        await db.close()


@pytest.fixture
async def postgresql(
    postgres_server: PostgresServer,
) -> AsyncIterator[asyncpg.Connection[asyncpg.Record]]:
    url = await postgres_server.fresh()
    db = await Database.open(url)
    try:
        await migrate(db)
    finally:
        await db.close()
    connection = await asyncpg.connect(url)
    try:
        yield connection
    finally:
        await connection.close()


async def _sqlite_schema(db: Database) -> dict[str, Table]:
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'"
    )
    schema = {}
    for name in (str(row[0]) for row in tables):
        columns = await db.fetch_all(
            'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)', (name,)
        )
        indexes: dict[str, tuple[bool, bool, tuple[str | None, ...]]] = {}
        unique = set()
        for index in await db.fetch_all(
            'SELECT name, "unique", origin, partial FROM pragma_index_list(?)', (name,)
        ):
            keys = await db.fetch_all(
                "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index["name"],)
            )
            key = tuple(row[0] for row in keys)
            if index["origin"] == "c":
                indexes[index["name"]] = (bool(index["unique"]), bool(index["partial"]), key)
            elif index["origin"] == "u":
                unique.add(key)
        foreign_keys = await db.fetch_all(
            'SELECT "from", "table", "to", on_delete FROM pragma_foreign_key_list(?)', (name,)
        )
        triggers = await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (name,)
        )
        schema[name] = Table(
            columns=tuple(row["name"] for row in columns),
            # A primary key's columns cannot be NULL on PostgreSQL, nor (being keys) in Bolden.
            not_null=frozenset(row["name"] for row in columns if row["notnull"] or row["pk"]),
            primary_key=tuple(
                row["name"] for row in sorted(columns, key=lambda row: row["pk"]) if row["pk"]
            ),
            unique=frozenset(unique),
            foreign_keys=frozenset(tuple(row) for row in foreign_keys),
            defaults={row["name"]: row["dflt_value"] for row in columns if row["dflt_value"]},
            indexes=indexes,
            triggers=frozenset(row[0] for row in triggers),
            types={row["name"]: row["type"] for row in columns},
        )
    return schema


_ON_DELETE = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}

_KEY_COLUMNS = "(i.indkey::int2[])[0:i.indnkeyatts - 1]"
_KEY = """
SELECT array_agg(a.attname ORDER BY k.n)
FROM unnest({keys}) WITH ORDINALITY AS k (attnum, n)
LEFT JOIN pg_attribute a ON a.attrelid = {table} AND a.attnum = k.attnum
"""


async def _postgresql_schema(connection: asyncpg.Connection[asyncpg.Record]) -> dict[str, Table]:
    tables = await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename != 'schema_migrations'"
    )
    schema = {}
    for name in (str(row[0]) for row in tables):
        columns = await connection.fetch(
            "SELECT column_name, data_type, collation_name, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = $1 ORDER BY ordinal_position",
            name,
        )
        constraints = await connection.fetch(
            f"SELECT contype::text, ({_KEY.format(keys='c.conkey', table='c.conrelid')}), "
            f"confrelid::regclass::text, ({_KEY.format(keys='c.confkey', table='c.confrelid')}), "
            "confdeltype::text FROM pg_constraint c WHERE conrelid = $1::regclass",
            name,
        )
        indexes = await connection.fetch(
            f"SELECT x.relname, i.indisunique, i.indpred IS NOT NULL, "
            # The index's key columns, not those it only carries (INCLUDE).
            f"({_KEY.format(keys=_KEY_COLUMNS, table='i.indrelid')}) "
            "FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
            "WHERE i.indrelid = $1::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            name,
        )
        triggers = await connection.fetch(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal",
            name,
        )
        schema[name] = Table(
            columns=tuple(row["column_name"] for row in columns),
            not_null=frozenset(row["column_name"] for row in columns if row["is_nullable"] == "NO"),
            primary_key=next((tuple(row[1]) for row in constraints if row[0] == "p"), ()),
            unique=frozenset(tuple(row[1]) for row in constraints if row[0] == "u"),
            foreign_keys=frozenset(
                (row[1][0], row[2], row[3][0], _ON_DELETE[row[4]])
                for row in constraints
                if row[0] == "f"
            ),
            # '0', and 'pending'::text: the value as SQLite writes it, without the cast.
            defaults={
                row["column_name"]: row["column_default"].split("::")[0]
                for row in columns
                if row["column_default"]
            },
            indexes={row[0]: (row[1], row[2], tuple(row[3])) for row in indexes},
            triggers=frozenset(row[0] for row in triggers),
            types={
                row["column_name"]: f"{row['data_type']} {row['collation_name'] or ''}".strip()
                for row in columns
            },
        )
    return schema


@pytest.mark.postgres
async def test_postgresql_has_the_schema_sqlite_has(
    sqlite: Database, postgresql: asyncpg.Connection[asyncpg.Record]
) -> None:
    on_postgresql, on_sqlite = await _postgresql_schema(postgresql), await _sqlite_schema(sqlite)
    assert sorted(on_postgresql) == sorted(on_sqlite)
    different = [
        (
            table,
            part.name,
            getattr(on_postgresql[table], part.name),
            getattr(sqlite_table, part.name),
        )
        for table, sqlite_table in on_sqlite.items()
        for part in fields(Table)
        if part.compare
        and getattr(on_postgresql[table], part.name) != getattr(sqlite_table, part.name)
    ]
    assert different == []


@pytest.mark.postgres
async def test_each_column_has_the_postgresql_type_of_its_sqlite_type(
    sqlite: Database, postgresql: asyncpg.Connection[asyncpg.Record]
) -> None:
    """Integers are BIGINT, times TIMESTAMPTZ (a column named *_at holds a moment), and text
    compares and sorts by code point, as on SQLite, whatever the database's collation."""
    postgresql_schema = await _postgresql_schema(postgresql)
    wanted = {
        "INTEGER": {"bigint"},
        "REAL": {"double precision"},
        "BLOB": {"bytea"},
        "TEXT": {"text C", "timestamp with time zone", "date"},
    }
    moment = "timestamp with time zone"
    wrong = {
        (table, column, sqlite_type, postgresql_schema[table].types[column])
        for table, definition in (await _sqlite_schema(sqlite)).items()
        for column, sqlite_type in definition.types.items()
        if postgresql_schema[table].types[column] not in wanted[sqlite_type]
        or (column.endswith("_at") and postgresql_schema[table].types[column] != moment)
    }
    assert wrong == set()


@pytest.mark.postgres
async def test_the_first_messenger_person_has_the_same_id_on_both(
    sqlite: Database, postgresql: asyncpg.Connection[asyncpg.Record]
) -> None:
    """Messenger ids count on from 2^62 on both: the channel is known from the id alone."""
    insert = "INSERT INTO messenger_people (psid, first_seen, last_message_at) VALUES "
    moment = "2026-11-22T12:00:00+00:00"
    async with sqlite.transaction() as connection:
        on_sqlite = await connection.fetch_one(
            f"{insert} ('p', ?, ?) RETURNING user_id", [moment] * 2
        )
    on_postgresql = await postgresql.fetchval(
        f"{insert} ('p', $1::text::timestamptz, $1::text::timestamptz) RETURNING user_id", moment
    )
    assert on_sqlite is not None
    assert on_postgresql == on_sqlite[0] == 2**62 + 1


@pytest.mark.postgres
async def test_casefold_name_order_and_instr_answer_as_on_sqlite(
    sqlite: Database, postgresql: asyncpg.Connection[asyncpg.Record]
) -> None:
    """casefold folds whatever the database's locale (the text here is in the C collation,
    whose lower() folds ASCII only), name_order sorts names in Danish alphabetical order on
    both, and instr finds a folded word in a folded name."""
    words = [*NAMES, *MORE_NAMES, *LETTERS]
    folded_sqlite = await sqlite.fetch_all(
        "SELECT casefold(value), name_order(value) FROM json_each(?) ORDER BY key",
        (json.dumps(words),),
    )
    folded_postgresql = await postgresql.fetch(
        'SELECT casefold(word COLLATE "C"), name_order(word COLLATE "C") '
        "FROM unnest($1::text[]) WITH ORDINALITY AS w (word, n) ORDER BY n",
        words,
    )
    assert [tuple(row) for row in folded_postgresql] == [tuple(row) for row in folded_sqlite]

    terms = ["ærø", "ÅSE", "strauss", "émile", "ile", "z", "", "ø"]
    pairs = json.dumps([[name, term] for name in [*NAMES, *MORE_NAMES] for term in terms])
    found_sqlite = await sqlite.fetch_all(
        "SELECT instr(casefold(value ->> 0), casefold(value ->> 1)) FROM json_each(?) ORDER BY key",
        (pairs,),
    )
    found_postgresql = await postgresql.fetch(
        "SELECT instr(casefold(pair ->> 0), casefold(pair ->> 1)) "
        "FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS p (pair, n) ORDER BY n",
        pairs,
    )
    assert [row[0] for row in found_postgresql] == [row[0] for row in found_sqlite]

    # Sorted as the public list of ambassadors sorts names: by a column, on either database.
    people = [(1000 + i, name) for i, name in enumerate([*NAMES, *MORE_NAMES])]
    moment = "2026-11-22T12:00:00+00:00"
    async with sqlite.transaction() as connection:
        await connection.execute_many(
            "INSERT INTO people (user_id, language, first_seen, last_seen, name) "
            "VALUES (?, 'da', ?, ?, ?)",
            [(user_id, moment, moment, name) for user_id, name in people],
        )
    await postgresql.executemany(
        "INSERT INTO people (user_id, language, first_seen, last_seen, name) "
        "VALUES ($1, 'da', $2::text::timestamptz, $2::text::timestamptz, $3)",
        [(user_id, moment, name) for user_id, name in people],
    )
    order = "SELECT name FROM people ORDER BY name_order(name), user_id"
    on_sqlite = [row[0] for row in await sqlite.fetch_all(order)]
    on_postgresql = [row[0] for row in await postgresql.fetch(order)]
    assert on_postgresql == on_sqlite
    assert [name for name in on_sqlite if name in NAMES] == [
        "anna", "Bo", "Émile", "Zacharias", "Ærø", "Øjvind", "Åse"
    ]  # fmt: skip


def test_every_migration_from_0024_on_is_written_for_both_databases() -> None:
    """0001–0023 are one file for PostgreSQL; from 0024 on, each has the same number and name
    in storage/migrations/ and storage/migrations/postgresql/."""
    on_sqlite = {m.path.name for m in available() if m.version >= FIRST_IN_BOTH}
    on_postgresql = [m.path.name for m in available(POSTGRESQL)]
    assert [name for name in on_postgresql if name < f"{FIRST_IN_BOTH:04}"] == ["0023_schema.sql"]
    assert set(on_postgresql) - {"0023_schema.sql"} == on_sqlite
