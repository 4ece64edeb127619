"""Conversations in progress, kept in the database so that a restart resumes them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite
from pydantic import BaseModel

from storage.database import Database, iso


class StoredConversation(BaseModel):
    name: str
    step: str
    answers: dict[str, Any]
    updated_at: datetime | None = None


async def get(db: Database, user_id: int) -> StoredConversation | None:
    row = await db.fetch_one(
        "SELECT name, step, answers, updated_at FROM conversations WHERE user_id = ?", (user_id,)
    )
    if row is None:
        return None
    return StoredConversation(
        name=row["name"],
        step=row["step"],
        answers=json.loads(row["answers"]),
        updated_at=row["updated_at"],
    )


async def put(
    connection: aiosqlite.Connection, user_id: int, conversation: StoredConversation, now: datetime
) -> None:
    await connection.execute(
        """
        INSERT INTO conversations (user_id, name, step, answers, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (user_id) DO UPDATE SET
            name = excluded.name, step = excluded.step,
            answers = excluded.answers, updated_at = excluded.updated_at
        """,
        (user_id, conversation.name, conversation.step, json.dumps(conversation.answers), iso(now)),
    )


async def delete(connection: aiosqlite.Connection, user_id: int) -> bool:
    cursor = await connection.execute("DELETE FROM conversations WHERE user_id = ?", (user_id,))
    return cursor.rowcount == 1
