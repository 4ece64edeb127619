"""The `bolden run` processes sharing the database, by their heartbeat."""

from __future__ import annotations

from datetime import datetime

from storage.database import Connection, iso

# An update in hand of a process is another's to take once that process has not beaten for
# this long (it beats every few seconds; see bot/instances.py).
ALIVE_IN = "(SELECT id FROM instances WHERE alive_at >= ?)"


async def beat(connection: Connection, instance: str, now: datetime) -> None:
    await connection.execute(
        "INSERT INTO instances (id, started_at, alive_at) VALUES (?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET alive_at = excluded.alive_at",
        (instance, iso(now), iso(now)),
    )


async def leave(connection: Connection, instance: str) -> None:
    await connection.execute("DELETE FROM instances WHERE id = ?", (instance,))


async def forget_others(connection: Connection, instance: str) -> int:
    """On SQLite, one process at a time: whoever wrote here before is gone."""
    return await connection.execute("DELETE FROM instances WHERE id != ?", (instance,))


async def forget_dead(connection: Connection, alive_since: datetime) -> int:
    return await connection.execute("DELETE FROM instances WHERE alive_at < ?", (iso(alive_since),))
