"""Events and ad hoc calls, the answers to them, reminders sent, and attendance."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite
from pydantic import BaseModel

from storage.database import Database, insert_row, iso, update_row

CALL = "call"


class Event(BaseModel):
    id: int
    kind: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    place: str
    latitude: float | None
    longitude: float | None
    capacity: int | None
    deadline: datetime | None
    audience: str
    status: str
    publish_at: datetime
    reminders: list[int]
    created_by: int | None
    created_at: datetime
    checkin_code: str
    alerted: int
    roster_sent_at: datetime | None
    network_id: int | None

    @property
    def is_call(self) -> bool:
        return self.kind == CALL


class Answer(BaseModel):
    user_id: int
    name: str
    answer: str
    answered_at: datetime


def _event(row: aiosqlite.Row) -> Event:
    return Event.model_validate({**dict(row), "reminders": json.loads(row["reminders"])})


async def get(db: Database, event_id: int) -> Event | None:
    row = await db.fetch_one("SELECT * FROM events WHERE id = ?", (event_id,))
    return _event(row) if row else None


async def by_checkin(db: Database, code: str) -> Event | None:
    row = await db.fetch_one("SELECT * FROM events WHERE checkin_code = ?", (code,))
    return _event(row) if row else None


async def with_status(db: Database, status: str) -> list[Event]:
    rows = await db.fetch_all(
        "SELECT * FROM events WHERE status = ? ORDER BY starts_at, id", (status,)
    )
    return [_event(row) for row in rows]


async def upcoming(db: Database, now: datetime) -> list[Event]:
    rows = await db.fetch_all(
        "SELECT * FROM events WHERE status = 'published' AND ends_at > ? ORDER BY starts_at, id",
        (iso(now),),
    )
    return [_event(row) for row in rows]


async def insert(connection: aiosqlite.Connection, values: dict[str, Any]) -> int:
    return await insert_row(connection, "events", _json(values))


async def update(connection: aiosqlite.Connection, event_id: int, values: dict[str, Any]) -> None:
    await update_row(connection, "events", "id", event_id, _json(values))


def _json(values: dict[str, Any]) -> dict[str, Any]:
    if "reminders" in values:
        return {**values, "reminders": json.dumps(values["reminders"])}
    return values


async def answers(db: Database, event_id: int) -> list[Answer]:
    rows = await db.fetch_all(
        "SELECT user_id, name, answer, answered_at FROM rsvps WHERE event_id = ? "
        "ORDER BY answered_at, user_id",
        (event_id,),
    )
    return [Answer.model_validate(dict(row)) for row in rows]


async def set_answer(
    connection: aiosqlite.Connection,
    event_id: int,
    user_id: int,
    name: str,
    answer: str,
    now: datetime,
) -> None:
    await connection.execute(
        "INSERT INTO rsvps (event_id, user_id, name, answer, answered_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (event_id, user_id) DO UPDATE SET answer = excluded.answer, "
        "name = excluded.name, answered_at = excluded.answered_at",
        (event_id, user_id, name, answer, iso(now)),
    )


async def reminded(db: Database, event_id: int) -> set[int]:
    rows = await db.fetch_all(
        "SELECT offset_minutes FROM reminders_sent WHERE event_id = ?", (event_id,)
    )
    return {int(row[0]) for row in rows}


async def mark_reminded(
    connection: aiosqlite.Connection, event_id: int, offsets: list[int], now: datetime
) -> None:
    await connection.executemany(
        "INSERT OR IGNORE INTO reminders_sent (event_id, offset_minutes, sent_at) VALUES (?, ?, ?)",
        [(event_id, offset, iso(now)) for offset in offsets],
    )


async def check_in(
    connection: aiosqlite.Connection, event_id: int, user_id: int, now: datetime
) -> bool:
    cursor = await connection.execute(
        "INSERT OR IGNORE INTO attendance (event_id, user_id, checked_in_at) VALUES (?, ?, ?)",
        (event_id, user_id, iso(now)),
    )
    return cursor.rowcount == 1


async def attendance_counts(db: Database) -> dict[int, int]:
    rows = await db.fetch_all("SELECT event_id, COUNT(*) FROM attendance GROUP BY event_id")
    return {int(row[0]): int(row[1]) for row in rows}
