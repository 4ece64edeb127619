"""Action networks, their members and topics, and the routing rules that point at them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from storage.database import Connection, Database, Row, iso


class Network(BaseModel):
    id: int
    name: str
    kind: str
    cross_professional: bool
    chat_id: int | None
    invite_code: str
    created_at: datetime
    closed_at: datetime | None
    topics: list[str] = []
    members: list[int] = []


class Rule(BaseModel):
    id: int
    kind: str | None
    category: str | None
    theme: str | None
    network_id: int


async def get(db: Database, network_id: int) -> Network | None:
    row = await db.fetch_one("SELECT * FROM networks WHERE id = ?", (network_id,))
    return await _complete(db, row) if row else None


async def by_invite(db: Database, code: str) -> Network | None:
    row = await db.fetch_one("SELECT * FROM networks WHERE invite_code = ?", (code,))
    return await _complete(db, row) if row else None


async def works_in(db: Database, chat_id: int) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM networks WHERE chat_id = ? AND closed_at IS NULL", (chat_id,)
    )
    return row is not None


async def cross_professional(db: Database) -> Network | None:
    row = await db.fetch_one(
        "SELECT * FROM networks WHERE cross_professional = 1 AND closed_at IS NULL"
    )
    return await _complete(db, row) if row else None


async def names(db: Database) -> dict[int, str]:
    """Every network's name by its id, without members or topics: what a card shows."""
    return {
        int(r["id"]): str(r["name"]) for r in await db.fetch_all("SELECT id, name FROM networks")
    }


async def open_networks(db: Database) -> list[Network]:
    rows = await db.fetch_all("SELECT * FROM networks WHERE closed_at IS NULL ORDER BY id")
    return [await _complete(db, row) for row in rows]


async def of_member(db: Database, user_id: int) -> set[int]:
    rows = await db.fetch_all(
        "SELECT network_id FROM network_members WHERE user_id = ?", (user_id,)
    )
    return {int(row["network_id"]) for row in rows}


async def _complete(db: Database, row: Row) -> Network:
    network_id = int(row["id"])
    topics = await db.fetch_all(
        "SELECT code FROM network_topics WHERE network_id = ? ORDER BY code", (network_id,)
    )
    members = await db.fetch_all(
        "SELECT user_id FROM network_members WHERE network_id = ? ORDER BY joined_at, user_id",
        (network_id,),
    )
    return Network.model_validate(
        {
            **dict(row),
            "topics": [r["code"] for r in topics],
            "members": [int(r["user_id"]) for r in members],
        }
    )


async def insert(
    connection: Connection, name: str, kind: str, invite_code: str, now: datetime
) -> int:
    row = await connection.fetch_one(
        "INSERT INTO networks (name, kind, invite_code, created_at) VALUES (?, ?, ?, ?) "
        "RETURNING id",
        (name, kind, invite_code, iso(now)),
    )
    assert row is not None
    return int(row[0])


async def close(connection: Connection, network_id: int, now: datetime) -> None:
    await connection.execute(
        "UPDATE networks SET closed_at = ?, cross_professional = 0, chat_id = NULL WHERE id = ?",
        (iso(now), network_id),
    )
    await connection.execute("DELETE FROM routing_rules WHERE network_id = ?", (network_id,))


async def make_cross_professional(connection: Connection, network_id: int) -> None:
    await connection.execute("UPDATE networks SET cross_professional = 0")
    await connection.execute(
        "UPDATE networks SET cross_professional = 1 WHERE id = ?", (network_id,)
    )


async def set_chat(connection: Connection, network_id: int, chat_id: int | None) -> None:
    if chat_id is not None:
        await connection.execute("UPDATE networks SET chat_id = NULL WHERE chat_id = ?", (chat_id,))
    await connection.execute("UPDATE networks SET chat_id = ? WHERE id = ?", (chat_id, network_id))


async def forget_chat(connection: Connection, chat_id: int) -> None:
    """The bot is no longer in this group: the networks that worked there work privately."""
    await connection.execute("UPDATE networks SET chat_id = NULL WHERE chat_id = ?", (chat_id,))


async def move_chat(connection: Connection, old: int, new: int) -> bool:
    """A group became a supergroup, with a new id: its network works there now. Told twice (the
    old group's last message, the new one's first, a refused send), it moves once."""
    await connection.execute(
        "UPDATE networks SET chat_id = NULL WHERE chat_id = ? "
        "AND EXISTS (SELECT 1 FROM networks WHERE chat_id = ?)",
        (new, old),
    )
    changed = await connection.execute(
        "UPDATE networks SET chat_id = ? WHERE chat_id = ?", (new, old)
    )
    return changed > 0


async def set_topic(connection: Connection, network_id: int, code: str, on: bool) -> None:
    if on:
        await connection.execute(
            "INSERT OR IGNORE INTO network_topics (network_id, code) VALUES (?, ?)",
            (network_id, code),
        )
    else:
        await connection.execute(
            "DELETE FROM network_topics WHERE network_id = ? AND code = ?", (network_id, code)
        )


async def add_member(connection: Connection, network_id: int, user_id: int, now: datetime) -> bool:
    changed = await connection.execute(
        "INSERT OR IGNORE INTO network_members (network_id, user_id, joined_at) VALUES (?, ?, ?)",
        (network_id, user_id, iso(now)),
    )
    return changed == 1


async def remove_member(connection: Connection, network_id: int, user_id: int) -> bool:
    changed = await connection.execute(
        "DELETE FROM network_members WHERE network_id = ? AND user_id = ?", (network_id, user_id)
    )
    return changed == 1


# -- routing rules ---------------------------------------------------------------------------


async def rules(db: Database) -> list[Rule]:
    rows = await db.fetch_all(
        "SELECT r.* FROM routing_rules r JOIN networks n ON n.id = r.network_id "
        "WHERE n.closed_at IS NULL ORDER BY r.id"
    )
    return [Rule.model_validate(dict(row)) for row in rows]


async def add_rule(
    connection: Connection,
    kind: str | None,
    category: str | None,
    theme: str | None,
    network_id: int,
) -> int:
    row = await connection.fetch_one(
        "INSERT INTO routing_rules (kind, category, theme, network_id) VALUES (?, ?, ?, ?) "
        "RETURNING id",
        (kind, category, theme, network_id),
    )
    assert row is not None
    return int(row[0])


async def remove_rule(connection: Connection, rule_id: int) -> bool:
    changed = await connection.execute("DELETE FROM routing_rules WHERE id = ?", (rule_id,))
    return changed == 1
