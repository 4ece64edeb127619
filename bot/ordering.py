"""Updates are handled concurrently, so one slow update (a big export, Telegram taking its
time) never makes everyone else wait; but one person's updates run one after another, in the
order they came, so a quick second tap or a typed answer never overtakes the step before it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_AT_ONCE = 256  # updates running at once
# PTB takes a slot of its own semaphore before an update waits for its person's turn; that
# bound is set so high that one person's burst waiting for its turn never holds the slots
# others need. What runs at once is bounded by MAX_AT_ONCE, taken once it is the update's turn.
_WAITING_AT_MOST = 1_000_000


def _person(update: object) -> int | None:
    """Whose turn it is: the person (also in a group, where members act independently), else
    the chat; None for updates that belong to no one."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None


class InOrderPerPerson(BaseUpdateProcessor):
    def __init__(self, running_at_once: int = MAX_AT_ONCE) -> None:
        super().__init__(_WAITING_AT_MOST)
        self._running = asyncio.BoundedSemaphore(running_at_once)
        self._turns: dict[int, asyncio.Lock] = {}
        self._queued: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        person = _person(update)
        if person is None:
            async with self._running:
                await coroutine
            return
        # asyncio.Lock wakes waiters first come, first served: the order updates arrived in.
        turn = self._turns.setdefault(person, asyncio.Lock())
        self._queued[person] = self._queued.get(person, 0) + 1
        try:
            async with turn, self._running:
                await coroutine
        finally:
            self._queued[person] -= 1
            if not self._queued[person]:
                del self._queued[person], self._turns[person]

    async def initialize(self) -> None:
        """Nothing to set up: the locks come and go with the people who are waiting."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the updates in progress before it calls this."""
