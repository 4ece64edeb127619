"""One rate budget per bot token, shared by the interactive replies and the outbox.

Telegram counts a token's messages whoever sends them: about 30 a second in all, 20 a minute in
one group chat, and after a 429 it wants the whole bot to wait. So the Application's rate limiter
(`bot.delivery.limiter`) and the outbox sender ask the same `Budget` before every send.

A send holds its slot from the moment it starts until its answer has come back, and only then
does the slot's second begin: however long the request travelled, Telegram cannot have seen more
than `rate` of them in any second. Replies come first: the outbox leaves a fifth of the window
to them and takes no slot while a reply waits for one: a broadcast hardly delays an answer.

The rules take the time as a parameter (`now`), so tests need no clock and no sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Callable

GROUP_PER_MINUTE = 20
# Of the window, what the outbox leaves to replies: room for a burst of people typing at once
# (bench/replies.py: with a tenth, the 95th percentile of replies during a broadcast was 4 times
# that of a fifth, when 20 people typed).
REPLY_SHARE = 0.2
_MANY_GROUPS = 512  # past this many group windows, the empty ones are forgotten

# Methods that put a message in a chat or change one; the others (getUpdates, getMe,
# answerCallbackQuery, getFile, setMyCommands, sendChatAction …) are not counted.
_COUNTED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage", "stopPoll")
_NOT_COUNTED = frozenset({"sendChatAction"})

ChatId = int | str


def counted(endpoint: str) -> bool:
    """Whether a Bot API method is a message that Telegram's limits count."""
    return endpoint.startswith(_COUNTED_PREFIXES) and endpoint not in _NOT_COUNTED


def is_group(chat_id: object) -> bool:
    """Groups and channels have negative ids (or an @username); people have positive ones."""
    return isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)


class Slot:
    """One send counted in the budget: in flight until `ended` is set."""

    __slots__ = ("ended",)

    def __init__(self) -> None:
        self.ended: float | None = None


class Window:
    """The sends of the last `period` seconds, the ones still in flight included."""

    def __init__(self, period: float) -> None:
        self.period = period
        self.slots: list[Slot] = []

    def _forget(self, now: float) -> None:
        self.slots = [s for s in self.slots if s.ended is None or s.ended + self.period > now]

    def wait(self, now: float, limit: int) -> float:
        """Seconds until fewer than `limit` sends are in the window; inf while too many of them
        are still in flight (one of them ending is the next change)."""
        self._forget(now)
        surplus = len(self.slots) - limit + 1
        if surplus <= 0:
            return 0.0
        ends = sorted(s.ended for s in self.slots if s.ended is not None)
        if len(ends) < surplus:
            return math.inf
        return ends[surplus - 1] + self.period - now


class Budget:
    def __init__(
        self,
        rate: float,
        *,
        group_per_minute: int = GROUP_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = max(int(rate), 1)
        self.outbox_limit = max(self.limit - max(round(self.limit * REPLY_SHARE), 1), 1)
        self.group_limit = group_per_minute
        self.clock = clock
        self.paused_until = -math.inf
        self.replies_waiting = 0
        self._all = Window(1.0)
        self._groups: dict[ChatId, Window] = {}
        self._changed = asyncio.Event()

    # -- the rules, at a given time ------------------------------------------------------------

    def wait(self, chat_id: ChatId | None, *, outbox: bool, now: float) -> float:
        """Seconds until a send to `chat_id` may start (0: now; inf: when something changes)."""
        waits = [self.paused_until - now]
        if outbox and self.replies_waiting:
            waits.append(math.inf)
        waits.append(self._all.wait(now, self.outbox_limit if outbox else self.limit))
        waits.append(self.group_wait(chat_id, now))
        return max(0.0, *waits)

    def group_wait(self, chat_id: ChatId | None, now: float) -> float:
        """Seconds until the group chat's minute has room (0 for a person's chat)."""
        if chat_id is None or not is_group(chat_id):
            return 0.0
        window = self._groups.get(chat_id)
        return 0.0 if window is None else window.wait(now, self.group_limit)

    def take(self, chat_id: ChatId | None) -> Slot:
        slot = Slot()
        self._all.slots.append(slot)
        if chat_id is not None and is_group(chat_id):
            if len(self._groups) > _MANY_GROUPS:
                self._groups = {key: w for key, w in self._groups.items() if w.slots}
            self._groups.setdefault(chat_id, Window(60.0)).slots.append(slot)
        return slot

    def done(self, slot: Slot, now: float) -> None:
        """The send's answer came back: its period starts now."""
        slot.ended = now
        self._notify()

    def pause(self, seconds: float, now: float) -> None:
        """Telegram answered 429: nobody sends before it said."""
        self.paused_until = max(self.paused_until, now + seconds)
        self._notify()

    # -- waiting for them ----------------------------------------------------------------------

    async def acquire(self, chat_id: ChatId | None, *, outbox: bool = False) -> Slot:
        """Wait until the rules allow a send, and count it."""
        if not outbox:
            self.replies_waiting += 1
        try:
            while (wait := self.wait(chat_id, outbox=outbox, now=self.clock())) > 0:
                await self._changes(wait)
            return self.take(chat_id)
        finally:
            if not outbox:
                self.replies_waiting -= 1
                self._notify()  # the outbox may go on

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: ChatId | None, *, outbox: bool = False) -> AsyncIterator[None]:
        """Hold a slot for one send, from its start until its answer."""
        taken = await self.acquire(chat_id, outbox=outbox)
        try:
            yield
        finally:
            self.done(taken, self.clock())

    async def resumed(self) -> None:
        """Return once a pause that Telegram asked for is over."""
        while (wait := self.paused_until - self.clock()) > 0:
            await self._changes(wait)

    async def _changes(self, seconds: float) -> None:
        """Sleep `seconds` (inf: no limit) or until a slot or a pause changes."""
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), None if math.isinf(seconds) else seconds)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
