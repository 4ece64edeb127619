"""Forward-only numbered migrations (`migrations/NNNN_name.sql`), each in its own transaction.

SQLite's are in `migrations/`, PostgreSQL's in `migrations/postgresql/`. PostgreSQL's first,
0023, makes in one step the schema that SQLite's 0001–0023 make; from 0024 on, each migration
exists for both, with the same number and name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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


def folder_of(db: Database) -> Path:
    """Where the migrations of the database's kind are."""
    return MIGRATIONS if db.dialect.name == "sqlite" else MIGRATIONS / db.dialect.name


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


async def migrate(db: Database, folder: Path | None = None) -> list[Migration]:
    """Apply what is missing, in order; refuse a database made by a newer Bolden."""
    migrations = available(folder or folder_of(db))
    async with db.migrating() as connection:
        await connection.execute(_VERSION_TABLE)
        done = await applied_versions(db)
        newest_known = max((m.version for m in migrations), default=0)
        if done and max(done) > newest_known:
            raise StorageError(
                f"database {db.name} has schema version {max(done)}, newer than this Bolden "
                f"knows ({newest_known}); upgrade Bolden or use another database"
            )
        applied = []
        for migration in migrations:
            if migration.version in done:
                continue
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            script = (
                f"{migration.path.read_text(encoding='utf-8')}\n;\n"
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                f"({migration.version}, '{migration.name}', '{now}');"
            )
            try:
                await connection.run_script(script)
            except Exception as error:
                raise StorageError(f"migration {migration.path.name} failed: {error}") from None
            applied.append(migration)
    return applied
