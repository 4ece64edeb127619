"""Bolde, their themes and their timelines."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any, NamedTuple

from pydantic import BaseModel

from storage.database import END_OF_TIME, Connection, Database, Row, insert_row, iso, update_row
from storage.people import name_of


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
    voice_file_id: str | None = None
    voice_seconds: int | None = None
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


# Each bold with its theme codes in one row: no second query with one variable per bold.
_SELECT = (
    "SELECT bolde.*, (SELECT group_concat(code, ' ') FROM bold_topics "
    "WHERE bold_topics.bold_id = bolde.id) AS topic_codes FROM bolde"
)
# Written exactly as in the partial index bolde_inbox (migration 0011), so the planner uses it.
_OPEN = f"status IN {OPEN}"
# Open and without a change since a moment: standing still, as the morning report says.
_STILL = f"{_OPEN} AND changed_at <= ?"
# Seconds from a bold's arrival to its first answer, as in the index bolde_first_answer.


def _with_topics(row: Row) -> dict[str, Any]:
    values = dict(row)
    codes = values.pop("topic_codes")
    return {**values, "topics": sorted(codes.split(" ")) if codes else []}


def _bold(row: Row) -> Bold:
    return Bold.model_validate(_with_topics(row))


async def get(db: Database, bold_id: int) -> Bold | None:
    row = await db.fetch_one(f"{_SELECT} WHERE id = ?", (bold_id,))
    return _bold(row) if row else None


async def asked_of(db: Database, sender_id: int) -> Bold | None:
    """Of the sender's open bolde, the one asked about last, among those whose question the
    sender has not replied to since."""
    row = await db.fetch_one(
        f"{_SELECT} JOIN bold_events e ON e.bold_id = bolde.id "
        f"WHERE bolde.sender_id = ? AND bolde.{_OPEN} AND e.action = 'question' "
        "AND NOT EXISTS (SELECT 1 FROM bold_events r WHERE r.bold_id = bolde.id "
        "AND r.action = 'reply' AND r.id > e.id) ORDER BY e.id DESC LIMIT 1",
        (sender_id,),
    )
    return _bold(row) if row else None


async def by_reference(db: Database, reference: str) -> Bold | None:
    row = await db.fetch_one(f"{_SELECT} WHERE reference = ?", (reference.upper(),))
    return _bold(row) if row else None


async def of_sender(db: Database, user_id: int) -> list[Bold]:
    rows = await db.fetch_all(f"{_SELECT} WHERE sender_id = ? ORDER BY id DESC", (user_id,))
    return [_bold(row) for row in rows]


def _open_filter(status: str | None, network_id: int | None) -> tuple[str, list[Any]]:
    sql, params = f" WHERE {_OPEN}", list[Any]()
    if status:
        sql += " AND status = ?"
        params.append(status)
    if network_id:
        sql += " AND network_id = ?"
        params.append(network_id)
    return sql, params


async def open_page(
    db: Database, status: str | None, network_id: int | None, limit: int, offset: int
) -> list[Bold]:
    """One page of open bolde, oldest first, optionally of one status and one network: the
    page is found in the index, and only its bolde are read."""
    where, params = _open_filter(status, network_id)
    rows = await db.fetch_all(
        f"{_SELECT} WHERE id IN (SELECT id FROM bolde{where} ORDER BY created_at, id "
        "LIMIT ? OFFSET ?) ORDER BY created_at, id",
        [*params, limit, offset],
    )
    return [_bold(row) for row in rows]


async def count_open(db: Database, status: str | None, network_id: int | None) -> int:
    where, params = _open_filter(status, network_id)
    row = await db.fetch_one(f"SELECT COUNT(*) FROM bolde{where}", params)
    return int(row[0]) if row else 0


async def counts(db: Database) -> dict[tuple[str, str], int]:
    """How many bolde of each (kind, status): from the counts the triggers of migration 0011
    keep, a few rows whatever the number of bolde."""
    rows = await db.fetch_all(
        "SELECT kind, status, SUM(n) FROM bold_counts GROUP BY kind, status HAVING SUM(n) > 0"
    )
    return {(str(row[0]), str(row[1])): int(row[2]) for row in rows}


async def topic_counts(db: Database) -> dict[str, int]:
    rows = await db.fetch_all("SELECT code, n FROM bold_topic_counts WHERE n > 0")
    return {str(row[0]): int(row[1]) for row in rows}


async def median_wait(db: Database) -> float | None:
    """The median of the seconds from arrival to the first answer, over the bolde that have
    one: the middle one (or two) in the index's order, never every bold."""
    row = await db.fetch_one("SELECT SUM(n) FROM bold_counts WHERE answered = 1")
    answered = int(row[0] or 0) if row else 0
    if not answered:
        return None
    # The index on this expression finds the middle without sorting every bold.
    wait = db.dialect.seconds_between("created_at", "first_answer_at")
    middle = await db.fetch_all(
        f"SELECT {wait} FROM bolde WHERE first_answer_at IS NOT NULL ORDER BY {wait} "
        "LIMIT ? OFFSET ?",
        (2 - answered % 2, (answered - 1) // 2),
    )
    return sum(float(row[0]) for row in middle) / len(middle)


class PublicBold(BaseModel):
    """What the public board shows of a bold. Who sent it, its words, its photo and its place
    are never read for it, so no page can show them by mistake."""

    reference: str
    kind: str
    category: str | None
    status: str
    public_answer: str | None
    created_at: datetime
    changed_at: datetime
    first_answer_at: datetime | None
    topics: list[str] = []


_PUBLIC = (
    "SELECT reference, kind, category, status, public_answer, created_at, changed_at, "
    "first_answer_at, (SELECT group_concat(code, ' ') FROM bold_topics "
    "WHERE bold_topics.bold_id = bolde.id) AS topic_codes FROM bolde"
)


def _public(row: Row) -> PublicBold:
    return PublicBold.model_validate(_with_topics(row))


def _board_filter(status: str | None, topic: str | None) -> tuple[str, list[Any]]:
    clauses, params = list[str](), list[Any]()
    if status:
        clauses.append("status = ?")
        params.append(status)
    if topic:
        clauses.append("id IN (SELECT bold_id FROM bold_topics WHERE code = ?)")
        params.append(topic)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


async def board_page(
    db: Database, status: str | None, topic: str | None, limit: int, offset: int
) -> list[PublicBold]:
    """One page of the board, newest first: a bold's id grows with its arrival, so the page is
    read from the table's own order, without sorting every bold."""
    where, params = _board_filter(status, topic)
    rows = await db.fetch_all(
        f"{_PUBLIC}{where} ORDER BY id DESC LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    return [_public(row) for row in rows]


async def board_count(db: Database, status: str | None, topic: str | None) -> int:
    where, params = _board_filter(status, topic)
    row = await db.fetch_one(f"SELECT COUNT(*) FROM bolde{where}", params)
    return int(row[0]) if row else 0


async def public_by_reference(db: Database, reference: str) -> PublicBold | None:
    row = await db.fetch_one(f"{_PUBLIC} WHERE reference = ?", (reference.upper(),))
    return _public(row) if row else None


class ExportRow(NamedTuple):
    """A bold as the export writes it: stored values, the network's name, themes joined, the
    @usernames of a sender who showed their name and of who handled it, times reopened."""

    id: int
    reference: str
    created_at: str
    kind: str
    category: str | None
    urgent: int
    topics: str | None
    status: str
    reopened: int
    network: str | None
    sender_name: str | None
    sender_username: str | None
    text: str
    place: str | None
    latitude: float | None
    longitude: float | None
    photo: int
    handler: int | None
    handler_name: str | None
    handler_username: str | None
    public_answer: str | None
    first_answer_at: str | None
    changed_at: str


# Who handled a bold: the one who has it taken, else who last answered or declined it.
_HANDLER = (
    "COALESCE(b.taken_by, (SELECT e.actor_id FROM bold_events e WHERE e.bold_id = b.id "
    "AND e.action IN ('taken', 'answered', 'declined') AND e.actor_id IS NOT NULL "
    "ORDER BY e.id DESC LIMIT 1))"
)


async def export_chunk(
    db: Database,
    after_id: int,
    size: int,
    since: datetime | None = None,
    until: datetime | None = None,
    network_id: int | None = None,
) -> list[ExportRow]:
    """Up to `size` bolde after the one with `after_id`, by id (created in [since, until), of
    the network, when given): an export reads the table in such chunks, so it never holds more
    than one of them."""
    rows = await db.fetch_all(
        "SELECT b.id, b.reference, b.created_at, b.kind, b.category, b.urgent, b.topics, "
        "b.status, b.reopened, b.network, b.sender_name, "
        "CASE WHEN b.sender_name IS NULL THEN NULL ELSE s.username END, b.text, b.place, "
        f"b.latitude, b.longitude, b.photo, b.handler, {name_of('b.handler')}, hp.username, "
        "b.public_answer, b.first_answer_at, b.changed_at "
        "FROM (SELECT b.*, n.name AS network, b.photo_file_id IS NOT NULL AS photo, "
        "(SELECT group_concat(code, ' ') FROM bold_topics t WHERE t.bold_id = b.id) AS topics, "
        "(SELECT COUNT(*) FROM bold_events e WHERE e.bold_id = b.id AND e.action = 'reopened') "
        f"AS reopened, {_HANDLER} AS handler "
        "FROM bolde b LEFT JOIN networks n ON n.id = b.network_id "
        "WHERE b.id > ? AND b.created_at >= COALESCE(?, b.created_at) "
        "AND b.created_at < ? AND b.network_id IS COALESCE(?, b.network_id) "
        "ORDER BY b.id LIMIT ?) b "
        "LEFT JOIN people s ON s.user_id = b.sender_id "
        "LEFT JOIN people hp ON hp.user_id = b.handler ORDER BY b.id",
        (after_id, since and iso(since), iso(until or END_OF_TIME), network_id, size),
    )
    return [ExportRow(*row) for row in rows]


async def sent_since(db: Database, user_id: int, since: datetime) -> list[datetime]:
    rows = await db.fetch_all(
        "SELECT created_at FROM bolde WHERE sender_id = ? AND created_at > ? ORDER BY created_at",
        (user_id, iso(since)),
    )
    return [datetime.fromisoformat(row["created_at"]) for row in rows]


async def stale(db: Database, unchanged_since: datetime) -> list[Bold]:
    """Open bolde without a change since then, not already reported since then."""
    rows = await db.fetch_all(
        f"{_SELECT} WHERE {_STILL} "
        "AND (stale_reported_at IS NULL OR stale_reported_at <= ?) ORDER BY changed_at",
        (iso(unchanged_since), iso(unchanged_since)),
    )
    return [_bold(row) for row in rows]


async def count_still(db: Database, unchanged_since: datetime) -> int:
    """Open bolde without a change since then, reported already or not."""
    row = await db.fetch_one(f"SELECT COUNT(*) FROM bolde WHERE {_STILL}", (iso(unchanged_since),))
    return int(row[0]) if row else 0


async def events(db: Database, bold_id: int) -> list[Event]:
    rows = await db.fetch_all("SELECT * FROM bold_events WHERE bold_id = ? ORDER BY id", (bold_id,))
    return [Event.model_validate(dict(row)) for row in rows]


async def next_reference(connection: Connection, year: int) -> str:
    """B-<year>-<number>, numbered from 1 each year; a number is never given twice."""
    row = await connection.fetch_one(
        "INSERT INTO counters (name, value) VALUES (?, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
        (f"bold-{year}",),
    )
    assert row is not None
    return _reference(year, int(row[0]))


def _reference(year: int, number: int) -> str:
    return f"B-{year}-{number:04d}"


def reference_from(typed: str, this_year: int) -> str | None:
    """The reference someone typed or copied, however written: B-2026-0001, b20260001,
    "B 2026 0001", with a non-breaking hyphen or none, with or without the B. A number alone
    (0001, 42) is this year's. None when it is no reference."""
    groups = re.findall(r"\d+", typed)
    if re.sub(r"[\W_\d]", "", typed).upper() not in {"", "B"} or not groups:
        return None
    if len(groups) == 1 and len(groups[0]) > 4:
        groups = [groups[0][:4], groups[0][4:]]
    if len(groups) == 1:
        year, number = this_year, groups[0]
    elif len(groups) == 2 and len(groups[0]) == 4:
        year, number = int(groups[0]), groups[1]
    else:
        return None
    return _reference(year, int(number)) if len(number) <= 6 else None


async def insert(connection: Connection, values: dict[str, Any], topics: list[str]) -> int:
    bold_id = await insert_row(connection, "bolde", values)
    await connection.execute_many(
        "INSERT INTO bold_topics (bold_id, code) VALUES (?, ?)", [(bold_id, c) for c in topics]
    )
    return bold_id


async def update_if_unchanged(connection: Connection, bold: Bold, values: dict[str, Any]) -> bool:
    """Change the bold only if nobody has changed it since `bold` was read; True if it was."""
    unchanged = {
        "status": bold.status,
        "changed_at": bold.changed_at,
        "network_id": bold.network_id,
        "taken_by": bold.taken_by,
    }
    return await update_row(connection, "bolde", "id", bold.id, values, unchanged)


async def add_event(
    connection: Connection,
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


async def mark_stale_reported(connection: Connection, ids: list[int], now: datetime) -> None:
    await connection.execute_many(
        "UPDATE bolde SET stale_reported_at = ? WHERE id = ?", [(iso(now), i) for i in ids]
    )


async def anonymise(connection: Connection, user_id: int) -> None:
    """What a person sent stays; nothing that says it was them does."""
    await connection.execute(
        "UPDATE bolde SET sender_id = NULL, sender_name = NULL WHERE sender_id = ?", (user_id,)
    )
    # A bold they were working on goes back to be taken again: by its network, or by the
    # coordinators when it has none. One they finished keeps its answer, unsigned.
    await connection.execute(
        "UPDATE bolde SET taken_by = NULL, status = CASE WHEN status = ? THEN"
        " CASE WHEN network_id IS NULL THEN ? ELSE ? END ELSE status END WHERE taken_by = ?",
        (Status.IN_PROGRESS, Status.RECEIVED, Status.ROUTED, user_id),
    )
    await connection.execute(
        "UPDATE bold_events SET actor_id = NULL WHERE actor_id = ?", (user_id,)
    )


async def arrivals(db: Database, bounds: list[datetime]) -> dict[str | None, list[int]]:
    """How many bolde arrived between each two neighbouring moments of `bounds` (in UTC, as
    stored), by the name of the network they went to (None: not routed to one)."""
    stamps = [iso(moment) for moment in bounds]
    columns = ", ".join(
        "SUM(CASE WHEN b.created_at >= ? AND b.created_at < ? THEN 1 ELSE 0 END)"
        for _ in stamps[1:]
    )
    rows = await db.fetch_all(
        f"SELECT n.name, {columns} FROM bolde b LEFT JOIN networks n ON n.id = b.network_id "
        "WHERE b.created_at >= ? AND b.created_at < ? "
        "GROUP BY b.network_id, n.name ORDER BY n.name",
        [*(stamp for pair in pairwise(stamps) for stamp in pair), stamps[0], stamps[-1]],
    )
    return {row[0]: [int(value) for value in tuple(row)[1:]] for row in rows}
