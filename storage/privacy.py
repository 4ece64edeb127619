"""Everything stored about one person: exported on request, erased on request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage import bolde, coordinators
from storage.coordinators import AuditAction
from storage.database import Database

# (table, column that holds the person's Telegram id)
_PERSONAL = (
    ("people", "user_id"),
    ("ambassadors", "user_id"),
    ("ambassador_topics", "user_id"),
    ("deep_links", "user_id"),
    ("conversations", "user_id"),
    ("coordinators", "user_id"),
    ("network_members", "user_id"),
    ("outbox", "user_id"),
    ("rsvps", "user_id"),
    ("attendance", "user_id"),
)
# Kept when a person is erased, without anything that says it was theirs (storage/bolde.py).
_SENT = (("bolde", "sender_id"),)


async def export(db: Database, user_id: int) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = {}
    for table, column in (*_PERSONAL, *_SENT):
        rows = await db.fetch_all(f"SELECT * FROM {table} WHERE {column} = ?", (user_id,))
        data[table] = [dict(row) for row in rows]
    return data


async def erase(db: Database, user_id: int, now: datetime) -> None:
    """Delete the person's rows and leave no trace of them in the file; the audit log says
    that an erasure happened then, and nothing about whose.

    secure_delete overwrites freed space, VACUUM rebuilds every page (so no old key is left in
    an interior page) and the checkpoint empties the write-ahead log.
    """
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE ambassadors SET referred_by = NULL WHERE referred_by = ?", (user_id,)
        )
        await connection.execute("UPDATE audit_log SET actor = 0 WHERE actor = ?", (user_id,))
        await connection.execute(
            "UPDATE audit_log SET subject = 'deleted' WHERE subject = ?", (str(user_id),)
        )
        await coordinators.audit(connection, 0, AuditAction.PERSON_ERASE, "", now)
        await bolde.anonymise(connection, user_id)
        for table in (
            "batches",
            "newsletters",
            "events",
        ):  # what a coordinator sent stays, unsigned
            await connection.execute(
                f"UPDATE {table} SET created_by = NULL WHERE created_by = ?", (user_id,)
            )
        for table, column in reversed(_PERSONAL):
            await connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
    async with db.exclusive() as connection:
        await connection.execute("VACUUM")
        await connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
