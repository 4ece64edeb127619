"""The one open conversation a person may have with the bot (signing up, sending a bold, writing
an answer), kept in the database so that a restart resumes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiosqlite

from bot.clock import Clock
from storage import conversations
from storage.conversations import StoredConversation
from storage.database import Database

LIFETIME = timedelta(days=1)


class Conversations:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def current(self, user_id: int, *names: str) -> StoredConversation | None:
        """The open conversation (of one of `names`, when given). One left alone for a day is
        forgotten, so that a later message is not taken for an answer to an old question."""
        stored = await conversations.get(self._db, user_id)
        if stored is None:
            return None
        if stored.updated_at and self._clock() - stored.updated_at > LIFETIME:
            await self.cancel(user_id)
            return None
        return stored if not names or stored.name in names else None

    async def put(self, user_id: int, name: str, step: str, answers: dict[str, Any]) -> None:
        stored = StoredConversation(name=name, step=step, answers=answers)
        async with self._db.transaction() as connection:
            await conversations.put(connection, user_id, stored, self._clock())

    @staticmethod
    async def forget(connection: aiosqlite.Connection, user_id: int) -> None:
        """End the conversation inside a transaction that stores what it led to."""
        await conversations.delete(connection, user_id)

    async def cancel(self, user_id: int) -> bool:
        """Forget the conversation; True when there was one."""
        async with self._db.transaction() as connection:
            return await conversations.delete(connection, user_id)
