"""Ambassadors, their topics and referrals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite
from pydantic import BaseModel

from storage.database import Database, insert_row, iso, update_row


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


async def get(db: Database, user_id: int) -> Ambassador | None:
    row = await db.fetch_one("SELECT * FROM ambassadors WHERE user_id = ?", (user_id,))
    if row is None:
        return None
    topics = await db.fetch_all(
        "SELECT code FROM ambassador_topics WHERE user_id = ? ORDER BY code", (user_id,)
    )
    return Ambassador.model_validate({**dict(row), "topics": [r["code"] for r in topics]})


async def by_referral_code(db: Database, code: str) -> Ambassador | None:
    row = await db.fetch_one("SELECT user_id FROM ambassadors WHERE referral_code = ?", (code,))
    return await get(db, int(row["user_id"])) if row else None


async def next_number(connection: aiosqlite.Connection) -> int:
    """The next running number; a number once given is never given again."""
    async with connection.execute(
        "INSERT INTO counters (name, value) VALUES ('ambassador', 1) "
        "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value"
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def insert(connection: aiosqlite.Connection, values: dict[str, Any]) -> None:
    await insert_row(connection, "ambassadors", values)


async def update(connection: aiosqlite.Connection, user_id: int, values: dict[str, Any]) -> None:
    await update_row(connection, "ambassadors", "user_id", user_id, values)


async def set_topic(connection: aiosqlite.Connection, user_id: int, code: str, on: bool) -> None:
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
    """Every ambassador with their topics, in two queries whatever their number."""
    topics: dict[int, list[str]] = {}
    for row in await db.fetch_all("SELECT user_id, code FROM ambassador_topics ORDER BY code"):
        topics.setdefault(int(row["user_id"]), []).append(str(row["code"]))
    rows = await db.fetch_all("SELECT * FROM ambassadors ORDER BY number")
    return [
        Ambassador.model_validate({**dict(row), "topics": topics.get(int(row["user_id"]), [])})
        for row in rows
    ]


async def referral_counts(db: Database) -> dict[int, int]:
    """How many joined through each ambassador's code, for all of them at once."""
    rows = await db.fetch_all(
        "SELECT referred_by, COUNT(*) AS n FROM ambassadors "
        "WHERE referred_by IS NOT NULL GROUP BY referred_by"
    )
    return {int(row["referred_by"]): int(row["n"]) for row in rows}


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
