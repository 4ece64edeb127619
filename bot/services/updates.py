"""Which updates from the webhook were taken in and handled, so a repeat is handled once."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from storage import messenger, seen_updates
from storage.database import Database

# Telegram keeps an undelivered update for at most a day (Meta retries a webhook for up to 36
# hours); two days cover their last retries.
KEEP = timedelta(days=2)


class SeenUpdates:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def take(self, update_id: int) -> bool:
        """True for the first delivery of this update; False for a repeat."""
        async with self._db.transaction() as connection:
            return await seen_updates.take(connection, update_id, self._clock())

    async def handled(self, update_id: int) -> None:
        async with self._db.transaction() as connection:
            await seen_updates.mark_handled(connection, update_id, self._clock())

    async def was_handled(self, update_id: int) -> bool:
        return await seen_updates.handled(self._db, update_id)

    async def forget_unhandled(self) -> int:
        """At start-up, before the webhook is served: updates a dead process took in but never
        confirmed to Telegram. Telegram delivers them again, and then they are handled."""
        async with self._db.transaction() as connection:
            return await seen_updates.forget_unhandled(connection)

    async def forget_old(self) -> int:
        """Forget the ids of updates, and of Messenger's events, too old to be delivered
        again."""
        moment = self._clock() - KEEP
        async with self._db.transaction() as connection:
            await messenger.forget_events_before(connection, moment)
            return await seen_updates.forget_before(connection, moment)
