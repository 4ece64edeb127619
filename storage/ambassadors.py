"""Ambassadors, their topics and referrals."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import BaseModel

from storage.database import END_OF_TIME, Connection, Database, Row, insert_row, iso, update_row


class Ambassador(BaseModel):
    user_id: int
    number: int
    kind: str
    display_name: str
    organisation: str | None
    org_description: str | None
    org_website: str | None
    email: str | None
    newsletter_by_email: bool
    consent_at: datetime
    consent_version: str
    joined_at: datetime
    referral_code: str
    referred_by: int | None
    status: str
    confirm_due_at: datetime
    confirm_asked_at: datetime | None
    left_at: datetime | None
    listed_at: datetime | None  # on the public list since; None: not on it
    topics: list[str] = []


PROFILE_FIELDS = (
    "kind",
    "display_name",
    "organisation",
    "org_description",
    "org_website",
    "email",
    "newsletter_by_email",
)


# Each ambassador with their topic codes in one row.
_TOPICS = "(SELECT group_concat(code, ' ') FROM ambassador_topics t WHERE t.user_id = a.user_id)"


def _with_topics(row: Row) -> dict[str, Any]:
    """The row's values, its topic codes (read with _TOPICS) as a list."""
    values = dict(row)
    codes = values.pop("topic_codes")
    return {**values, "topics": sorted(codes.split(" ")) if codes else []}


def _ambassador(row: Row) -> Ambassador:
    return Ambassador.model_validate(_with_topics(row))


async def get(db: Database, user_id: int) -> Ambassador | None:
    row = await db.fetch_one(
        f"SELECT a.*, {_TOPICS} AS topic_codes FROM ambassadors a WHERE a.user_id = ?", (user_id,)
    )
    return _ambassador(row) if row else None


async def by_number(db: Database, number: int) -> Ambassador | None:
    row = await db.fetch_one("SELECT user_id FROM ambassadors WHERE number = ?", (number,))
    return await get(db, int(row["user_id"])) if row else None


async def by_referral_code(db: Database, code: str) -> Ambassador | None:
    row = await db.fetch_one("SELECT user_id FROM ambassadors WHERE referral_code = ?", (code,))
    return await get(db, int(row["user_id"])) if row else None


async def next_number(connection: Connection) -> int:
    """The next running number; a number once given is never given again."""
    row = await connection.fetch_one(
        "INSERT INTO counters (name, value) VALUES ('ambassador', 1) "
        "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value"
    )
    assert row is not None
    return int(row[0])


async def insert(connection: Connection, values: dict[str, Any]) -> None:
    await insert_row(connection, "ambassadors", values, key="user_id")


async def update(
    connection: Connection,
    user_id: int,
    values: dict[str, Any],
    expected: dict[str, Any] | None = None,
) -> bool:
    """True if the row changed; with `expected`, only while those columns hold those values."""
    return await update_row(connection, "ambassadors", "user_id", user_id, values, expected)


async def set_topic(connection: Connection, user_id: int, code: str, on: bool) -> None:
    if on:
        await connection.execute(
            "INSERT OR IGNORE INTO ambassador_topics (user_id, code) VALUES (?, ?)", (user_id, code)
        )
    else:
        await connection.execute(
            "DELETE FROM ambassador_topics WHERE user_id = ? AND code = ?", (user_id, code)
        )


async def referral_count(db: Database, user_id: int) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM ambassadors WHERE referred_by = ?", (user_id,))
    return int(row[0]) if row else 0


async def all_ambassadors(db: Database) -> list[Ambassador]:
    """Every ambassador with their topics, in one query whatever their number."""
    rows = await db.fetch_all(
        f"SELECT a.*, {_TOPICS} AS topic_codes FROM ambassadors a ORDER BY a.number"
    )
    return [_ambassador(row) for row in rows]


async def counts(db: Database) -> dict[tuple[str, str], int]:
    """How many ambassadors of each (status, kind)."""
    rows = await db.fetch_all("SELECT status, kind, COUNT(*) FROM ambassadors GROUP BY 1, 2")
    return {(str(row[0]), str(row[1])): int(row[2]) for row in rows}


async def first_joined(db: Database) -> datetime | None:
    row = await db.fetch_one("SELECT MIN(joined_at) FROM ambassadors")
    return datetime.fromisoformat(row[0]) if row and row[0] else None


async def topic_counts(db: Database, status: str) -> dict[str, int]:
    """How many ambassadors with that status chose each topic."""
    rows = await db.fetch_all(
        "SELECT t.code, COUNT(*) FROM ambassador_topics t "
        "JOIN ambassadors a ON a.user_id = t.user_id WHERE a.status = ? GROUP BY t.code",
        (status,),
    )
    return {str(row[0]): int(row[1]) for row in rows}


class ExportRow(NamedTuple):
    """An ambassador as the export writes them: stored values, topics joined, referrals."""

    number: int
    display_name: str
    kind: str
    organisation: str | None
    org_description: str | None
    org_website: str | None
    email: str | None
    username: str | None
    newsletter_by_email: int
    topics: str | None
    joined_at: str
    status: str
    referrals: int


async def export_chunk(
    db: Database,
    after_number: int,
    size: int,
    since: datetime | None = None,
    until: datetime | None = None,
    network_id: int | None = None,
) -> list[ExportRow]:
    """Up to `size` ambassadors who have not left, numbered after `after_number` (joined in
    [since, until), members of the network, when given): an export reads them in such chunks,
    so it never holds more than one of them."""
    rows = await db.fetch_all(
        "SELECT a.number, a.display_name, a.kind, a.organisation, a.org_description, "
        "a.org_website, a.email, p.username, a.newsletter_by_email, "
        f"{_TOPICS}, a.joined_at, a.status, "
        "(SELECT COUNT(*) FROM ambassadors r WHERE r.referred_by = a.user_id) "
        "FROM ambassadors a JOIN people p ON p.user_id = a.user_id "
        "WHERE a.status != 'left' AND a.number > ? "
        "AND a.joined_at >= COALESCE(?, a.joined_at) AND a.joined_at < ? "
        "AND (CAST(? AS BIGINT) IS NULL OR a.user_id IN "
        "(SELECT m.user_id FROM network_members m WHERE m.network_id = ?)) "
        "ORDER BY a.number LIMIT ?",
        (
            after_number,
            since and iso(since),
            iso(until or END_OF_TIME),
            network_id,
            network_id,
            size,
        ),
    )
    return [ExportRow(*row) for row in rows]


async def due_for_confirmation(db: Database, now: datetime) -> list[int]:
    rows = await db.fetch_all(
        "SELECT user_id FROM ambassadors WHERE status = 'active' "
        "AND confirm_asked_at IS NULL AND confirm_due_at <= ? ORDER BY confirm_due_at",
        (iso(now),),
    )
    return [int(row["user_id"]) for row in rows]


async def unanswered_since(db: Database, before: datetime) -> list[int]:
    rows = await db.fetch_all(
        "SELECT user_id FROM ambassadors WHERE status = 'active' "
        "AND confirm_asked_at IS NOT NULL AND confirm_asked_at <= ?",
        (iso(before),),
    )
    return [int(row["user_id"]) for row in rows]


class Term(NamedTuple):
    """One searched word: found in the name or organisation (`folded`: casefolded), as the
    number, or as the title of the person's kind or of a theme they chose (the codes)."""

    folded: str
    number: int | None
    kinds: list[str]
    topics: list[str]


# Who the public list shows: active ambassadors who said yes to it (and have not taken it back).
_LISTED = "a.status = 'active' AND a.listed_at IS NOT NULL"


def _matching(
    terms: list[Term], kind: str | None, topic: str | None, listed: bool = False
) -> tuple[str, list[object]]:
    """The condition for ambassadors who have not left (`listed`: who are on the public list)
    and match every term (and the kind and theme, if given), with its parameters."""
    where = [_LISTED if listed else "a.status != 'left'", "a.kind = COALESCE(?, a.kind)"]
    params: list[object] = [kind]
    if topic is not None:
        where.append(
            "EXISTS (SELECT 1 FROM ambassador_topics t WHERE t.user_id = a.user_id AND t.code = ?)"
        )
        params.append(topic)
    for term in terms:
        where.append(
            "(instr(casefold(a.display_name), ?) > 0 "
            "OR instr(casefold(COALESCE(a.organisation, '')), ?) > 0 "
            "OR a.number IS ? OR a.kind IN (SELECT value FROM json_each(?)) "
            "OR EXISTS (SELECT 1 FROM ambassador_topics t WHERE t.user_id = a.user_id "
            "AND t.code IN (SELECT value FROM json_each(?))))"
        )
        params += [
            term.folded,
            term.folded,
            term.number,
            json.dumps(term.kinds),
            json.dumps(term.topics),
        ]
    return " AND ".join(where), params


async def search_count(
    db: Database, terms: list[Term], kind: str | None, topic: str | None, listed: bool = False
) -> int:
    condition, params = _matching(terms, kind, topic, listed)
    row = await db.fetch_one(f"SELECT COUNT(*) FROM ambassadors a WHERE {condition}", params)
    return int(row[0]) if row else 0


async def search_kinds(db: Database, terms: list[Term], topic: str | None) -> dict[str, int]:
    """How many of those who match are of each kind."""
    condition, params = _matching(terms, None, topic)
    rows = await db.fetch_all(
        f"SELECT a.kind, COUNT(*) FROM ambassadors a WHERE {condition} GROUP BY a.kind", params
    )
    return {str(row[0]): int(row[1]) for row in rows}


async def search_topics(db: Database, terms: list[Term], kind: str | None) -> dict[str, int]:
    """How many of those who match chose each theme."""
    condition, params = _matching(terms, kind, None)
    rows = await db.fetch_all(
        "SELECT t.code, COUNT(*) FROM ambassador_topics t JOIN ambassadors a "
        f"ON a.user_id = t.user_id WHERE {condition} GROUP BY t.code",
        params,
    )
    return {str(row[0]): int(row[1]) for row in rows}


async def search(
    db: Database, terms: list[Term], kind: str | None, topic: str | None, offset: int, limit: int
) -> list[Ambassador]:
    """One page of the ambassadors who match, by number."""
    condition, params = _matching(terms, kind, topic)
    rows = await db.fetch_all(
        f"SELECT a.*, {_TOPICS} AS topic_codes FROM ambassadors a WHERE {condition} "
        "ORDER BY a.number LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [_ambassador(row) for row in rows]


class Listed(BaseModel):
    """An ambassador as the public list shows them: what they agreed to show, nothing more (no
    id, number, e-mail or username is read)."""

    display_name: str
    kind: str
    organisation: str | None
    org_description: str | None
    org_website: str | None
    topics: list[str]


async def listed(
    db: Database, terms: list[Term], kind: str | None, topic: str | None, offset: int, limit: int
) -> list[Listed]:
    """One page of the public list's ambassadors who match, by name."""
    condition, params = _matching(terms, kind, topic, listed=True)
    rows = await db.fetch_all(
        "SELECT a.display_name, a.kind, a.organisation, a.org_description, a.org_website, "
        f"{_TOPICS} AS topic_codes FROM ambassadors a WHERE {condition} "
        "ORDER BY name_order(a.display_name), a.number LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [Listed.model_validate(_with_topics(row)) for row in rows]


async def signed_up_at(db: Database, moments: list[datetime]) -> list[int]:
    """How many ambassadors had joined and not left by each moment (in UTC, as stored): one
    pass over the table, whatever the number of moments."""
    if not moments:
        return []
    stamps = [iso(moment) for moment in moments]
    columns = ", ".join(
        "COALESCE(SUM(CASE WHEN joined_at <= ? AND (left_at IS NULL OR left_at > ?) THEN 1 "
        "ELSE 0 END), 0)"
        for _ in stamps
    )
    row = await db.fetch_one(
        f"SELECT {columns} FROM ambassadors", [stamp for stamp in stamps for _ in (0, 1)]
    )
    return [int(value) for value in row] if row else [0] * len(stamps)
