"""Events and ad hoc calls: answers with a waiting list, reminders, check-in, rosters, figures.

What is due (publishing, reminders, a call's deadline) is always read from the database, and
what a job sends is marked in the same transaction as the outbox items it writes.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.conversations import ConversationKind, Conversations
from bot.services.delivery import ALL, Claim, DeliveryService, Notify, Reach
from bot.services.exports import csv_bytes, local_time, username
from bot.services.networks import Added
from bot.strategy import Strategy
from storage import coordinators, events, networks, people
from storage.coordinators import AuditAction
from storage.database import Connection, Database
from storage.events import CALL, Answer, Event

CHECKIN_OPENS = timedelta(hours=1)  # before the start; check-in closes at the end
DEFAULT_LENGTH = timedelta(hours=2)  # when no end is given
ROLL_HEADER = ("name", "telegram", "answer", "answered", "checked_in")
ALERTS = (100, 80)  # shares of the seats coordinators hear of
LINK = "ev"  # the deep link of a public event: ev-<id> (bot/channels/links.py)


class Choice(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class Problem(StrEnum):
    NOT_FOUND = "not_found"
    CANCELLED = "cancelled"
    OVER = "over"  # it has ended
    STARTED = "started"
    CLOSED = "closed"
    FULL = "full"
    ALREADY = "already"
    NOBODY = "nobody"
    NOT_INVITED = "not_invited"  # the press came from someone the event was not for
    PASSED = "passed"  # a reminder whose time has gone


class CheckIn(StrEnum):
    """What scanning the code at the door did."""

    DONE = "done"
    ALREADY = "already"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    NOT_INVITED = "not_invited"


class Answered(BaseModel):
    event: Event | None = None
    answer: str | None = None  # yes, maybe, no, or waiting
    position: int | None = None  # on the waiting list
    promoted: list[int] = []  # moved from the waiting list to a seat
    alert: int | None = None  # a share of the seats just reached
    problem: Problem | None = None


class Coming(BaseModel):
    """An event and some of those who answered: those coming (a change, a cancellation) or a
    call's team (its roster)."""

    event: Event
    people: list[Answer]
    promoted: list[int] = []  # moved from the waiting list to a seat by the change


class _Already(Exception):
    """Someone else did it a moment before: roll back, change nothing."""


class Year(BaseModel):
    year: int
    by_kind: dict[str, int]
    attended: int


def values_from(a: dict[str, Any]) -> dict[str, Any]:
    """An event's stored values from a finished draft's answers."""
    starts = datetime.fromisoformat(a["start"])
    ends = datetime.fromisoformat(a["end"]) if a.get("end") else starts + DEFAULT_LENGTH
    return {
        "kind": a.get("event_kind") or CALL,
        "title": a["title"],
        "description": a["html"],
        "starts_at": starts,
        "ends_at": ends,
        "place": a["place"],
        "latitude": a.get("latitude"),
        "longitude": a.get("longitude"),
        "capacity": a.get("capacity"),
        "deadline": datetime.fromisoformat(a["deadline"]) if a.get("deadline") else None,
        "audience": a["audience"],
        "checkin_open": bool(a.get("checkin_open")),
    }


def answers_from(event: Event) -> dict[str, Any]:
    """A draft's answers from a stored event, to change it."""
    return {
        "editing": event.id,
        "event_kind": None if event.is_call else event.kind,
        "title": event.title,
        "html": event.description,
        "plain": event.description,
        "start": event.starts_at.isoformat(),
        "end": event.ends_at.isoformat(),
        "place": event.place,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "capacity": event.capacity,
        "deadline": event.deadline.isoformat() if event.deadline else None,
        "audience": event.audience,
        "checkin_open": event.checkin_open,
        # Not yet sent: the change keeps its time, and the preview says so.
        "publish_at": event.publish_at.isoformat() if event.status == "scheduled" else None,
    }


def publish_limit(answers: dict[str, Any]) -> datetime:
    """When invitations must have gone out: before the start (a call's, before its deadline)."""
    values = values_from(answers)
    limit: datetime = values["deadline"] or values["starts_at"]
    return limit


def is_public(event: Event) -> bool:
    """Shown on the web and in its calendar feed: an event (not a call for helpers, which asks
    for hands by a deadline) whose audience is everyone, as anyone may say yes to invitations
    in the chat and then answer it, or open its own link (see `EventService.by_link_only`). An
    event for ambassadors, one kind or one theme is for those invited: the web shows neither it
    nor who was invited. One cancelled after it went out stays until its end, so that
    calendars subscribed to the feed take it away."""
    was_out = event.status == "published" or (
        event.status == "cancelled" and event.invitation_batch is not None
    )
    return event.audience == ALL and not event.is_call and was_out


def reminders_ahead(event: Event, at: datetime) -> list[int]:
    """The event's reminders (minutes before its start) whose time is still to come at `at`."""
    return [m for m in event.reminders if event.starts_at - timedelta(minutes=m) > at]


class EventService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        strategy: Strategy,
        conversations: Conversations,
        delivery: DeliveryService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._strategy = strategy
        self._conversations = conversations
        self._delivery = delivery

    # -- creating, changing, cancelling -------------------------------------------------------

    async def create(
        self, user_id: int, answers: dict[str, Any], publish_at: datetime | None
    ) -> Event:
        """Store a finished draft (see NewsletterService) as an event or call; the draft ends in
        the same transaction. Published by `publish` at `publish_at` (now when None)."""
        now = self._clock()
        values = values_from(answers)
        async with self._db.transaction() as connection:
            event_id = await events.insert(
                connection,
                {
                    **values,
                    "status": "scheduled",
                    "publish_at": publish_at or now,
                    "reminders": []
                    if values["kind"] == CALL
                    else self._strategy.events.reminder_minutes,
                    "created_by": user_id,
                    "created_at": now,
                    "checkin_code": secrets.token_urlsafe(8),
                },
            )
            await self._conversations.forget(connection, user_id, _draft_kind(values))
            action = AuditAction.CALL_CREATE if values["kind"] == CALL else AuditAction.EVENT_CREATE
            await coordinators.audit(connection, user_id, action, str(event_id), now)
        found = await events.get(self._db, event_id)
        assert found is not None
        return found

    async def change(
        self, user_id: int, event_id: int, answers: dict[str, Any], notify: Notify[Coming]
    ) -> Coming | None:
        """Change an event from a finished draft; seats added go to those who wait, and those
        coming (yes, maybe) are told, in the same transaction. None when it was cancelled
        first. Two coordinators changing it at once: the last change is the one kept."""
        current = await self.get(event_id)
        if current is None or current.status == "cancelled":
            return None
        async with self._db.transaction() as connection:
            values = values_from(answers)
            if not await events.update(connection, event_id, values, {"status": current.status}):
                return None
            await self._conversations.forget(connection, user_id, _draft_kind(values))
            await events.revise(connection, event_id, self._clock())
            action = AuditAction.CALL_CHANGE if current.is_call else AuditAction.EVENT_CHANGE
            await coordinators.audit(connection, user_id, action, str(event_id), self._clock())
            changed = await self.get(event_id)
            assert changed is not None
            return await self._tell(
                connection, event_id, notify, await self._promote(connection, changed)
            )

    async def cancel(self, actor: int, event_id: int, notify: Notify[Coming]) -> Coming | None:
        """Cancel an event and tell those coming, in one transaction; None if it was already."""
        current = await self.get(event_id)
        if current is None or current.status == "cancelled":
            return None
        async with self._db.transaction() as connection:
            cancelled = {"status": "cancelled"}
            if not await events.update(connection, event_id, cancelled, {"status": current.status}):
                return None
            await events.revise(connection, event_id, self._clock())
            action = AuditAction.CALL_CANCEL if current.is_call else AuditAction.EVENT_CANCEL
            await coordinators.audit(connection, actor, action, str(event_id), self._clock())
            return await self._tell(connection, event_id, notify)

    async def _tell(
        self,
        connection: Connection,
        event_id: int,
        notify: Notify[Coming],
        promoted: list[int] | None = None,
    ) -> Coming:
        event = await self.get(event_id)
        assert event is not None
        told = Coming(event=event, people=await self.coming(event_id), promoted=promoted or [])
        await self._delivery.owe(connection, await notify(told))
        return told

    def publish_claim(self, event_id: int) -> Claim:
        """Marks the event published in its invitations' transaction, once; remembers who it
        went to, and records the reminders whose time has already passed as skipped."""

        async def claim(connection: Connection, batch_id: int, now: datetime) -> bool:
            published = {"status": "published", "invitation_batch": batch_id}
            if not await events.update(connection, event_id, published, {"status": "scheduled"}):
                return False
            event = await self.get(event_id)
            assert event is not None
            passed = [m for m in event.reminders if m not in reminders_ahead(event, now)]
            await events.mark_reminded(connection, event_id, passed, now, skipped=True)
            return True

        return claim

    async def set_reminder(self, event_id: int, minutes: int, on: bool) -> Event | Problem:
        """A reminder on or off, as the press asked (what its button showed): a second press
        of the same button finds it so already. One whose time has passed cannot be turned
        on (it would go out late, or never: see `reminders_ahead`)."""
        current = await self.get(event_id)
        if (
            current is None
            or minutes not in self._strategy.events.reminder_minutes
            or current.is_call
        ):
            return Problem.NOT_FOUND
        if (minutes in current.reminders) is on:
            return Problem.ALREADY
        if on and current.starts_at - timedelta(minutes=minutes) <= self._clock():
            return Problem.PASSED
        chosen = sorted(set(current.reminders) ^ {minutes}, reverse=True)
        async with self._db.transaction() as connection:
            # Two taps at once: the second one finds the list changed and changes nothing.
            unchanged = {"reminders": current.reminders}
            if not await events.update(connection, event_id, {"reminders": chosen}, unchanged):
                return Problem.ALREADY
        changed = await self.get(event_id)
        return changed if changed is not None else Problem.NOT_FOUND

    # -- reading -------------------------------------------------------------------------------

    async def get(self, event_id: int) -> Event | None:
        return await events.get(self._db, event_id)

    async def upcoming(self) -> list[Event]:
        return await events.upcoming(self._db, self._clock())

    async def planned(self) -> list[Event]:
        """What coordinators see in /events: what is coming, also what is not yet sent."""
        return await events.upcoming(self._db, self._clock(), ("published", "scheduled"))

    async def public(self, cancelled: bool = False) -> list[Event]:
        """Public events still to come (see `is_public`); with `cancelled`, also those called
        off after they went out."""
        statuses = ("published", "cancelled") if cancelled else ("published",)
        return [e for e in await events.upcoming(self._db, self._clock(), statuses) if is_public(e)]

    async def public_earlier(self, limit: int) -> list[Event]:
        """The public events that ended last, the latest first."""
        now = self._clock()
        held = [e for e in await events.with_status(self._db, "published") if e.ends_at <= now]
        return [e for e in reversed(held) if is_public(e)][:limit]

    async def upcoming_for(self, user_id: int) -> list[Event]:
        """What is coming that this person was invited to, answered, opened the link of, or
        whose audience takes them in: the events they can answer."""
        return [
            event
            for event in await self.upcoming()
            if await self.answer_of(event.id, user_id) is not None
            or await self._invited(event, user_id)
        ]

    async def scheduled(self) -> list[Event]:
        return await events.with_status(self._db, "scheduled")

    async def seats_left(self, event: Event) -> int | None:
        """Seats not yet taken by a yes; None when there is no limit."""
        if event.capacity is None:
            return None
        taken = sum(1 for a in await self.answers(event.id) if a.answer == "yes")
        return max(event.capacity - taken, 0)

    async def answers(self, event_id: int) -> list[Answer]:
        return await events.answers(self._db, event_id)

    async def coming(self, event_id: int) -> list[Answer]:
        return [a for a in await self.answers(event_id) if a.answer in {"yes", "maybe"}]

    async def answer_of(self, event_id: int, user_id: int) -> str | None:
        return next((a.answer for a in await self.answers(event_id) if a.user_id == user_id), None)

    async def waiting_position(self, event_id: int, user_id: int) -> int | None:
        """1 for the first who waits; None for someone not waiting."""
        async with self._db.transaction() as connection:
            return await events.waiting_position(connection, event_id, user_id)

    async def tally(self, event_id: int) -> dict[str, int]:
        """How many answered each way (yes, maybe, no, waiting), and checked in at the door."""
        answers = [a.answer for a in await self.answers(event_id)]
        counts = {kind: answers.count(kind) for kind in ("yes", "maybe", "no", "waiting")}
        return {**counts, "checked_in": await self.checked_in(event_id)}

    # -- answering -----------------------------------------------------------------------------

    async def answer(
        self, event_id: int, user_id: int, name: str, choice: Choice, notify: Notify[Answered]
    ) -> Answered:
        """Yes, maybe or no, until the start (a call: until its deadline), from someone the
        event was sent to or is for. With a capacity, a yes beyond it waits (a call: is
        refused), and a seat given up goes to the first who waits. Coordinators hear when 80 %
        and 100 % of the seats are taken. Every decision is made by a write inside one
        transaction, and what it owes people (`notify`) is stored in it."""
        now = self._clock()
        async with self._db.transaction() as connection:
            event = await self.get(event_id)
            if event is not None and event.status == "cancelled":
                return Answered(event=event, problem=Problem.CANCELLED)
            if event is None or event.status != "published":
                return Answered(problem=Problem.NOT_FOUND)
            if now >= event.ends_at:
                return Answered(event=event, problem=Problem.OVER)
            if now >= event.starts_at:
                return Answered(event=event, problem=Problem.STARTED)
            if event.deadline and now >= event.deadline:
                return Answered(event=event, problem=Problem.CLOSED)
            previous = await events.answer_in(connection, event_id, user_id)
            if previous is None and not await self._invited(event, user_id):
                return Answered(event=event, problem=Problem.NOT_INVITED)
            answer = await self._write(connection, event, user_id, name, choice, previous, now)
            if answer is None:
                return Answered(event=event, problem=Problem.FULL)
            answered = Answered(
                event=event,
                answer=answer,
                position=await events.waiting_position(connection, event_id, user_id),
                promoted=await self._promote(connection, event),
                alert=await self._alert(connection, event),
            )
            await self._delivery.owe(connection, await notify(answered))
        return answered

    async def _invited(self, event: Event, user_id: int) -> bool:
        """Its invitation went to this person, its audience includes them now, or they opened
        its own link."""
        return await self._in_audience(event, user_id) or await self._linked(event, user_id)

    async def _in_audience(self, event: Event, user_id: int) -> bool:
        if await events.was_invited(self._db, event.id, user_id):
            return True
        return await self._delivery.includes(event.audience, user_id, Reach.INVITATION)

    async def _linked(self, event: Event, user_id: int) -> bool:
        return is_public(event) and await people.opened(self._db, user_id, LINK, str(event.id))

    async def by_link_only(self, event: Event, user_id: int) -> bool:
        """Whether this person may answer only because they opened the event's own link (from
        the web page): they said yes to no invitations, so their answer lets the bot write to
        them about this event alone (its reminders, a change, a cancellation), nothing else."""
        return await self._linked(event, user_id) and not await self._in_audience(event, user_id)

    async def through_link(self, event_id: int, user_id: int) -> Event | Problem:
        """The event its link names, to open and answer: one that went out and has not begun,
        public or already this person's. Any other is NOT_FOUND, not to tell what exists."""
        event = await self.get(event_id)
        if event is None or not (
            is_public(event)
            or (event.status == "published" and await self._invited(event, user_id))
        ):
            return Problem.NOT_FOUND
        now = self._clock()
        if event.status == "cancelled":
            return Problem.CANCELLED
        if now >= event.ends_at:
            return Problem.OVER
        if now >= event.starts_at:
            return Problem.STARTED
        return event

    async def _write(
        self,
        connection: Connection,
        event: Event,
        user_id: int,
        name: str,
        choice: Choice,
        previous: str | None,
        now: datetime,
    ) -> str | None:
        """Store the answer; a yes takes a seat only if the write finds one free. Returns what
        was stored (a yes beyond the seats: waiting), None for a full call."""
        if choice is not Choice.YES or event.capacity is None:
            if choice.value != previous:
                await events.set_answer(connection, event.id, user_id, name, choice.value, now)
            return choice.value
        if previous == "yes":
            return "yes"
        if await events.take_seat(connection, event.id, user_id, name, now, event.capacity):
            return "yes"
        if event.is_call:
            return None
        if previous != "waiting":  # one who waits already keeps their place
            await events.set_answer(connection, event.id, user_id, name, "waiting", now)
        return "waiting"

    async def _promote(self, connection: Connection, event: Event) -> list[int]:
        """Free seats go to those who wait, first come first served, each once."""
        promoted: list[int] = []
        if event.capacity is None or event.is_call:
            return promoted
        while (
            first := await events.promote_first(connection, event.id, event.capacity)
        ) is not None:
            promoted.append(first)
        return promoted

    async def _alert(self, connection: Connection, event: Event) -> int | None:
        """The highest share of the seats now taken that coordinators have not heard of; the
        write decides, so each level is told once however many answer at the same moment."""
        if event.capacity is None:
            return None
        share = 100 * await events.seats_taken(connection, event.id) // event.capacity
        reached = next((level for level in ALERTS if share >= level), None)
        if reached and await events.raise_alert(connection, event.id, reached):
            return reached
        return None

    # -- reminders, rosters, check-in ----------------------------------------------------------

    async def due_reminders(self) -> list[tuple[Event, list[Answer]]]:
        """(event, who to remind) for each event with a reminder due now: one message when
        several fell due together (a restart); none once the event has started."""
        now = self._clock()
        due = []
        for event in await events.upcoming(self._db, now):
            if now >= event.starts_at:
                continue
            sent = await events.reminded(self._db, event.id)
            ready = [
                m
                for m in event.reminders
                if m not in sent and now >= event.starts_at - timedelta(minutes=m)
            ]
            if ready:
                due.append((event, await self.coming(event.id)))
        return due

    def reminded_claim(self, event: Event) -> Claim:
        """Marks every reminder of the event that is due as sent, with the outbox items."""
        now = self._clock()
        offsets = [m for m in event.reminders if now >= event.starts_at - timedelta(minutes=m)]

        async def claim(connection: Connection, batch_id: int, at: datetime) -> bool:
            return await events.mark_reminded(connection, event.id, offsets, at) > 0

        return claim

    async def claim_rosters(self, notify: Notify[Coming]) -> list[Coming]:
        """Calls whose deadline has passed, with who is in: each claimed once, in the
        transaction that stores its roster for whoever invited."""
        now = self._clock()
        claimed = []
        for event in await events.upcoming(self._db, now):
            if not event.is_call or event.roster_sent_at or not event.deadline:
                continue
            if now < event.deadline:
                continue
            async with self._db.transaction() as connection:
                sent = {"roster_sent_at": now}
                if not await events.update(connection, event.id, sent, {"roster_sent_at": None}):
                    continue
                yes = [a for a in await self.answers(event.id) if a.answer == "yes"]
                roster = Coming(event=event, people=yes)
                await self._delivery.owe(connection, await notify(roster))
            claimed.append(roster)
        return claimed

    async def check_in(self, code: str, user_id: int) -> tuple[Event, CheckIn] | None:
        """The code on the poster at the door (None: no such event): from an hour before the
        start until the end, for those invited (an answer of yes or maybe counts), or for
        anyone when the event was made open to all; each person once."""
        event = await events.by_checkin(self._db, code)
        now = self._clock()
        if event is None or event.status != "published":
            return None
        if now < event.starts_at - CHECKIN_OPENS:
            return event, CheckIn.TOO_EARLY
        if now > event.ends_at:
            return event, CheckIn.TOO_LATE
        if not event.checkin_open and not await self._may_come(event, user_id):
            return event, CheckIn.NOT_INVITED
        async with self._db.transaction() as connection:
            new = await events.check_in(connection, event.id, user_id, now)
        return event, CheckIn.DONE if new else CheckIn.ALREADY

    async def _may_come(self, event: Event, user_id: int) -> bool:
        if await self.answer_of(event.id, user_id) in {Choice.YES, Choice.MAYBE}:
            return True
        return await self._invited(event, user_id)

    async def checked_in(self, event_id: int) -> int:
        """How many have checked in at the door so far."""
        return await events.checked_in(self._db, event_id)

    async def to_network(self, actor: int, event_id: int, notify: Notify[Added]) -> int | Problem:
        """A call's participants become an ad hoc action network, in one tap, once (the call
        records its network by a conditional write); each member is welcomed."""
        event = await self.get(event_id)
        if event is None or not event.is_call:
            return Problem.NOT_FOUND
        if event.network_id is not None:
            return Problem.ALREADY
        participants = [a.user_id for a in await self.answers(event_id) if a.answer == "yes"]
        if not participants:
            return Problem.NOBODY
        now = self._clock()
        try:
            async with self._db.transaction() as connection:
                network_id = await networks.insert(
                    connection, event.title[:60], "adhoc", secrets.token_urlsafe(8), now
                )
                await coordinators.audit(
                    connection, actor, AuditAction.NETWORK_CREATE, str(network_id), now
                )
                for user_id in participants:
                    await networks.add_member(connection, network_id, user_id, now)
                    await coordinators.audit(
                        connection, actor, AuditAction.MEMBER_ADD, str(user_id), now, network_id
                    )
                mine = {"network_id": network_id}
                if not await events.update(connection, event_id, mine, {"network_id": None}):
                    raise _Already  # a second tap, or another coordinator, was first
                network = await networks.get(self._db, network_id)
                assert network is not None
                welcome = Added(network=network, added=participants, unknown=[])
                await self._delivery.owe(connection, await notify(welcome))
        except _Already:
            return Problem.ALREADY
        return network_id

    # -- figures and lists ---------------------------------------------------------------------

    async def activities(self) -> list[Year]:
        """Events and calls held (published, started), per year and kind, and check-ins."""
        years: dict[int, Year] = {}
        for year, kind, held, came in await events.held_counts(self._db, self._clock()):
            found = years.setdefault(year, Year(year=year, by_kind={}, attended=0))
            found.by_kind[kind] = held
            found.attended += came
        return list(years.values())

    async def answers_csv(self, actor: int, event_id: int, t: Translator) -> bytes:
        """The event's answers and check-ins for Excel, in the coordinator's language and
        local times; written by a thread, as a big event's list can be long."""
        async with self._db.transaction() as connection:
            await coordinators.audit(
                connection, actor, AuditAction.EXPORT_EVENT, str(event_id), self._clock()
            )
        rows = [
            (
                r.name or "",
                username(r.username),
                t.plain(f"export.answer.{r.answer}") if r.answer else "",
                local_time(r.answered_at, t.zone),
                local_time(r.checked_in_at, t.zone),
            )
            for r in await events.roll(self._db, event_id)
        ]
        header = [t.plain(f"export.head.{c}") for c in ROLL_HEADER]
        return await asyncio.to_thread(csv_bytes, header, rows)


def _draft_kind(values: dict[str, Any]) -> ConversationKind:
    """The draft an event or call was written in: a call has no event kind."""
    return ConversationKind.CALL if values["kind"] == CALL else ConversationKind.EVENT
