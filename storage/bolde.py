"""Bolde, their themes and their timelines."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import aiosqlite
from pydantic import BaseModel

from storage.database import Database, insert_row, iso, update_row


class Kind(StrEnum):
    IDEA = "idea"
    CONCERN = "concern"
    PROBLEM = "problem"


class Status(StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    DECLINED = "declined"


OPEN = (Status.RECEIVED.value, Status.ROUTED.value, Status.IN_PROGRESS.value)


class Bold(BaseModel):
    id: int
    reference: str
    sender_id: int | None
    sender_name: str | None
    kind: str
    text: str
    photo_file_id: str | None
    latitude: float | None
    longitude: float | None
    place: str | None
    category: str | None
    urgent: bool
    status: str
    network_id: int | None
    taken_by: int | None
    public_answer: str | None
    created_at: datetime
    changed_at: datetime
    first_answer_at: datetime | None
    stale_reported_at: datetime | None
    topics: list[str] = []


class Event(BaseModel):
    id: int
    bold_id: int
    at: datetime
    actor_id: int | None
    role: str
    action: str
    status: str
    network_id: int | None
    note: str | None


async def get(db: Database, bold_id: int) -> Bold | None:
    row = await db.fetch_one("SELECT * FROM bolde WHERE id = ?", (bold_id,))
    return (await _complete(db, [row]))[0] if row else None


async def by_reference(db: Database, reference: str) -> Bold | None:
    row = await db.fetch_one("SELECT * FROM bolde WHERE reference = ?", (reference.upper(),))
    return (await _complete(db, [row]))[0] if row else None


async def of_sender(db: Database, user_id: int) -> list[Bold]:
    rows = await db.fetch_all(
        "SELECT * FROM bolde WHERE sender_id = ? ORDER BY id DESC", (user_id,)
    )
    return await _complete(db, rows)


async def open_bolde(db: Database, status: str | None, network_id: int | None) -> list[Bold]:
    """Open bolde, oldest first, optionally of one status and one network."""
    sql = f"SELECT * FROM bolde WHERE status IN {OPEN}"
    params: list[Any] = []
    if status:
        sql += " AND status = ?"
        params.append(status)
    if network_id:
        sql += " AND network_id = ?"
        params.append(network_id)
    return await _complete(db, await db.fetch_all(sql + " ORDER BY created_at, id", params))


async def everything(db: Database) -> list[Bold]:
    return await _complete(db, await db.fetch_all("SELECT * FROM bolde ORDER BY id"))


async def sent_since(db: Database, user_id: int, since: datetime) -> list[datetime]:
    rows = await db.fetch_all(
        "SELECT created_at FROM bolde WHERE sender_id = ? AND created_at > ? ORDER BY created_at",
        (user_id, iso(since)),
    )
    return [datetime.fromisoformat(row["created_at"]) for row in rows]


async def stale(db: Database, unchanged_since: datetime) -> list[Bold]:
    """Open bolde without a change since then, not already reported since then."""
    rows = await db.fetch_all(
        f"SELECT * FROM bolde WHERE status IN {OPEN} AND changed_at <= ? "
        "AND (stale_reported_at IS NULL OR stale_reported_at <= ?) ORDER BY changed_at",
        (iso(unchanged_since), iso(unchanged_since)),
    )
    return await _complete(db, rows)


async def events(db: Database, bold_id: int) -> list[Event]:
    rows = await db.fetch_all("SELECT * FROM bold_events WHERE bold_id = ? ORDER BY id", (bold_id,))
    return [Event.model_validate(dict(row)) for row in rows]


async def _complete(db: Database, rows: list[aiosqlite.Row]) -> list[Bold]:
    if not rows:
        return []
    ids = [int(row["id"]) for row in rows]
    marks = ", ".join("?" for _ in ids)
    topics: dict[int, list[str]] = {}
    for topic in await db.fetch_all(
        f"SELECT bold_id, code FROM bold_topics WHERE bold_id IN ({marks}) ORDER BY code", ids
    ):
        topics.setdefault(int(topic["bold_id"]), []).append(str(topic["code"]))
    return [
        Bold.model_validate({**dict(row), "topics": topics.get(int(row["id"]), [])}) for row in rows
    ]


async def next_reference(connection: aiosqlite.Connection, year: int) -> str:
    """B-<year>-<number>, numbered from 1 each year; a number is never given twice."""
    async with connection.execute(
        "INSERT INTO counters (name, value) VALUES (?, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
        (f"bold-{year}",),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return f"B-{year}-{int(row[0]):04d}"


async def insert(
    connection: aiosqlite.Connection, values: dict[str, Any], topics: list[str]
) -> int:
    bold_id = await insert_row(connection, "bolde", values)
    await connection.executemany(
        "INSERT INTO bold_topics (bold_id, code) VALUES (?, ?)", [(bold_id, c) for c in topics]
    )
    return bold_id


async def update_if_unchanged(
    connection: aiosqlite.Connection, bold: Bold, values: dict[str, Any]
) -> bool:
    """Change the bold only if nobody has changed it since `bold` was read; True if it was."""
    unchanged = {
        "status": bold.status,
        "changed_at": bold.changed_at,
        "network_id": bold.network_id,
        "taken_by": bold.taken_by,
    }
    return await update_row(connection, "bolde", "id", bold.id, values, unchanged)


async def add_event(
    connection: aiosqlite.Connection,
    bold_id: int,
    at: datetime,
    actor_id: int | None,
    role: str,
    action: str,
    status: str,
    network_id: int | None,
    note: str | None,
) -> None:
    await connection.execute(
        "INSERT INTO bold_events (bold_id, at, actor_id, role, action, status, network_id, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (bold_id, iso(at), actor_id, role, action, status, network_id, note),
    )


async def mark_stale_reported(
    connection: aiosqlite.Connection, ids: list[int], now: datetime
) -> None:
    await connection.executemany(
        "UPDATE bolde SET stale_reported_at = ? WHERE id = ?", [(iso(now), i) for i in ids]
    )


async def anonymise(connection: aiosqlite.Connection, user_id: int) -> None:
    """What a person sent stays; nothing that says it was them does."""
    await connection.execute(
        "UPDATE bolde SET sender_id = NULL, sender_name = NULL WHERE sender_id = ?", (user_id,)
    )
    await connection.execute("UPDATE bolde SET taken_by = NULL WHERE taken_by = ?", (user_id,))
    await connection.execute(
        "UPDATE bold_events SET actor_id = NULL WHERE actor_id = ?", (user_id,)
    )
