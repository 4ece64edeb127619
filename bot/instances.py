"""This `bolden run` among the processes that share the database.

On SQLite there is one process, and it does everything. On PostgreSQL several may run behind a
load balancer: any of them answers any update, and one of them, the leader, sends the outbox
and runs the scheduled jobs (reminders, newsletters, the yearly question, the stale report), so
each is done once and the token's pace is kept in one place. The leader holds an advisory lock
on a connection of its own; when it dies, the server lets go of the lock and another process
takes it within a beat. Each process writes a heartbeat, so an update that a dead process took
in and never handled is taken over by another (storage/seen_updates.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from storage import instances
from storage.database import ERRORS, Database

logger = logging.getLogger(__name__)

BEAT = 2.0  # seconds between heartbeats and looks at the leader's lock
# A process that has not beaten for this long is taken for dead.
ALIVE_FOR = timedelta(seconds=15)
# What keeps a beat from being written: the database, or no answer in time.
_MISSED: tuple[type[Exception], ...] = (*ERRORS, TimeoutError)


def wall_clock() -> datetime:
    """Heartbeats are about processes, not about the strategy's time: the machine's clock."""
    return datetime.now(UTC)


class Instance:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._leading = not db.shared
        self._led = asyncio.Event()
        if self._leading:
            self._led.set()
        self._task: asyncio.Task[None] | None = None
        # What this process does when another takes the lead from it (a poller stops: Telegram
        # gives updates to one poller only).
        self.on_lost_lead: Callable[[], None] | None = None

    @property
    def leading(self) -> bool:
        return self._leading

    def alive_since(self) -> datetime:
        """Processes that beat after this are alive."""
        return wall_clock() - ALIVE_FOR

    def in_flight_of(self) -> datetime | None:
        """Whose messages in flight the leader releases: those of processes that beat last
        before this (None: all of them, on a database of one process, whose last run is over)."""
        return self.alive_since() if self.db.shared else None

    def others_may_hold(self, released_at: float) -> bool:
        """Whether to look again for messages a process that died after the last look had in
        flight: every ALIVE_FOR, on a database several processes share."""
        return self.db.shared and time.monotonic() - released_at >= ALIVE_FOR.total_seconds()

    async def start(self) -> None:
        """Beat once (on SQLite, forget whoever ran before), then keep beating."""
        async with self.db.transaction() as connection:
            await instances.beat(connection, self.id, wall_clock())
            if not self.db.shared:
                await instances.forget_others(connection, self.id)
        if self.db.shared:
            await self._look()
            self._task = asyncio.create_task(self._beating(), name="instance heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            async with self.db.transaction() as connection:
                await instances.leave(connection, self.id)
        except Exception as error:  # the database closed or gone: the heartbeat ages out
            logger.info("This instance's heartbeat stays until it ages out: %r", error)

    async def wait_to_lead(self) -> None:
        await self._led.wait()

    async def _beating(self) -> None:
        while True:
            await asyncio.sleep(BEAT)
            try:
                # Single statements, each its own transaction: a beat never waits behind this
                # process's queue of writes (it would look dead to the others, who would take
                # over what it has in hand), nor for a connection that no longer answers.
                async with asyncio.timeout(BEAT), self.db.exclusive() as connection:
                    await instances.beat(connection, self.id, wall_clock())
                    if self._leading:
                        await instances.forget_dead(connection, wall_clock() - 10 * ALIVE_FOR)
            except _MISSED as error:
                logger.warning("This instance's heartbeat was not written: %r", error)
            await self._look()

    async def _look(self) -> None:
        leading = await self.db.try_lead()
        if leading == self._leading:
            return
        self._leading = leading
        if leading:
            logger.info("This instance leads: it sends the outbox and runs the scheduled jobs")
            self._led.set()
        else:
            logger.warning("This instance no longer leads; another takes over")
            self._led.clear()
            if self.on_lost_lead is not None:
                self.on_lost_lead()
