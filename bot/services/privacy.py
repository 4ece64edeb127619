"""A person's own data: all of it as JSON, or none of it left."""

from __future__ import annotations

import json

from bot.clock import Clock
from storage import privacy
from storage.database import Database


class PrivacyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def export_json(self, user_id: int) -> bytes:
        data = await privacy.export(self._db, user_id)
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")

    async def erase(self, user_id: int) -> None:
        await privacy.erase(self._db, user_id, self._clock())
