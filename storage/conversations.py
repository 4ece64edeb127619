"""Conversations in progress, one per kind and person, kept in the database so that a restart
resumes them. A stopped one (`stopped_at` set) is hidden until Undo restores it or a new one
of its kind replaces it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from storage.database import Connection, Database, iso


class StoredConversation(BaseModel):
    name: str
    step: str
    answers: dict[str, Any]
    updated_at: datetime | None = None
    answered: bool = True  # False while it is still at the question it started with
    touched: int = 0  # the person's order of conversations; changes at every step


async def get(db: Database, user_id: int, names: Iterable[str] = ()) -> StoredConversation | None:
    """The most recently touched one (of `names`, when given)."""
    wanted = list(names)
    only = f"AND name IN ({', '.join('?' for _ in wanted)})" if wanted else ""
    row = await db.fetch_one(
        "SELECT name, step, answers, updated_at, answered, touched FROM conversations "
        f"WHERE user_id = ? AND stopped_at IS NULL {only} "
        "ORDER BY touched DESC LIMIT 1",
        (user_id, *wanted),
    )
    if row is None:
        return None
    return StoredConversation(
        name=row["name"],
        step=row["step"],
        answers=json.loads(row["answers"]),
        updated_at=row["updated_at"],
        answered=bool(row["answered"]),
        touched=row["touched"],
    )


async def put(
    connection: Connection, user_id: int, conversation: StoredConversation, now: datetime
) -> int:
    """Store it and make it the person's most recent one; its new `touched`."""
    row = await connection.fetch_one(
        """
        INSERT INTO conversations (user_id, name, step, answers, updated_at, answered, touched)
        VALUES (?, ?, ?, ?, ?, ?,
                (SELECT COALESCE(MAX(touched), 0) + 1 FROM conversations WHERE user_id = ?))
        ON CONFLICT (user_id, name) DO UPDATE SET
            step = excluded.step, answers = excluded.answers, updated_at = excluded.updated_at,
            answered = excluded.answered, touched = excluded.touched, stopped_at = NULL
        RETURNING touched
        """,
        (
            user_id,
            conversation.name,
            conversation.step,
            json.dumps(conversation.answers),
            iso(now),
            conversation.answered,
            user_id,
        ),
    )
    assert row is not None, "an upsert returns its row"
    return int(row[0])


async def touch(connection: Connection, user_id: int, name: str, now: datetime) -> bool:
    """Make it the person's most recent one, unchanged; False when it is not there."""
    changed = await connection.execute(
        """
        UPDATE conversations SET updated_at = ?,
            touched = (SELECT MAX(touched) + 1 FROM conversations WHERE user_id = ?)
        WHERE user_id = ? AND name = ? AND stopped_at IS NULL
        """,
        (iso(now), user_id, user_id, name),
    )
    return changed == 1


async def delete(connection: Connection, user_id: int, name: str) -> bool:
    """Delete the open one (a stopped one is left for its Undo); False when none is open."""
    changed = await connection.execute(
        "DELETE FROM conversations WHERE user_id = ? AND name = ? AND stopped_at IS NULL",
        (user_id, name),
    )
    return changed == 1


async def stop(
    connection: Connection, user_id: int, name: str, touched: int, now: datetime
) -> bool:
    """Hide it, as it was seen (`touched`), for Undo; False when it moved on or is gone."""
    changed = await connection.execute(
        """
        UPDATE conversations SET stopped_at = ?, updated_at = ?
        WHERE user_id = ? AND name = ? AND touched = ? AND stopped_at IS NULL
        """,
        (iso(now), iso(now), user_id, name, touched),
    )
    return changed == 1


async def restore(
    connection: Connection, user_id: int, name: str, touched: int, now: datetime
) -> bool:
    """Bring back the one stopped as it was (`touched`), as the person's most recent; False
    when it is gone or was replaced by a new one of its kind."""
    changed = await connection.execute(
        """
        UPDATE conversations SET stopped_at = NULL, updated_at = ?,
            touched = (SELECT MAX(touched) + 1 FROM conversations WHERE user_id = ?)
        WHERE user_id = ? AND name = ? AND touched = ? AND stopped_at IS NOT NULL
        """,
        (iso(now), user_id, user_id, name, touched),
    )
    return changed == 1


async def delete_unchanged(connection: Connection, user_id: int, name: str, touched: int) -> bool:
    """Delete it only as it was seen (`touched`): not after another step or a new start."""
    changed = await connection.execute(
        "DELETE FROM conversations "
        "WHERE user_id = ? AND name = ? AND touched = ? AND stopped_at IS NULL",
        (user_id, name, touched),
    )
    return changed == 1


async def delete_older(connection: Connection, user_id: int, than: datetime) -> None:
    await connection.execute(
        "DELETE FROM conversations WHERE user_id = ? AND updated_at < ?", (user_id, iso(than))
    )


class WaitingQuestion(BaseModel):
    """The question on screen that waits for a button: its text and its buttons (the inline
    keyboard's Bot API form)."""

    text: str
    buttons: dict[str, Any]
    asked_at: datetime


async def remember_question(
    connection: Connection, user_id: int, question: WaitingQuestion
) -> None:
    """The person's question that waits for a button, in place of the one before."""
    await connection.execute(
        """
        INSERT INTO questions_waiting (user_id, text, buttons, asked_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (user_id) DO UPDATE SET
            text = excluded.text, buttons = excluded.buttons, asked_at = excluded.asked_at
        """,
        (user_id, question.text, json.dumps(question.buttons), iso(question.asked_at)),
    )


async def question(db: Database, user_id: int) -> WaitingQuestion | None:
    row = await db.fetch_one(
        "SELECT text, buttons, asked_at FROM questions_waiting WHERE user_id = ?", (user_id,)
    )
    if row is None:
        return None
    return WaitingQuestion(
        text=row["text"], buttons=json.loads(row["buttons"]), asked_at=row["asked_at"]
    )


async def forget_question(connection: Connection, user_id: int) -> None:
    await connection.execute("DELETE FROM questions_waiting WHERE user_id = ?", (user_id,))
