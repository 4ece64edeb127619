"""The outbox: messages waiting to be sent, one row each, and the batches they belong to."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from storage.database import Connection, Database, Row, insert_row, iso
from storage.instances import ALIVE_IN


class Item(BaseModel):
    id: int
    batch_id: int | None
    channel: str
    user_id: int | None
    address: str | None
    payload: dict[str, Any]
    state: str
    attempts: int
    timeouts: int = 0  # sends that timed out after leaving: they may have arrived
    next_attempt_at: datetime
    error: str | None


class Batch(BaseModel):
    id: int
    kind: str
    created_by: int | None
    audience: str
    created_at: datetime
    cancelled_at: datetime | None
    finished_at: datetime | None
    report_chat_id: int | None
    report_message_id: int | None


class Counts(BaseModel):
    sent: int = 0
    maybe_sent: int = 0  # timed out twice after leaving: most likely arrived, unconfirmed
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0
    held: int = 0  # for Messenger people outside the 24-hour window, until they write
    expired: int = 0  # held, and the person did not write again in time
    left: int = 0  # pending or in flight

    @property
    def done(self) -> bool:
        return self.left == 0


def _item(row: Row) -> Item:
    return Item.model_validate({**dict(row), "payload": json.loads(row["payload"])})


async def add_batch(
    connection: Connection,
    kind: str,
    created_by: int | None,
    audience: str,
    now: datetime,
) -> int:
    return await insert_row(
        connection,
        "batches",
        {"kind": kind, "created_by": created_by, "audience": audience, "created_at": now},
    )


# What the processes sharing a database hear when messages are due (bot/app.py listens).
DUE = "bolden_outbox"


async def _tell_sender(connection: Connection) -> None:
    """The sender may be another process's: it hears of this when the transaction commits."""
    notify = connection.dialect.notify(DUE)
    if notify:
        await connection.execute(notify)


async def enqueue(
    connection: Connection,
    batch_id: int | None,
    items: Sequence[tuple[str, int | None, str | None, dict[str, Any]]],
    now: datetime,
) -> None:
    """(channel, user id, address, payload) each, all due now."""
    await connection.execute_many(
        "INSERT INTO outbox (batch_id, channel, user_id, address, payload, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                batch_id,
                channel,
                user_id,
                address,
                json.dumps(payload, ensure_ascii=False),
                moment(now),
            )
            for channel, user_id, address, payload in items
        ],
    )
    await _tell_sender(connection)


# The next item to send: due, not to a Telegram chat that rests (a JSON list of ids, one
# parameter however many), and the oldest unsettled one of its chat, so one person's messages
# arrive in the order they were owed even when an earlier one has to wait (a retry, a 429):
# "answered" never overtakes "question".
_NEXT = (
    "SELECT o.id FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_at <= ? "
    "AND NOT (o.channel = 'telegram' "
    "  AND o.user_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))) "
    "AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.user_id IS o.user_id "
    "  AND e.address IS o.address AND e.channel = o.channel AND e.id < o.id "
    "  AND e.state IN ('pending', 'sending')) "
    "ORDER BY o.next_attempt_at, o.id LIMIT 1"
)


def moment(when: datetime) -> str:
    """Outbox times keep their fraction of a second: a wait of 0.3 s is not due at once. They
    still sort with whole-second times, as '+' sorts before '.'."""
    return when.isoformat(timespec="microseconds")


async def claim(
    connection: Connection, now: datetime, resting: Collection[int] = (), by: str | None = None
) -> Item | None:
    """The next item (see `_NEXT`) outside the Telegram chats in `resting`, marked as in
    flight, by the process `by`."""
    row = await connection.fetch_one(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_by = ? "
        # Another sender on the same database passes by the row this one is taking.
        f"WHERE id = ({_NEXT}{connection.dialect.skip_locked('o')}) RETURNING *",
        (by, moment(now), json.dumps(list(resting))),
    )
    return _item(row) if row else None


async def peek(db: Database, now: datetime) -> Item | None:
    """The item `claim` would take now, without taking it."""
    row = await db.fetch_one(f"SELECT * FROM outbox WHERE id = ({_NEXT})", (moment(now), "[]"))
    return _item(row) if row else None


async def finish(
    connection: Connection,
    item_id: int,
    state: str,
    now: datetime,
    error: str | None = None,
) -> None:
    await connection.execute(
        "UPDATE outbox SET state = ?, error = ?, sent_at = ? WHERE id = ?",
        (state, error, iso(now) if state == "sent" else None, item_id),
    )


async def retry_at(
    connection: Connection, item_id: int, when: datetime, error: str | None, tries: bool
) -> None:
    """Back to the queue until `when`; a wait that Telegram asked for does not count as a try."""
    await connection.execute(
        "UPDATE outbox SET state = 'pending', next_attempt_at = ?, error = ?, "
        "attempts = attempts - ? WHERE id = ?",
        (moment(when), error, 0 if tries else 1, item_id),
    )


async def hold(connection: Connection, item_id: int, until: datetime, error: str | None) -> None:
    """Not sent: the person is outside Messenger's 24-hour window, and nothing allows it."""
    await connection.execute(
        "UPDATE outbox SET state = 'held', held_until = ?, error = ? WHERE id = ?",
        (moment(until), error, item_id),
    )


async def expire_held(connection: Connection, now: datetime) -> int:
    """Held items whose time is up: the person did not write again in time."""
    changed = await connection.execute(
        "UPDATE outbox SET state = 'expired' WHERE state = 'held' AND held_until <= ?",
        (moment(now),),
    )
    return changed


async def count_timeout(connection: Connection, item_id: int) -> None:
    """A send timed out after the request left: it may have arrived."""
    await connection.execute("UPDATE outbox SET timeouts = timeouts + 1 WHERE id = ?", (item_id,))


async def release_in_flight(connection: Connection, alive_since: datetime | None) -> int:
    """After a crash: what was in flight may have arrived, so it counts as a timeout; it is sent
    again unless it already may have arrived once (then it is 'maybe_sent'): never a third time.
    With `alive_since`, only what processes no longer alive had in flight (instances.py)."""
    alive = (
        "" if alive_since is None else f" AND (claimed_by IS NULL OR claimed_by NOT IN {ALIVE_IN})"
    )
    return await connection.execute(
        "UPDATE outbox SET timeouts = timeouts + 1, "
        "state = CASE WHEN timeouts >= 1 THEN 'maybe_sent' ELSE 'pending' END "
        f"WHERE state = 'sending'{alive}",
        () if alive_since is None else (iso(alive_since),),
    )


async def due_count(db: Database, now: datetime) -> int:
    """How many messages are waiting to be sent now (the backlog /readyz reports)."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?",
        (moment(now),),
    )
    return int(row[0]) if row else 0


async def next_due(db: Database) -> datetime | None:
    row = await db.fetch_one("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'")
    return datetime.fromisoformat(row[0]) if row and row[0] else None


async def counts(db: Database, batch_id: int) -> Counts:
    rows = await db.fetch_all(
        "SELECT state, COUNT(*) AS n FROM outbox WHERE batch_id = ? GROUP BY state", (batch_id,)
    )
    found = {row["state"]: int(row["n"]) for row in rows}
    return Counts(
        sent=found.get("sent", 0),
        maybe_sent=found.get("maybe_sent", 0),
        failed=found.get("failed", 0),
        blocked=found.get("blocked", 0),
        cancelled=found.get("cancelled", 0),
        held=found.get("held", 0),
        expired=found.get("expired", 0),
        left=found.get("pending", 0) + found.get("sending", 0),
    )


async def batch(db: Database, batch_id: int) -> Batch | None:
    row = await db.fetch_one("SELECT * FROM batches WHERE id = ?", (batch_id,))
    return Batch.model_validate(dict(row)) if row else None


async def set_report(connection: Connection, batch_id: int, chat_id: int, message_id: int) -> None:
    await connection.execute(
        "UPDATE batches SET report_chat_id = ?, report_message_id = ? WHERE id = ?",
        (chat_id, message_id, batch_id),
    )


async def cancel(connection: Connection, batch_id: int, now: datetime) -> int:
    await connection.execute(
        "UPDATE batches SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
        (iso(now), batch_id),
    )
    changed = await connection.execute(
        # What waits for a Messenger person to write again is stopped with the rest.
        "UPDATE outbox SET state = 'cancelled' WHERE batch_id = ? AND state IN ('pending', 'held')",
        (batch_id,),
    )
    return changed


async def mark_finished(connection: Connection, batch_id: int, now: datetime) -> bool:
    """True the first time: the summary is sent once."""
    changed = await connection.execute(
        "UPDATE batches SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
        (iso(now), batch_id),
    )
    return changed == 1


async def release_held(connection: Connection, user_id: int, now: datetime) -> int:
    """The person wrote again: what was held for them (and has not expired) is due now."""
    changed = await connection.execute(
        "UPDATE outbox SET state = 'pending', next_attempt_at = ?, held_until = NULL "
        "WHERE user_id = ? AND state = 'held' AND held_until > ?",
        (moment(now), user_id, moment(now)),
    )
    if changed:
        await _tell_sender(connection)
    return changed
