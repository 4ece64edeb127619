"""Messenger people, the events Meta delivered, what each message to a person showed, and the
files people sent (see migration 0023)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Connection, Database, iso


@dataclass(frozen=True)
class MessengerPerson:
    user_id: int
    first_name: str | None
    last_name: str | None
    locale: str | None


async def person_with(db: Database, psid: str) -> MessengerPerson | None:
    """The person with this page-scoped id and what Meta's profile gave of them; None before
    their first message."""
    row = await db.fetch_one(
        "SELECT user_id, first_name, last_name, locale FROM messenger_people WHERE psid = ?",
        (psid,),
    )
    return MessengerPerson(int(row[0]), row[1], row[2], row[3]) if row else None


async def keep_profile(
    connection: Connection,
    user_id: int,
    first_name: str | None,
    last_name: str | None,
    locale: str | None,
) -> None:
    await connection.execute(
        "UPDATE messenger_people SET first_name = ?, last_name = ?, locale = ? WHERE user_id = ?",
        (first_name, last_name, locale, user_id),
    )


async def person_of(connection: Connection, psid: str, now: datetime) -> int:
    """The user id of the person with this page-scoped id, made on their first message; their
    24-hour window opens now."""
    # An update first: an upsert would use up a number of the sequence at every message.
    row = await connection.fetch_one(
        "UPDATE messenger_people SET last_message_at = ? WHERE psid = ? RETURNING user_id",
        (iso(now), psid),
    )
    if row is None:
        row = await connection.fetch_one(
            "INSERT INTO messenger_people (psid, first_seen, last_message_at) VALUES (?, ?, ?) "
            "RETURNING user_id",
            (psid, iso(now), iso(now)),
        )
    assert row is not None
    return int(row[0])


async def psid_of(db: Database, user_id: int) -> tuple[str, datetime] | None:
    """The page-scoped id to send to, and when the person last wrote."""
    row = await db.fetch_one(
        "SELECT psid, last_message_at FROM messenger_people WHERE user_id = ?", (user_id,)
    )
    return (str(row[0]), datetime.fromisoformat(row[1])) if row else None


async def take_event(connection: Connection, key: str, now: datetime) -> tuple[int, bool]:
    """The event's number, and whether this is its first delivery. Only a digest of its key
    is kept: a key made of the sender and the time would otherwise outlive an erasure."""
    mid = hashlib.sha256(key.encode()).hexdigest()
    changed = await connection.execute(
        "INSERT OR IGNORE INTO messenger_events (mid, seen_at) VALUES (?, ?)", (mid, iso(now))
    )
    first = changed == 1
    row = await connection.fetch_one("SELECT n FROM messenger_events WHERE mid = ?", (mid,))
    assert row is not None
    return int(row[0]), first


async def forget_events_before(connection: Connection, moment: datetime) -> int:
    """Forget events too old for Meta to deliver again. The newest is always kept: its number
    is the highest, so the next event's number (and update id) is never one used before."""
    changed = await connection.execute(
        "DELETE FROM messenger_events WHERE seen_at < ? "
        "AND n < (SELECT MAX(n) FROM messenger_events)",
        (iso(moment),),
    )
    return changed


async def remember_message(
    connection: Connection, user_id: int, shown: dict[str, Any], now: datetime
) -> int:
    """Keep what a message showed under the next message id of this person's chat."""
    row = await connection.fetch_one(
        "INSERT INTO messenger_messages (user_id, message_id, shown, sent_at) VALUES (?, "
        "(SELECT COALESCE(MAX(message_id), 0) + 1 FROM messenger_messages WHERE user_id = ?), "
        "?, ?) RETURNING message_id",
        (user_id, user_id, json.dumps(shown, ensure_ascii=False), iso(now)),
    )
    assert row is not None
    return int(row[0])


async def shown_in(db: Database, user_id: int, message_id: int) -> dict[str, Any] | None:
    row = await db.fetch_one(
        "SELECT shown FROM messenger_messages WHERE user_id = ? AND message_id = ?",
        (user_id, message_id),
    )
    return dict(json.loads(row[0])) if row else None


async def keep_file(connection: Connection, data: bytes, mime_type: str, now: datetime) -> int:
    row = await connection.fetch_one(
        "INSERT INTO channel_files (data, mime_type, created_at) VALUES (?, ?, ?) RETURNING id",
        (data, mime_type, iso(now)),
    )
    assert row is not None
    return int(row[0])


async def file(db: Database, file_id: int) -> tuple[bytes, str] | None:
    row = await db.fetch_one("SELECT data, mime_type FROM channel_files WHERE id = ?", (file_id,))
    return (bytes(row[0]), str(row[1])) if row else None


async def replace_shown(
    connection: Connection, user_id: int, message_id: int, shown: dict[str, Any]
) -> int:
    """An edit: the message keeps its id and shows this now (Messenger got a new message)."""
    changed = await connection.execute(
        "UPDATE messenger_messages SET shown = ? WHERE user_id = ? AND message_id = ?",
        (json.dumps(shown, ensure_ascii=False), user_id, message_id),
    )
    return changed
