"""Events and ad hoc calls, the answers to them, reminders sent, and attendance."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import BaseModel

from storage.database import Connection, Database, Row, insert_row, iso, update_row

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
    invitation_batch: int | None = None
    checkin_open: bool = False  # anyone who comes may check in, not only those invited
    revision: int = 0  # changes and cancellation since it was made
    changed_at: datetime | None = None  # the last of them

    @property
    def last_modified(self) -> datetime:
        return self.changed_at or self.created_at

    @property
    def is_call(self) -> bool:
        return self.kind == CALL


class Answer(BaseModel):
    user_id: int
    name: str
    answer: str
    answered_at: datetime


def _event(row: Row) -> Event:
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


async def upcoming(
    db: Database, now: datetime, statuses: tuple[str, ...] = ("published",)
) -> list[Event]:
    marks = ", ".join("?" * len(statuses))
    rows = await db.fetch_all(
        f"SELECT * FROM events WHERE status IN ({marks}) AND ends_at > ? ORDER BY starts_at, id",
        (*statuses, iso(now)),
    )
    return [_event(row) for row in rows]


async def insert(connection: Connection, values: dict[str, Any]) -> int:
    return await insert_row(connection, "events", _json(values))


async def update(
    connection: Connection,
    event_id: int,
    values: dict[str, Any],
    expected: dict[str, Any] | None = None,
) -> bool:
    """True if the event changed (with `expected`: only while those columns hold those values)."""
    return await update_row(
        connection, "events", "id", event_id, _json(values), _json(expected or {})
    )


async def revise(connection: Connection, event_id: int, now: datetime) -> None:
    """Count a change people see (in its calendar file too), in the change's transaction."""
    await connection.execute(
        "UPDATE events SET revision = revision + 1, changed_at = ? WHERE id = ?",
        (iso(now), event_id),
    )


async def raise_alert(connection: Connection, event_id: int, level: int) -> bool:
    """Record that coordinators hear of `level` % of the seats: True once per level."""
    changed = await connection.execute(
        "UPDATE events SET alerted = ? WHERE id = ? AND alerted < ?", (level, event_id, level)
    )
    return changed == 1


def _json(values: dict[str, Any]) -> dict[str, Any]:
    if "reminders" in values:
        return {**values, "reminders": json.dumps(values["reminders"])}
    return values


async def answers(db: Database, event_id: int) -> list[Answer]:
    rows = await db.fetch_all(
        "SELECT user_id, name, answer, answered_at FROM rsvps WHERE event_id = ? "
        "ORDER BY turn, user_id",
        (event_id,),
    )
    return [Answer.model_validate(dict(row)) for row in rows]


# The next place in the event's order of answers: the waiting list follows it.
_NEXT_TURN = "(SELECT COALESCE(MAX(turn), 0) + 1 FROM rsvps WHERE event_id = ?)"
_UPSERT = (
    " ON CONFLICT (event_id, user_id) DO UPDATE SET answer = excluded.answer, "
    "name = excluded.name, answered_at = excluded.answered_at, turn = excluded.turn"
)


async def answer_in(connection: Connection, event_id: int, user_id: int) -> str | None:
    row = await connection.fetch_one(
        "SELECT answer FROM rsvps WHERE event_id = ? AND user_id = ?", (event_id, user_id)
    )
    return str(row[0]) if row else None


async def set_answer(
    connection: Connection,
    event_id: int,
    user_id: int,
    name: str,
    answer: str,
    now: datetime,
) -> None:
    """The person's answer, last in the event's order."""
    await connection.execute(
        "INSERT INTO rsvps (event_id, user_id, name, answer, answered_at, turn) "
        f"VALUES (?, ?, ?, ?, ?, {_NEXT_TURN})" + _UPSERT,
        (event_id, user_id, name, answer, iso(now), event_id),
    )


async def take_seat(
    connection: Connection,
    event_id: int,
    user_id: int,
    name: str,
    now: datetime,
    capacity: int,
) -> bool:
    """A yes, only while fewer than `capacity` others have one: the count is taken by the
    write itself, so two presses at once can never both take the last seat."""
    changed = await connection.execute(
        "INSERT INTO rsvps (event_id, user_id, name, answer, answered_at, turn) "
        f"SELECT ?, ?, ?, 'yes', ?, {_NEXT_TURN} "
        "WHERE (SELECT COUNT(*) FROM rsvps WHERE event_id = ? AND answer = 'yes' "
        "AND user_id != ?) < ?" + _UPSERT,
        (event_id, user_id, name, iso(now), event_id, event_id, user_id, capacity),
    )
    return changed == 1


async def promote_first(connection: Connection, event_id: int, capacity: int) -> int | None:
    """The first who waits gets a free seat (keeping their place in the order); None when no
    seat is free or nobody waits. Decided by the write, like `take_seat`."""
    row = await connection.fetch_one(
        "UPDATE rsvps SET answer = 'yes' WHERE event_id = ? AND answer = 'waiting' "
        "AND user_id = (SELECT user_id FROM rsvps WHERE event_id = ? AND answer = 'waiting' "
        "ORDER BY turn, user_id LIMIT 1) "
        "AND (SELECT COUNT(*) FROM rsvps WHERE event_id = ? AND answer = 'yes') < ? "
        "RETURNING user_id",
        (event_id, event_id, event_id, capacity),
    )
    return int(row[0]) if row else None


async def seats_taken(connection: Connection, event_id: int) -> int:
    row = await connection.fetch_one(
        "SELECT COUNT(*) FROM rsvps WHERE event_id = ? AND answer = 'yes'", (event_id,)
    )
    return int(row[0]) if row else 0


async def waiting_position(connection: Connection, event_id: int, user_id: int) -> int | None:
    """1 for the first who waits; None for someone not waiting."""
    row = await connection.fetch_one(
        "SELECT COUNT(*) FROM rsvps w JOIN rsvps me ON me.event_id = w.event_id "
        "WHERE me.event_id = ? AND me.user_id = ? AND me.answer = 'waiting' "
        "AND w.answer = 'waiting' AND (w.turn, w.user_id) <= (me.turn, me.user_id)",
        (event_id, user_id),
    )
    return int(row[0]) or None if row else None


async def was_invited(db: Database, event_id: int, user_id: int) -> bool:
    """The event's invitation was put in the outbox for this person."""
    row = await db.fetch_one(
        "SELECT 1 FROM outbox o JOIN events e ON o.batch_id = e.invitation_batch "
        "WHERE e.id = ? AND o.user_id = ? LIMIT 1",
        (event_id, user_id),
    )
    return row is not None


async def reminded(db: Database, event_id: int) -> set[int]:
    """The reminders done with: sent, or skipped as their time had passed at publishing."""
    rows = await db.fetch_all(
        "SELECT offset_minutes FROM reminders_sent WHERE event_id = ?", (event_id,)
    )
    return {int(row[0]) for row in rows}


async def mark_reminded(
    connection: Connection,
    event_id: int,
    offsets: list[int],
    now: datetime,
    skipped: bool = False,
) -> int:
    """Mark the reminders sent (or skipped); how many were not marked before."""
    marked = 0
    for offset in offsets:
        marked += await connection.execute(
            "INSERT OR IGNORE INTO reminders_sent (event_id, offset_minutes, sent_at, skipped) "
            "VALUES (?, ?, ?, ?)",
            (event_id, offset, iso(now), int(skipped)),
        )
    return marked


async def check_in(connection: Connection, event_id: int, user_id: int, now: datetime) -> bool:
    changed = await connection.execute(
        "INSERT OR IGNORE INTO attendance (event_id, user_id, checked_in_at) VALUES (?, ?, ?)",
        (event_id, user_id, iso(now)),
    )
    return changed == 1


async def checked_in(db: Database, event_id: int) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM attendance WHERE event_id = ?", (event_id,))
    return int(row[0]) if row else 0


async def held_counts(db: Database, now: datetime) -> list[tuple[int, str, int, int]]:
    """Published events and calls that have started, as (year, kind, how many, check-ins):
    counted by the database, the kinds of a year in the order they were first held. The year is
    the one written in the start (in its own offset), as a parsed `starts_at.year` gives it."""
    rows = await db.fetch_all(
        f"SELECT {db.dialect.year('e.starts_at')} AS year, e.kind, COUNT(*), "
        "SUM((SELECT COUNT(*) FROM attendance a WHERE a.event_id = e.id)) FROM events e "
        f"WHERE e.status = 'published' AND {db.dialect.epoch('e.starts_at')} <= ? "
        "GROUP BY year, e.kind ORDER BY year, MIN(e.starts_at), MIN(e.id)",
        (int(now.timestamp()),),
    )
    return [(int(row[0]), str(row[1]), int(row[2]), int(row[3])) for row in rows]


class RollRow(NamedTuple):
    """One person on an event's roll: their answer and their check-in, either may be missing
    (an open event lets people check in who never answered)."""

    name: str | None
    username: str | None
    answer: str | None
    answered_at: str | None
    checked_in_at: str | None


async def roll(db: Database, event_id: int) -> list[RollRow]:
    """Everyone who answered, in the order they answered, then those who only checked in."""
    rows = await db.fetch_all(
        "SELECT r.name, p.username, r.answer, r.answered_at, c.checked_in_at FROM rsvps r "
        "LEFT JOIN attendance c ON c.event_id = r.event_id AND c.user_id = r.user_id "
        "LEFT JOIN people p ON p.user_id = r.user_id WHERE r.event_id = ? "
        "UNION ALL "
        "SELECT a.display_name, p.username, NULL, NULL, c.checked_in_at FROM attendance c "
        "LEFT JOIN ambassadors a ON a.user_id = c.user_id "
        "LEFT JOIN people p ON p.user_id = c.user_id WHERE c.event_id = ? "
        "AND NOT EXISTS (SELECT 1 FROM rsvps r WHERE r.event_id = c.event_id "
        "AND r.user_id = c.user_id)",
        (event_id, event_id),
    )
    return [RollRow(*row) for row in rows]


class Turnout(NamedTuple):
    """An event held: how many said yes, and how many checked in."""

    title: str
    starts_at: str
    yes: int
    checked_in: int


async def turnout(db: Database, until: datetime, limit: int) -> list[Turnout]:
    """The latest published events and calls that start by `until`, oldest of them first."""
    rows = await db.fetch_all(
        "SELECT * FROM (SELECT e.title, e.starts_at AS starts_at, "
        "(SELECT COUNT(*) FROM rsvps r WHERE r.event_id = e.id AND r.answer = 'yes'), "
        "(SELECT COUNT(*) FROM attendance a WHERE a.event_id = e.id) FROM events e "
        f"WHERE e.status = 'published' AND {db.dialect.epoch('e.starts_at')} <= ? "
        f"ORDER BY {db.dialect.epoch('e.starts_at')} DESC, e.id DESC LIMIT ?) AS latest "
        f"ORDER BY {db.dialect.epoch('starts_at')}",
        (int(until.timestamp()), limit),
    )
    return [Turnout(str(row[0]), str(row[1]), int(row[2]), int(row[3])) for row in rows]
