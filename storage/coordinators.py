"""Coordinators granted in the chat, and the audit log of what coordinators did."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.database import Database, iso


async def granted(db: Database) -> set[int]:
    rows = await db.fetch_all("SELECT user_id FROM coordinators")
    return {int(row["user_id"]) for row in rows}


async def grant(connection: aiosqlite.Connection, user_id: int, by: int, now: datetime) -> bool:
    cursor = await connection.execute(
        "INSERT OR IGNORE INTO coordinators (user_id, granted_by, granted_at) VALUES (?, ?, ?)",
        (user_id, by, iso(now)),
    )
    return cursor.rowcount == 1


async def revoke(connection: aiosqlite.Connection, user_id: int) -> bool:
    cursor = await connection.execute("DELETE FROM coordinators WHERE user_id = ?", (user_id,))
    return cursor.rowcount == 1


async def audit(
    connection: aiosqlite.Connection, actor: int, action: str, subject: str, now: datetime
) -> None:
    await connection.execute(
        "INSERT INTO audit_log (actor, action, subject, at) VALUES (?, ?, ?, ?)",
        (actor, action, subject, iso(now)),
    )
