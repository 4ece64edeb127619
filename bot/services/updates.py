"""Which updates from the webhook were taken in and handled, so a repeat is handled once."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.clock import Clock
from bot.instances import Instance
from storage import messenger, seen_updates
from storage.database import ERRORS, Connection, Database

logger = logging.getLogger(__name__)

# Telegram keeps an undelivered update for at most a day (Meta retries a webhook for up to 36
# hours); two days cover their last retries.
KEEP = timedelta(days=2)
# Seconds between looks at whether an earlier update of the same person is still in hand
# elsewhere: the first look soon, later ones less often.
TURN_FIRST_WAIT = 0.02
TURN_MAX_WAIT = 0.5
_NOT_WAITED: tuple[type[Exception], ...] = (*ERRORS, TimeoutError)
TURN_LONGEST = 30.0  # an earlier update in hand longer than this is stuck: go on without it


class SeenUpdates:
    def __init__(self, db: Database, clock: Clock, instance: Instance) -> None:
        self._db = db
        self._clock = clock
        self._instance = instance

    async def take(self, update_id: int, person: int | None = None) -> bool:
        """True for the first delivery of this update, and for one a dead process took and
        never handled; False for a repeat of one handled or in hand."""
        async with self._db.transaction() as connection:
            return await self.take_in(connection, update_id, person)

    async def take_in(self, connection: Connection, update_id: int, person: int | None) -> bool:
        """`take`, inside a transaction of the caller's."""
        instance = self._instance
        alive_since = instance.alive_since() if self._db.shared else None
        return await seen_updates.take(
            connection, update_id, person, instance.id, self._clock(), alive_since
        )

    async def release(self, update_id: int) -> None:
        """After a failure that may have come after the update was taken (the answer to its
        COMMIT lost): let go of it, so Telegram's next delivery is taken, here or elsewhere."""
        try:
            async with self._db.exclusive() as connection:
                await seen_updates.release(connection, update_id, self._instance.id)
        except ERRORS as error:
            logger.warning("Update %s stays in this process's hands: %s", update_id, error)

    async def turn(self, update_id: int, person: int | None) -> None:
        """Wait while an earlier update of the same person is in the hands of another process
        on the database, so that one person's updates are handled in the order they were
        taken, whichever process took each. One process keeps that order itself
        (bot/ordering.py)."""
        if person is None or not self._db.shared:
            return
        wait = TURN_FIRST_WAIT
        try:
            async with asyncio.timeout(TURN_LONGEST):
                while await seen_updates.earlier_in_hand(
                    self._db, update_id, person, self._instance.alive_since()
                ):
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, TURN_MAX_WAIT)
        except _NOT_WAITED as error:
            # The update is taken: handling it now beats leaving it to wait for a restart.
            logger.warning("Update %s did not wait for its turn: %r", update_id, error)

    async def handled(self, update_id: int) -> None:
        async with self._db.transaction() as connection:
            await seen_updates.mark_handled(connection, update_id, self._clock())

    async def was_handled(self, update_id: int) -> bool:
        return await seen_updates.handled(self._db, update_id)

    async def forget_unhandled(self) -> int:
        """At start-up, before the webhook is served: updates a dead process took in but never
        confirmed to Telegram. Telegram delivers them again, and then they are handled. On a
        database shared by several processes, only those of processes no longer alive."""
        alive_since = self._instance.alive_since() if self._db.shared else None
        async with self._db.transaction() as connection:
            return await seen_updates.forget_unhandled(connection, alive_since)

    async def forget_old(self) -> int:
        """Forget the ids of updates, and of Messenger's events, too old to be delivered
        again."""
        moment = self._clock() - KEEP
        async with self._db.transaction() as connection:
            await messenger.forget_events_before(connection, moment)
            return await seen_updates.forget_before(connection, moment)
