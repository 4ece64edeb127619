"""The people who have talked to the bot, and the deep links they came through."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel

from storage.database import Connection, Database, iso


class Person(BaseModel):
    user_id: int
    language: str
    language_chosen: bool
    first_seen: datetime
    last_seen: datetime
    blocked_at: datetime | None
    newsletter_off: bool
    news_consent: bool | None  # newsletters and invitations; None: not asked yet
    username: str | None = None
    name: str | None = None  # first and last name in Telegram
    # Not a column: set by PeopleService.seen when this update is the first the bot has of them.
    met_now: bool = False

    @property
    def gets_news(self) -> bool:
        """Someone who is not an ambassador: said yes, and did not turn newsletters off since."""
        return bool(self.news_consent) and not self.newsletter_off


async def get(db: Database, user_id: int) -> Person | None:
    row = await db.fetch_one("SELECT * FROM people WHERE user_id = ?", (user_id,))
    return Person.model_validate(dict(row)) if row else None


def name_of(user_id: str) -> str:
    """SQL for the name coordinators know a person by, given the SQL of their id: the ambassador
    name they chose, else their name in Telegram; NULL for someone the bot never met."""
    return (
        "(SELECT COALESCE(na.display_name, np.name) FROM people np LEFT JOIN ambassadors na"
        f" ON na.user_id = np.user_id WHERE np.user_id = {user_id})"
    )


async def names(db: Database, user_ids: list[int]) -> dict[int, str]:
    """The name of each of `user_ids` the bot knows one for."""
    rows = await db.fetch_all(
        f"SELECT id, {name_of('id')} FROM (SELECT CAST(value AS BIGINT) AS id FROM json_each(?)) "
        "AS ids",
        (json.dumps(user_ids),),
    )
    return {int(row[0]): str(row[1]) for row in rows if row[1]}


async def blocked_among(db: Database, user_ids: list[int]) -> set[int]:
    """Those who blocked the bot; the ids go as one JSON parameter, however many there are."""
    rows = await db.fetch_all(
        "SELECT user_id FROM people WHERE blocked_at IS NOT NULL "
        "AND user_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))",
        (json.dumps(user_ids),),
    )
    return {int(row["user_id"]) for row in rows}


async def upsert_seen(
    connection: Connection,
    user_id: int,
    language: str,
    username: str | None,
    name: str | None,
    now: datetime,
) -> Person:
    """Record a sign of life (and the @username and name the person has now); Telegram's language
    applies until the person chose one. Returns the row as stored, in the same statement."""
    row = await connection.fetch_one(
        """
        INSERT INTO people (user_id, language, username, name, first_seen, last_seen)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (user_id) DO UPDATE SET
            last_seen  = excluded.last_seen,
            blocked_at = NULL,
            username   = excluded.username,
            name       = excluded.name,
            language   = CASE WHEN people.language_chosen = 1 THEN people.language
                              ELSE excluded.language END
        RETURNING *
        """,
        (user_id, language, username, name, iso(now), iso(now)),
    )
    assert row is not None, "an upsert returns its row"
    return Person.model_validate(dict(row))


async def set_language(connection: Connection, user_id: int, language: str) -> None:
    await connection.execute(
        "UPDATE people SET language = ?, language_chosen = 1 WHERE user_id = ?",
        (language, user_id),
    )


_NOT_AMBASSADOR = (
    "NOT EXISTS (SELECT 1 FROM ambassadors a WHERE a.user_id = people.user_id"
    " AND a.status = 'active')"
)


async def set_news_consent(
    connection: Connection, user_id: int, consent: bool, now: datetime
) -> bool:
    """A yes also turns newsletters back on: saying yes to them is asking for them. False for
    an ambassador, whose consent is their sign-up."""
    changed = await connection.execute(
        "UPDATE people SET news_consent = ?, news_consent_at = ?,"
        " newsletter_off = CASE WHEN ? THEN 0 ELSE newsletter_off END"
        f" WHERE user_id = ? AND {_NOT_AMBASSADOR}",
        (consent, iso(now), consent, user_id),
    )
    return changed == 1


async def consent_unasked(db: Database, user_id: int) -> bool:
    """Never asked about newsletters and invitations, and not an ambassador (who consented by
    signing up)."""
    row = await db.fetch_one(
        f"SELECT 1 FROM people WHERE user_id = ? AND news_consent IS NULL AND {_NOT_AMBASSADOR}",
        (user_id,),
    )
    return row is not None


async def mark_blocked(connection: Connection, user_id: int, now: datetime) -> None:
    await connection.execute(
        "UPDATE people SET blocked_at = ? WHERE user_id = ? AND blocked_at IS NULL",
        (iso(now), user_id),
    )


async def add_deep_link(
    connection: Connection, user_id: int, kind: str, argument: str, now: datetime
) -> None:
    await connection.execute(
        "INSERT INTO deep_links (user_id, kind, argument, received_at) VALUES (?, ?, ?, ?)",
        (user_id, kind, argument, iso(now)),
    )


async def opened(db: Database, user_id: int, kind: str, argument: str) -> bool:
    """Whether the person ever started the bot with this deep link."""
    row = await db.fetch_one(
        "SELECT 1 FROM deep_links WHERE kind = ? AND argument = ? AND user_id = ? LIMIT 1",
        (kind, argument, user_id),
    )
    return row is not None


async def latest_deep_link(db: Database, user_id: int, kind: str) -> str | None:
    row = await db.fetch_one(
        "SELECT argument FROM deep_links WHERE user_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
        (user_id, kind),
    )
    return str(row["argument"]) if row else None
