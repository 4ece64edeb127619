"""The sender: drains the outbox one message at a time.

Of the processes sharing a database, only the leader sends (bot/instances.py); the others wait
to take over. One message in flight at a time is what makes the guarantee simple: an item is
marked as in flight before it is sent and as sent right after, each in its own transaction, so
after a crash at most that one item can be sent again. A send that timed out after the request
left may have arrived too: it is counted on the item and tried once more at most, so no message
goes out more than twice. When recording an outcome fails (the database locked by another
process), the outcome is kept and recorded before anything else is sent.

The pace is the token's: every send takes a slot in the `Budget` it shares with the interactive
replies (at most BOLDEN_DELIVERY_RATE messages a second together, a fifth of them kept for the
replies, 20 a minute to a group), and one per BOLDEN_DELIVERY_CHAT_INTERVAL goes to a chat.
A 429 pauses the whole budget for as long as Telegram asked, replies too; the outbox does not
sleep through it inside the call but reschedules the item in the database and goes on.

An item for a Messenger person (bot.channels.on_messenger) goes to Meta instead, at Messenger's
own pace and within its 24-hour window (bot/channels/messenger/delivery.py): outside it, what
no tag allows is held until the person writes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels import on_messenger
from bot.channels.messenger.delivery import MessengerOut
from bot.delivery.budget import Budget
from bot.delivery.email import Mailer
from bot.delivery.limiter import seconds
from bot.instances import Instance
from bot.services.delivery import DeliveryService, Outcome
from storage.outbox import Item

logger = logging.getLogger(__name__)

IDLE_MIN = 0.01  # seconds: never look again at once when nothing could be taken
IDLE_LOOK = 1.0  # seconds between looks at the database while a retry is waiting
STOP_WAIT = 10.0
MAX_GROUP_WAIT = 60.0  # a group's minute is full of sends still in flight: look again then


def keyboard(rows: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row] for row in rows]
    )


class Sender:
    def __init__(
        self,
        delivery: DeliveryService,
        bot: Bot,
        mailer: Mailer | None,
        budget: Budget,
        chat_interval: float,
        report_every: float,
        on_batch: Callable[[int], Awaitable[None]],
        instance: Instance,
        messenger: MessengerOut | None = None,
    ) -> None:
        self._delivery = delivery
        self._instance = instance
        self._messenger = messenger
        self._bot = bot
        self._mailer = mailer
        self._budget = budget
        self._chat_interval = chat_interval
        self._on_batch = on_batch
        self._report_every = report_every
        self._reported: dict[int, float] = {}
        self._last_to_chat: dict[int, float] = {}
        self._stopping = False
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._recovered = False
        self._released_at = 0.0
        self._owed: tuple[Item, Outcome] | None = None  # sent (or tried), not yet recorded
        self._failures = Backoff(first=0.5, cap=30.0)
        self._pauses = Backoff(first=1.0, cap=60.0)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox sender")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Finish the message in flight, then stop."""
        self._stopping = True
        self._stop.set()
        self._delivery.wake.set()
        if self._task is not None and not self._task.done():
            try:
                await asyncio.wait_for(self._task, STOP_WAIT)
            except TimeoutError:
                logger.warning("The outbox sender did not stop in time; its item is sent again")

    async def _run(self) -> None:
        """Send until stopped. Whatever fails (the database locked by another process, a bug)
        is logged with its traceback and tried again after a growing pause: the sender never
        dies, and what it holds stays 'sending' in the database, released at the next start."""
        while not self._stopping:
            try:
                await self._step()
            except Exception:
                wait = self._failures.next()
                logger.exception("The outbox sender failed; it tries again in %.1f s", wait)
                await self._rest(wait)
            else:
                self._failures.reset()
        await self._wind_down()

    async def _step(self) -> None:
        if not self._instance.leading:
            # Another process on the database sends; if it dies, this one may take over, and
            # then begins by releasing what that one had in flight.
            self._recovered = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._instance.wait_to_lead(), IDLE_LOOK)
            return
        if not self._recovered or self._instance.others_may_hold(self._released_at):
            released = await self._delivery.release_in_flight(self._instance.in_flight_of())
            self._recovered, self._released_at = True, time.monotonic()
            if released:
                logger.info("Resuming the outbox: %s message in flight at the last stop", released)
        # An outcome that could not be recorded is recorded before anything else is sent.
        await self._settle_owed()
        self._delivery.wake.clear()
        item = await self._delivery.claim(self._resting(), self._instance.id)
        if item is None:
            await self._idle()
            return
        sending = asyncio.create_task(self._guarded(item))
        # While this one travels, look at what comes next (only to know whether a batch may be
        # done); it is claimed when its turn comes, so a crash can repeat only this one.
        try:
            following = await self._delivery.peek()
        finally:
            self._owed = (item, await sending)
        outcome = self._owed[1]
        await self._settle_owed()
        if item.channel == "email" and (following is None or following.channel != "email"):
            await self._close_mail()  # one connection carries the e-mails that follow each other
        await self._pause_or_resume(outcome)
        # A batch's progress message, once shown, is where the batch reports from then on.
        await self._progress(item.batch_id or item.payload.get("report_of"), following)

    async def _settle_owed(self) -> None:
        if self._owed is not None:
            await self._delivery.settle(*self._owed)
            self._owed = None

    async def _pause_or_resume(self, outcome: Outcome) -> None:
        """The bot's token refused (401/404): nothing can be sent, so the whole outbox waits
        and looks again later, with one line in the log, instead of failing every item."""
        if outcome.state == "paused":
            wait = self._pauses.next()
            if self._pauses.count == 1:
                logger.error(
                    "The Bot API refuses the bot's token (%s): the outbox is paused and looks "
                    "again every %.0f s at most",
                    outcome.error,
                    self._pauses.cap,
                )
            await self._rest(wait)
        elif outcome.state != "retry" and self._pauses.count:
            logger.warning("The Bot API accepts the bot's token again: the outbox resumes")
            self._pauses.reset()

    async def _wind_down(self) -> None:
        try:
            await self._settle_owed()
        except Exception:
            logger.exception("The outbox sender stopped holding items; the next start sends them")
        await self._close_mail()

    async def _close_mail(self) -> None:
        if self._mailer is not None:
            await self._mailer.close()

    async def _rest(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _progress(self, batch_id: int | None, following: Item | None) -> None:
        """Tell the batch's coordinator how it goes: every few seconds, and when the batch may
        be done (the next item is of another batch, or there is none)."""
        if batch_id is None:
            return
        now = time.monotonic()
        maybe_done = following is None or following.batch_id != batch_id
        if maybe_done or now - self._reported.get(batch_id, 0.0) >= self._report_every:
            self._reported[batch_id] = now
            if maybe_done:
                del self._reported[batch_id]
            try:
                await self._on_batch(batch_id)
            except Exception:  # a progress message is not worth stopping the sending for
                logger.exception("The progress of batch %s could not be shown", batch_id)

    async def _guarded(self, item: Item) -> Outcome:
        try:
            return await self._send(item)
        except Exception:  # a bug must not stop every later message
            logger.exception("Outbox item %s could not be sent", item.id)
            return Outcome(state="failed", error="internal error")

    def _resting(self) -> dict[int, float]:
        """Chats that got a message less than BOLDEN_DELIVERY_CHAT_INTERVAL ago, and the
        seconds until each may get the next: the claim passes them by, so their next message
        waits in the queue, in its order, without being taken and put back."""
        now = time.monotonic()
        ready = {c: t + self._chat_interval - now for c, t in self._last_to_chat.items()}
        resting = {chat: wait for chat, wait in ready.items() if wait > 0}
        # Only the chats that still rest are worth remembering.
        self._last_to_chat = {c: t for c, t in self._last_to_chat.items() if c in resting}
        return resting

    async def _idle(self) -> None:
        if self._stopping:  # stop() may have set `wake` before this step cleared it
            return
        wait = await self._delivery.seconds_to_next()
        resting = self._resting()
        if wait == 0 and resting:  # what is due is for chats that rest: until the first is ready
            wait = min(resting.values())
        timeout = 60.0 if wait is None else min(max(wait, IDLE_MIN), IDLE_LOOK)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._delivery.wake.wait(), timeout)

    async def _send(self, item: Item) -> Outcome:
        if item.channel == "email":
            if self._mailer is None or item.address is None:
                return Outcome(state="failed", error="e-mail is not configured")
            return await self._mailer.send(item.address, item.payload)
        assert item.user_id is not None
        ready = self._last_to_chat.get(item.user_id, -1e9) + self._chat_interval
        group = self._budget.group_wait(item.user_id, self._budget.clock())
        wait = max(ready - time.monotonic(), min(group, MAX_GROUP_WAIT))
        if wait > 0:
            return Outcome(state="retry", wait=wait)
        if on_messenger(item.user_id):
            if self._messenger is None:
                return Outcome(state="failed", error="Messenger is not configured")
            self._remember(item.user_id)
            return await self._messenger.owed(item.user_id, item.payload)
        async with self._budget.slot(item.user_id, outbox=True):
            self._remember(item.user_id)
            return await self._telegram(item.user_id, item.payload)

    def _remember(self, chat_id: int) -> None:
        """When each chat last got a message (`_resting` forgets those that rest no more)."""
        self._last_to_chat[chat_id] = time.monotonic()

    async def _telegram(
        self, chat_id: int, payload: dict[str, Any], moved: bool = False
    ) -> Outcome:
        try:
            message_id = await self._deliver(chat_id, payload)
        except ChatMigrated as error:
            # The group became a supergroup: its network follows it, and the message goes there.
            await self._delivery.chat_moved(chat_id, error.new_chat_id)
            if moved:
                return Outcome(state="failed", error=error.message)
            return await self._telegram(error.new_chat_id, payload, moved=True)
        except TimedOut as error:
            if isinstance(error.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout):
                return Outcome(state="retry", error=error.message)  # it never left
            return Outcome(state="maybe", error=error.message)  # it left: it may have arrived
        except RetryAfter as error:
            wait = seconds(error.retry_after)
            self._budget.pause(wait, self._budget.clock())  # Telegram said stop: everyone waits
            return Outcome(state="retry", wait=wait, error="429")
        except Forbidden as error:
            return Outcome(state="blocked", error=error.message)
        except InvalidToken as error:
            return Outcome(state="paused", error=error.message)
        except BadRequest as error:
            # "Chat not found": the group is gone, or the person never wrote to the bot.
            gone = "chat not found" in error.message.lower()
            return Outcome(state="blocked" if gone else "failed", error=error.message)
        except NetworkError as error:  # no connection, a timeout, a 5xx
            return Outcome(state="retry", error=error.message)
        except TelegramError as error:
            return Outcome(state="failed", error=error.message)
        return Outcome(state="sent", message_id=message_id)

    async def _deliver(self, chat_id: int, payload: dict[str, Any]) -> int | None:
        """A message, a photo or a voice note (the text its caption), or an edit of a message
        shown before; the id of a new message."""
        markup = keyboard(payload.get("buttons"))
        if payload.get("edit"):
            try:
                await self._bot.edit_message_text(
                    payload["text"],
                    chat_id,
                    payload["edit"],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            except BadRequest as error:
                if not _not_modified(error):  # the same text again: it is shown, that is enough
                    raise
            return None
        if payload.get("voice"):
            sent = await self._bot.send_voice(
                chat_id,
                payload["voice"],
                caption=payload.get("text"),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        elif payload.get("photo"):
            sent = await self._bot.send_photo(
                chat_id,
                payload["photo"],
                caption=payload.get("text"),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        else:
            sent = await self._bot.send_message(
                chat_id, payload["text"], parse_mode=ParseMode.HTML, reply_markup=markup
            )
        return sent.message_id


def _not_modified(error: BadRequest) -> bool:
    return error.message.startswith("Message is not modified")


class Backoff:
    """Waits that double after each failure, up to a cap, and start over after a success."""

    def __init__(self, first: float, cap: float) -> None:
        self.first, self.cap, self.count = first, cap, 0

    def next(self) -> float:
        self.count += 1
        return float(min(self.first * 2 ** (self.count - 1), self.cap))

    def reset(self) -> None:
        self.count = 0
