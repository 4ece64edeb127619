"""The updates the webhook has taken in, by their id: a repeat is recognised by the insert.

Each row names the process that took it (`taken_by`) and whose update it is (`person`), so
that, with several processes on one database, an update a dead process took is taken over by
another, and one person's updates are handled in the order they were taken.
"""

from __future__ import annotations

from datetime import datetime

from storage.database import Connection, Database, iso
from storage.instances import ALIVE_IN


async def take(
    connection: Connection,
    update_id: int,
    person: int | None,
    instance: str,
    now: datetime,
    alive_since: datetime | None,
) -> bool:
    """Record the update as taken by `instance`; False when it was handled before, or is in
    the hands of a process still alive (the row count decides). Without `alive_since` (one
    process uses the database) what is in hand is this process's own."""
    if await connection.execute(
        "INSERT OR IGNORE INTO seen_updates (update_id, seen_at, taken_by, person) "
        "VALUES (?, ?, ?, ?)",
        (update_id, iso(now), instance, person),
    ):
        return True
    if alive_since is None:
        return False
    taken_over = await connection.execute(
        "UPDATE seen_updates SET taken_by = ?, seen_at = ? WHERE update_id = ? "
        f"AND handled_at IS NULL AND (taken_by IS NULL OR taken_by NOT IN {ALIVE_IN})",
        (instance, iso(now), update_id, iso(alive_since)),
    )
    return taken_over == 1


async def belongs_to(connection: Connection, update_id: int, person: int) -> None:
    """Whose update it is, once that is known (a Messenger person's id is found on taking it)."""
    await connection.execute(
        "UPDATE seen_updates SET person = ? WHERE update_id = ?", (person, update_id)
    )


async def release(connection: Connection, update_id: int, instance: str) -> int:
    """Let go of an update this process took and will not handle, so a repeat is taken."""
    return await connection.execute(
        "UPDATE seen_updates SET taken_by = NULL WHERE update_id = ? AND taken_by = ? "
        "AND handled_at IS NULL",
        (update_id, instance),
    )


async def mark_handled(connection: Connection, update_id: int, now: datetime) -> None:
    await connection.execute(
        "UPDATE seen_updates SET handled_at = ? WHERE update_id = ?", (iso(now), update_id)
    )


async def handled(db: Database, update_id: int) -> bool:
    row = await db.fetch_one(
        "SELECT handled_at IS NOT NULL FROM seen_updates WHERE update_id = ?", (update_id,)
    )
    return bool(row and row[0])


async def earlier_in_hand(db: Database, update_id: int, person: int, alive_since: datetime) -> bool:
    """Whether an earlier update of this person is still being handled by a live process."""
    row = await db.fetch_one(
        "SELECT 1 FROM seen_updates WHERE person = ? AND update_id < ? "
        f"AND handled_at IS NULL AND taken_by IN {ALIVE_IN} LIMIT 1",
        (person, update_id, iso(alive_since)),
    )
    return row is not None


async def forget_unhandled(connection: Connection, alive_since: datetime | None = None) -> int:
    """Rows of updates never handled: all of them, or those of processes no longer alive."""
    if alive_since is None:
        return await connection.execute("DELETE FROM seen_updates WHERE handled_at IS NULL")
    return await connection.execute(
        "DELETE FROM seen_updates WHERE handled_at IS NULL "
        f"AND (taken_by IS NULL OR taken_by NOT IN {ALIVE_IN})",
        (iso(alive_since),),
    )


async def forget_before(connection: Connection, moment: datetime) -> int:
    return await connection.execute(
        "DELETE FROM seen_updates WHERE seen_at < ? AND handled_at IS NOT NULL", (iso(moment),)
    )
