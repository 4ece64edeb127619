"""Messages to many people: who is in an audience, putting a batch in the outbox, its progress
and cancelling it. The sending itself is bot/delivery's; what is due is always in the database."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from bot.clock import Clock
from bot.services.conversations import ConversationKind
from bot.strategy import Strategy
from storage import conversations, coordinators, networks, outbox, people
from storage.coordinators import AuditAction
from storage.database import Connection, Database
from storage.outbox import Batch, Counts, Item

# Tries before a message that keeps meeting network errors or 5xx fails for good: with the
# backoff below, about half an hour, so an outage of Telegram's loses nothing owed.
MAX_ATTEMPTS = 30
ALL, AMBASSADORS = "all", "amb"
# Ambassadors consented by signing up; anyone else by saying yes to newsletters and invitations.
_CONSENTED = (
    " AND (p.news_consent = 1 OR EXISTS (SELECT 1 FROM ambassadors c"
    " WHERE c.user_id = p.user_id AND c.status = 'active'))"
)


class Reach(enum.StrEnum):
    """What a batch is, which decides who of an audience may get it."""

    ANNOUNCEMENT = "announcement"  # a broadcast: everyone in the audience
    INVITATION = "invitation"  # events and calls: only those who consented
    NEWSLETTER = "newsletter"  # the same, less those who turned newsletters off


class Recipient(BaseModel):
    user_id: int
    language: str
    email: str | None = None
    email_token: str | None = None


class Outcome(BaseModel):
    """What happened to one item: sent, gone for good, or worth another try later."""

    # sent | failed | blocked: final; retry: not sent, try again; maybe: timed out after the
    # request left, so it may have arrived; paused: the bot itself is refused (its token);
    # held: for a Messenger person outside the 24-hour window, until they write again
    state: str
    error: str | None = None
    # seconds Telegram (429) or Meta asked us to wait; for 'held', how long it waits at most
    wait: float | None = None
    message_id: int | None = None  # the message Telegram made, when it was sent


class AlreadySent(Exception):
    """What the batch is for was sent (or cancelled) by someone else first."""


# (channel, the chat: a person's id or a group's negative id, e-mail address, what to send).
# A Telegram payload is {"text", "buttons", "photo", "voice"}; its "fallback" lists the items
# that go out instead when the chat is gone (the bot was removed from a group, or blocked).
OutboxItem = tuple[str, int | None, str | None, dict[str, Any]]
# Records, in the batch's transaction, what the batch is for; False: it was done already.
Claim = Callable[[Connection, int, datetime], Awaitable[bool]]
Result = TypeVar("Result")
# Renders, inside the transaction of a change, the messages the change owes people: they are
# stored with the change or not at all (handlers render; services decide when).
Notify = Callable[[Result], Awaitable[Sequence[OutboxItem]]]


def _next_step(item: Item, outcome: Outcome, now: datetime) -> tuple[str, datetime | None, bool]:
    """(final state, None) or ("pending", when to try again, whether it used up a try)."""
    if outcome.state == "paused":
        return "pending", now, False
    if outcome.state == "held":
        return "held", now + timedelta(seconds=outcome.wait or 0), False
    if outcome.state == "retry" and outcome.wait is not None:
        return "pending", now + timedelta(seconds=outcome.wait), False
    if outcome.state == "maybe" and item.timeouts >= 1:
        return "maybe_sent", None, False
    if outcome.state in {"retry", "maybe"}:
        if item.attempts >= MAX_ATTEMPTS:
            may_have_arrived = outcome.state == "maybe" or item.timeouts > 0
            return ("maybe_sent" if may_have_arrived else "failed"), None, False
        return "pending", now + backoff(item.attempts), True
    return outcome.state, None, False


def backoff(attempts: int) -> timedelta:
    """2, 4, 8, 16 … seconds, at most a minute, between tries after a network error or a 5xx."""
    return timedelta(seconds=min(2**attempts, 60))


class DeliveryService:
    def __init__(self, db: Database, clock: Clock, strategy: Strategy) -> None:
        self._db = db
        self._clock = clock
        self._strategy = strategy
        # Set when something is put in the outbox, so the sender does not wait for its next look.
        self.wake = asyncio.Event()

    # -- audiences ---------------------------------------------------------------------------

    def valid_audience(self, audience: str) -> bool:
        if audience in {ALL, AMBASSADORS}:
            return True
        kind, _, code = audience.partition("-")
        if kind == "kind":
            return code in {k.code for k in self._strategy.ambassador_kinds}
        return kind == "topic" and code in {t.code for t in self._strategy.topics}

    async def recipients(self, audience: str, reach: Reach = Reach.ANNOUNCEMENT) -> list[Recipient]:
        """Everyone in the audience the bot can reach in Telegram (not blocked; for an
        invitation or a newsletter, consented; for a newsletter, not opted out). Ambassadors
        means active ones."""
        sql, params = self._audience_sql(audience, reach)
        sql = (
            "SELECT p.user_id, p.language FROM people p "
            + sql
            + " AND p.blocked_at IS NULL"
            + (" AND p.newsletter_off = 0" if reach is Reach.NEWSLETTER else "")
            + " ORDER BY p.user_id"
        )
        return [
            Recipient.model_validate(dict(row)) for row in await self._db.fetch_all(sql, params)
        ]

    async def includes(self, audience: str, user_id: int, reach: Reach) -> bool:
        """Whether the audience takes in this person (blocked or not: they may come back)."""
        sql, params = self._audience_sql(audience, reach)
        row = await self._db.fetch_one(
            "SELECT 1 FROM people p " + sql + " AND p.user_id = ? LIMIT 1", (*params, user_id)
        )
        return row is not None

    async def email_recipients(self, audience: str) -> list[Recipient]:
        """Ambassadors in the audience who gave an e-mail and want the newsletter by e-mail."""
        sql, params = self._audience_sql(
            AMBASSADORS if audience == ALL else audience, Reach.NEWSLETTER
        )
        sql = (
            "SELECT p.user_id, p.language, a.email, a.email_token FROM people p "
            + sql
            + " AND a.email IS NOT NULL AND a.newsletter_by_email = 1 ORDER BY p.user_id"
        )
        return [
            Recipient.model_validate(dict(row)) for row in await self._db.fetch_all(sql, params)
        ]

    def _audience_sql(self, audience: str, reach: Reach) -> tuple[str, tuple[Any, ...]]:
        if not self.valid_audience(audience):
            raise ValueError(f"unknown audience {audience!r}")
        if audience == ALL:
            return "WHERE 1 = 1" + ("" if reach is Reach.ANNOUNCEMENT else _CONSENTED), ()
        join = "JOIN ambassadors a ON a.user_id = p.user_id "
        kind, _, code = audience.partition("-")
        if kind == "kind":
            return join + "WHERE a.status = 'active' AND a.kind = ?", (code,)
        if kind == "topic":
            return (
                join + "JOIN ambassador_topics t ON t.user_id = p.user_id "
                "WHERE a.status = 'active' AND t.code = ?",
                (code,),
            )
        return join + "WHERE a.status = 'active'", ()

    # -- messages owed by a change -------------------------------------------------------------

    async def owe(self, connection: Connection, items: Sequence[OutboxItem]) -> None:
        """Put what a change owes people in the outbox, in the change's own transaction."""
        if items:
            await outbox.enqueue(connection, None, items, self._clock())
            # The sender's claim waits for this transaction, so waking it now is safe.
            self.wake.set()

    # -- batches -----------------------------------------------------------------------------

    async def start_batch(
        self,
        kind: str,
        created_by: int | None,
        audience: str,
        items: Sequence[OutboxItem],
        claim: Claim | None = None,
        draft_of: ConversationKind | None = None,
        report: OutboxItem | None = None,
        audit: AuditAction | None = None,
    ) -> int | None:
        """Put every message of a broadcast, newsletter, invitation or reminder in the outbox,
        in one transaction. What caused it is recorded in the same one (`claim`: a newsletter
        marked sent, reminders marked sent; False when someone else was first), the writer's
        draft of that kind (`draft_of`) ends in it (gone already: a second tap, nothing is
        sent), and the message that will show its progress (`report`) goes first: neither a
        crash nor a second tap sends twice, and no batch is left without its summary. `audit`
        names the writer's action for the audit log, recorded with the batch's number."""
        now = self._clock()
        try:
            async with self._db.transaction() as connection:
                batch_id = await outbox.add_batch(connection, kind, created_by, audience, now)
                if report is not None:  # the message in the writer's chat that shows progress
                    channel, chat, address, payload = report
                    shown = (channel, chat, address, {**payload, "report_of": batch_id})
                    await outbox.enqueue(connection, None, [shown], now)
                await outbox.enqueue(connection, batch_id, items, now)
                ended = draft_of is None or (
                    created_by is not None
                    and await conversations.delete(connection, created_by, draft_of)
                )
                if not ended or (claim is not None and not await claim(connection, batch_id, now)):
                    raise AlreadySent
                if audit is not None and created_by is not None:
                    await coordinators.audit(connection, created_by, audit, str(batch_id), now)
        except AlreadySent:
            return None
        self.wake.set()
        return batch_id

    async def batch(self, batch_id: int) -> Batch | None:
        return await outbox.batch(self._db, batch_id)

    async def counts(self, batch_id: int) -> Counts:
        return await outbox.counts(self._db, batch_id)

    async def cancel(self, batch_id: int) -> int:
        """Stop a batch: what has not been sent yet never will be. Returns how many stopped."""
        async with self._db.transaction() as connection:
            return await outbox.cancel(connection, batch_id, self._clock())

    async def finish(self, batch_id: int, summary: Notify[Counts]) -> bool:
        """Once, when the batch has nothing left: marked finished in the transaction that owes
        its writer the summary. True when this call did it."""
        async with self._db.transaction() as connection:
            counts = await outbox.counts(self._db, batch_id)
            if not counts.done or not await outbox.mark_finished(
                connection, batch_id, self._clock()
            ):
                return False
            await self.owe(connection, await summary(counts))
        return True

    # -- for the sender ----------------------------------------------------------------------

    async def release_held(self, user_id: int) -> int:
        """A Messenger person wrote, so their 24-hour window is open: what was held for them
        goes out now, in the order it was owed."""
        async with self._db.transaction() as connection:
            released = await outbox.release_held(connection, user_id, self._clock())
        if released:
            self.wake.set()
        return released

    async def expire_held(self) -> int:
        """What was held for a Messenger person who did not write again in time is not sent."""
        async with self._db.transaction() as connection:
            return await outbox.expire_held(connection, self._clock())

    async def release_in_flight(self, alive_since: datetime | None = None) -> int:
        """What was in flight when its sender stopped (all of it, or, with `alive_since`, what
        processes no longer alive had) is due again."""
        async with self._db.transaction() as connection:
            return await outbox.release_in_flight(connection, alive_since)

    async def claim(self, resting: Collection[int] = (), by: str | None = None) -> Item | None:
        """The next item to send, passing by the Telegram chats that `resting` names."""
        # One statement is its own transaction: the sender's hot path stays short.
        async with self._db.exclusive() as connection:
            return await outbox.claim(connection, self._clock(), resting, by)

    async def peek(self) -> Item | None:
        """The item that comes next, left where it is: only claimed right before it is sent,
        so 'sending' in the database always means a request may have left."""
        return await outbox.peek(self._db, self._clock())

    async def settle(self, item: Item, outcome: Outcome) -> None:
        """Record what happened: sent, blocked and failed are final; a retry waits for its turn
        (what Telegram asked for after a 429, else a growing backoff) up to MAX_ATTEMPTS. A
        send that may have arrived (`maybe`) is tried once more at most, then it is 'maybe_sent':
        no message goes out more than twice. A paused item waits without using up a try."""
        now = self._clock()
        state, when, tries = _next_step(item, outcome, now)
        gone = outcome.state == "blocked" and item.channel == "telegram" and item.user_id
        timed_out = outcome.state == "maybe"
        shows = item.payload.get("report_of") if outcome.message_id is not None else None
        # Several writes (the item, the person or group, a fallback, its timeouts) need a
        # transaction; one is its own.
        scope = self._db.transaction() if gone or timed_out or shows else self._db.exclusive()
        async with scope as connection:
            if timed_out:
                await outbox.count_timeout(connection, item.id)
            if state == "held":
                assert when is not None
                await outbox.hold(connection, item.id, when, outcome.error)
            elif when is None:
                await outbox.finish(connection, item.id, state, now, outcome.error)
            else:
                await outbox.retry_at(connection, item.id, when, outcome.error, tries=tries)
            if gone and item.user_id:
                await self._gone(connection, item, now)
            if shows:
                assert item.user_id is not None
                assert outcome.message_id is not None
                await outbox.set_report(connection, shows, item.user_id, outcome.message_id)

    async def _gone(self, connection: Connection, item: Item, now: datetime) -> None:
        """The chat cannot be reached: a person blocked the bot, or the bot is out of a group
        (its network then works privately); what was meant for it goes to its fallback."""
        assert item.user_id is not None
        if item.user_id > 0:
            await people.mark_blocked(connection, item.user_id, now)
        else:
            await networks.forget_chat(connection, item.user_id)
        fallback: list[OutboxItem] = [
            (channel, chat, address, payload)
            for channel, chat, address, payload in item.payload.get("fallback", [])
        ]
        await outbox.enqueue(connection, item.batch_id, fallback, now)

    async def chat_moved(self, old: int, new: int) -> None:
        """A group the outbox wrote to became a supergroup: its network follows it."""
        async with self._db.transaction() as connection:
            await networks.move_chat(connection, old, new)

    async def seconds_to_next(self) -> float | None:
        due = await outbox.next_due(self._db)
        return None if due is None else max((due - self._clock()).total_seconds(), 0.0)
