"""Forward-only numbered migrations (`migrations/NNNN_name.sql`), each in its own transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from storage.database import Database, StorageError

MIGRATIONS = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def available(folder: Path = MIGRATIONS) -> list[Migration]:
    found = []
    for path in folder.glob("*.sql"):
        match = _NAME.match(path.name)
        if not match:
            raise StorageError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if len(set(versions)) != len(versions):
        raise StorageError("two migration files share a version number")
    return found


async def applied_versions(db: Database) -> set[int]:
    rows = await db.fetch_all("SELECT version FROM schema_migrations")
    return {int(row["version"]) for row in rows}


async def migrate(db: Database, folder: Path = MIGRATIONS) -> list[Migration]:
    """Apply what is missing, in order; refuse a database made by a newer Bolden."""
    migrations = available(folder)
    async with db.exclusive() as connection:
        await connection.execute(_VERSION_TABLE)
        done = await applied_versions(db)
        newest_known = max((m.version for m in migrations), default=0)
        if done and max(done) > newest_known:
            raise StorageError(
                f"database {db.path} has schema version {max(done)}, newer than this Bolden "
                f"knows ({newest_known}); upgrade Bolden or use another database"
            )
        applied = []
        for migration in migrations:
            if migration.version in done:
                continue
            await _apply(connection, migration)
            applied.append(migration)
    return applied


async def _apply(connection: aiosqlite.Connection, migration: Migration) -> None:
    script = (
        "BEGIN IMMEDIATE;\n"
        f"{migration.path.read_text(encoding='utf-8')}\n;\n"
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
        f"({migration.version}, '{migration.name}', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));\n"
        "COMMIT;"
    )
    try:
        await connection.executescript(script)
    except Exception as error:
        if connection.in_transaction:
            await connection.execute("ROLLBACK")
        raise StorageError(f"migration {migration.path.name} failed: {error}") from None
