"""The updates the webhook has taken in, by their id: a repeat is recognised by the insert."""

from __future__ import annotations

from datetime import datetime

from storage.database import Connection, Database, iso


async def take(connection: Connection, update_id: int, now: datetime) -> bool:
    """Record the update as seen; False when it was seen before (the row count decides)."""
    changed = await connection.execute(
        "INSERT OR IGNORE INTO seen_updates (update_id, seen_at) VALUES (?, ?)",
        (update_id, iso(now)),
    )
    return changed == 1


async def mark_handled(connection: Connection, update_id: int, now: datetime) -> None:
    await connection.execute(
        "UPDATE seen_updates SET handled_at = ? WHERE update_id = ?", (iso(now), update_id)
    )


async def handled(db: Database, update_id: int) -> bool:
    row = await db.fetch_one(
        "SELECT handled_at IS NOT NULL FROM seen_updates WHERE update_id = ?", (update_id,)
    )
    return bool(row and row[0])


async def forget_unhandled(connection: Connection) -> int:
    changed = await connection.execute("DELETE FROM seen_updates WHERE handled_at IS NULL")
    return changed


async def forget_before(connection: Connection, moment: datetime) -> int:
    changed = await connection.execute(
        "DELETE FROM seen_updates WHERE seen_at < ? AND handled_at IS NOT NULL", (iso(moment),)
    )
    return changed
