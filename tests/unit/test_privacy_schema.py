"""Every column that can hold a person's id is known to /mydata and /deleteme: the schema is
read from a migrated database, so a new table or column cannot be forgotten."""

from __future__ import annotations

import re
from pathlib import Path

from storage.database import Database
from storage.migrations import migrate
from storage.privacy import PERSON_COLUMNS

# What a column that holds a person's id is called, or points at.
_NAMED_FOR_A_PERSON = re.compile(r"(_by|user_id|sender_id|actor|actor_id|subject|chat_id|person)$")
_PERSON_TABLES = {"people", "ambassadors"}
# Columns that look like it and are not: a network's group chat (a negative id, never a person),
# the process that took an update or a message to send.
NOT_A_PERSON = {("networks", "chat_id"), ("seen_updates", "taken_by"), ("outbox", "claimed_by")}


async def _columns(db: Database) -> dict[tuple[str, str], str | None]:
    """(table, column) -> the table its foreign key points at, for every column of every table."""
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    columns: dict[tuple[str, str], str | None] = {}
    for table in (str(row["name"]) for row in tables):
        for row in await db.fetch_all("SELECT name FROM pragma_table_info(?)", (table,)):
            columns[(table, str(row["name"]))] = None
        for row in await db.fetch_all(
            'SELECT "from", "table" FROM pragma_foreign_key_list(?)', (table,)
        ):
            columns[(table, str(row["from"]))] = str(row["table"])
    return columns


async def test_every_column_that_can_hold_a_person_is_exported_and_erased(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "schema.sqlite3")
    try:
        await migrate(db)
        columns = await _columns(db)
    finally:
        await db.close()

    candidates = {
        (table, column)
        for (table, column), target in columns.items()
        if target in _PERSON_TABLES or _NAMED_FOR_A_PERSON.search(column)
    }
    unknown = candidates - PERSON_COLUMNS - NOT_A_PERSON
    assert unknown == set(), "add them to storage/privacy.py's PERSON_COLUMNS and sections"
    assert set(columns) >= PERSON_COLUMNS, "every column named there exists"
